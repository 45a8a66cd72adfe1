"""The follow feed (S3): the posts and reposts users publish in rounds, a surface over the run's one
:class:`~hubbub.platform.content.ContentStore`.

A post is published at step ``step`` and delivered to the author's followers at ``step + 1``. A repost
points at the post it reposts (``parent``) and at the original of its chain (``root``); the repost
tree of every root is what the cascade statistics measure. Author -1 is the platform (the trending
hub's topic in combined runs).

The feed numbers its posts 0, 1, 2, ... in publication order (the ids the record, interventions and
rankers use) and reads them as numpy columns indexed by that number, so rule users' thousands of
reposts per step are appended and read as arrays. While the feed is the only surface writing the
store its numbers are the store's ids and a column is a plain slice of the store's; in a combined run
the hub's comments sit between them in the store and the feed maps its numbers to the store's ids.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from hubbub.platform.content import FEED_SURFACE, HUB, KINDS, PLATFORM, POST, REPOST, SEED, ContentStore

FEED_KINDS = KINDS[: HUB + 1]
"""The kinds of post the follow feed carries: seed, post, repost, hub."""
__all__ = ["FEED_KINDS", "HUB", "KINDS", "PLATFORM", "POST", "REPOST", "SEED", "FollowFeed", "PostLog"]


class FollowFeed:
    """The follow feed's posts; ids are 0, 1, 2, ... in publication order."""

    def __init__(self, store: ContentStore | None = None, authors: Sequence[str] = ()) -> None:
        """Over ``store``, or a new store whose author indices are ``authors`` (the graph's users)."""
        self.store = store if store is not None else ContentStore(authors)
        self.n = 0
        self.texts: list[str] = []
        self._global = np.zeros(64, dtype=np.int64)
        self._same_ids = len(self.store) == 0  # feed ids are store ids while only the feed writes

    def __len__(self) -> int:
        return self.n

    def global_ids(self, ids: np.ndarray | Sequence[int]) -> np.ndarray:
        """The store ids of feed posts ``ids``."""
        return self._global[: self.n][np.asarray(ids, dtype=np.int64)]

    def col(self, name: str) -> np.ndarray:
        """A read-only view of one column over the feed's posts so far, indexed by feed id (parents and
        roots as feed ids)."""
        if self._same_ids and len(self.store) == self.n:
            return self.store.col(name)
        values = self.store.col(name)[self._global[: self.n]]
        if name in ("parent", "root"):
            local = self.store.col("local")[np.maximum(values, 0)]
            values = np.where(values >= 0, local, values)
        values.flags.writeable = False
        return values

    def add(self, author: Sequence[int], parent: Sequence[int], kind: Sequence[int], step: int,
            emotion: Sequence[int], attitude: Sequence[int], texts: Sequence[str]) -> np.ndarray:
        """Append posts (parallel sequences, parents as feed ids); returns their feed ids."""
        parent = np.asarray(parent, dtype=np.int64)
        if not (len(author) == parent.size == len(kind) == len(emotion) == len(attitude) == len(texts)):
            raise ValueError("FollowFeed.add: columns differ in length")
        self._same_ids = self._same_ids and len(self.store) == self.n
        ids = np.arange(self.n, self.n + parent.size, dtype=np.int64)
        earlier = self._global[np.clip(parent, 0, max(self.n - 1, 0))]
        in_batch = len(self.store) + parent - self.n  # a parent in this batch: stored contiguously after the store
        parent_global = np.where(parent < 0, parent, np.where(parent >= self.n, in_batch, earlier))
        stored = self.store.add(author, parent_global, np.asarray(kind), texts, surface=FEED_SURFACE, local=ids,
                                step=step, emotion=np.asarray(emotion), attitude=np.asarray(attitude))
        if self._global.size < self.n + parent.size:
            grown = np.zeros(max(self.n + parent.size, 2 * self._global.size), dtype=np.int64)
            grown[: self.n] = self._global[: self.n]
            self._global = grown
        self._global[self.n: self.n + parent.size] = stored
        self.texts.extend(texts)
        self.n += parent.size
        return ids

    def published_at(self, step: int) -> np.ndarray:
        """Ids of the posts published at ``step`` (delivered at ``step + 1``)."""
        return np.flatnonzero(self.col("step") == step)

    def published_between(self, first: int, last: int) -> np.ndarray:
        """Ids of posts published at steps ``first..last`` (inclusive)."""
        steps = self.col("step")
        return np.flatnonzero((steps >= first) & (steps <= last))


PostLog = FollowFeed
"""The follow feed's former name, kept for code that imports it."""
