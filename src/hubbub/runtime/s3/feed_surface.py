"""The follow feed as registered actions see it: what ``apply(feed, acted)`` of an action listed in
``s3.extra_actions`` receives at the round's commit.

The built-in feed actions (repost, post, nothing) are applied by the round's commit, vectorised over
every user; an extra action chosen by an LLM user is applied here, one decision at a time in the
round's decision order, through its action object. ``feed.mark`` / ``feed.marks`` count marks on
posts as the hub's ``mark`` / ``marks`` count them on comments; ``feed.text`` and ``feed.author`` read
a post. What ``apply`` returns is added to the user's ``s3_decision`` event.
"""

from __future__ import annotations

import bisect
from typing import Any, Mapping, Sequence

from hubbub.platform.actions import Acted, feed_actions


class FeedSurface:
    """The follow feed's actions and the marks registered actions leave on posts."""

    def __init__(self, extra: tuple[str, ...], lang: str, posts: Any, agent_ids: Sequence[str]) -> None:
        actions = feed_actions(extra, lang)
        self.actions = actions
        """Offered in this order (rank): repost, post, the extra ones, nothing."""
        self._posts, self._ids = posts, agent_ids
        self._extra = {a.name: a for a in actions if a.name not in ("repost", "post", "none")}
        self._marks: dict[tuple[str, int], list[float]] = {}

    def mark(self, kind: str, post_id: int, visible_at: float) -> int:
        """Record one mark of ``kind`` on post ``post_id``, visible from ``visible_at``; returns how
        many marks of that kind the post has now."""
        times = self._marks.setdefault((kind, int(post_id)), [])
        bisect.insort(times, visible_at)
        return len(times)

    def marks(self, kind: str, post_id: int, t: float) -> int:
        """How many marks of ``kind`` post ``post_id`` has that are visible at ``t``."""
        return bisect.bisect_right(self._marks.get((kind, int(post_id)), []), t)

    def text(self, post_id: int) -> str:
        """The post's own text."""
        return self._posts.texts[int(post_id)]

    def author(self, post_id: int) -> str:
        """Who wrote the post ('platform' for the platform's own)."""
        author = int(self._posts.at("author", int(post_id)))
        return self._ids[author] if author >= 0 else "platform"

    def apply(self, decision: Any, t: float) -> Mapping[str, Any]:
        """Apply an LLM user's decision if it chose an extra action; the fields its ``apply`` returns
        (nothing for a built-in action)."""
        action = self._extra.get(decision.action)
        if action is None or action.apply is None:
            return {}
        acted = Acted(decision.agent_id, t, t, decision.text, decision.parent, False, False)
        return dict(action.apply(self, acted) or {})
