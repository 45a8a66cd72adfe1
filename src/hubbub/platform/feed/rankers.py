"""The built-in feed rankers: candidate post ids in ranked order, ties by post id. They are named in
:data:`hubbub.registry.RANKERS`, beside any a user registers.

Each works on both kinds of post collection a ranker is given: an S3 run's
:class:`~hubbub.platform.feed.posts.FollowFeed` (rounds; S3 5.4 recommendations) and the living platform's
:class:`~hubbub.platform.social.feed.FeedPosts` (continuous time, one viewer).
"""

from __future__ import annotations

import numpy as np

from hubbub.platform.feed.posts import FollowFeed


def _by(candidates: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """Candidates by the keys, highest first, the first key deciding; ties by post id."""
    return candidates[np.lexsort((candidates, *(-np.asarray(k, dtype=np.float64) for k in reversed(keys))))]


def recency(posts: FollowFeed, candidates: np.ndarray) -> np.ndarray:
    """Newest first (S3: by round of publication, ties by newer id; platform: by visibility time)."""
    if isinstance(posts, FollowFeed):
        return candidates[np.lexsort((-candidates, -posts.col("step")[candidates].astype(np.int64)))]
    return _by(candidates, posts.col("time")[candidates])


def popularity(posts: FollowFeed, candidates: np.ndarray) -> np.ndarray:
    """Most popular first. S3: most reposted (``relevance`` ranks the pool this way; users are then
    re-ranked by profile). Platform: the hot score, likes - dislikes + reposts with time decay."""
    if isinstance(posts, FollowFeed):
        return candidates[np.lexsort((candidates, -posts.col("reposts")[candidates].astype(np.int64)))]
    return _by(candidates, posts.hot(candidates))


def relevance(posts: FollowFeed, candidates: np.ndarray) -> np.ndarray:
    """Closest to the viewer's profile first (platform: embedding cosine, ties by hot score). S3 ranks
    the pool by popularity here and re-ranks it per LLM user by profile."""
    if isinstance(posts, FollowFeed):
        return popularity(posts, candidates)
    return _by(candidates, posts.relevance(candidates), posts.hot(candidates))


def interest(posts: FollowFeed, candidates: np.ndarray) -> np.ndarray:
    """Closest to what the viewer liked, reposted and quoted so far in the run first (platform: cosine
    with those posts' mean embedding plus shared hashtags, ties by hot score); S3: popularity."""
    if isinstance(posts, FollowFeed):
        return popularity(posts, candidates)
    return _by(candidates, posts.interest(candidates), posts.hot(candidates))
