"""The recommendation feed (S3 5.4): a surface over the follow feed's posts that shows users posts from
outside their followees, ranked by the ranker its settings name (a built-in of
:mod:`hubbub.platform.feed.rankers` or one registered with :func:`hubbub.register_ranker`).

Each round the recent posts by users (the last ``window_steps`` rounds, without the hub's post) are
ranked into a pool of ``pool`` candidates; each user with probability ``share`` is shown ``per_user``
of them, rank r drawn with weight 1 / (r + 1) (see :func:`~hubbub.platform.feed.exposure.recommend`).
The settings are passed at each round: an intervention may change the share between rounds.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from hubbub.platform.feed.exposure import Exposures, candidate_pool, recommend
from hubbub.platform.feed.posts import FollowFeed


class RecommendationFeed:
    """What the platform recommends from a follow feed's posts, by a named ranker."""

    def __init__(self, posts: FollowFeed) -> None:
        self.posts = posts

    def pool(self, settings: Any, step: int) -> np.ndarray:
        """The ranked candidates at round ``step`` (feed post ids, best first)."""
        return candidate_pool(settings, self.posts, step)

    def deliver(self, settings: Any, step: int, n: int, keys: Callable[[], np.ndarray], rng: np.random.Generator,
                personal: Callable[[np.ndarray], dict[int, np.ndarray]]) -> Exposures:
        """The recommendations of round ``step`` to ``n`` users. ``keys()`` gives the follow relations
        (asked for only when there is a candidate: recommendations skip followees' posts);
        ``personal(pool)`` each LLM user's own ordering of the pool, asked for with the ``relevance``
        ranker only."""
        pool = self.pool(settings, step)
        ranked = personal(pool) if settings.ranker == "relevance" else None
        return recommend(settings, pool, self.posts, n, keys() if pool.size else np.zeros(0, np.int64), rng, ranked)
