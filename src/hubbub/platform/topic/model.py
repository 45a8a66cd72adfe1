"""A trending topic (TrendSim Section 3.2.2): a public post with a title, a summary and full content.

The value type and the choices its fields allow; the readers (built-in set, topic files, the Weibo
hot-search board) live beside it in this package.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

SENTIMENTS = ("positive", "negative", "neutral")
CATEGORIES = ("entertainment", "sports", "society", "technology", "lifestyle", "culture", "finance", "other")
LANGS = ("en", "zh")

Clean = Callable[[str], str]


@dataclass(frozen=True)
class Topic:
    """One trending topic. ``sentiment`` groups topics as in the paper's results (Table 5)."""

    topic_id: str
    title: str
    summary: str
    content: str
    sentiment: str
    category: str
    lang: str
    source: str

    def __post_init__(self) -> None:
        for name in ("topic_id", "title", "summary", "content"):
            if not str(getattr(self, name)).strip():
                raise ValueError(f"topic field {name!r} is empty")
        _check_choice("sentiment", self.sentiment, SENTIMENTS)
        _check_choice("category", self.category, CATEGORIES)
        _check_choice("lang", self.lang, LANGS)

    def brief(self) -> str:
        """What the browsing page shows: title and summary."""
        return f"{self.title}\n{self.summary}"

    def full(self) -> str:
        """What the main page shows before the comments: title and full content."""
        return f"{self.title}\n{self.content}"


def _check_choice(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ValueError(f"topic field {name!r} is {value!r}; allowed: {', '.join(allowed)}")

