"""Profiles from other simulators' user files, translated into hubbub's persona records.

:func:`load_personas` recognises these files by their first row (no setting names the format) and
reads each one through :func:`foreign_records`, which turns every user into a record with hubbub's
column names; the same checks, scrubbing and pseudonymisation as for a hubbub file then apply.

* ``trendsim``: TrendSim's ``data/user_1000.csv``, a CSV without a header, six columns: row number,
  uid, name, followed_num (followers), following_num, description. Recognised by its first cell, a
  row number. Emotion and confidence start at 0.5, as TrendSim's ``default_score`` sets them.
* ``oasis-twitter``: OASIS's Twitter profile CSV (a header with ``user_char``, ``description``,
  ``username``, and usually ``user_id``, ``following_agentid_list``, ``previous_tweets``).
  The profile is ``user_char`` (what OASIS shows the agent), else ``description``; the follow lists,
  which name other rows by position (OASIS agent ids), become lists of hubbub agent ids.
* ``oasis-reddit``: OASIS's Reddit profile JSON, a list of objects with ``username``, ``persona``,
  ``bio``, ``age``, ``gender``, ``mbti``, ``country``, ...; any ``.json`` profile file.

Real names and handles (TrendSim ``name``; OASIS ``name``, ``username``, ``realname``) are dropped;
ids are pseudonymised by :func:`load_personas`, and texts are scrubbed.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from hubbub.agents.anonymise import anonymous_id, scrub
from hubbub.errors import DataError
from hubbub.textfiles import BIO_CHARS, POST_CHARS, check_columns, csv_rows, first_csv_row, read_utf8

FORMATS = ("trendsim", "oasis-twitter", "oasis-reddit")
TRENDSIM_COLUMNS = ("index", "uid", "name", "followed_num", "following_num", "description")
"""The six columns of TrendSim's user_1000.csv, in order (the file itself has no header)."""
OASIS_TWITTER_MARKS = ("user_char", "following_agentid_list", "previous_tweets")
"""Header columns only an OASIS Twitter profile CSV has."""
PLACEHOLDER = {"en": "A social media user who has written no profile.",
               "zh": "一位没有填写个人简介的社交媒体用户。"}
"""The description of a user whose file gives no profile text (listed in ``extra["placeholder"]``)."""

_INT_LIST = re.compile(r"\[\s*(?:\d+\s*(?:,\s*\d+\s*)*,?\s*)?\]")

Record = Mapping[str, Any]


def detect_format(path: Path) -> str | None:
    """The foreign format of a profile file, from its name and first row; None for hubbub's own."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "oasis-reddit"
    first = first_csv_row(path) if suffix == ".csv" else []
    if first and first[0].strip().isdigit():
        return "trendsim"
    if set(OASIS_TWITTER_MARKS) & {cell.strip() for cell in first}:
        return "oasis-twitter"
    return None


def foreign_records(path: Path, lang: str, salt: str, keep_ids: bool) -> Iterator[tuple[int, Record]] | None:
    """(line, hubbub profile record) pairs of a foreign profile file; None when the file is in
    hubbub's own format. ``salt`` and ``keep_ids`` turn OASIS follow lists into the agent ids
    :func:`load_personas` gives the followed users."""
    fmt = detect_format(path)
    if fmt is None:
        return None
    text = read_utf8(path, "profile file")
    if fmt == "trendsim":
        return _trendsim(path, text)
    if fmt == "oasis-twitter":
        return _oasis_twitter(path, text, lang, lambda raw: raw if keep_ids else anonymous_id(raw, salt))
    return _oasis_reddit(path, text, lang)


# TrendSim -----------------------------------------------------------------------------------------

def _trendsim(path: Path, text: str) -> Iterator[tuple[int, Record]]:
    for line, row in csv_rows(path, text):
        if len(row) != len(TRENDSIM_COLUMNS):
            raise DataError(f"{path}: line {line}: {len(row)} values; a TrendSim user_1000.csv row has "
                            f"{len(TRENDSIM_COLUMNS)}: {', '.join(TRENDSIM_COLUMNS)}")
        yield line, {"id": row[1], "description": row[5], "emotion": 0.5, "confidence": 0.5,
                     "followers": _count(path, line, "followed_num", row[3]),
                     "following": _count(path, line, "following_num", row[4]), "imported_from": "trendsim"}


def _count(path: Path, line: int, column: str, value: Any) -> int:
    """A follower or following count: a whole number >= 0 (pandas may have written it as 12.0)."""
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        number = -1.0
    if not (number >= 0 and number.is_integer()):
        raise DataError(f"{path}: line {line}: column {column!r} is {text[:40]!r}; allowed: a whole number >= 0")
    return int(number)


# OASIS Twitter CSV --------------------------------------------------------------------------------

def _oasis_twitter(path: Path, text: str, lang: str,
                   agent_id: Callable[[str], str]) -> Iterator[tuple[int, Record]]:
    """Two passes: follow lists name rows by position, so every row's id is known first."""
    rows = list(csv_rows(path, text))
    if not rows:
        return iter(())
    header, body = [cell.strip() for cell in rows[0][1]], rows[1:]
    _need_columns(path, header)
    records = [(line, _row_record(path, line, header, cells)) for line, cells in body]
    ids = [agent_id(_raw_id(path, line, row)) for line, row in records]
    return ((line, _twitter_profile(path, line, row, lang, ids)) for line, row in records)


