"""The built-in topics: fictional but realistic events written for hubbub, in English and Chinese.

The texts are data (``builtin.toml`` beside this module), read once on first use, so importing this
module reads nothing. Each topic carries the access parameters (A, T_m, alpha of P(t)) fitted for a
Weibo hot-search category by ``hubbub evaluate board_weibo`` (the file's header says which and how).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from hubbub.errors import ConfigError
from hubbub.platform.topic.model import LANGS, Topic, TopicAccess

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


def builtin_topics(lang: str = "en") -> list[Topic]:
    """The built-in topics in ``lang`` (fictional events; no real private persons)."""
    if lang not in LANGS:
        raise ConfigError(f"topic language {lang!r} is not available; allowed: {', '.join(LANGS)}")
    return [_builtin(entry, lang) for entry in _entries()]


def get_topic(topic_id: str) -> Topic:
    """A built-in topic by id (ids are ``<lang>-<slug>``, unique across both languages)."""
    topics = {t.topic_id: t for lang in LANGS for t in builtin_topics(lang)}
    if topic_id not in topics:
        raise ConfigError(f"unknown topic id {topic_id!r}; built-in ids: {', '.join(sorted(topics))}")
    return topics[topic_id]


def board_category(topic_id: str) -> str:
    """The Weibo hot-search category whose fitted access parameters a built-in topic carries."""
    get_topic(topic_id)  # an unknown id is a ConfigError listing the built-in ids
    slug = topic_id.split("-", 1)[1]
    return next(e["board_category"] for e in _entries() if e["slug"] == slug)


def _builtin(entry: dict, lang: str) -> Topic:
    title, summary, content = entry[lang]
    return Topic(f"{lang}-{entry['slug']}", title, summary, content, entry["sentiment"], entry["category"],
                 lang, "builtin", TopicAccess(**_data()["board_access"][entry["board_category"]]))


@lru_cache(maxsize=1)
def _data() -> dict:
    """``builtin.toml`` as data; every topic's board category must have fitted access parameters."""
    data = tomllib.loads(resources.files(__package__).joinpath("builtin.toml").read_text(encoding="utf-8"))
    for entry in data["topics"]:
        if entry.get("board_category") not in data["board_access"]:
            raise ConfigError(f"builtin.toml: topic {entry['slug']!r}: board_category {entry.get('board_category')!r} "
                              f"has no [board_access] table; allowed: {', '.join(data['board_access'])}")
    return data


def _entries() -> tuple[dict, ...]:
    """The entries of ``builtin.toml``: slug, sentiment, category, board category and (title, summary,
    content) per language."""
    return tuple({**entry, **{lang: tuple(entry[lang]) for lang in LANGS}} for entry in _data()["topics"])
