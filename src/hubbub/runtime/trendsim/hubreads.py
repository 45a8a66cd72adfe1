"""The hub as a user step reads it, for validating speculation at the grain the pages show.

A step computed concurrently is valid when every hub read it made returns the same value at commit
(:mod:`hubbub.kernel.views`). ``Hub.counts`` returns likes, reposts *and views*, but no page shows the
view count, and viewing the topic is a step's commonest action: a read of all three makes a step
computed while another user's view was being committed redo its LLM calls for a number it never used.
Steps read the topic's reactions one kind at a time through :class:`HubReads` instead.
"""

from __future__ import annotations

from typing import Any

from hubbub.platform.hub import Hub


class HubReads:
    """Every method of ``hub``, plus the topic's visible reactions of one kind."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub

    def __getattr__(self, name: str) -> Any:
        return getattr(self._hub, name)

    def topic_reactions(self, kind: str, t: float) -> int:
        """How many reactions of ``kind`` (like, repost, view) on the topic are visible at ``t``."""
        return self._hub.store.reactions(kind, self._hub.topic_post, t)

    def likes_reposts(self, t: float) -> tuple[int, int]:
        """The topic's likes and reposts visible at ``t`` (the counts the Main page shows)."""
        return self.topic_reactions("like", t), self.topic_reactions("repost", t)
