"""A board of many topics ranked by heat (a hot-search list): the heat formula, heat over time, ranks.

**Heat.** Every engagement event ``e`` on a topic (a *visit*: the topic opened; a *like*; a *comment*;
a *repost*) adds its kind's weight, and every contribution fades exponentially with the event's age:

    heat_k(t) = sum over events e of topic k with t_e <= t of  w[kind(e)] * exp(-(t - t_e) / tau)

Defaults: ``w = visit 1, like 2, comment 4, repost 8`` (an act that costs the user more counts more)
and ``tau = 2`` hours (an event's weight falls to 37 % after 2 h, to 5 % after 6 h). The weights and
``tau`` are :class:`HeatFormula` fields; ``hubbub evaluate board_weibo`` chooses ``tau`` on real data.

**Board.** At time ``t`` the board lists the ``size`` eligible topics of highest heat (eligible: started
by ``t``, not past its ``end`` and with heat > 0), rank 1 first; equal heat goes to the earlier start,
then to the lower topic index, so ranks are a pure function of the inputs.

Two uses, one formula:

* :class:`HeatBoard`: a platform records events one at a time (``record``) and asks ``ranking(now)``;
  exact in continuous time, O(1) per event.
* :func:`expected_counts` -> :func:`heat_series` -> :func:`board_ranks`: topics whose visits follow
  TrendSim's access density P(t) (:class:`~hubbub.platform.access.AccessDensity`) scaled to an expected
  number of visits, with likes, comments and reposts per visit, on a time grid. Events inside a grid
  step are credited at the step's midpoint (exact as the step shrinks; with 1 h steps and ``tau`` = 2 h
  an event at a step's edge is credited up to 28 % off, events spread evenly over a step about 1 % off).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Hashable, Sequence

import numpy as np

from hubbub.errors import ConfigError
from hubbub.platform.access import AccessDensity

KINDS = ("visit", "like", "comment", "repost")


def _positive(owner: str, name: str, value: object, zero_ok: bool = True) -> None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if not (math.isfinite(number) and (number >= 0 if zero_ok else number > 0)):
        raise ConfigError(f"{owner}.{name} = {value!r} is not allowed; {name} must be a finite number "
                          f"{'>= 0' if zero_ok else '> 0'}")


@dataclass(frozen=True)
class HeatFormula:
    """The weights of each event kind and the decay time ``tau`` (hours) of the heat formula."""

    visit: float = 1.0
    like: float = 2.0
    comment: float = 4.0
    repost: float = 8.0
    decay_h: float = 2.0

    def __post_init__(self) -> None:
        for kind in KINDS:
            _positive("HeatFormula", kind, getattr(self, kind))
        _positive("HeatFormula", "decay_h", self.decay_h, zero_ok=False)

    @property
    def weights(self) -> np.ndarray:
        """The weights in the order of :data:`KINDS`."""
        return np.array([getattr(self, k) for k in KINDS], dtype=np.float64)

    def weight(self, kind: str) -> float:
        if kind not in KINDS:
            raise ConfigError(f"heat: event kind {kind!r} is unknown; allowed: {', '.join(KINDS)}")
        return float(getattr(self, kind))

    def heat_of(self, times: Sequence[float], kinds: Sequence[str], now: float) -> float:
        """The heat at ``now`` of a topic with these events (later events do not count yet)."""
        t = np.asarray(times, dtype=np.float64)
        w = np.array([self.weight(k) for k in kinds], dtype=np.float64)
        seen = t <= now
        return float(np.sum(w[seen] * np.exp(-(now - t[seen]) / self.decay_h)))


@dataclass(frozen=True)
class Engagement:
    """Likes, comments and reposts per visit (expected numbers, >= 0)."""

    like: float = 0.0
    comment: float = 0.0
    repost: float = 0.0

    def __post_init__(self) -> None:
        for kind in KINDS[1:]:
            _positive("Engagement", kind, getattr(self, kind))

    @property
    def per_visit(self) -> np.ndarray:
        """Events of each kind (order of :data:`KINDS`) per visit; the visit itself counts 1."""
        return np.array([1.0, self.like, self.comment, self.repost], dtype=np.float64)


@dataclass(frozen=True)
class BoardTopic:
    """A topic on the board: it starts at ``start`` (hours), draws ``visits`` visits in expectation over
    its access density's lifecycle (visit times ``start + T``, ``T ~ access``) and engages per visit."""

    topic_id: Hashable
    start: float
    access: AccessDensity
    visits: float
    engagement: Engagement = field(default_factory=Engagement)

    def __post_init__(self) -> None:
        _positive("BoardTopic", "visits", self.visits)
        if not isinstance(self.start, numbers.Real) or not math.isfinite(self.start):
            raise ConfigError(f"BoardTopic.start = {self.start!r} is not allowed; start must be a finite hour")

    @property
    def end(self) -> float:
        """When the topic leaves the board for good: the end of its access lifecycle."""
        return float(self.start) + float(self.access.horizon)


def expected_counts(topics: Sequence[BoardTopic], times: Sequence[float]) -> np.ndarray:
    """Expected events per topic, grid step and kind, shape ``(topics, len(times), 4)``: step ``j`` holds
    the events in ``(times[j-1], times[j]]`` (step 0: everything up to ``times[0]``)."""
    grid = np.asarray(times, dtype=np.float64)
    groups: dict[AccessDensity, list[int]] = {}
    for i, topic in enumerate(topics):
        groups.setdefault(topic.access, []).append(i)
    visits = np.zeros((len(topics), grid.size))
    for access, idx in groups.items():  # one vectorised CDF per distinct density
        starts = np.array([topics[i].start for i in idx], dtype=np.float64)
        cdf = np.asarray(access.cdf(grid[None, :] - starts[:, None]), dtype=np.float64).reshape(len(idx), grid.size)
        visits[idx] = np.diff(cdf, axis=1, prepend=0.0)
    size = np.array([t.visits for t in topics], dtype=np.float64).reshape(-1, 1)
    per_visit = np.array([t.engagement.per_visit for t in topics]).reshape(len(topics), len(KINDS))
    return (visits * size)[:, :, None] * per_visit[:, None, :]


