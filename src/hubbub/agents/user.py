"""The users of a run: who they are and the state they carry from one step to the next.

A TrendSim participant (``Participant`` with its short-term ``UserState``: emotion, social confidence,
summary, opinion; TrendSim 3.3.2) and an S3 LLM user (``LLMUser``: profile, demographics and the vector
its memory is scored against; its emotion level and attitude live in the world's arrays, so rule users
and LLM users share them). In a combined run the same person is both, under one agent id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hubbub.agents.demographics import Demographics


@dataclass(frozen=True)
class UserState:
    """Short-term memory (TrendSim 3.3.2): emotion, social confidence, summary and opinion."""

    emotion: float
    confidence: float
    summary: str = ""
    opinion: str = ""


@dataclass
class Participant:
    agent_id: str
    role: str  # "user" | "attacker"
    description: str
    group: str
    state: UserState
    prototype: str | None = None
    visits: int = 0


@dataclass
class LLMUser:
    """One LLM-driven user: node index, profile text, demographics and memory-relevant vectors."""

    index: int
    agent_id: str
    profile: str
    demographics: Demographics
    infer: tuple[str, ...] = ()
    history: tuple[str, ...] = ()
    group: str | None = None
    emotion0: float = 0.5
    confidence0: float = 0.5
    profile_vec: np.ndarray | None = field(default=None, repr=False)
