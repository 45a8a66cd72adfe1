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

A feed that is its store's only writer may let posts published before a step leave memory
(:meth:`FollowFeed.keep_steps_from`; an S3 run keeps its recommendation window): ids stay global and
stable, :attr:`FollowFeed.first` is the first one held, and :meth:`FollowFeed.at` and the columns
:meth:`FollowFeed.col` gives read posts by id and raise :class:`~hubbub.platform.content.DroppedPostError`
for an older one.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from hubbub.platform.content import (FEED_SURFACE, HUB, KINDS, PLATFORM, POST, REPOST, SEED, ContentStore,
                                     HeldTexts, dropped, held_texts)

FEED_KINDS = KINDS[: HUB + 1]
"""The kinds of post the follow feed carries: seed, post, repost, hub."""
__all__ = ["FEED_KINDS", "HUB", "KINDS", "PLATFORM", "POST", "REPOST", "SEED", "FollowFeed", "HeldColumn", "PostLog"]


class FollowFeed:
    """The follow feed's posts; ids are 0, 1, 2, ... in publication order."""

    def __init__(self, store: ContentStore | None = None, authors: Sequence[str] = ()) -> None:
        """Over ``store``, or a new store whose author indices are ``authors`` (the graph's users)."""
        self.store = store if store is not None else ContentStore(authors)
        self.n = 0
        self.texts: list[str] | HeldTexts = []  # a HeldTexts once posts leave memory
        self._global = np.zeros(64, dtype=np.int64)
        self._same_ids = len(self.store) == 0  # feed ids are store ids while only the feed writes

    def __len__(self) -> int:
        return self.n

    def global_ids(self, ids: np.ndarray | Sequence[int]) -> np.ndarray:
        """The store ids of feed posts ``ids``."""
        if self.first:
            return np.asarray(ids, dtype=np.int64)  # the feed alone writes its store: ids coincide
        return self._global[: self.n][np.asarray(ids, dtype=np.int64)]

    @property
    def first(self) -> int:
        """The first feed id still held in memory (0 while every post is)."""
        return self.store.first if self._same_ids else 0

    def col(self, name: str) -> np.ndarray:
        """A read-only view of one column over the feed's posts so far, indexed by feed id (parents and
        roots as feed ids). Once posts have left memory, a :class:`HeldColumn` that reads ids (an id, an
        array or a slice of them) and raises :class:`~hubbub.platform.content.DroppedPostError` for a
        dropped one (the posts held as an array: :meth:`held`)."""
        if self.first:
            return HeldColumn(self.store.col(name), self.first)  # type: ignore[return-value]
        return self._col(name)

    def held(self, name: str) -> np.ndarray:
        """Column ``name`` of the posts held, feed ids :attr:`first` to ``n - 1``."""
        return self.store.col(name) if self.first else self._col(name)

    def at(self, name: str, ids: np.ndarray | Sequence[int] | int) -> np.ndarray:
        """Column ``name`` of feed posts ``ids``; :class:`~hubbub.platform.content.DroppedPostError`
        for one no longer held."""
        if self.first:
            return self.store.at(name, ids)
        return self._col(name)[np.asarray(ids, dtype=np.int64)]

    def keep_steps_from(self, step: int) -> None:
        """Let the posts published before ``step`` leave memory, up to the first one published at or
        after it (ids in publication order). Only a feed that is its store's only writer can."""
        if not self._same_ids or len(self.store) != self.n:
            raise ValueError("FollowFeed.keep_steps_from: another surface writes this content store "
                             "(its posts are read by global id for the whole run)")
        steps = self.held("step")
        later = np.flatnonzero(steps >= step)
        first = self.first + (int(later[0]) if later.size else steps.size)
        if first > self.first:
            self._global = self._global[:0]  # ids coincide with the store's from now on
            self.store.forget_before(first)
            self.texts = held_texts(self.texts)
            self.texts.forget_before(first)

    def _col(self, name: str) -> np.ndarray:
        """Column ``name`` over every feed post so far (none has left memory)."""
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
        if self.first:
            return self._add_held(author, parent, kind, step, emotion, attitude, texts)
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

    def _add_held(self, author: Sequence[int], parent: np.ndarray, kind: Sequence[int], step: int,
                  emotion: Sequence[int], attitude: Sequence[int], texts: Sequence[str]) -> np.ndarray:
        """:meth:`add` once posts have left memory: feed ids are the store's, no id map is kept."""
        if len(self.store) != self.n:
            raise ValueError("FollowFeed.add: another surface wrote this content store after the feed's "
                             "posts began to leave memory")
        ids = self.store.add(author, parent, np.asarray(kind), texts, surface=FEED_SURFACE,
                             local=np.arange(self.n, self.n + parent.size), step=step,
                             emotion=np.asarray(emotion), attitude=np.asarray(attitude))
        self.texts.extend(texts)
        self.n += parent.size
        return ids

    def published_at(self, step: int) -> np.ndarray:
        """Ids of the posts published at ``step`` (delivered at ``step + 1``); of those held in memory."""
        return self.first + np.flatnonzero(self.held("step") == step)

    def published_between(self, first: int, last: int) -> np.ndarray:
        """Ids of posts published at steps ``first..last`` (inclusive); of those held in memory."""
        steps = self.held("step")
        return self.first + np.flatnonzero((steps >= first) & (steps <= last))


class HeldColumn:
    """One column of a follow feed whose oldest posts have left memory, indexed by feed id like the
    full column: ``column[ids]`` gives the values of an id, an array or a slice of ids, and raises
    :class:`~hubbub.platform.content.DroppedPostError` for an id no longer held. It is not an array:
    converting it raises the same error (:meth:`FollowFeed.held` gives the posts held as one)."""

    def __init__(self, values: np.ndarray, first: int) -> None:
        """``values`` of the posts ``first``, ``first + 1``, ..."""
        self.values, self.first = values, first

    def __len__(self) -> int:
        return self.first + self.values.size

    def __getitem__(self, key: int | slice | np.ndarray | Sequence[int]) -> np.ndarray:
        ids = np.arange(*key.indices(len(self))) if isinstance(key, slice) else np.asarray(key)
        if ids.dtype.kind not in "iu":
            raise TypeError(f"a follow-feed column is read by post ids, not by {ids.dtype} keys")
        ids = np.where(ids < 0, ids + len(self), ids)
        if ids.size and int(ids.min()) < self.first:
            raise dropped(ids, self.first)
        return self.values[ids - self.first]

    def __array__(self, *args: object, **kwargs: object) -> np.ndarray:
        raise dropped(0, self.first)


PostLog = FollowFeed
"""The follow feed's former name, kept for code that imports it."""
