"""Who receives which post in a step: follow deliveries, platform recommendations, first awareness.

Posts published at step ``k - 1`` reach the author's followers at step ``k`` (S3 4.1: messages pass
only from a source node to its target nodes), found with one CSR row expansion over all posting authors.
Recommendations (S3 5.4) add a configurable share of posts from outside a user's followees, ranked by
recency, popularity or relevance. All of it is array code: a step with 100,000 users and a million
follow edges costs milliseconds here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hubbub.errors import ConfigError
from hubbub.platform.feed.posts import HUB, FollowFeed
from hubbub.registry import RANKERS

SOURCES = ("followee", "mutual", "recommended", "hub")
FOLLOWEE, MUTUAL, RECOMMENDED, HUB_SOURCE = range(4)
PRIORITY = np.array([1, 0, 2, 3], dtype=np.int8)
"""Which source counts as a user's channel when several reach them in the same step: the most
authentic first (mutual, followee, recommended, hub)."""
SOURCE_OF_PRIORITY = np.argsort(PRIORITY).astype(np.int8)
"""The source of each priority (``SOURCE_OF_PRIORITY[PRIORITY[s]] == s``)."""
MEMORY_SOURCE = ("followee", "mutual", "recommended", "recommended")
"""The memory pool's source for each delivery source (the hub is a platform channel)."""


@dataclass
class Exposures:
    """Parallel arrays: post ``post[i]`` reaches user ``receiver[i]`` through ``source[i]``."""

    post: np.ndarray
    receiver: np.ndarray
    source: np.ndarray

    @classmethod
    def empty(cls) -> "Exposures":
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int8))

    def __len__(self) -> int:
        return int(self.post.size)

    @classmethod
    def concat(cls, parts: list["Exposures"]) -> "Exposures":
        parts = [p for p in parts if len(p)] or [cls.empty()]
        return cls(np.concatenate([p.post for p in parts]), np.concatenate([p.receiver for p in parts]),
                   np.concatenate([p.source for p in parts]).astype(np.int8))

    def dedupe(self) -> "Exposures":
        """One exposure per (receiver, post), keeping the most authentic source."""
        if not len(self):
            return self
        triples = sorted_triples(self.receiver, self.post, PRIORITY[self.source])
        if triples is not None:  # the same rows in the same order as the lexsort below, from one int64 sort
            r, p, priority = triples
            first = np.ones(r.size, dtype=bool)
            first[1:] = (r[1:] != r[:-1]) | (p[1:] != p[:-1])
            return Exposures(p[first].astype(self.post.dtype), r[first].astype(self.receiver.dtype),
                             SOURCE_OF_PRIORITY[priority[first]].astype(self.source.dtype))
        order = np.lexsort((PRIORITY[self.source], self.post, self.receiver))
        r, p = self.receiver[order], self.post[order]
        first = np.ones(r.size, dtype=bool)
        first[1:] = (r[1:] != r[:-1]) | (p[1:] != p[:-1])
        keep = order[first]
        return Exposures(self.post[keep], self.receiver[keep], self.source[keep])


def follow_exposures(delivery: Any, mutual: np.ndarray, posts: FollowFeed, step: int) -> Exposures:
    """Deliveries at ``step`` of the posts published at ``step - 1`` to their authors' followers."""
    ids = posts.published_at(step - 1)
    ids = ids[posts.col("author")[ids] >= 0]
    if ids.size == 0:
        return Exposures.empty()
    authors = posts.col("author")[ids]
    indptr = delivery.indptr
    starts = indptr[authors].astype(np.int64)
    lens = indptr[authors + 1].astype(np.int64) - starts
    total = int(lens.sum())
    if total == 0:
        return Exposures.empty()
    positions = np.arange(total, dtype=np.int64) + np.repeat(starts - (np.cumsum(lens) - lens), lens)
    receivers = delivery.indices[positions].astype(np.int64)
    source = np.where(mutual[positions], MUTUAL, FOLLOWEE).astype(np.int8)
    return Exposures(np.repeat(ids, lens), receivers, source)


def follow_keys(delivery: Any) -> np.ndarray:
    """Sorted keys ``author * n + follower`` of every follow edge, for vectorised membership tests."""
    n = np.int64(delivery.shape[0])
    rows = np.repeat(np.arange(delivery.shape[0], dtype=np.int64), np.diff(delivery.indptr))
    return rows * n + delivery.indices.astype(np.int64)


def _contains(keys: np.ndarray, query: np.ndarray) -> np.ndarray:
    if keys.size == 0:
        return np.zeros(query.size, dtype=bool)
    pos = np.minimum(np.searchsorted(keys, query), keys.size - 1)
    return keys[pos] == query


