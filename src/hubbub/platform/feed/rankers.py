"""The built-in feed rankers (S3 5.4 recommendations): candidate post ids in ranked order, ties by
post id. They are named in :data:`hubbub.registry.RANKERS`, beside any a user registers."""

from __future__ import annotations

import numpy as np

from hubbub.platform.feed.posts import PostLog


def recency(posts: PostLog, candidates: np.ndarray) -> np.ndarray:
    """Newest first."""
    return candidates[np.lexsort((-candidates, -posts.col("step")[candidates].astype(np.int64)))]


def popularity(posts: PostLog, candidates: np.ndarray) -> np.ndarray:
    """Most reposted first (``relevance`` ranks the pool this way; users are then re-ranked by profile)."""
    return candidates[np.lexsort((candidates, -posts.col("reposts")[candidates].astype(np.int64)))]
