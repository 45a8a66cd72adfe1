"""A user on the living platform (issue 14): what they see in a step, the rule policies that form ties,
and the LLM mind that decides, in English and Chinese."""

from hubbub.agents.social.context import Author, Shown, SocialChoice, SocialContext, TopicLine

__all__ = ["Author", "Shown", "SocialChoice", "SocialContext", "TopicLine"]
