"""What a user on the living platform sees in one step, and what they choose (plain data).

The world turns a platform page into a :class:`SocialContext`; a user policy (LLM, learned, a rule
registered in :data:`hubbub.registry.POLICIES`) returns a :class:`SocialChoice`. ``options`` maps each
action possible on the page to what it can be taken on (post ids, agent ids, topic ids; empty for
actions without a target), so a policy can only pick what the page offers::

    @hubbub.register_policy("likes-everything")
    def likes_everything(ctx: SocialContext) -> SocialChoice:
        if "like" in ctx.options:
            return SocialChoice("like", target=ctx.options["like"][0])
        return SocialChoice("exit" if "exit" in ctx.options else "skip_board")
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from hubbub.errors import ConfigError


@dataclass(frozen=True)
class Shown:
    """A post on the page: id, author, text, counts, its stance (the author's attitude when writing,
    in [0, 1]), its toxicity, where it came from (in_network, recommended, topic, search) and hashtags."""

    post_id: int
    author: str
    text: str
    kind: str
    likes: int
    dislikes: int
    reposts: int
    stance: float
    toxicity: float
    source: str
    hashtags: tuple[str, ...] = ()
    label: str = ""
    quoted: str = ""
    """The text a quote or reply refers to."""


@dataclass(frozen=True)
class Author:
    """An author shown on the page: followers, common neighbours with the viewer (how many of the
    viewer's followees follow them), the viewer's relation to them and the mean stance of their posts
    on the page."""

    agent_id: str
    followers: int
    common: int
    followed: bool
    muted: bool
    blocked: bool
    stance: float


@dataclass(frozen=True)
class TopicLine:
    """A line of the board: topic id, title, rank, heat and its access intensity P(t) now."""

    topic_id: str
    title: str
    rank: int
    heat: float
    intensity: float


@dataclass(frozen=True)
class SocialContext:
    """Everything a policy may use to decide one step (see the module docstring)."""

    agent_id: str
    profile: str
    time_h: float
    attitude: float
    surface: str
    options: Mapping[str, tuple[Any, ...]]
    posts: tuple[Shown, ...] = ()
    authors: tuple[Author, ...] = ()
    followees: tuple[str, ...] = ()
    topics: tuple[TopicLine, ...] = ()
    texts: tuple[str, ...] = ()
    """Texts a rule user may post (the scenario's rule texts)."""
    params: Mapping[str, float] = field(default_factory=dict)
    """The scenario's rule parameters (``platform.rules``)."""
    lang: str = "en"
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0), compare=False)

    def post(self, post_id: int) -> Shown:
        return next(p for p in self.posts if p.post_id == post_id)

    def author(self, agent_id: str) -> Author | None:
        return next((a for a in self.authors if a.agent_id == agent_id), None)


@dataclass(frozen=True)
class SocialChoice:
    """The action, what it is taken on (``target``: a post id, agent id or topic id) and any text it
    writes (a post, quote, reply or search query)."""

    action: str
    target: Any = None
    text: str | None = None


WRITES = {"post", "quote", "reply", "search"}


def checked(name: str, choice: Any, ctx: SocialContext) -> SocialChoice:
    """The policy's choice, or a ConfigError naming the policy and what was wrong with it."""
    where = f"platform policy {name!r}"
    if not isinstance(choice, SocialChoice):
        raise ConfigError(f"{where} returned {choice!r}; expected hubbub.agents.social.SocialChoice")
    if choice.action not in ctx.options:
        raise ConfigError(f"{where} chose {choice.action!r}, which the {ctx.surface} page does not offer; "
                          f"offered: {', '.join(ctx.options)}")
    allowed = ctx.options[choice.action]
    if allowed and choice.target not in allowed:
        raise ConfigError(f"{where} took {choice.action!r} on {choice.target!r}; possible: "
                          f"{', '.join(map(str, allowed[:10]))}")
    if choice.action in WRITES and not (choice.text or "").strip():
        raise ConfigError(f"{where} chose {choice.action!r} without a text")
    return choice
