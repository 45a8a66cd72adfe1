"""A board of many topics ranked by heat: the hot-search list of a platform (DESIGN decision 11).

Topics enter the board at their start time and leave it ``lifecycle`` hours later. Users who open a
topic (a visit), post in it (a comment), repost or quote its posts (a repost) and like them heat it up,
by the heat formula of :mod:`hubbub.platform.board` (:class:`~hubbub.platform.board.HeatFormula`):

    heat_k(t) = sum over interactions e of topic k with t_e <= t of  w[kind(e)] * exp(-(t - t_e) / tau)

with ``w`` = visit 1, like 2, comment 4, repost 8 and ``tau`` = ``platform.board.decay_h`` hours. An
interaction counts from the moment it becomes visible (the end of the action), so a reader at ``t``
sees only the heat of what was visible at ``t``. Ranks order the topics on the board at ``t`` by heat,
ties by later start (a new topic with no interactions yet is listed below the heated ones, newest
first, so users can discover it), then by id.

Each topic also carries TrendSim's access-time density P(t) with its own parameters (``A``, ``T_m``,
``alpha``, hours since the topic started): :meth:`Board.intensity` is how strongly the topic draws
users at ``t``, which rule users weigh when they pick a topic from the board.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from hubbub.platform.access import AccessDensity
from hubbub.platform.board import HeatFormula

HOUR = 3600.0


@dataclass(frozen=True)
class BoardTopic:
    """A topic of the board: what it says, its hashtag, when it is on the board and its P(t)."""

    topic_id: str
    title: str
    summary: str
    hashtag: str
    start_h: float
    lifecycle_h: float
    A: float = 1.5
    T_m: float = 1.0
    alpha: float = 0.5
    category: str = ""
    source: str = "file"

    @property
    def start(self) -> float:
        return self.start_h * HOUR

    @property
    def end(self) -> float:
        return (self.start_h + self.lifecycle_h) * HOUR


@dataclass(frozen=True)
class BoardEntry:
    """One line of the board as a reader sees it at some time."""

    topic_id: str
    title: str
    hashtag: str
    rank: int
    heat: float


@dataclass
class _Heat:
    times: list[float] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)


class Board:
    """The topics of a run and the interactions that heat them (writes at commit time, reads at ``t``)."""

    def __init__(self, formula: HeatFormula | None = None) -> None:
        self.formula = formula or HeatFormula()
        self.topics: dict[str, BoardTopic] = {}
        self._heat: dict[str, _Heat] = {}
        self._density: dict[str, AccessDensity] = {}

    def add(self, topic: BoardTopic) -> None:
        """Put a topic on the board (it is listed from its start to its end)."""
        if topic.topic_id in self.topics:
            raise ValueError(f"board topic {topic.topic_id!r} is already on the board")
        self.topics[topic.topic_id] = topic
        self._heat[topic.topic_id] = _Heat()
        self._density[topic.topic_id] = AccessDensity(A=topic.A, T_m=topic.T_m, alpha=topic.alpha,
                                                      horizon=topic.lifecycle_h)

    def interact(self, topic_id: str, kind: str, at: float) -> None:
        """Record one interaction (visit, like, comment, repost) with a topic, effective from ``at``."""
        self.formula.weight(kind)  # an unknown kind is an error here, not at the next read
        heat = self._heat[topic_id]
        k = bisect.bisect_right(heat.times, at)
        heat.times.insert(k, at)
        heat.kinds.insert(k, kind)

    def on_board(self, topic_id: str, t: float) -> bool:
        topic = self.topics.get(topic_id)
        return topic is not None and topic.start <= t < topic.end

    def heat(self, topic_id: str, t: float) -> float:
        """The topic's heat at ``t`` (see the module docstring), rounded to 9 decimals."""
        heat = self._heat[topic_id]
        k = bisect.bisect_right(heat.times, t)
        if k == 0:
            return 0.0
        return round(self.formula.heat_of([ti / HOUR for ti in heat.times[:k]], heat.kinds[:k], t / HOUR), 9)

    def ranks(self, t: float) -> tuple[BoardEntry, ...]:
        """The board at ``t``: topics on it ranked by heat (rank 1 is the top)."""
        live = [tp for tp in self.topics.values() if tp.start <= t < tp.end]
        scored = sorted(((self.heat(tp.topic_id, t), tp) for tp in live),
                        key=lambda pair: (-pair[0], -pair[1].start, pair[1].topic_id))
        return tuple(BoardEntry(tp.topic_id, tp.title, tp.hashtag, rank, heat)
                     for rank, (heat, tp) in enumerate(scored, start=1))

    def intensity(self, topic_id: str, t: float) -> float:
        """P(t) of the topic at ``t`` (per hour since it started; 0 off the board)."""
        if not self.on_board(topic_id, t):
            return 0.0
        return round(float(self._density[topic_id].pdf((t - self.topics[topic_id].start) / HOUR)), 9)

    def topic_of_tag(self, hashtag: str) -> str | None:
        """The topic whose hashtag this is (lower case), if any."""
        for topic in self.topics.values():
            if topic.hashtag.lower() == hashtag:
                return topic.topic_id
        return None
