"""The trending topic as a centralised hub (TrendSim 3.2.2-3.2.3).

Everything on the hub carries the simulated time at which it becomes visible. Every read takes the
observer's time ``t`` and sees only what is visible at ``t``: a comment written at ``t`` (visible when
its writing ends) is never seen by a session observing before then. Reads return immutable values so
a speculative computation can be validated by repeating them (see :mod:`hubbub.kernel.views`).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

NEVER = math.inf


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
    reply_id: int
    text: str
    likes: int


@dataclass
class _Item:
    item_id: int
    author: str
    text: str
    created_at: float
    visible_at: float
    is_attack: bool
    hidden_from: float = NEVER
    like_times: list[float] = field(default_factory=list)

    def visible(self, t: float) -> bool:
        return self.visible_at <= t < self.hidden_from

    def likes_at(self, t: float) -> int:
        return bisect.bisect_right(self.like_times, t)


@dataclass
class _Comment(_Item):
    reply_ids: list[int] = field(default_factory=list)


class Hub:
    """One trending topic with its comments, replies, likes, reposts and views."""

    def __init__(self, title: str, summary: str, content: str) -> None:
        self.title = title
        self.summary = summary
        self.content = content
        self.comments: list[_Comment] = []
        self.replies: list[_Item] = []
        self._topic_likes: list[float] = []
        self._reposts: list[float] = []
        self._views: list[float] = []
        self.ranker = "likes"
        self._labels: dict[int, list[tuple[float, str]]] = {}
        self._marks: dict[tuple[str, int], list[float]] = {}

    # ---- writes (commit time only) ----

    def add_comment(self, author: str, text: str, created_at: float, visible_at: float,
                    is_attack: bool = False, hidden: bool = False) -> int:
        cid = len(self.comments)
        self.comments.append(_Comment(cid, author, text, created_at, visible_at, is_attack,
                                      -NEVER if hidden else NEVER))
        return cid

    def add_reply(self, comment_id: int, author: str, text: str, created_at: float, visible_at: float,
                  is_attack: bool = False, hidden: bool = False) -> int:
        rid = len(self.replies)
        self.replies.append(_Item(rid, author, text, created_at, visible_at, is_attack, -NEVER if hidden else NEVER))
        self.comments[comment_id].reply_ids.append(rid)
        return rid

    def like_topic(self, visible_at: float) -> None:
        bisect.insort(self._topic_likes, visible_at)

    def like_comment(self, comment_id: int, visible_at: float) -> None:
        bisect.insort(self.comments[comment_id].like_times, visible_at)

    def like_reply(self, reply_id: int, visible_at: float) -> None:
        bisect.insort(self.replies[reply_id].like_times, visible_at)

    def repost(self, visible_at: float) -> None:
        bisect.insort(self._reposts, visible_at)

    def view(self, visible_at: float) -> None:
        bisect.insort(self._views, visible_at)

    def mark(self, kind: str, item_id: int, visible_at: float) -> int:
        """Record one mark of ``kind`` (a report, a bookmark: what a registered action leaves) on item
        ``item_id``, visible from ``visible_at``; returns how many marks of that kind it has now."""
        times = self._marks.setdefault((kind, item_id), [])
        bisect.insort(times, visible_at)
        return len(times)

    def marks(self, kind: str, item_id: int, t: float) -> int:
        """How many marks of ``kind`` item ``item_id`` has that are visible at ``t``."""
        return bisect.bisect_right(self._marks.get((kind, item_id), []), t)

    def label_comment(self, comment_id: int, text: str, from_time: float) -> None:
        """Attach a community note / warning label, shown with the comment from ``from_time`` on."""
        self._labels.setdefault(comment_id, []).append((from_time, text))

    def set_ranker(self, ranker: str) -> None:
        """'likes' (TrendSim) or 'recent' (newest first)."""
        if ranker not in ("likes", "recent"):
            raise ValueError(f"unknown comment ranker {ranker!r}")
        self.ranker = ranker

    def hide_comment(self, comment_id: int, from_time: float) -> None:
        item = self.comments[comment_id]
        item.hidden_from = min(item.hidden_from, from_time)

    def hide_reply(self, reply_id: int, from_time: float) -> None:
        item = self.replies[reply_id]
        item.hidden_from = min(item.hidden_from, from_time)

    # ---- reads (pure functions of t) ----

    def counts(self, t: float) -> tuple[int, int, int]:
        """(likes, reposts, views) of the topic visible at ``t``."""
        return (bisect.bisect_right(self._topic_likes, t), bisect.bisect_right(self._reposts, t),
                bisect.bisect_right(self._views, t))

    def ranked_comments(self, t: float) -> tuple[CommentView, ...]:
        """Visible comments ranked by likes at ``t`` (ties: earlier first)."""
        visible = [c for c in self.comments if c.visible(t)]
        if self.ranker == "recent":
            visible.sort(key=lambda c: (-c.visible_at, -c.item_id))
        else:
            visible.sort(key=lambda c: (-c.likes_at(t), c.visible_at, c.item_id))
        return tuple(self._comment_view(c, t) for c in visible)

    def comment_page(self, t: float, page: int, per_page: int) -> tuple[tuple[CommentView, ...], bool]:
        """Comments on page ``page`` (0-based) and whether more pages follow."""
        ranked = self.ranked_comments(t)
        start = page * per_page
        return ranked[start:start + per_page], len(ranked) > start + per_page

    def comment_detail(self, t: float, comment_id: int, per_page: int) -> tuple[CommentView | None, tuple[ReplyView, ...]]:
        """A comment and its first ``per_page`` visible replies (oldest first), or None if hidden."""
        comment = self.comments[comment_id]
        if not comment.visible(t):
            return None, ()
        replies = [self.replies[r] for r in comment.reply_ids if self.replies[r].visible(t)]
        replies.sort(key=lambda r: (r.visible_at, r.item_id))
        views = tuple(ReplyView(r.item_id, r.text, r.likes_at(t)) for r in replies[:per_page])
        return self._comment_view(comment, t), views

    def visible_items(self, t: float) -> tuple[tuple[str, int, str], ...]:
        """Every comment and reply visible at ``t`` as (type, id, text); what a moderation sweep reviews."""
        items = [("comment", c.item_id, c.text) for c in self.comments if c.visible(t)]
        items += [("reply", r.item_id, r.text) for r in self.replies if r.visible(t)]
        return tuple(items)

    def _comment_view(self, c: _Comment, t: float) -> CommentView:
        n_replies = sum(1 for r in c.reply_ids if self.replies[r].visible(t))
        label = " / ".join(text for at, text in self._labels.get(c.item_id, ()) if at <= t)
        return CommentView(c.item_id, c.text, c.likes_at(t), n_replies, label)
