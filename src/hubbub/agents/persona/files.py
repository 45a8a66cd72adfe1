"""Personas and posts from files: a JSONL or CSV file of profiles (:func:`load_personas`), and real users'
posts (:func:`load_user_posts`) with pseudonymised ids and scrubbed text."""

from __future__ import annotations

import csv
import io
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence


from hubbub.agents.anonymise import DEFAULT_SALT, anonymous_id, scrub
from hubbub.agents.persona.importers import foreign_records
from hubbub.agents.persona.model import GENDERS, GROUPS, GROUP_LABELS, LANGS, OCCUPATIONS, Persona, draw_affect
from hubbub.errors import DataError
from hubbub.textfiles import BIO_CHARS, POST_CHARS, check_columns, check_length, json_object, read_utf8

_GENDER_ALIASES = {"f": "female", "female": "female", "woman": "female", "女": "female",
                   "m": "male", "male": "male", "man": "male", "男": "male", "other": "other"}
_ID_KEYS = ("id", "agent_id", "user_id")
_PROFILE_KEYS = ("description", "group", "age", "gender", "occupation", "emotion", "confidence")


def load_personas(path: str | Path, lang: str, *, salt: str = DEFAULT_SALT, keep_ids: bool = False,
                  seed: int = 0) -> list[Persona]:
    """Personas from a JSONL or CSV file of profiles.

    Columns: id (or agent_id / user_id), description, and optionally group, age, gender, occupation,
    emotion, confidence; other columns go to ``extra``. Ids are pseudonymised with ``salt`` unless
    ``keep_ids`` (ids already in pseudonym form are kept) and text is scrubbed. A missing emotion or
    confidence is drawn from the built-in population's distribution (seeded by ``seed`` and the id)
    and listed in ``extra["drawn"]``. Errors name the file, line, column and what is allowed.
    TrendSim's user_1000.csv and OASIS's Twitter CSV and Reddit JSON profile files are recognised by
    their first row and translated (:mod:`.importers`).
    """
    if lang not in LANGS:
        raise ValueError(f"unknown persona language {lang!r}; allowed: {', '.join(LANGS)}")
    path = Path(path)
    personas: list[Persona] = []
    first_line: dict[str, int] = {}
    records = foreign_records(path, lang, salt, keep_ids)  # TrendSim's or OASIS's user files
    for line, record in _read_records(path) if records is None else records:
        raw_id = _required(path, line, record, _ID_KEYS, "id")
        if raw_id in first_line:
            raise DataError(f"{path}: line {line}: duplicate id {_shown(raw_id)} (first on line {first_line[raw_id]})")
        first_line[raw_id] = line
        agent_id = raw_id if keep_ids else anonymous_id(raw_id, salt)
        personas.append(_profile(path, line, record, agent_id, lang, seed))
    if not personas:
        raise DataError(f"{path}: the file holds no profiles; expected one per line")
    return personas


def _profile(path: Path, line: int, record: Mapping[str, Any], agent_id: str, lang: str, seed: int) -> Persona:
    check_columns(record, f"{path}: line {line}", BIO_CHARS)  # before any work on the text
    description = scrub(_required(path, line, record, ("description",), "description"))
    emotion, confidence = draw_affect(seed, agent_id)
    drawn = [name for name in ("emotion", "confidence") if _blank(record.get(name))]
    extra = {k: (scrub(v) if isinstance(v, str) else v) for k, v in record.items()
             if k not in _ID_KEYS + _PROFILE_KEYS}
    if drawn:
        extra["drawn"] = drawn
    return Persona(
        agent_id=agent_id, description=description,
        group=_group(path, line, record.get("group")), age=_age(path, line, record.get("age")),
        gender=_gender(path, line, record.get("gender")),
        occupation=_choice(path, line, "occupation", record.get("occupation"), OCCUPATIONS),
        emotion=emotion if "emotion" in drawn else _level(path, line, "emotion", record["emotion"]),
        confidence=confidence if "confidence" in drawn else _level(path, line, "confidence", record["confidence"]),
        lang=lang, extra=extra,
    )


