"""A combined run's :class:`~hubbub.agents.hub.recall.HubRecall`: the hub reads a user's one memory
pool and their followees' posts from the follow-graph world.

Everything read here changes only at commits that the scheduler runs alone or in the user's own order:
a user's pool changes at an S3 round or a graph intervention (barriers) and at the user's own hub
steps (one after another); posts appear only at rounds. So a hub step computed at ``t`` reads what is
committed at ``t``, whatever the concurrency.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hubbub.agents.hub.recall import best_items, followed_block
from hubbub.agents.memory import MemoryItem, render_memory
from hubbub.agents.prompts import Block
from hubbub.platform.feed import exposure as exp

RECENT = 64
"""Followee posts considered for the Main page: the latest this many (publication order)."""


class PoolRecall:
    """The hub's view of combined users (see the module docstring)."""

    def __init__(self, s3: Any, topic_text: str, lang: str, followee_posts: int) -> None:
        self.s3, self.lang, self.count = s3, lang, followee_posts
        self.topic_vec = np.asarray(s3.inp.embedder.encode([topic_text])[0], dtype=np.float32).copy()
        self._vectors: dict[int, np.ndarray] = {}

    def _index(self, agent: str) -> int | None:
        index = self.s3.graph_index.get(agent)
        return index if index is not None and index in self.s3.pools else None

    def memory(self, agent: str, t: float) -> Block | None:
        """The pool's best items for the topic at ``t``, within ``s3.memory.token_budget``."""
        index = self._index(agent)
        if index is None:
            return None
        items = self.s3.pools[index].select(t, self.topic_vec, self.s3.cfg.memory.token_budget,
                                            self.s3.agents.overhead)
        return render_memory(items, self.lang)

    def followed(self, agent: str, t: float) -> Block | None:
        """The ``s3.hub.followee_posts`` best of the latest followee posts published by ``t``."""
        index = self._index(agent)
        if index is None or self.count <= 0:
            return None
        posts = self._candidates(index, t).tolist()
        self._embed([p for p in posts if p not in self._vectors])
        items = [self._item(index, p) for p in posts]
        return followed_block(best_items(self.s3.scorer, items, t, self.topic_vec, self.count), self.lang)

    def _candidates(self, index: int, t: float) -> np.ndarray:
        """Posts and reposts by the user's followees published by ``t``, that the follow feed would
        deliver (not from a suspended or blocked author), the latest :data:`RECENT`."""
        s3 = self.s3
        author, step = s3.posts.col("author"), s3.posts.col("step")
        found = np.flatnonzero(np.isin(author, s3.graph.followees(index)) & (step * s3.step_s <= t))[-RECENT:]
        ex = exp.Exposures(found.astype(np.int64), np.full(found.size, index, np.int64),
                           np.full(found.size, exp.FOLLOWEE, np.int8))
        return s3.controls.filter(ex, s3.posts, s3.n, t).post

    def _item(self, index: int, post: int) -> MemoryItem:
        s3 = self.s3
        author = int(s3.posts.col("author")[post])
        source = "mutual" if s3.graph.is_mutual(index, author) else "followee"
        return MemoryItem.of(f"p{post}", s3.posts.texts[post], float(s3.posts.col("step")[post]) * s3.step_s, source,
                             s3.ids[author], self._vectors[post])

    def _embed(self, posts: list[int]) -> None:
        """Embed posts not seen before, in one batch (posts never change, so each is embedded once)."""
        if posts:
            rows = self.s3.inp.embedder.encode([self.s3.posts.texts[p] for p in posts])
            self._vectors.update({p: np.asarray(row).copy() for p, row in zip(posts, rows)})
