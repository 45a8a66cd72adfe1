"""The posts of an S3 run: one growable set of numpy columns, so rule users' thousands of reposts per
step are appended as arrays, not as Python objects.

A post is published at step ``step`` and delivered to the author's followers at ``step + 1``. A repost
points at the post it reposts (``parent``) and at the original of its chain (``root``); the repost
tree of every root is what the cascade statistics measure. Author -1 is the platform (the trending
hub's topic in combined runs).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

KINDS = ("seed", "post", "repost", "hub")
SEED, POST, REPOST, HUB = range(4)
PLATFORM = -1


class PostLog:
    """All posts so far; ids are 0, 1, 2, ... in publication order."""

    _COLUMNS = {"author": np.int64, "parent": np.int64, "root": np.int64, "step": np.int32, "kind": np.int8,
                "emotion": np.int8, "attitude": np.int8, "reposts": np.int32}

    def __init__(self) -> None:
        self.n = 0
        self._cap = 0
        self._cols: dict[str, np.ndarray] = {k: np.zeros(0, dtype=t) for k, t in self._COLUMNS.items()}
        self.texts: list[str] = []

    def __len__(self) -> int:
        return self.n

    def col(self, name: str) -> np.ndarray:
        """A read-only view of one column over the posts so far."""
        view = self._cols[name][: self.n]
        view.flags.writeable = False
        return view

    def _grow(self, extra: int) -> None:
        need = self.n + extra
        if need <= self._cap:
            return
        cap = max(need, 2 * self._cap, 64)
        for name, arr in self._cols.items():
            grown = np.zeros(cap, dtype=arr.dtype)
            grown[: self.n] = arr[: self.n]
            self._cols[name] = grown
        self._cap = cap

    def add(self, author: Sequence[int], parent: Sequence[int], kind: Sequence[int], step: int,
            emotion: Sequence[int], attitude: Sequence[int], texts: Sequence[str]) -> np.ndarray:
        """Append posts (parallel sequences); returns their ids. Roots are derived from parents."""
        author = np.asarray(author, dtype=np.int64)
        parent = np.asarray(parent, dtype=np.int64)
        count = author.size
        if not (parent.size == len(texts) == count == len(kind) == len(emotion) == len(attitude)):
            raise ValueError("PostLog.add: columns differ in length")
        self._grow(count)
        ids = np.arange(self.n, self.n + count, dtype=np.int64)
        root = np.where(parent >= 0, self._cols["root"][np.maximum(parent, 0)], ids)
        sl = slice(self.n, self.n + count)
        values = {"author": author, "parent": parent, "root": root, "step": step, "kind": kind,
                  "emotion": emotion, "attitude": attitude, "reposts": 0}
        for name, value in values.items():
            self._cols[name][sl] = value
        reposted = parent[parent >= 0]
        if reposted.size:
            np.add.at(self._cols["reposts"], reposted, 1)
        self.texts.extend(texts)
        self.n += count
        return ids

    def published_at(self, step: int) -> np.ndarray:
        """Ids of the posts published at ``step`` (delivered at ``step + 1``)."""
        return np.flatnonzero(self.col("step") == step)

    def published_between(self, first: int, last: int) -> np.ndarray:
        """Ids of posts published at steps ``first..last`` (inclusive)."""
        steps = self.col("step")
        return np.flatnonzero((steps >= first) & (steps <= last))