def _shown(value: Any) -> str:
    """A bad value as an error message shows it: its repr, cut short (a huge field keeps the message
    to one readable line)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _required(path: Path, line: int, record: Mapping[str, Any], keys: Sequence[str], name: str) -> str:
    for key in keys:
        if not _blank(record.get(key)):
            return str(record[key]).strip()
    raise DataError(f"{path}: line {line}: column {name!r} is missing or empty"
                    + (f" (accepted names: {', '.join(keys)})" if len(keys) > 1 else ""))


def _group(path: Path, line: int, value: Any) -> str | None:
    if _blank(value):
        return None
    text = str(value).strip()
    for i, group in enumerate(GROUPS):
        if text.lower() == group or text == GROUP_LABELS["zh"][i].split("：")[0]:
            return group
    raise DataError(f"{path}: line {line}: column 'group' is {_shown(text)}; allowed: {', '.join(GROUPS)}")


def _age(path: Path, line: int, value: Any) -> int | None:
    if _blank(value):
        return None
    try:
        age = int(str(value).strip())
    except ValueError:
        age = -1
    if not 0 < age < 120:
        raise DataError(f"{path}: line {line}: column 'age' is {_shown(value)}; allowed: a whole number 1-119")
    return age


def _gender(path: Path, line: int, value: Any) -> str | None:
    if _blank(value):
        return None
    text = str(value).strip().lower()
    if text not in _GENDER_ALIASES:
        raise DataError(f"{path}: line {line}: column 'gender' is {_shown(value)}; "
                        f"allowed: {', '.join(GENDERS)} (or f/m, 女/男)")
    return _GENDER_ALIASES[text]


def _choice(path: Path, line: int, name: str, value: Any, allowed: Sequence[str]) -> str | None:
    if _blank(value):
        return None
    if str(value).strip() not in allowed:
        raise DataError(f"{path}: line {line}: column {name!r} is {_shown(value)}; allowed: {'; '.join(allowed)}")
    return str(value).strip()


def _level(path: Path, line: int, name: str, value: Any) -> float:
    try:
        number = float(str(value).strip())
    except ValueError:
        number = math.nan
    if math.isnan(number) or not 0.0 <= number <= 1.0:
        raise DataError(f"{path}: line {line}: column {name!r} is {_shown(value)}; allowed: a number in [0, 1]")
    return number


def load_user_posts(path: str | Path, *, salt: str = DEFAULT_SALT, keep_ids: bool = False) -> dict[str, list[str]]:
    """Raw posts grouped by pseudonymous user id, oldest first when a ``time`` column is given.

    Columns: user_id (or id), text (or content), optional time (epoch seconds or ISO 8601). Text is
    scrubbed; rows whose text is empty (image-only posts) are skipped.
    """
    path = Path(path)
    timed: dict[str, list[tuple[float, int, str]]] = {}
    has_time: bool | None = None
    for line, record in _read_records(path):
        raw_id = _required(path, line, record, ("user_id", "id"), "user_id")
        if not any(key in record for key in ("text", "content")):
            raise DataError(f"{path}: line {line}: column 'text' is missing (accepted names: text, content)")
        raw = str(record.get("text", record.get("content")) or "")
        text = scrub(check_length(raw, POST_CHARS, f"{path}: line {line}", "column 'text'").strip())
        row_has_time = not _blank(record.get("time"))
        if has_time is not None and row_has_time != has_time:
            raise DataError(f"{path}: line {line}: column 'time' must be given on every row or on none")
        has_time = row_has_time
        stamp = _timestamp(path, line, record["time"]) if row_has_time else 0.0
        if text:
            user = raw_id if keep_ids else anonymous_id(raw_id, salt)
            timed.setdefault(user, []).append((stamp, line, text))
    if has_time is None:
        raise DataError(f"{path}: the file holds no posts; expected one per line")
    return {user: [text for _, _, text in sorted(rows)] for user, rows in timed.items()}


def _timestamp(path: Path, line: int, value: Any) -> float:
    text = str(value).strip()
    try:
        seconds = float(text)
        if math.isfinite(seconds):
            return seconds
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise DataError(f"{path}: line {line}: column 'time' is {_shown(text)}; allowed: epoch seconds or an "
                        "ISO 8601 date-time such as 2024-05-20 20:15:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _read_records(path: Path) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """(line number, record) pairs from a JSONL or CSV file."""
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        raise DataError(f"{path}: unsupported file type {suffix or '(none)'!r}; allowed: .jsonl, .csv")
    text = read_utf8(path)
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        try:
            for row in reader:
                if None in row:
                    raise DataError(f"{path}: line {reader.line_num}: more values than header columns")
                yield reader.line_num, row
        except csv.Error as exc:  # a field over the csv module's size limit, a stray quote
            raise DataError(f"{path}: line {reader.line_num + 1}: not readable as CSV ({exc}); allowed: "
                            f"fields of at most {csv.field_size_limit()} characters, quotes doubled inside "
                            "quoted fields") from None
        return
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            yield number, json_object(path, f"line {number}", raw)
