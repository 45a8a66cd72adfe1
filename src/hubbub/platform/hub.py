"""The trending topic as a centralised hub (TrendSim 3.2.2-3.2.3): the browse / main / comment pages,
a surface over the run's one :class:`~hubbub.platform.content.ContentStore`.

The topic is a post of kind ``topic``; a comment is a post whose parent is the topic, a reply one whose
parent is its comment; topic likes, views and reposts and comment and reply likes are reactions on
those posts. The hub numbers its comments and its replies 0, 1, 2, ... (the ids pages, actions and the
record use) and keeps the store ids of each.

Everything on the hub carries the simulated time at which it becomes visible. Every read takes the
observer's time ``t`` and sees only what is visible at ``t``: a comment written at ``t`` (visible when
its writing ends) is never seen by a session observing before then. Reads return immutable values so
a speculative computation can be validated by repeating them (see :mod:`hubbub.kernel.views`); a read
at ``t`` that no write since has touched at or before ``t`` is known unchanged without repeating it
(:meth:`Hub.unchanged_since`).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Callable, Hashable

import numpy as np

from hubbub.platform.content import COMMENT, HUB_SURFACE, NEVER, PLATFORM, REPLY, TOPIC, ContentStore

__all__ = ["NEVER", "CommentView", "Hub", "ReplyView"]

READ_TIME_ARG = {"counts": 0, "likes_reposts": 0, "topic_reactions": 1, "ranked_comments": 0,
                 "comment_page": 0, "comment_detail": 0, "visible_items": 0, "marks": 2}
"""Each read method of the hub and the position of its observer time ``t`` among its arguments."""


@dataclass(frozen=True)
class CommentView:
    """A comment as a reader sees it at some time."""

    comment_id: int
    text: str
    likes: int
    replies: int
    label: str = ""


@dataclass(frozen=True)
class ReplyView:
    """A reply as a reader sees it at some time."""

    reply_id: int
    text: str
    likes: int


class Hub:
    """One trending topic with its comments, replies, likes, reposts and views."""

    def __init__(self, title: str, summary: str, content: str, store: ContentStore | None = None) -> None:
        self.title = title
        self.summary = summary
        self.content = content
        self.store = store if store is not None else ContentStore()
        self.topic_post = self.store.add_one(PLATFORM, -1, TOPIC, title, surface=HUB_SURFACE, local=0,
                                             created_at=0.0, visible_at=0.0)
        self.comments: list[int] = []
        """The store id of each comment, by comment id."""
        self.replies: list[int] = []
        """The store id of each reply, by reply id."""
        self._replies_of: list[list[int]] = []
        self._reply_posts_of: list[list[int]] = []
        """The store ids of each comment's replies, by comment id."""
        self._comment_posts = np.zeros(0, dtype=np.int64)
        self._ranker = "likes"

    # ---- writes (commit time only) ----

    def add_comment(self, author: str, text: str, created_at: float, visible_at: float,
                    is_attack: bool = False, hidden: bool = False) -> int:
        """A comment on the topic, visible from ``visible_at`` (never if ``hidden``); returns its id.
        (Whether it was an attack is the record's business; the store keeps what readers see.)"""
        cid = len(self.comments)
        self.comments.append(self.store.add_one(self.store.author_index(author), self.topic_post, COMMENT, text,
                                                surface=HUB_SURFACE, local=cid, created_at=created_at,
                                                visible_at=visible_at, hidden=hidden))
        self._replies_of.append([])
        self._reply_posts_of.append([])
        return cid

    def add_reply(self, comment_id: int, author: str, text: str, created_at: float, visible_at: float,
                  is_attack: bool = False, hidden: bool = False) -> int:
        """A reply to comment ``comment_id``, visible from ``visible_at`` (never if ``hidden``); returns its id."""
        rid = len(self.replies)
        self.replies.append(self.store.add_one(self.store.author_index(author), self.comments[comment_id], REPLY,
                                               text, surface=HUB_SURFACE, local=rid, created_at=created_at,
                                               visible_at=visible_at, hidden=hidden))
        self._replies_of[comment_id].append(rid)
        self._reply_posts_of[comment_id].append(self.replies[rid])
        return rid

    def like_topic(self, visible_at: float) -> None:
        """A like of the topic, visible from ``visible_at``."""
        self.store.react("like", self.topic_post, visible_at)

    def like_comment(self, comment_id: int, visible_at: float) -> None:
        """A like of comment ``comment_id``, visible from ``visible_at``."""
        self.store.react("like", self.comments[comment_id], visible_at)

    def like_reply(self, reply_id: int, visible_at: float) -> None:
        """A like of reply ``reply_id``, visible from ``visible_at``."""
        self.store.react("like", self.replies[reply_id], visible_at)

    def repost(self, visible_at: float) -> None:
        """A repost of the topic, visible from ``visible_at``."""
        self.store.react("repost", self.topic_post, visible_at)

    def view(self, visible_at: float) -> None:
        """A view of the topic's details, counted from ``visible_at``."""
        self.store.react("view", self.topic_post, visible_at)

    def mark(self, kind: str, item_id: int, visible_at: float) -> int:
        """Record one mark of ``kind`` (a report, a bookmark: what a registered action leaves) on item
        ``item_id``, visible from ``visible_at``; returns how many marks of that kind it has now."""
        return self.store.react(kind, ("hub", self.topic_post, item_id), visible_at)

    def marks(self, kind: str, item_id: int, t: float) -> int:
        """How many marks of ``kind`` item ``item_id`` has that are visible at ``t``."""
        return self.store.reactions(kind, ("hub", self.topic_post, item_id), t)

    def label_comment(self, comment_id: int, text: str, from_time: float) -> None:
        """Attach a community note / warning label, shown with the comment from ``from_time`` on."""
        self.store.label(self.comments[comment_id], text, from_time)

    @property
    def ranker(self) -> str:
        """How comments are ranked: 'likes' (TrendSim) or 'recent' (newest first); see :meth:`set_ranker`."""
        return self._ranker

    def set_ranker(self, ranker: str) -> None:
        """'likes' (TrendSim) or 'recent' (newest first); changes every read, at any time."""
        if ranker not in ("likes", "recent"):
            raise ValueError(f"unknown comment ranker {ranker!r}")
        self._ranker = ranker
        self.store.note_write(-NEVER)

    def hide_comment(self, comment_id: int, from_time: float) -> None:
        """Hide comment ``comment_id`` from ``from_time`` on."""
        self.store.hide(self.comments[comment_id], from_time)

    def hide_reply(self, reply_id: int, from_time: float) -> None:
        """Hide reply ``reply_id`` from ``from_time`` on."""
        self.store.hide(self.replies[reply_id], from_time)

    # ---- reads (pure functions of t) ----

    def counts(self, t: float) -> tuple[int, int, int]:
        """(likes, reposts, views) of the topic visible at ``t``."""
        return tuple(self.store.reactions(kind, self.topic_post, t) for kind in ("like", "repost", "view"))

    def topic_reactions(self, kind: str, t: float) -> int:
        """How many reactions of ``kind`` (like, repost, view) on the topic are visible at ``t``."""
        return self.store.reactions(kind, self.topic_post, t)

    def likes_reposts(self, t: float) -> tuple[int, int]:
        """The topic's likes and reposts visible at ``t``: the counts a Main page shows. Steps read these
        rather than :meth:`counts`, whose view count no page shows, so another user's view (a step's
        commonest action) does not make a step computed meanwhile redo its calls."""
        return self.topic_reactions("like", t), self.topic_reactions("repost", t)

    def ranked_comments(self, t: float) -> tuple[CommentView, ...]:
        """Visible comments ranked by likes at ``t`` (ties: earlier first)."""
        return self._views(self._ranked_ids(t).tolist(), t)

    def comment_page(self, t: float, page: int, per_page: int) -> tuple[tuple[CommentView, ...], bool]:
        """Comments on page ``page`` (0-based) and whether more pages follow."""
        ranked = self._ranked_ids(t)
        start = page * per_page
        return self._views(ranked[start:start + per_page].tolist(), t), len(ranked) > start + per_page

    def _ranked_ids(self, t: float) -> np.ndarray:
        """The ids of the comments visible at ``t`` in the hub's ranking ('likes': most liked first, then
        earlier visible, then lower id; 'recent': latest visible first, then higher id)."""
        posts = self._comment_post_ids()
        visible_at = self.store.col("visible_at")[posts]
        shown = np.flatnonzero((visible_at <= t) & (t < self.store.col("hidden_from")[posts]))
        at = visible_at[shown]
        if self._ranker == "recent":
            return shown[np.lexsort((-shown, -at))]
        likes = self.store.reaction_counts("like", posts[shown], t)
        return shown[np.lexsort((shown, at, -likes))]

    def _comment_post_ids(self) -> np.ndarray:
        """The store ids of the comments, by comment id, as an array (rebuilt when comments were added)."""
        if self._comment_posts.size != len(self.comments):
            self._comment_posts = np.asarray(self.comments, dtype=np.int64)
        return self._comment_posts

    def comment_detail(self, t: float, comment_id: int, per_page: int) -> tuple[CommentView | None, tuple[ReplyView, ...]]:
        """A comment and its first ``per_page`` visible replies (oldest first), or None if hidden."""
        if not self.store.is_visible(self.comments[comment_id], t):
            return None, ()
        own = self._replies_of[comment_id]
        replies = [own[i] for i in self._visible([self.replies[r] for r in own], t)]
        visible_at = self.store.col("visible_at")
        replies.sort(key=lambda r: (visible_at[self.replies[r]], r))
        views = tuple(ReplyView(r, self.store.texts[self.replies[r]], self._likes(self.replies[r], t))
                      for r in replies[:per_page])
        return self._views([comment_id], t)[0], views

    def visible_items(self, t: float) -> tuple[tuple[str, int, str], ...]:
        """Every comment and reply visible at ``t`` as (type, id, text); what a moderation sweep reviews."""
        texts = self.store.texts
        items = [("comment", c, texts[self.comments[c]]) for c in self._visible(self.comments, t)]
        items += [("reply", r, texts[self.replies[r]]) for r in self._visible(self.replies, t)]
        return tuple(items)

    def _visible(self, post_ids: list[int], t: float) -> list[int]:
        """The positions in ``post_ids`` (store ids) of the posts visible at ``t``, in order; over the
        hub's comment or reply list these are comment or reply ids."""
        if not post_ids:
            return []
        ids = np.asarray(post_ids, dtype=np.int64)
        store = self.store
        shown = (store.col("visible_at")[ids] <= t) & (t < store.col("hidden_from")[ids])
        return np.flatnonzero(shown).tolist()

    def _likes(self, post_id: int, t: float) -> int:
        return self.store.reactions("like", post_id, t)

    def _views(self, comment_ids: list[int], t: float) -> tuple[CommentView, ...]:
        """The views of ``comment_ids`` at ``t``, in that order."""
        replies = self._visible_replies(comment_ids, t)
        return tuple(self._comment_view(c, t, n) for c, n in zip(comment_ids, replies))

    def _comment_view(self, comment_id: int, t: float, replies: int) -> CommentView:
        post = self.comments[comment_id]
        return CommentView(comment_id, self.store.texts[post], self._likes(post, t), replies,
                           self.store.label_at(post, t))

    def _visible_replies(self, comment_ids: list[int], t: float) -> list[int]:
        """How many replies to each of ``comment_ids`` are visible at ``t``."""
        lists = [self._reply_posts_of[c] for c in comment_ids]
        posts = np.fromiter(chain.from_iterable(lists), dtype=np.int64)
        owner = np.repeat(np.arange(len(lists)), [len(own) for own in lists])
        store = self.store
        shown = (store.col("visible_at")[posts] <= t) & (t < store.col("hidden_from")[posts])
        return np.bincount(owner[shown], minlength=len(lists)).tolist()

    # ---- validating recorded reads (see hubbub.kernel.views) ----

    def read_stamp(self) -> int:
        """A mark of the hub's writes so far, recorded with each read."""
        return self.store.stamp()

    def unchanged_since(self, stamp: int, name: str, args: tuple) -> bool:
        """True when read ``name(*args)``, made at ``stamp``, is known to give the same result now: no
        write since that it depends on is noted at or before its observer time. False means: repeat
        the read to know. ``counts`` depends on the topic's reactions only, ``marks`` on its item's
        marks only, ``likes_reposts`` / ``topic_reactions`` on the topic's reactions of those kinds,
        every other read on everything but those."""
        position = READ_TIME_ARG.get(name)
        writes = self.store.writes_since(stamp) if position is not None and position < len(args) else None
        if writes is None:
            return False
        t, depends = args[position], self._depends(name, args)
        return all(at > t or not depends(reaction) for at, reaction in writes)

    def _depends(self, name: str, args: tuple) -> Callable[[tuple[str, Hashable] | None], bool]:
        """Whether read ``name(*args)`` depends on a write of ``reaction`` (None: a post, hide, label, ranker)."""
        topic = self.topic_post
        if name == "counts":
            return lambda reaction: reaction is not None and reaction[1] == topic
        if name in ("likes_reposts", "topic_reactions"):
            kinds = ("like", "repost") if name == "likes_reposts" else (args[0],)
            return lambda reaction: reaction is not None and reaction[1] == topic and reaction[0] in kinds
        if name == "marks":
            return lambda reaction: reaction is not None and reaction[1] == ("hub", topic, args[1])
        return lambda reaction: reaction is None or (type(reaction[1]) is not tuple and reaction[1] != topic)