def draw_counts(expected: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random events with those expectations: Poisson visits, then Poisson likes, comments and reposts
    given the visits drawn (rates per visit from ``expected``)."""
    visits = rng.poisson(expected[..., 0])
    rate = np.divide(expected[..., 1:], expected[..., :1], out=np.zeros_like(expected[..., 1:]),
                     where=expected[..., :1] > 0)
    return np.concatenate((visits[..., None], rng.poisson(rate * visits[..., None])), axis=-1).astype(np.float64)


def heat_series(counts: np.ndarray, times: Sequence[float], formula: HeatFormula) -> np.ndarray:
    """Heat per topic at each grid time from per-step event counts (``expected_counts`` layout); an
    event is credited at its step's midpoint. Shape ``(topics, len(times))``."""
    grid = np.asarray(times, dtype=np.float64)
    step = np.diff(grid, prepend=grid[:1])
    added = counts @ formula.weights  # (topics, steps)
    heat = np.zeros(added.shape)
    carry = np.zeros(added.shape[0])
    for j in range(grid.size):
        carry = carry * math.exp(-step[j] / formula.decay_h) + added[:, j] * math.exp(-0.5 * step[j] / formula.decay_h)
        heat[:, j] = carry
    return heat


def board_ranks(heat: np.ndarray, starts: Sequence[float], times: Sequence[float], size: int | Sequence[int],
                ends: Sequence[float] | None = None) -> np.ndarray:
    """Board rank (1 = top) of every topic at every time, 0 where it is not listed; ``size``: one board
    length or one per time."""
    grid = np.asarray(times, dtype=np.float64)
    start = np.asarray(starts, dtype=np.float64)
    end = np.full(start.shape, np.inf) if ends is None else np.asarray(ends, dtype=np.float64)
    sizes = np.broadcast_to(np.asarray(size, dtype=np.int64), grid.shape)
    if heat.shape != (start.size, grid.size):
        raise ConfigError(f"board_ranks: heat has shape {heat.shape}, expected ({start.size}, {grid.size})")
    ranks = np.zeros(heat.shape, dtype=np.int64)
    index = np.arange(start.size)
    for j, t in enumerate(grid):
        live = np.flatnonzero((start <= t) & (t < end) & (heat[:, j] > 0))
        order = live[np.lexsort((index[live], start[live], -heat[live, j]))][: int(sizes[j])]
        ranks[order, j] = np.arange(1, order.size + 1)
    return ranks


class HeatBoard:
    """A live board: topics added with their start, events recorded as they happen, ranks on demand.

    Each topic keeps ``(heat, as_of)``; an event at ``t`` updates it exactly (events may arrive in any
    order), and ``heat(topic, now)`` decays it to ``now``. Heat at ``now`` counts events up to ``now``
    that were recorded, so a caller records an event once its time has come (the engine's order)."""

    def __init__(self, formula: HeatFormula | None = None, size: int = 50) -> None:
        if int(size) < 1:
            raise ConfigError(f"HeatBoard.size = {size!r} is not allowed; size must be an integer >= 1")
        self.formula, self.size = formula or HeatFormula(), int(size)
        self._start: dict[Hashable, float] = {}
        self._state: dict[Hashable, tuple[float, float]] = {}

    def add_topic(self, topic_id: Hashable, start: float) -> None:
        if topic_id in self._start:
            raise ConfigError(f"HeatBoard: topic {topic_id!r} is already on the board")
        self._start[topic_id] = float(start)
        self._state[topic_id] = (0.0, float(start))

    def record(self, topic_id: Hashable, kind: str, t: float) -> None:
        """One event of ``kind`` on the topic at time ``t``."""
        if topic_id not in self._state:
            raise ConfigError(f"HeatBoard: unknown topic {topic_id!r}; add_topic() first")
        value, as_of = self._state[topic_id]
        w, tau = self.formula.weight(kind), self.formula.decay_h
        if t >= as_of:
            self._state[topic_id] = (value * math.exp(-(t - as_of) / tau) + w, float(t))
        else:
            self._state[topic_id] = (value + w * math.exp(-(as_of - t) / tau), as_of)

    def heat(self, topic_id: Hashable, now: float) -> float:
        """The topic's heat at ``now``, which may not precede its last recorded event."""
        value, as_of = self._state[topic_id]
        if now < as_of:
            raise ConfigError(f"HeatBoard: heat of {topic_id!r} asked at {now} before its last recorded event "
                              f"at {as_of}; record events only once their time has come")
        return value * math.exp(-(now - as_of) / self.formula.decay_h)

    def ranking(self, now: float) -> list[Hashable]:
        """The listed topics at ``now``, rank 1 first (ties: earlier start, then order added)."""
        order = {t: i for i, t in enumerate(self._start)}
        live = [(t, self.heat(t, now)) for t, s in self._start.items() if s <= now]
        live = [(t, h) for t, h in live if h > 0]
        live.sort(key=lambda th: (-th[1], self._start[th[0]], order[th[0]]))
        return [t for t, _ in live[: self.size]]
