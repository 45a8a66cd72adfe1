"""The built-in topics: fictional but realistic events written for hubbub, in English and Chinese.

The texts are data (``builtin.toml`` beside this module), read once on first use, so importing this
module reads nothing.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from hubbub.errors import ConfigError
from hubbub.platform.topic.model import LANGS, Topic

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


def _builtin(entry: dict, lang: str) -> Topic:
    title, summary, content = entry[lang]
    return Topic(f"{lang}-{entry['slug']}", title, summary, content, entry["sentiment"], entry["category"],
                 lang, "builtin")


@lru_cache(maxsize=1)
def _entries() -> tuple[dict, ...]:
    """The entries of ``builtin.toml``: slug, sentiment, category and (title, summary, content) per language."""
    text = resources.files(__package__).joinpath("builtin.toml").read_text(encoding="utf-8")
    return tuple({**entry, **{lang: tuple(entry[lang]) for lang in LANGS}}
                 for entry in tomllib.loads(text)["topics"])