def _need_columns(path: Path, header: Sequence[str]) -> None:
    missing = [name for name in ("user_char", "description") if name not in header]
    if not {"user_id", "username"} & set(header):
        missing.append("user_id (or username)")
    if missing:
        raise DataError(f"{path}: line 1: column(s) {', '.join(missing)} missing; an OASIS Twitter profile CSV "
                        "has user_id, username, description, user_char (and following_agentid_list, previous_tweets)")


def _row_record(path: Path, line: int, header: Sequence[str], cells: Sequence[str]) -> dict[str, str]:
    if len(cells) > len(header):
        raise DataError(f"{path}: line {line}: more values than the {len(header)} header columns")
    row = dict(zip(header, cells))
    check_columns(row, f"{path}: line {line}", BIO_CHARS, {"previous_tweets": POST_CHARS})
    return row


def _raw_id(path: Path, line: int, row: Mapping[str, str]) -> str:
    for key in ("user_id", "username"):
        if row.get(key, "").strip():
            return row[key].strip()
    raise DataError(f"{path}: line {line}: column 'user_id' is missing or empty (accepted names: user_id, username)")


def _twitter_profile(path: Path, line: int, row: Mapping[str, str], lang: str, ids: Sequence[str]) -> Record:
    profile, bio = row.get("user_char", "").strip(), row.get("description", "").strip()
    record: dict[str, Any] = {"id": _raw_id(path, line, row), "description": profile or bio or PLACEHOLDER[lang],
                              "imported_from": "oasis-twitter"}
    if not (profile or bio):
        record["placeholder"] = "description"
    if bio and bio != profile:
        record["bio"] = bio
    for column, key in (("followers_count", "followers"), ("following_count", "following")):
        if row.get(column, "").strip():
            record[key] = _count(path, line, column, row[column])
    record["follows"] = [ids[k] for k in _positions(path, line, row.get("following_agentid_list", ""), len(ids))]
    record["previous_posts"] = [scrub(post) for post in _posts(path, line, row.get("previous_tweets", ""))]
    return record


def _positions(path: Path, line: int, value: str, size: int) -> list[int]:
    """The rows an OASIS follow list names: ``[3, 17]`` (a bare number or a blank means none, as in
    OASIS), each a row position 0..size-1."""
    text = value.strip()
    if not text or text.isdigit():
        return []
    if not _INT_LIST.fullmatch(text):
        raise DataError(f"{path}: line {line}: column 'following_agentid_list' is {text[:40]!r}; allowed: a list "
                        "of row positions (OASIS agent ids) such as [3, 17]")
    positions = [int(k) for k in re.findall(r"\d+", text)]
    bad = [k for k in positions if k >= size]
    if bad:
        raise DataError(f"{path}: line {line}: column 'following_agentid_list' names agent {bad[0]}; allowed: "
                        f"row positions 0-{size - 1} (the file has {size} users)")
    return positions


