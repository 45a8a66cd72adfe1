"""Topics from a user's file: JSON (a list, or ``{"topics": [...]}``), JSONL, TOML (``[[topics]]``) or CSV.
TrendSim's headerless tweets.csv is recognised and read too (:mod:`.importers`).

Every error names the file, the line or item, the field and what is allowed.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Iterator, Mapping

from hubbub.errors import DataError
from hubbub.platform.topic.importers import is_trendsim_tweets, trendsim_records
from hubbub.platform.topic.model import ACCESS_LIMITS, CATEGORIES, LANGS, SENTIMENTS, Clean, Topic, TopicAccess
from hubbub.textfiles import TOPIC_TEXT_CHARS, TOPIC_TITLE_CHARS, check_length, json_object, read_utf8

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

_REQUIRED = ("topic_id", "title", "summary", "content", "sentiment")
_OPTIONAL = ("category", "lang", "source", "A", "T_m", "alpha")
_ALIASES = {"id": "topic_id"}
_CJK = re.compile(r"[\u4e00-\u9fff]")


def load_topics(path: str | Path, *, clean: Clean | None = None) -> list[Topic]:
    """Topics from a JSON (list, or ``{"topics": [...]}``), JSONL, TOML (``[[topics]]``) or CSV file.

    Required fields: topic_id (or id), title, summary, content, sentiment. Optional: category
    (default "other"), lang (default "zh" if the title has Chinese characters, else "en"), source
    (default: the file name) and the topic's own access parameters A, T_m, alpha (each overrides the
    scenario's unset ``trendsim.access`` value). Errors name the file, the line or item, the field and
    what is allowed.
    """
    path = Path(path)
    topics: list[Topic] = []
    seen: dict[str, str] = {}
    for where, record in _records(path):
        topic = _topic_from_record(path, where, record, clean)
        if topic.topic_id in seen:
            raise DataError(f"{path}: {where}: duplicate topic_id {topic.topic_id!r} "
                            f"(first at {seen[topic.topic_id]}); topic ids must be unique")
        seen[topic.topic_id] = where
        topics.append(topic)
    if not topics:
        raise DataError(f"{path}: no topics found; expected at least one record")
    return topics


def _topic_from_record(path: Path, where: str, record: Mapping[str, object], clean: Clean | None) -> Topic:
    fields = {_ALIASES.get(k, k): ("" if v is None else str(v).strip()) for k, v in record.items()}
    unknown = sorted(set(fields) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise DataError(f"{path}: {where}: unknown field(s) {', '.join(unknown)}; "
                        f"allowed: {', '.join(_REQUIRED + _OPTIONAL)} (id is accepted for topic_id)")
    for name in _REQUIRED:
        if not fields.get(name):
            raise DataError(f"{path}: {where}: field {name!r} is missing or empty")
    _check_sizes(f"{path}: {where}", fields)
    for name, allowed in (("sentiment", SENTIMENTS), ("category", CATEGORIES), ("lang", LANGS)):
        value = fields.get(name)
        if value and value not in allowed:
            raise DataError(f"{path}: {where}: field {name!r} is {value!r}; allowed: {', '.join(allowed)}")
    text = clean or (lambda s: s)
    return Topic(
        topic_id=fields["topic_id"], title=text(fields["title"]), summary=text(fields["summary"]),
        content=text(fields["content"]), sentiment=fields["sentiment"],
        category=fields.get("category") or "other",
        lang=fields.get("lang") or ("zh" if _CJK.search(fields["title"]) else "en"),
        source=fields.get("source") or path.name, access=_access(f"{path}: {where}", fields),
    )


def _access(where: str, fields: Mapping[str, str]) -> TopicAccess:
    """The record's own access parameters (empty = not given); a bad value is one error line."""
    try:
        return TopicAccess(**{n: fields[n] for n in ACCESS_LIMITS if fields.get(n)})
    except ValueError as exc:
        raise DataError(f"{where}: {str(exc).removeprefix('topic ')}") from None


def _check_sizes(where: str, fields: Mapping[str, str]) -> None:
    """Refuse a topic text over its limit before it is scrubbed, embedded or put in any prompt."""
    for name in ("title", "summary", "content"):
        limit = TOPIC_TITLE_CHARS if name == "title" else TOPIC_TEXT_CHARS
        check_length(fields[name], limit, where, f"field {name!r}")


def _records(path: Path) -> Iterator[tuple[str, Mapping[str, object]]]:
    """(location, record) pairs from a topic file, by extension."""
    suffix = path.suffix.lower()
    readers = {".jsonl": _jsonl_records, ".json": _json_records, ".toml": _toml_records, ".csv": _csv_records}
    if suffix not in readers:
        raise DataError(f"{path}: unsupported topic file type {suffix or '(none)'!r}; "
                        f"allowed: {', '.join(sorted(readers))}")
    if suffix == ".csv" and is_trendsim_tweets(path):  # headerless: TrendSim's tweets.csv
        yield from trendsim_records(path, read_utf8(path, "topic file"))
        return
    yield from readers[suffix](path, read_utf8(path, "topic file"))


def _jsonl_records(path: Path, text: str) -> Iterator[tuple[str, Mapping[str, object]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield f"line {number}", json_object(path, f"line {number}", line)


def _json_records(path: Path, text: str) -> Iterator[tuple[str, Mapping[str, object]]]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: line {exc.lineno}: bad JSON ({exc.msg} at column {exc.colno})") from exc
    except RecursionError:
        raise DataError(f"{path}: JSON nested too deeply; allowed: a list of flat topic objects") from None
    if isinstance(value, dict) and "topics" in value:
        value = value["topics"]
    if not isinstance(value, list):
        raise DataError(f"{path}: expected a JSON list of topics or an object with a 'topics' list")
    yield from _numbered_items(path, value)


def _toml_records(path: Path, text: str) -> Iterator[tuple[str, Mapping[str, object]]]:
    try:
        value = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{path}: bad TOML: {exc}") from exc
    except RecursionError:
        raise DataError(f"{path}: TOML nested too deeply; allowed: an array of flat tables [[topics]]") from None
    items = value.get("topics")
    if not isinstance(items, list):
        raise DataError(f"{path}: expected an array of tables [[topics]]")
    yield from _numbered_items(path, items)


def _numbered_items(path: Path, items: list) -> Iterator[tuple[str, Mapping[str, object]]]:
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise DataError(f"{path}: topic #{number}: expected an object/table, got {type(item).__name__}")
        yield f"topic #{number}", item


def _csv_records(path: Path, text: str) -> Iterator[tuple[str, Mapping[str, object]]]:
    reader = csv.DictReader(io.StringIO(text))
    try:
        for row in reader:
            if None in row:
                raise DataError(f"{path}: line {reader.line_num}: more values than the "
                                f"{len(reader.fieldnames or [])} header columns")
            yield f"line {reader.line_num}", {k: v for k, v in row.items() if v not in (None, "")}
    except csv.Error as exc:  # a field over the csv module's size limit, a stray quote
        raise DataError(f"{path}: line {reader.line_num + 1}: not readable as CSV ({exc}); allowed: fields of at "
                        f"most {csv.field_size_limit()} characters, quotes doubled inside quoted fields") from None
