"""The living platform's content: posts, reposts, quotes and replies (posts with a parent and a kind),
likes and dislikes, hashtags and visibility times (DESIGN decisions 1 and 11), as a surface over the
run's one :class:`hubbub.platform.content.ContentStore`.

Every post is a row of that store (surface ``social``: author, kind, parent, root, visibility and
hiding times) and its likes, dislikes, reposts and replies are the store's reactions on it; the
platform numbers its posts 0, 1, 2, ... (the store's ids while it is the only surface writing there).
Beside the row each post keeps what only this platform uses (topic, hashtags, toxicity, the author's
attitude as a number, its text embedding) and, for the platform's per-post Python loops, a frozen copy
of its row's fixed fields (:attr:`ContentStore.posts`).

Everything carries the simulated time from which it is visible; every read takes the observer's time
``t`` and sees only what is visible then. Writes happen at commit time only, reads return immutable
values, so a speculative computation can be validated by repeating its reads
(:mod:`hubbub.kernel.views`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from hubbub.platform import content as rows

KINDS = ("post", "repost", "quote", "reply", "news")
"""What a post is: an original post, a repost (the parent's text, no comment of its own), a quote (a
repost with a comment), a reply to a post, or a news item injected by the platform."""
NEVER = rows.NEVER

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


@dataclass(frozen=True)
class _Post:
    """A post's fixed fields (what never changes after it is published)."""

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


_KIND_CODE = {"post": rows.POST, "repost": rows.REPOST, "quote": rows.QUOTE, "reply": rows.REPLY, "news": rows.NEWS}


class ContentStore:
    """Every post of the living platform; ids are 0, 1, 2, ... in commit order."""

    def __init__(self, embed: Callable[[Sequence[str]], np.ndarray] | None = None,
                 store: rows.ContentStore | None = None) -> None:
        self.rows = store if store is not None else rows.ContentStore()
        """The run's one content store, which holds every post's row and reactions."""
        self.posts: list[_Post] = []
        """The fixed fields of each post, by post id."""
        self._global: list[int] = []
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
        self._global.append(self.rows.add_one(self.rows.author_index(author), self._global[parent] if parent is not None
                                              else -1, _KIND_CODE[kind], text, surface=rows.SOCIAL_SURFACE,
                                              local=post_id, created_at=created_at, visible_at=visible_at))
        if parent is not None:
            self.rows.react("reply" if kind == "reply" else "repost", self._global[parent], visible_at)
        vector = self._embed([self.text_of(post_id)])[0] if self._embed is not None else None
        self._vectors.append(vector)
        return post_id

    def vote(self, agent: str, post_id: int, up: bool, visible_at: float) -> None:
        """A like (``up``) or a dislike; one vote per user and post."""
        self._votes[(agent, post_id)] = visible_at
        self.rows.react("like" if up else "dislike", self._global[post_id], visible_at)

    def hide(self, post_id: int, from_time: float) -> None:
        """Hide the post from ``from_time`` on (moderation)."""
        self.rows.hide(self._global[post_id], from_time)

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
        """The ids of the posts visible at ``t``, in id order."""
        if not self._global:
            return []
        ids = np.asarray(self._global, dtype=np.int64)
        shown = (self.rows.col("visible_at")[ids] <= t) & (t < self.rows.col("hidden_from")[ids])
        return np.flatnonzero(shown).tolist()

    def view(self, post_id: int, t: float, label: str = "") -> PostView:
        """The post as seen at ``t``."""
        p = self.posts[post_id]
        parent_text = self.text_of(p.parent) if p.parent is not None and p.kind in ("quote", "reply") else ""
        likes, dislikes, reposts, replies = (self._count(kind, post_id, t) for kind in
                                             ("like", "dislike", "repost", "reply"))
        return PostView(p.post_id, p.author, p.kind, self.text_of(post_id), p.parent, p.topic, p.hashtags,
                        likes, dislikes, reposts, replies, p.toxicity, p.attitude, parent_text, label)

    def score(self, post_id: int, t: float) -> int:
        """Net votes visible at ``t``: likes minus dislikes (Reddit-style score)."""
        return self._count("like", post_id, t) - self._count("dislike", post_id, t)

    def hot(self, post_id: int, t: float, decay_h: float) -> float:
        """Hot score at ``t``: ``sign(s) * log10(1 + |s|) - age_h / decay_h`` with ``s`` = likes -
        dislikes + reposts visible at ``t`` and ``age_h`` the hours since the post became visible
        (Reddit's hot ranking, written with the age relative to now: 12.5 h of age cost one order of
        magnitude of votes at Reddit's constant)."""
        s = self.score(post_id, t) + self._count("repost", post_id, t)
        age_h = max(0.0, t - self.posts[post_id].visible_at) / 3600.0
        return math.copysign(math.log10(1 + abs(s)), s) - age_h / decay_h

    def vectors(self, post_ids: Sequence[int]) -> np.ndarray | None:
        """The posts' text embeddings (rows of unit length), or None without an embedder."""
        if self._embed is None:
            return None
        return np.stack([self._vectors[i] for i in post_ids]) if post_ids else np.zeros((0, 1), np.float32)

    def embed(self, texts: Sequence[str]) -> np.ndarray | None:
        """Embeddings of other texts (profiles) with the store's embedder, or None without one."""
        return None if self._embed is None else self._embed(list(texts))

    def _count(self, kind: str, post_id: int, t: float) -> int:
        return self.rows.reactions(kind, self._global[post_id], t)
