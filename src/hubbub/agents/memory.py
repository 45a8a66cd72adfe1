"""The memory pool (S3 4.1): which messages a user still has in mind when the LLM is asked about them.

S3 keeps "the most impactful messages" by three *influence factors*; the paper names them but gives no
formula, so this module fixes one (see ``docs/s3-choices.md``). For an item seen at time ``t_i`` and
scored at time ``now``:

* temporal influence ``T = f(now - t_i)`` with a forgetting function ``f`` (``f(0) = 1``, decreasing
  to 0): :class:`Exponential` ``0.5 ** (age / half_life)``, :class:`PowerLaw`
  ``(1 + age / scale) ** -exponent`` or :class:`Linear` ``max(0, 1 - age / window)``;
* content relevance ``R = (1 + cos(profile, item)) / 2`` in [0, 1]; ``R = 0.5`` (neutral) when the item
  or the profile has no vector;
* source authenticity ``S = source_scores[source]`` (own 1.0, mutual 0.8, followee 0.6, recommended 0.4).

``score = (w_time * T + w_relevance * R + w_source * S) / (w_time + w_relevance + w_source)``, a
weighted mean in [0, 1]. Ties keep insertion order.

The prompt budget is in *estimated* tokens (:func:`count_tokens`): real tokenisers differ by model,
and the estimate only has to be consistent and on the safe side for typical text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from hubbub.agents.prompts import Block, joined
from hubbub.agents.feed.texts import text as prompt_text
from hubbub.errors import ConfigError

SOURCES = ("own", "mutual", "followee", "recommended")
DEFAULT_SOURCE_SCORES: Mapping[str, float] = MappingProxyType(
    {"own": 1.0, "mutual": 0.8, "followee": 0.6, "recommended": 0.4})

_CJK_CHAR = re.compile("[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def count_tokens(text: str) -> int:
    """An *estimate* of the tokens ``text`` costs in a prompt: one per CJK character (ideographs, kana,
    hangul, full-width punctuation) plus one per 4 other characters, rounded up. Real BPE tokenisers
    give ~4 characters per English token and 1-1.5 tokens per Chinese character."""
    cjk = len(_CJK_CHAR.findall(text))
    return cjk + math.ceil((len(text) - cjk) / 4)


# ---------------------------------------------------------------------------------------------------
# Forgetting functions: age (>= 0, same unit as item times) -> retention in [0, 1], f(0) = 1.

Forgetting = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Exponential:
    """Retention halves every ``half_life`` time units (Ebbinghaus-style exponential forgetting)."""

    half_life: float = 86400.0

    def __post_init__(self) -> None:
        _positive("exponential forgetting half_life", self.half_life)

    def __call__(self, age: np.ndarray) -> np.ndarray:
        return np.exp2(-np.maximum(age, 0.0) / self.half_life)


@dataclass(frozen=True)
class PowerLaw:
    """``(1 + age / scale) ** -exponent``: fast early forgetting with a long tail."""

    exponent: float = 1.0
    scale: float = 3600.0

    def __post_init__(self) -> None:
        _positive("power forgetting exponent", self.exponent)
        _positive("power forgetting scale", self.scale)

    def __call__(self, age: np.ndarray) -> np.ndarray:
        return (1.0 + np.maximum(age, 0.0) / self.scale) ** -self.exponent


@dataclass(frozen=True)
class Linear:
    """Retention falls linearly to 0 over ``window`` time units (a hard horizon)."""

    window: float = 86400.0

    def __post_init__(self) -> None:
        _positive("linear forgetting window", self.window)

    def __call__(self, age: np.ndarray) -> np.ndarray:
        return np.clip(1.0 - np.maximum(age, 0.0) / self.window, 0.0, 1.0)


FORGETTING = {"exponential": Exponential, "power": PowerLaw, "linear": Linear}


def make_forgetting(name: str, **params: float) -> Forgetting:
    """The forgetting function ``name`` (exponential: half_life; power: exponent, scale; linear:
    window)."""
    if name not in FORGETTING:
        raise ConfigError(f"forgetting function: got {name!r}, allowed: {', '.join(FORGETTING)}")
    try:
        return FORGETTING[name](**params)
    except TypeError as exc:
        raise ConfigError(f"forgetting function {name!r}: {exc}") from None


def _positive(name: str, value: float) -> None:
    if not (value > 0 and math.isfinite(value)):
        raise ConfigError(f"{name}: got {value!r}, allowed: a finite number > 0")


# ---------------------------------------------------------------------------------------------------
# Items and scoring


@dataclass(frozen=True)
class MemoryItem:
    """A message in a user's memory. ``time`` is when the user saw (or wrote) it, in the simulation's
    time unit; ``vector`` is the message's L2-normalised embedding, or None if it was not embedded;
    ``tokens`` is :func:`count_tokens` of the text (see :meth:`of`)."""

    item_id: str
    text: str
    time: float
    source: str
    author: str
    tokens: int
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"memory item {self.item_id!r} source: got {self.source!r}, allowed: {', '.join(SOURCES)}")
        if self.tokens < 0:
            raise ValueError(f"memory item {self.item_id!r} tokens: got {self.tokens}, allowed: >= 0")

    @classmethod
    def of(cls, item_id: str, text: str, time: float, source: str, author: str,
           vector: np.ndarray | None = None) -> "MemoryItem":
        """An item whose token count is estimated from its text."""
        return cls(item_id, text, float(time), source, author, count_tokens(text), vector)


@dataclass(frozen=True)
class MemoryScorer:
    """S3's influence factors combined as a weighted mean (module docstring). ``forgetting`` is a
    callable or a name from :data:`FORGETTING` (with its default parameters)."""

    forgetting: Forgetting | str = field(default_factory=Exponential)
    w_time: float = 1.0
    w_relevance: float = 1.0
    w_source: float = 1.0
    source_scores: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SOURCE_SCORES))

    def __post_init__(self) -> None:
        if isinstance(self.forgetting, str):
            object.__setattr__(self, "forgetting", make_forgetting(self.forgetting))
        object.__setattr__(self, "source_scores", MappingProxyType(dict(self.source_scores)))
        weights = (self.w_time, self.w_relevance, self.w_source)
        if min(weights) < 0 or not sum(weights) > 0 or not all(map(math.isfinite, weights)):
            raise ConfigError(f"memory weights (w_time, w_relevance, w_source): got {weights}, "
                              "allowed: numbers >= 0 with a positive sum")
        missing = [s for s in SOURCES if s not in self.source_scores]
        if missing:
            raise ConfigError(f"source_scores lacks {missing}; give a score in [0, 1] for each of {', '.join(SOURCES)}")
        bad = {s: v for s, v in self.source_scores.items() if not 0 <= v <= 1}
        if bad:
            raise ConfigError(f"source_scores: got {bad}, allowed: numbers in [0, 1]")

    def combine(self, temporal: np.ndarray, relevance: np.ndarray, source: np.ndarray) -> np.ndarray:
        total = self.w_time + self.w_relevance + self.w_source
        return (self.w_time * temporal + self.w_relevance * relevance + self.w_source * source) / total

    def relevance(self, vectors: np.ndarray, has_vector: np.ndarray, profile_vec: np.ndarray | None) -> np.ndarray:
        """``(1 + cos) / 2`` per item; 0.5 where the item or the profile has no vector."""
        neutral = np.full(len(has_vector), 0.5)
        if profile_vec is None or not has_vector.any():
            return neutral
        profile = np.asarray(profile_vec, dtype=np.float32).ravel()
        if profile.shape[0] != vectors.shape[1]:
            raise ValueError(f"profile vector has {profile.shape[0]} dimensions, the items have {vectors.shape[1]}")
        cosine = np.clip(vectors @ profile, -1.0, 1.0)
        return np.where(has_vector, (1.0 + cosine) / 2.0, neutral)


# ---------------------------------------------------------------------------------------------------
# The pool


class MemoryPool:
    """A user's memory: at most ``capacity`` items, scored with ``scorer``. Item data is held in numpy
    arrays so that scoring thousands of items is one vector operation."""

    def __init__(self, capacity: int, scorer: MemoryScorer | None = None) -> None:
        if capacity < 1:
            raise ConfigError(f"memory capacity: got {capacity}, allowed: an integer >= 1")
        self.capacity = int(capacity)
        self.scorer = scorer or MemoryScorer()
        self._items: list[MemoryItem] = []
        self._index: dict[str, int] = {}
        self._dim: int | None = None
        self._arrays: tuple[np.ndarray, ...] | None = None

    def __len__(self) -> int:
        return len(self._items)

    @property
    def items(self) -> tuple[MemoryItem, ...]:
        return tuple(self._items)

    def add(self, items: Iterable[MemoryItem], now: float, profile_vec: np.ndarray | None = None) -> list[MemoryItem]:
        """Remember ``items``; beyond capacity, forget the lowest-scoring ones (scored at ``now``).
        An id already held is kept once, with the more authentic source. Returns the evicted items."""
        for item in items:
            self._put(item)
        if len(self._items) <= self.capacity:
            return []
        order = self._ranking(self.scores(now, profile_vec))
        keep = np.sort(order[:self.capacity])
        evicted = [self._items[i] for i in sorted(set(range(len(self._items))) - set(keep.tolist()))]
        self._rebuild([self._items[i] for i in keep])
        return evicted

    def _put(self, item: MemoryItem) -> None:
        if item.vector is not None:
            dim = int(np.asarray(item.vector).size)
            if self._dim is not None and dim != self._dim:
                raise ValueError(f"memory item {item.item_id!r} has a {dim}-dimensional vector, "
                                 f"the pool holds {self._dim}")
            self._dim = dim
        held = self._index.get(item.item_id)
        if held is None:
            self._index[item.item_id] = len(self._items)
            self._items.append(item)
        elif self.scorer.source_scores[item.source] > self.scorer.source_scores[self._items[held].source]:
            self._items[held] = item
        self._arrays = None

    def _rebuild(self, items: list[MemoryItem]) -> None:
        self._items = items
        self._index = {item.item_id: i for i, item in enumerate(items)}
        self._arrays = None

    def _columns(self) -> tuple[np.ndarray, ...]:
        """(times, source scores, tokens, vectors, has_vector), rebuilt only after a change."""
        if self._arrays is None:
            items = self._items
            dim = self._dim or 1
            vectors = np.zeros((len(items), dim), dtype=np.float32)
            has_vector = np.zeros(len(items), dtype=bool)
            for i, item in enumerate(items):
                if item.vector is not None:
                    vectors[i] = np.asarray(item.vector, dtype=np.float32).ravel()
                    has_vector[i] = True
            self._arrays = (np.array([it.time for it in items], dtype=float),
                            np.array([self.scorer.source_scores[it.source] for it in items], dtype=float),
                            np.array([it.tokens for it in items], dtype=np.int64), vectors, has_vector)
        return self._arrays

    def scores(self, now: float, profile_vec: np.ndarray | None = None) -> np.ndarray:
        """The score of every held item at ``now``, in :attr:`items` order."""
        times, source, _, vectors, has_vector = self._columns()
        temporal = np.asarray(self.scorer.forgetting(now - times), dtype=float)
        relevance = self.scorer.relevance(vectors, has_vector, profile_vec)
        return self.scorer.combine(temporal, relevance, source)

    @staticmethod
    def _ranking(scores: np.ndarray) -> np.ndarray:
        return np.argsort(-scores, kind="stable")

    def select(self, now: float, profile_vec: np.ndarray | None = None, token_budget: int = 512,
               overhead_per_item: int = 0) -> list[MemoryItem]:
        """The best items visible at ``now`` (``time <= now``) whose tokens, plus
        ``overhead_per_item`` each, fit in ``token_budget``: greedy in score order, skipping an item
        that does not fit and trying the next. Returned best first."""
        if not self._items:
            return []
        times, _, tokens, _, _ = self._columns()
        costs = tokens + max(int(overhead_per_item), 0)
        chosen: list[MemoryItem] = []
        used = 0
        smallest = int(costs.min())
        for i in self._ranking(self.scores(now, profile_vec)):
            if token_budget - used < smallest:
                break
            if times[i] <= now and used + costs[i] <= token_budget:
                chosen.append(self._items[i])
                used += int(costs[i])
        return chosen

    def render(self, items: Sequence[MemoryItem], lang: str = "en") -> str:
        """See :func:`render_memory`."""
        return render_memory(items, lang)


def render_memory(items: Sequence[MemoryItem], lang: str = "en") -> str:
    """The memory block of a prompt: one line per item, oldest first (so the newest sit next to the
    question), each labelled with its source and author."""
    if not items:
        return prompt_text(lang, "memory_empty")
    lines = []
    for item in sorted(items, key=lambda it: it.time):  # author and text are quoted by the template
        who = prompt_text(lang, "memory_author", author=item.author) if item.source != "own" else ""
        lines.append(prompt_text(lang, "memory_item", label=prompt_text(lang, f"source.{item.source}"),
                                 who=Block(who), text=item.text))
    return joined(lines)


def scorer_for(cfg: Any) -> MemoryScorer:
    """The memory scorer a scenario's ``s3.memory`` section describes (hours in the config, seconds here)."""
    params = {"exponential": {"half_life": cfg.half_life_h * 3600.0},
              "power": {"exponent": cfg.exponent, "scale": cfg.scale_h * 3600.0},
              "linear": {"window": cfg.window_h * 3600.0}}[cfg.forgetting]
    return MemoryScorer(make_forgetting(cfg.forgetting, **params), cfg.w_time, cfg.w_relevance, cfg.w_source,
                        cfg.source_scores.model_dump())
