"""The living platform as one object: content store, follow graph, board, feeds and who is present.

The world changes it only when it commits an event (the ``write`` methods) and its users read it only
through a recorded view (the ``read`` methods, pure functions of the observer's time returning
immutable values), so a computation done ahead of time can be checked before it is committed
(:mod:`hubbub.kernel.views`). Settings that interventions change (the recommended share, moderation)
change only in barrier events, when nothing is being computed.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from hubbub.platform.social import feed as feeds
from hubbub.platform.social.board import Board, BoardEntry
from hubbub.platform.social.content import ContentStore, PostView
from hubbub.platform.social.graph import LiveGraph
from hubbub.platform.social.search import search

NEVER = math.inf


@dataclass(frozen=True)
class AuthorInfo:
    """What a user can tell about another at ``t``: followers, how many of their own followees follow
    them (common neighbours, for triadic closure), and their own relation to them."""

    agent_id: str
    followers: int
    common: int
    followed: bool
    muted: bool
    blocked: bool


@dataclass
class _Presence:
    joined: float = 0.0
    left: float = NEVER
    suspended: list[tuple[float, float]] = field(default_factory=list)


class SocialPlatform:
    """Everything shared by the users of a platform run (see the module docstring)."""

    def __init__(self, store: ContentStore, graph: LiveGraph, board: Board, feed: feeds.FeedSettings) -> None:
        self.store, self.graph, self.board, self.feed = store, graph, board, feed
        self.profiles: dict[str, np.ndarray | None] = {}
        self._presence: dict[str, _Presence] = {}
        self._engaged: dict[str, list[tuple[float, int]]] = {}

    # ---- writes (commit time only) ----

    def join(self, agent: str, at: float, profile: np.ndarray | None) -> None:
        self._presence[agent] = _Presence(joined=at)
        self.profiles[agent] = profile

    def leave(self, agent: str, at: float) -> None:
        self._presence[agent].left = min(self._presence[agent].left, at)

    def suspend(self, agent: str, start: float, until: float) -> None:
        self._presence[agent].suspended.append((start, until))

    def engage(self, agent: str, post_id: int, at: float) -> None:
        """A like, repost or quote by ``agent``: what the interest ranker learns from."""
        bisect.insort(self._engaged.setdefault(agent, []), (at, post_id))

    # ---- reads (pure functions of t) ----

    def active(self, agent: str, t: float) -> bool:
        """Whether ``agent`` is on the platform at ``t`` (joined, not left, not suspended)."""
        p = self._presence.get(agent)
        if p is None or not p.joined <= t < p.left:
            return False
        return not any(start <= t < until for start, until in p.suspended)

    def present(self, t: float) -> tuple[str, ...]:
        """Users who joined and have not left at ``t`` (sorted; suspended users included)."""
        return tuple(sorted(a for a, p in self._presence.items() if p.joined <= t < p.left))

    def interest(self, agent: str) -> feeds.Interest:
        return feeds.Interest(tuple(self._engaged.get(agent, ())))

    def home_feed(self, agent: str, t: float) -> tuple[feeds.FeedItem, ...]:
        return feeds.home_feed(self.store, self.graph, agent, t, self.feed, self.profiles.get(agent),
                               self.interest(agent))

    def topic_page(self, agent: str, topic_id: str, t: float) -> tuple[feeds.FeedItem, ...]:
        topic = self.board.topics[topic_id]
        return feeds.topic_page(self.store, self.graph, agent, t, topic_id, topic.hashtag, self.feed)

    def search(self, agent: str, query: str, t: float) -> tuple[feeds.FeedItem, ...]:
        return search(self.store, self.graph, agent, t, query, self.feed)

    def board_page(self, t: float, shown: int) -> tuple[BoardEntry, ...]:
        return self.board.ranks(t)[:shown]

    def intensities(self, topic_ids: Sequence[str], t: float) -> tuple[float, ...]:
        return tuple(self.board.intensity(k, t) for k in topic_ids)

    def post(self, post_id: int, t: float) -> PostView:
        return self.store.view(post_id, t)

    def voted(self, agent: str, post_ids: Sequence[int]) -> tuple[bool, ...]:
        return tuple(self.store.voted(agent, p) for p in post_ids)

    def followees(self, agent: str, t: float) -> tuple[str, ...]:
        return self.graph.followees(agent, t)

    def authors(self, agent: str, others: Sequence[str], t: float) -> tuple[AuthorInfo, ...]:
        """What ``agent`` can tell about each of ``others`` at ``t`` (see :class:`AuthorInfo`)."""
        mine = set(self.graph.followees(agent, t))
        hidden = self.graph.muted(agent, t)
        out = []
        for other in others:
            followers = self.graph.followers(other, t)
            out.append(AuthorInfo(other, len(followers), len(mine.intersection(followers)), other in mine,
                                  other in hidden, self.graph.blocked(agent, other, t)))
        return tuple(out)

    def follower_counts(self, agents: Sequence[str], t: float) -> tuple[int, ...]:
        return tuple(len(self.graph.followers(a, t)) for a in agents)
