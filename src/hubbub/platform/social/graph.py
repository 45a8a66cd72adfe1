"""The living follow graph: follows, unfollows, mutes and blocks that take effect at simulated times.

The graph is *versioned in time*: each relation (follow, mute, block) between two users is a timeline
of ``(at, on)`` changes, and every read asks for the state at an observer's time ``t``. A change made by
an action takes effect when the action ends (its visibility time), like a post, so a session that
observes before then does not see it. Every change is also kept in :attr:`LiveGraph.changes` in commit
order; the world records each one as a ``graph_change`` event, which is what lets any past graph be
rebuilt from the run record alone (:func:`hubbub.metrics.social_graph.graph_at`).

Operations: ``follow`` / ``unfollow`` (the follow edge), ``mute`` / ``unmute`` (the muter stops seeing
the muted user's posts; the follow edge stays), ``block`` / ``unblock`` (the blocker and the blocked
stop following each other, recorded as two ``unfollow`` changes, and the blocked user cannot follow the
blocker while the block lasts).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Iterable

RELATIONS = {"follow": ("follow", True), "unfollow": ("follow", False), "mute": ("mute", True),
             "unmute": ("mute", False), "block": ("block", True), "unblock": ("block", False)}
"""Each graph operation: which relation it changes and to which state."""
OPS = tuple(RELATIONS)


@dataclass(frozen=True)
class GraphChange:
    """One change of the graph: ``source`` did ``op`` to ``target``, effective from ``at``."""

    at: float
    source: str
    target: str
    op: str
    reason: str = ""


class _Timeline:
    """The states of one relation over time: sorted ``(at, order, on)``; the state at ``t`` is the last
    change at or before ``t`` (ties: the change committed later wins)."""

    __slots__ = ("changes",)

    def __init__(self) -> None:
        self.changes: list[tuple[float, int, bool]] = []

    def set(self, at: float, order: int, on: bool) -> None:
        bisect.insort(self.changes, (at, order, on))

    def at(self, t: float) -> bool:
        k = bisect.bisect_right(self.changes, (t, float("inf"), True))
        return self.changes[k - 1][2] if k else False


class LiveGraph:
    """Follow, mute and block relations between users (agent ids), each a timeline."""

    def __init__(self) -> None:
        self._rel: dict[str, dict[tuple[str, str], _Timeline]] = {"follow": {}, "mute": {}, "block": {}}
        self._out: dict[str, set[str]] = {}
        self._in: dict[str, set[str]] = {}
        self.changes: list[GraphChange] = []

    # ---- writes (commit time only) ----

    def apply(self, at: float, source: str, target: str, op: str, reason: str = "") -> list[GraphChange]:
        """Make ``source`` do ``op`` to ``target`` from ``at``; returns the changes made (a block also
        ends both follow edges). A change that leaves the state as it was is not made."""
        if op not in RELATIONS:
            raise ValueError(f"unknown graph operation {op!r}; allowed: {', '.join(OPS)}")
        if source == target:
            return []
        made = self._set(at, source, target, op, reason)
        if op == "block" and made:
            made += self._set(at, source, target, "unfollow", "block")
            made += self._set(at, target, source, "unfollow", "block")
        return made

    def _set(self, at: float, source: str, target: str, op: str, reason: str) -> list[GraphChange]:
        """One change of one relation, made unless it leaves the state as it was."""
        relation, on = RELATIONS[op]
        timeline = self._rel[relation].setdefault((source, target), _Timeline())
        if timeline.at(at) == on and all(c[0] <= at for c in timeline.changes):
            return []
        timeline.set(at, len(self.changes), on)
        if relation == "follow":
            self._out.setdefault(source, set()).add(target)
            self._in.setdefault(target, set()).add(source)
        change = GraphChange(at, source, target, op, reason)
        self.changes.append(change)
        return [change]

    def load(self, edges: Iterable[tuple[str, str]], at: float = 0.0) -> None:
        """The initial follow edges (recorded by the world in its setup event, not as changes)."""
        for follower, followee in edges:
            self._rel["follow"].setdefault((follower, followee), _Timeline()).set(at, -1, True)
            self._out.setdefault(follower, set()).add(followee)
            self._in.setdefault(followee, set()).add(follower)

    # ---- reads (pure functions of t) ----

    def has(self, relation: str, source: str, target: str, t: float) -> bool:
        timeline = self._rel[relation].get((source, target))
        return timeline is not None and timeline.at(t)

    def follows(self, source: str, target: str, t: float) -> bool:
        return self.has("follow", source, target, t)

    def followees(self, agent: str, t: float) -> tuple[str, ...]:
        """Whom ``agent`` follows at ``t`` (sorted ids)."""
        return tuple(sorted(v for v in self._out.get(agent, ()) if self.follows(agent, v, t)))

    def followers(self, agent: str, t: float) -> tuple[str, ...]:
        """Who follows ``agent`` at ``t`` (sorted ids)."""
        return tuple(sorted(u for u in self._in.get(agent, ()) if self.follows(u, agent, t)))

    def muted(self, agent: str, t: float) -> frozenset[str]:
        """The users ``agent`` has muted or blocked at ``t``, and those who blocked ``agent``: their posts
        stay out of ``agent``'s feeds."""
        hidden = {v for (u, v), tl in self._rel["mute"].items() if u == agent and tl.at(t)}
        for (u, v), tl in self._rel["block"].items():
            if tl.at(t) and agent in (u, v):
                hidden.add(v if u == agent else u)
        return frozenset(hidden)

    def blocked(self, source: str, target: str, t: float) -> bool:
        """Whether either user blocks the other at ``t`` (then neither may follow the other)."""
        return self.has("block", source, target, t) or self.has("block", target, source, t)

    def edges(self, t: float) -> tuple[tuple[str, str], ...]:
        """Every follow edge ``(follower, followee)`` at ``t``, sorted."""
        return tuple(sorted(pair for pair, tl in self._rel["follow"].items() if tl.at(t)))
