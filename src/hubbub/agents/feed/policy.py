"""User policies written in Python for follow-feed rounds (DESIGN decisions 8 and 11).

A scenario hands some of its LLM-slot users to a policy registered by name
(``s3.population.policy``, ``s3.population.policy_users``); for every message such a user processes
(``s3.processing = "per_message"``: one post per call, each call on the state the previous one left;
``"per_round"``: once per round over the round's posts), the policy decides instead of the LLM, from
what the user received and their state::

    @hubbub.register_policy("trusting-reposter")
    def trusting_reposter(ctx: Context) -> Choice:
        trusted = [r for r in ctx.received if r.source == "mutual"]
        return Choice("repost", post_id=trusted[0].post_id) if trusted else Choice("none")

The decision is recorded like an LLM user's (``s3_decision`` events name the policy), so runs stay
reproducible: the policy gets a random generator seeded from (user, round, message) and nothing else varies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from hubbub.agents.affect import ATTITUDES, EMOTION_LEVELS
from hubbub.errors import ConfigError

ACTIONS = ("none", "repost", "post")


@dataclass(frozen=True)
class Post:
    """A post as the user received it: id, the text shown, its author and the channel
    (``followee``, ``mutual``, ``recommended``)."""

    post_id: int
    text: str
    author: str
    source: str


@dataclass(frozen=True)
class Context:
    """What a policy sees: who the user is, when, their state and the posts it decides on (the one
    message per message, the round's posts best first per round)."""

    agent_id: str
    profile: str
    step: int
    time_h: float
    emotion: str
    attitude: str
    received: tuple[Post, ...]
    rng: np.random.Generator


@dataclass(frozen=True)
class Choice:
    """What the user does (``none``, ``repost`` of a received ``post_id``, or ``post`` a ``text``) and,
    optionally, their new emotion level and attitude (None keeps the current one)."""

    action: str = "none"
    post_id: int | None = None
    text: str | None = None
    emotion: str | None = None
    attitude: str | None = None


def checked(name: str, choice: Any, ctx: Context) -> tuple[str, int | None, str | None, int | None, int | None]:
    """The policy's choice as (action, parent post, text, emotion index, attitude index), or a
    ConfigError naming the policy and what was wrong."""
    where = f"s3.population.policy = {name!r}"
    if not isinstance(choice, Choice) or choice.action not in ACTIONS:
        raise ConfigError(f"{where} returned {choice!r}; expected hubbub.agents.feed.policy.Choice with action "
                          f"one of {', '.join(ACTIONS)}")
    if choice.action == "repost" and choice.post_id not in {p.post_id for p in ctx.received}:
        raise ConfigError(f"{where} reposted post {choice.post_id!r}, which {ctx.agent_id} did not receive")
    if choice.action == "post" and not (choice.text or "").strip():
        raise ConfigError(f"{where} chose 'post' without a text")
    return (choice.action, choice.post_id if choice.action == "repost" else None,
            choice.text.strip() if choice.action == "post" else None,
            _index(choice.emotion, EMOTION_LEVELS, where, "emotion"), _index(choice.attitude, ATTITUDES, where, "attitude"))


def _index(value: str | None, allowed: tuple[str, ...], where: str, what: str) -> int | None:
    if value is None:
        return None
    if value not in allowed:
        raise ConfigError(f"{where} returned {what} {value!r}; allowed: {', '.join(allowed)}")
    return allowed.index(value)


Policy = Callable[[Context], Choice]
