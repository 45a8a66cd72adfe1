"""Home feeds and topic pages: in-network and recommended posts, ranked by rankers named in
:data:`hubbub.registry.RANKERS`.

A home feed of ``size`` posts mixes posts by the user's followees (in-network, ranked by
``in_network_ranker``) with posts by anyone else (recommended, ranked by ``recommender``): ``round(size *
recommended_share)`` slots go to recommendations, spread evenly through the feed, and a side with too
few candidates leaves its slots to the other. Posts of muted or blocked users, the user's own posts,
and posts older than ``window_h`` are left out; replies appear only in-network. A moderation rule then
down-ranks, hides or labels flagged posts in each ranked list.

A ranker is ``ranker(posts, candidates) -> candidates in ranked order``; on the platform ``posts`` is a
:class:`FeedPosts`: ``col(name)`` gives a column over all post ids at the observer's time (``time``,
``likes``, ``dislikes``, ``score``, ``reposts``, ``replies``, ``toxicity``, ``attitude``) and ``hot``,
``relevance`` and ``interest`` score candidates (see :mod:`hubbub.platform.feed.rankers`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from hubbub.errors import ConfigError
from hubbub.platform.social.content import ContentStore, PostView
from hubbub.platform.social.moderation import ModerationRule
from hubbub.registry import RANKERS

HOUR = 3600.0
SOURCES = ("in_network", "recommended", "topic", "search")


@dataclass
class FeedSettings:
    """How home feeds are built; ``recommended_share`` and ``moderation`` change by intervention."""

    size: int = 6
    recommended_share: float = 0.3
    in_network_ranker: str = "recency"
    recommender: str = "popularity"
    window_h: float = 24.0
    hot_decay_h: float = 12.5
    moderation: ModerationRule = field(default_factory=ModerationRule)


@dataclass(frozen=True)
class FeedItem:
    """A post shown on a surface, where it came from and its place (0 = top)."""

    post: PostView
    source: str
    rank: int


@dataclass(frozen=True)
class Interest:
    """What a user engaged with so far (likes, reposts, quotes): ``(at, post_id)`` pairs."""

    engaged: tuple[tuple[float, int], ...] = ()


class FeedPosts:
    """The store as one viewer sees it at ``now`` (seconds): what a ranker gets as ``posts``."""

    def __init__(self, store: ContentStore, now: float, decay_h: float, profile: np.ndarray | None = None,
                 interest: Interest = Interest()) -> None:
        self.store, self.now, self.decay_h = store, now, decay_h
        self.profile, self.interest_of = profile, interest
        self._cols: dict[str, np.ndarray] = {}

    def col(self, name: str) -> np.ndarray:
        """A numeric column over all post ids, as visible at ``now``."""
        if name not in self._cols:
            self._cols[name] = np.array([self._value(name, i) for i in range(len(self.store))], dtype=np.float64)
        return self._cols[name]

    def _value(self, name: str, post_id: int) -> float:
        """One column's value for one post as visible at ``now``."""
        view = self.store.view(post_id, self.now)
        values = {"time": self.store.posts[post_id].visible_at, "likes": view.likes, "dislikes": view.dislikes,
                  "score": view.likes - view.dislikes, "reposts": view.reposts, "replies": view.replies,
                  "toxicity": view.toxicity, "attitude": view.attitude}
        if name not in values:
            raise ConfigError(f"a feed ranker asked for column {name!r}; the platform's columns are: "
                              f"{', '.join(values)}")
        return float(values[name])

    def hot(self, candidates: np.ndarray) -> np.ndarray:
        """Hot scores (likes - dislikes + reposts with time decay) of the candidates."""
        return np.array([self.store.hot(int(i), self.now, self.decay_h) for i in candidates], dtype=np.float64)

    def relevance(self, candidates: np.ndarray) -> np.ndarray:
        """Cosine of each candidate's text embedding with the viewer's profile (0 without either)."""
        return self._cosines(candidates, self.profile)

    def interest(self, candidates: np.ndarray) -> np.ndarray:
        """How close each candidate is to what the viewer liked, reposted or quoted so far in the run:
        cosine with the mean embedding of those posts plus the share of the candidate's hashtags among
        theirs (0 for a viewer who engaged with nothing yet)."""
        engaged = [p for at, p in self.interest_of.engaged if at <= self.now]
        if not engaged:
            return np.zeros(len(candidates))
        vectors = self.store.vectors(engaged)
        centre = None if vectors is None else vectors.mean(axis=0)
        tags = {tag for p in engaged for tag in self.store.posts[p].hashtags}
        overlap = [_share(self.store.posts[int(i)].hashtags, tags) for i in candidates]
        return self._cosines(candidates, centre) + np.array(overlap, dtype=np.float64)

    def _cosines(self, candidates: np.ndarray, target: np.ndarray | None) -> np.ndarray:
        vectors = self.store.vectors([int(i) for i in candidates]) if len(candidates) else None
        if target is None or vectors is None or not np.any(target):
            return np.zeros(len(candidates))
        norm = float(np.linalg.norm(target))
        return np.round(vectors.astype(np.float64) @ (target.astype(np.float64) / norm), 9)


