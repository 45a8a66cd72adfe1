"""Fills the TrendSim prompt templates for the world: the persona block first (after the page in the
perception of a Main page), the question last.

Third-party text (descriptions, topics, comments) is quoted by :func:`hubbub.agents.prompts.render`."""

from __future__ import annotations

from typing import Any, Sequence

from hubbub.agents.prompts import Block, numbered, persona_block, render
from hubbub.llm.base import Messages

_CENSOR_OPTIONS = {"en": ("Yes, it is malicious", "No, it is acceptable"), "zh": ("是，含有恶意内容", "否，内容正常")}
_NO_COMMENTS = {"en": Block("(no comments yet)"), "zh": Block("（暂无评论）")}


class PromptKit:
    """Prompt construction for one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def user(self, name: str, description: str, state: Any, **fields: str) -> Messages:
        """A user-agent prompt: persona block (traits, memory, opinion, conditions) + template fields."""
        persona = persona_block(self.lang, description, state.summary, state.opinion, state.emotion,
                                state.confidence)
        return render(name, self.lang, persona=persona, **fields)

    def attacker(self, prototype: str, topic: str, comments: Sequence[str]) -> Messages:
        """A prototype attacker's prompt: the topic and the comments so far, each quoted."""
        listed = numbered(comments) if comments else _NO_COMMENTS[self.lang]
        return render(f"attacker_{prototype}", self.lang, topic=topic, comments=listed)

    def censor(self, topic: str, comment: str) -> Messages:
        """The censor's question about one comment; topic and comment are quoted."""
        return render("censor", self.lang, topic=topic, comment=comment)

    def censor_options(self) -> tuple[str, str]:
        """Option 0 means "malicious" (hide it)."""
        return _CENSOR_OPTIONS[self.lang]
