"""A trending topic (TrendSim Section 3.2.2): a public post with a title, a summary and full content,
and optionally its own parameters of the access density P(t) (the paper varies A, T_m and alpha by topic).

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


ACCESS_LIMITS = {"A": (0.0, False, 50.0), "T_m": (0.0, True, 720.0), "alpha": (0.0, False, 100.0)}
"""Allowed (low, low included, high) of a topic's own access parameters: the ranges of
``trendsim.access`` in the scenario schema."""


@dataclass(frozen=True)
class TopicAccess:
    """A topic's own parameters of TrendSim's access density P(t) (A, T_m in hours, alpha); None = not
    given (the scenario's value, else TrendSim's default, is used)."""

    A: float | None = None
    T_m: float | None = None
    alpha: float | None = None

    def __post_init__(self) -> None:
        for name in ACCESS_LIMITS:
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, check_access(name, value))

    def given(self) -> dict[str, float]:
        """The parameters this topic sets, by name."""
        return {n: getattr(self, n) for n in ACCESS_LIMITS if getattr(self, n) is not None}


def check_access(name: str, value: object) -> float:
    """``value`` as a float if it is allowed for access parameter ``name``, else one ValueError line."""
    low, closed, high = ACCESS_LIMITS[name]
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = float("nan")
    if not (number >= low if closed else number > low) or not number <= high or isinstance(value, bool):
        raise ValueError(f"topic field {name!r} is {value!r}; allowed: a number {'>=' if closed else '>'} "
                         f"{low:g} and <= {high:g}")
    return number


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
    access: TopicAccess = TopicAccess()
    """The topic's own access parameters, overriding the scenario's defaults (``trendsim.access``)."""

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