def _share(tags: Sequence[str], liked: set[str]) -> float:
    return sum(t in liked for t in tags) / len(tags) if tags else 0.0


def rank(posts: FeedPosts, candidates: Sequence[int], ranker: str, field_name: str) -> list[int]:
    """Candidates in the order of the ranker named ``ranker`` (built in or registered from Python)."""
    array = np.asarray(list(candidates), dtype=np.int64)
    if array.size == 0:
        return []
    ranked = np.asarray(RANKERS.get(ranker, field_name)(posts, array), dtype=np.int64)
    if ranked.shape != array.shape or not np.array_equal(np.sort(ranked), np.sort(array)):
        raise ConfigError(f"{field_name} = {ranker!r} returned {ranked.size} post ids that are not a reordering "
                          f"of its {array.size} candidates")
    return [int(i) for i in ranked]


def _moderated(store: ContentStore, ranked: list[int], rule: ModerationRule) -> list[int]:
    return rule.apply(ranked, [store.posts[i].toxicity for i in ranked])


def mix(in_network: list[int], recommended: list[int], size: int, share: float) -> list[tuple[int, str]]:
    """``size`` posts: ``round(size * share)`` recommended slots spread evenly, the rest in-network; a
    side that runs short leaves its slots to the other."""
    want_rec = min(round(size * share), len(recommended))
    want_in = min(size - want_rec, len(in_network))
    want_rec = min(size - want_in, len(recommended))
    total = want_in + want_rec
    out, i, r = [], 0, 0
    for k in range(total):
        take_rec = r < want_rec and ((k + 1) * want_rec // total > k * want_rec // total or i >= want_in)
        if take_rec:
            out.append((recommended[r], "recommended"))
            r += 1
        else:
            out.append((in_network[i], "in_network"))
            i += 1
    return out


def home_feed(store: ContentStore, graph: Any, agent: str, t: float, cfg: FeedSettings,
              profile: np.ndarray | None, interest: Interest) -> tuple[FeedItem, ...]:
    """The home feed of ``agent`` at ``t`` (see the module docstring)."""
    followees, hidden = set(graph.followees(agent, t)), graph.muted(agent, t)
    oldest = t - cfg.window_h * HOUR
    pool = [i for i in store.visible_ids(t) if store.posts[i].visible_at >= oldest
            and store.posts[i].author != agent and store.posts[i].author not in hidden]
    inside = [i for i in pool if store.posts[i].author in followees]
    outside = [i for i in pool if store.posts[i].author not in followees and store.posts[i].kind != "reply"]
    posts = FeedPosts(store, t, cfg.hot_decay_h, profile, interest)
    ranked_in = _moderated(store, rank(posts, inside, cfg.in_network_ranker, "platform.feed.in_network_ranker"),
                           cfg.moderation)
    ranked_out = _moderated(store, rank(posts, outside, cfg.recommender, "platform.feed.recommender"), cfg.moderation)
    return _items(store, t, mix(ranked_in, ranked_out, cfg.size, cfg.recommended_share), cfg.moderation)


def topic_page(store: ContentStore, graph: Any, agent: str, t: float, topic_id: str, hashtag: str,
               cfg: FeedSettings) -> tuple[FeedItem, ...]:
    """The posts of a board topic (posted in it or carrying its hashtag), hottest first."""
    hidden = graph.muted(agent, t)
    tag = hashtag.lower()
    pool = [i for i in store.visible_ids(t) if store.posts[i].author not in hidden and store.posts[i].kind != "reply"
            and (store.posts[i].topic == topic_id or tag in store.posts[i].hashtags)]
    ranked = _moderated(store, rank(FeedPosts(store, t, cfg.hot_decay_h), pool, "popularity", "topic page"),
                        cfg.moderation)
    return _items(store, t, [(i, "topic") for i in ranked[: cfg.size]], cfg.moderation)


def _items(store: ContentStore, t: float, picked: list[tuple[int, str]], rule: ModerationRule) -> tuple[FeedItem, ...]:
    label = rule.label if rule.mode == "label" else ""
    return tuple(FeedItem(store.view(i, t, label if rule.flags(store.posts[i].toxicity) else ""), source, k)
                 for k, (i, source) in enumerate(picked))


def profiles_of(store: ContentStore, texts: Mapping[str, str]) -> dict[str, np.ndarray | None]:
    """Each user's profile embedding (None without an embedder), for the relevance ranker."""
    ids = sorted(texts)
    vectors = store.embed([texts[a] for a in ids])
    return {a: (None if vectors is None else vectors[k]) for k, a in enumerate(ids)}