def rank_candidates(posts: FollowFeed, candidates: np.ndarray, ranker: str) -> np.ndarray:
    """Candidates in the order of the ranker named ``ranker`` (built-in or registered from Python)."""
    ranked = np.asarray(RANKERS.get(ranker, "s3.recommend.ranker")(posts, candidates), dtype=np.int64)
    if ranked.shape != candidates.shape or not np.array_equal(np.sort(ranked), np.sort(candidates)):
        raise ConfigError(f"s3.recommend.ranker = {ranker!r} returned {ranked.size} post ids that are not a "
                          f"reordering of its {candidates.size} candidates")
    return ranked


def candidate_pool(cfg: Any, posts: FollowFeed, step: int) -> np.ndarray:
    """The top ``cfg.pool`` recommendation candidates at ``step``: posts by users published in the
    last ``window_steps`` steps, in ranker order."""
    if cfg.share <= 0:
        return np.zeros(0, np.int64)
    candidates = posts.published_between(step - cfg.window_steps, step - 1)
    candidates = candidates[(posts.col("author")[candidates] >= 0) & (posts.col("kind")[candidates] != HUB)]
    return rank_candidates(posts, candidates, cfg.ranker)[: cfg.pool]


def recommend(cfg: Any, pool: np.ndarray, posts: FollowFeed, n: int, keys: np.ndarray, rng: np.random.Generator,
              personal: dict[int, np.ndarray] | None = None) -> Exposures:
    """Recommended posts: each user with probability ``cfg.share`` is shown ``per_user`` posts drawn
    from ``pool``, rank r with weight 1 / (r + 1). ``personal`` maps a user to their own ordering of
    the pool (relevance ranker). Own posts, posts by followees and repeats are dropped."""
    if cfg.share <= 0:
        return Exposures.empty()
    chosen = np.flatnonzero(rng.random(n) < cfg.share)
    if pool.size == 0 or chosen.size == 0:
        return Exposures.empty()
    weights = 1.0 / np.arange(1, pool.size + 1)
    ranks = rng.choice(pool.size, size=(chosen.size, cfg.per_user), p=weights / weights.sum())
    receivers = np.repeat(chosen, cfg.per_user)
    picked = ranks.ravel()
    if personal:
        for row in np.flatnonzero(np.isin(chosen, np.fromiter(personal, dtype=np.int64))).tolist():
            sl = slice(row * cfg.per_user, (row + 1) * cfg.per_user)
            picked[sl] = personal[int(chosen[row])][picked[sl]]
    post = pool[picked]
    author = posts.col("author")[post]
    keep = (author != receivers) & ~_contains(keys, author * np.int64(n) + receivers)
    return Exposures(post[keep], receivers[keep], np.full(int(keep.sum()), RECOMMENDED, dtype=np.int8)).dedupe()


def first_exposures(ex: Exposures, aware: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(users, post, source) of users not yet aware who are reached now: their channel is the most
    authentic source reaching them this step (ties by post id)."""
    mask = ~aware[ex.receiver]
    if not mask.any():
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int8)
    r, p, s = ex.receiver[mask], ex.post[mask], ex.source[mask]
    triples = sorted_triples(r, PRIORITY[s], p)
    if triples is None:
        order = np.lexsort((p, PRIORITY[s], r))
        r, p, s = r[order], p[order], s[order]
    else:  # the lexsort's rows in its order, from one int64 sort
        r, priority, p = triples
        r, p, s = r.astype(ex.receiver.dtype), p.astype(ex.post.dtype), SOURCE_OF_PRIORITY[priority].astype(s.dtype)
    first = np.ones(r.size, dtype=bool)
    first[1:] = r[1:] != r[:-1]
    return r[first], p[first], s[first]


def sorted_triples(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The rows ``(a, b, c)`` of non-negative integers sorted by ``a``, then ``b``, then ``c`` (the rows
    ``np.lexsort((c, b, a))`` orders), as three int64 arrays, from one sort of the key
    ``(a * width_b + b) * width_c + c``; None where a key would not fit in 62 bits (or a value is negative)."""
    if a.size == 0 or min(int(a.min()), int(b.min()), int(c.min())) < 0:
        return None
    width_b, width_c = int(b.max()) + 1, int(c.max()) + 1
    if (int(a.max()) + 1) * width_b * width_c >= 2**62:
        return None
    key = np.sort((a.astype(np.int64) * width_b + b) * width_c + c)
    rest, c_sorted = np.divmod(key, width_c)
    a_sorted, b_sorted = np.divmod(rest, width_b)
    return a_sorted, b_sorted, c_sorted