def _posts(path: Path, line: int, value: str) -> list[str]:
    """An OASIS ``previous_tweets`` cell: a Python list of strings (read as a literal, never run)."""
    text = value.strip()
    if not text:
        return []
    try:
        posts = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        posts = None
    if not isinstance(posts, (list, tuple)) or not all(isinstance(post, str) for post in posts):
        raise DataError(f"{path}: line {line}: column 'previous_tweets' is {text[:40]!r}; allowed: a list of "
                        "quoted texts such as ['first tweet', 'second tweet']")
    return [post.strip() for post in posts if post.strip()]


# OASIS Reddit JSON --------------------------------------------------------------------------------

_REDDIT_DROPPED = ("realname", "username", "persona")
_DEMOGRAPHICS = {"en": ("Gender: {}.", "Age: {}.", "MBTI: {}.", "Country: {}."),
                 "zh": ("性别：{}。", "年龄：{}。", "MBTI：{}。", "国家：{}。")}


def _oasis_reddit(path: Path, text: str, lang: str) -> Iterator[tuple[int, Record]]:
    for line, item in _json_items(path, text):
        check_columns(item, f"{path}: line {line}", BIO_CHARS)
        yield line, _reddit_profile(path, line, item, lang)


def _reddit_profile(path: Path, line: int, item: Mapping[str, Any], lang: str) -> Record:
    """OASIS shows its Reddit agents the persona and then gender, age, MBTI and country; the
    description keeps all of them, and age and gender also fill the persona's own fields."""
    username = str(item.get("username") or "").strip()
    if not username:
        raise DataError(f"{path}: line {line}: field 'username' is missing or empty (OASIS names each user by it)")
    persona = str(item.get("persona") or item.get("bio") or "").strip()
    shown = [form.format(item[key]) for form, key in zip(_DEMOGRAPHICS[lang], ("gender", "age", "mbti", "country"))
             if str(item.get(key) or "").strip()]
    record: dict[str, Any] = {k: v for k, v in item.items() if k not in _REDDIT_DROPPED}
    record.update(id=username, description=" ".join([persona or PLACEHOLDER[lang], *shown]),
                  imported_from="oasis-reddit")
    if not persona:
        record["placeholder"] = "description"
    if isinstance(record.get("interested_topics"), list):
        record["interested_topics"] = [scrub(str(topic)) for topic in record["interested_topics"]]
    return record


def _json_items(path: Path, text: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """(line, object) for each item of a JSON list, with the line each item starts on."""
    decoder, at = json.JSONDecoder(), _skip(text, 0)
    if text[at:at + 1] != "[":
        raise DataError(f"{path}: line {text.count(chr(10), 0, at) + 1}: expected a JSON list of profiles "
                        "(OASIS Reddit format: [{\"username\": ..., \"persona\": ...}, ...])")
    at = _skip(text, at + 1)
    while text[at:at + 1] != "]":
        line = text.count("\n", 0, at) + 1
        item, at = _decode(path, line, decoder, text, at)
        yield line, item
        at = _skip(text, at)
        if text[at:at + 1] == ",":
            at = _skip(text, at + 1)
        elif text[at:at + 1] != "]":
            raise DataError(f"{path}: line {text.count(chr(10), 0, at) + 1}: expected ',' or ']' after a profile")


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def _decode(path: Path, line: int, decoder: json.JSONDecoder, text: str, at: int) -> tuple[Mapping[str, Any], int]:
    try:
        item, end = decoder.raw_decode(text, at)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: line {exc.lineno}: bad JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise DataError(f"{path}: line {line}: JSON nested too deeply; allowed: a list of flat objects") from None
    if not isinstance(item, dict):
        raise DataError(f"{path}: line {line}: expected a JSON object (one profile), got {type(item).__name__}")
    return item, end
