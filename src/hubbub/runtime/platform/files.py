"""The living platform's input files: the board's topics and the feed of timed news items.

**Topics** (TOML ``[[topics]]``, a JSON list or ``{"topics": [...]}``, or JSONL), one record each:
``topic_id``, ``title``, ``summary``; optional ``hashtag`` (default: the title), ``start_h`` (0),
``lifecycle_h`` (the run's length), ``A`` / ``T_m`` / ``alpha`` (the topic's access density P(t), hours
since it started; 1.5 / 1.0 / 0.5), ``category``. A record may hold ``en`` / ``zh`` tables with its
title, summary and hashtag in that language; the scenario's language is used when present.

**News** (JSONL), one item per line: ``at_h``, ``text``; optional ``as`` (``post``, the default: a
platform post by ``author``, default ``news``; or ``topic``: a new board topic whose ``title`` defaults
to the text), ``title``, ``hashtag``, ``topic_id``, ``lifecycle_h``, ``A``, ``T_m``, ``alpha``,
``category``, and ``en`` / ``zh`` tables as for topics.

``builtin`` names the platform-demo files shipped with hubbub. Every problem is one DataError naming
the file, the record, the field and what is allowed.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Iterator, Mapping

from hubbub.errors import DataError
from hubbub.platform.social.board import BoardTopic

BUILTIN = {"topics": "platform-demo-topics.json", "news": "platform-demo-news.jsonl"}
_TOPIC_KEYS = {"topic_id", "title", "summary", "hashtag", "start_h", "lifecycle_h", "A", "T_m", "alpha", "category",
               "en", "zh"}
_NEWS_KEYS = {"at_h", "text", "as", "author", "title", "summary", "hashtag", "topic_id", "lifecycle_h", "A", "T_m",
              "alpha", "category", "en", "zh"}


@dataclass(frozen=True)
class NewsItem:
    """One timed item: a platform post, or a new board topic (``topic`` set)."""

    at_h: float
    text: str
    author: str = "news"
    hashtag: str = ""
    topic: BoardTopic | None = None


def _text(source: str, kind: str) -> tuple[str, str]:
    """The file's text and its name for messages; ``builtin`` is the packaged demo file."""
    if source == "builtin":
        name = BUILTIN[kind]
        return (resources.files("hubbub.scenarios") / "builtin" / name).read_text(encoding="utf-8"), f"builtin:{name}"
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except OSError as exc:
        raise DataError(f"{source}: cannot read the {kind} file ({exc.strerror or exc}); allowed: 'builtin' or a "
                        f"readable file") from None
    except UnicodeDecodeError:
        raise DataError(f"{source}: the {kind} file is not UTF-8 text") from None


def _records(text: str, name: str, jsonl: bool = False) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The records of a TOML, JSON or JSONL text (``jsonl``: always read line by line)."""
    if name.endswith(".toml") and not jsonl:
        try:
            items = tomllib.loads(text).get("topics", [])
        except tomllib.TOMLDecodeError as exc:
            raise DataError(f"{name}: not TOML ({exc})") from None
        yield from ((f"topic {k + 1}", r) for k, r in enumerate(items))
        return
    if name.endswith(".json") and not jsonl:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(f"{name}: not JSON ({exc.msg} at line {exc.lineno})") from None
        items = data.get("topics", []) if isinstance(data, dict) else data
        yield from ((f"item {k + 1}", r) for k, r in enumerate(items))
        return
    for k, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                yield f"line {k}", json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{name}: line {k}: not JSON ({exc.msg})") from None


def _localised(record: Mapping[str, Any], lang: str) -> dict[str, Any]:
    own = record.get(lang)
    return {**record, **own} if isinstance(own, Mapping) else dict(record)


def _number(name: str, where: str, record: Mapping[str, Any], key: str, default: float, low: float,
            strict: bool = False) -> float:
    """A numeric field of a record (or its default), checked against its lower bound."""
    value = record.get(key, default)
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and (
        value > low if strict else value >= low)
    if not ok:
        bound = f"{'>' if strict else '>='} {low:g}"
        raise DataError(f"{name}: {where}: {key} = {value!r} is not allowed; expected a number {bound}")
    return float(value)


def _string(name: str, where: str, record: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = record.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise DataError(f"{name}: {where}: field {key!r} is missing or empty; expected a text")
    return value.strip()


def _check_keys(name: str, where: str, record: Any, allowed: set[str]) -> None:
    if not isinstance(record, Mapping):
        raise DataError(f"{name}: {where}: expected an object with fields, got {type(record).__name__}")
    unknown = sorted(set(record) - allowed)
    if unknown:
        raise DataError(f"{name}: {where}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")


def _topic(name: str, where: str, r: Mapping[str, Any], hours: float, start_h: float, source: str) -> BoardTopic:
    """A board topic from one record."""
    title = _string(name, where, r, "title")
    hashtag = str(r.get("hashtag") or title).strip("# ").strip()
    return BoardTopic(_string(name, where, r, "topic_id"), title, str(r.get("summary", "")).strip(), hashtag, start_h,
                      _number(name, where, r, "lifecycle_h", max(hours - start_h, 0.01), 0, strict=True),
                      _number(name, where, r, "A", 1.5, 0, strict=True), _number(name, where, r, "T_m", 1.0, 0),
                      _number(name, where, r, "alpha", 0.5, 0, strict=True), str(r.get("category", "")), source)


def load_board_topics(source: str, lang: str, hours: float) -> list[BoardTopic]:
    """The board's topics from ``source`` (see the module docstring)."""
    text, name = _text(source, "topics")
    topics: list[BoardTopic] = []
    for where, record in _records(text, name):
        _check_keys(name, where, record, _TOPIC_KEYS)
        r = _localised(record, lang)
        topics.append(_topic(name, where, r, hours, _number(name, where, r, "start_h", 0.0, 0), "file"))
    _unique(name, [t.topic_id for t in topics])
    if not topics:
        raise DataError(f"{name}: no topics found; expected at least one record")
    return topics


def load_news(source: str, lang: str, hours: float) -> list[NewsItem]:
    """The timed items of ``source`` (see the module docstring); '' is none."""
    if not source:
        return []
    text, name = _text(source, "news")
    items = []
    for where, record in _records(text, name, jsonl=True):
        _check_keys(name, where, record, _NEWS_KEYS)
        r = _localised(record, lang)
        at_h, body = _number(name, where, r, "at_h", -1.0, 0), _string(name, where, r, "text")
        as_ = r.get("as", "post")
        if as_ not in ("post", "topic"):
            raise DataError(f"{name}: {where}: as = {as_!r} is not allowed; allowed: post, topic")
        topic = None
        if as_ == "topic":
            topic = _topic(name, where, {"title": body, "summary": body, **r, "topic_id": r.get("topic_id") or
                                         f"news-{where.split()[-1]}"}, hours, at_h, "news")
        items.append(NewsItem(at_h, body, str(r.get("author", "news")), str(r.get("hashtag", "")).strip("# "), topic))
    _unique(name, [i.topic.topic_id for i in items if i.topic is not None])
    return sorted(items, key=lambda i: i.at_h)


def _unique(name: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for topic_id in ids:
        if topic_id in seen:
            raise DataError(f"{name}: duplicate topic_id {topic_id!r}; topic ids must be unique")
        seen.add(topic_id)
