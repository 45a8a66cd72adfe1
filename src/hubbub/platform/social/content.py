"""One content store for the living platform: posts, reposts, quotes and replies (posts with a parent
and a kind), likes and dislikes, hashtags and visibility times (DESIGN decisions 1 and 11).

Everything carries the simulated time from which it is visible; every read takes the observer's time
``t`` and sees only what is visible then. Writes happen at commit time only, reads return immutable
values, so a speculative computation can be validated by repeating its reads
(:mod:`hubbub.kernel.views`).
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

KINDS = ("post", "repost", "quote", "reply", "news")
"""What a post is: an original post, a repost (the parent's text, no comment of its own), a quote (a
repost with a comment), a reply to a post, or a news item injected by the platform."""
NEVER = math.inf

_WEIBO_TAG = re.compile(r"#([^#\s](?:[^#\n]{0,38}[^#\s])?)#")
_TWITTER_TAG = re.compile(r"(?<![\w#])#(\w{1,40})")


def parse_hashtags(text: str) -> tuple[str, ...]:
    """Hashtags in ``text``: Weibo style ``#two words#`` first, then Twitter style ``#word``; lower
    case, without the marks, each once, in order of appearance."""
    found = [m.group(1).strip().lower() for m in _WEIBO_TAG.finditer(text)]
    rest = _WEIBO_TAG.sub(" ", text)
    found += [m.group(1).lower() for m in _TWITTER_TAG.finditer(rest)]
    return tuple(dict.fromkeys(tag for tag in found if tag))


@dataclass(frozen=True)
class PostView:
    """A post as a reader sees it at some time (counts are those visible then)."""

    post_id: int
    author: str
    kind: str
    text: str
    parent: int | None
    topic: str | None
    hashtags: tuple[str, ...]
    likes: int
    dislikes: int
    reposts: int
    replies: int
    toxicity: float
    attitude: float
    """The author's attitude toward the scenario's target when they wrote it (the post's stance)."""
    parent_text: str = ""
    label: str = ""


@dataclass
class _Post:
    post_id: int
    author: str
    kind: str
    text: str
    created_at: float
    visible_at: float
    parent: int | None
    root: int
    topic: str | None
    hashtags: tuple[str, ...]
    toxicity: float
    attitude: float
    hidden_from: float = NEVER
    likes: list[float] = field(default_factory=list)
    dislikes: list[float] = field(default_factory=list)
    reposts: list[float] = field(default_factory=list)
    replies: list[float] = field(default_factory=list)

    def visible(self, t: float) -> bool:
        return self.visible_at <= t < self.hidden_from


class ContentStore:
    """Every post of a run; ids are 0, 1, 2, ... in commit order."""

    def __init__(self, embed: Callable[[Sequence[str]], np.ndarray] | None = None) -> None:
        self.posts: list[_Post] = []
        self._votes: dict[tuple[str, int], float] = {}
        self._embed = embed
        self._vectors: list[np.ndarray | None] = []

    def __len__(self) -> int:
        return len(self.posts)

    # ---- writes (commit time only) ----

    def add(self, author: str, kind: str, text: str, created_at: float, visible_at: float, *,
            parent: int | None = None, topic: str | None = None, toxicity: float = 0.0,
            attitude: float = 0.5, extra_tags: Sequence[str] = ()) -> int:
        """Publish a post; returns its id. A repost, quote or reply counts on its parent once visible."""
        if kind not in KINDS:
            raise ValueError(f"unknown post kind {kind!r}; allowed: {', '.join(KINDS)}")
        post_id = len(self.posts)
        root = self.posts[parent].root if parent is not None else post_id
        tags = tuple(dict.fromkeys((*parse_hashtags(text), *(t.lower() for t in extra_tags))))
        self.posts.append(_Post(post_id, author, kind, text, created_at, visible_at, parent, root, topic, tags,
                                float(toxicity), float(attitude)))
        if parent is not None:
            counter = self.posts[parent].replies if kind == "reply" else self.posts[parent].reposts
            bisect.insort(counter, visible_at)
        vector = self._embed([self.text_of(post_id)])[0] if self._embed is not None else None
        self._vectors.append(vector)
        return post_id

    def vote(self, agent: str, post_id: int, up: bool, visible_at: float) -> None:
        """A like (``up``) or a dislike; one vote per user and post."""
        self._votes[(agent, post_id)] = visible_at
        bisect.insort(self.posts[post_id].likes if up else self.posts[post_id].dislikes, visible_at)

    def hide(self, post_id: int, from_time: float) -> None:
        post = self.posts[post_id]
        post.hidden_from = min(post.hidden_from, from_time)

    # ---- reads (pure functions of t) ----

    def text_of(self, post_id: int) -> str:
        """What the post says: its own text, or for a plain repost the reposted text."""
        post = self.posts[post_id]
        if post.kind == "repost" and post.parent is not None:
            return self.posts[post.parent].text
        return post.text

    def voted(self, agent: str, post_id: int) -> bool:
        """Whether ``agent`` has liked or disliked the post (at any time: a vote is the user's own act)."""
        return (agent, post_id) in self._votes

    def visible_ids(self, t: float) -> list[int]:
        return [p.post_id for p in self.posts if p.visible(t)]

    def view(self, post_id: int, t: float, label: str = "") -> PostView:
        """The post as seen at ``t``."""
        p = self.posts[post_id]
        parent_text = self.text_of(p.parent) if p.parent is not None and p.kind in ("quote", "reply") else ""
        return PostView(p.post_id, p.author, p.kind, self.text_of(post_id), p.parent, p.topic, p.hashtags,
                        _count(p.likes, t), _count(p.dislikes, t), _count(p.reposts, t), _count(p.replies, t),
                        p.toxicity, p.attitude, parent_text, label)

    def score(self, post_id: int, t: float) -> int:
        """Net votes visible at ``t``: likes minus dislikes (Reddit-style score)."""
        p = self.posts[post_id]
        return _count(p.likes, t) - _count(p.dislikes, t)

    def hot(self, post_id: int, t: float, decay_h: float) -> float:
        """Hot score at ``t``: ``sign(s) * log10(1 + |s|) - age_h / decay_h`` with ``s`` = likes -
        dislikes + reposts visible at ``t`` and ``age_h`` the hours since the post became visible
        (Reddit's hot ranking, written with the age relative to now: 12.5 h of age cost one order of
        magnitude of votes at Reddit's constant)."""
        p = self.posts[post_id]
        s = self.score(post_id, t) + _count(p.reposts, t)
        age_h = max(0.0, t - p.visible_at) / 3600.0
        return math.copysign(math.log10(1 + abs(s)), s) - age_h / decay_h

    def vectors(self, post_ids: Sequence[int]) -> np.ndarray | None:
        """The posts' text embeddings (rows of unit length), or None without an embedder."""
        if self._embed is None:
            return None
        return np.stack([self._vectors[i] for i in post_ids]) if post_ids else np.zeros((0, 1), np.float32)

    def embed(self, texts: Sequence[str]) -> np.ndarray | None:
        """Embeddings of other texts (profiles) with the store's embedder, or None without one."""
        return None if self._embed is None else self._embed(list(texts))


def _count(times: list[float], t: float) -> int:
    return bisect.bisect_right(times, t)
