"""What a computed S3 round wants to do; applied by :meth:`~hubbub.runtime.s3.world.S3World.commit`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hubbub.agents.demographics import Demographics
from hubbub.agents.feed.decide import Decision, Received
from hubbub.runtime.s3.rules import RuleOutcome


@dataclass
class StepOutcome:
    """What a computed round wants to do; applied by :meth:`S3World.commit`."""

    step: int
    time: float
    aware: tuple[np.ndarray, np.ndarray, np.ndarray] = field(default_factory=lambda: (np.zeros(0, np.int64),) * 2 + (np.zeros(0, np.int8),))
    rule: RuleOutcome | None = None
    decisions: list[Decision] = field(default_factory=list)
    decayed: dict[int, int] = field(default_factory=dict)
    received: dict[int, list[Received]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    hub_consumed: list[int] = field(default_factory=list)
    setup: dict[int, tuple[Demographics, int, list[tuple[str, str]]]] = field(default_factory=dict)
    asked: int = 0
    """LLM users asked this round (each may make several decisions, one per message)."""


def decision_key(d: Decision) -> tuple[int, int]:
    """A decision's place in a round: (user, message; 0 when decided per round)."""
    return d.index, d.message or 0


def round_actions(decisions: list[Decision]) -> dict[int, str]:
    """Each asked user's action of the round for the state table: what their decisions did, in order
    and once each, joined by '+' (e.g. 'repost+post'); 'none' when none acted."""
    done: dict[int, list[str]] = {}
    for d in decisions:
        done.setdefault(d.index, [])
        if d.action != "none" and d.action not in done[d.index]:
            done[d.index].append(d.action)
    return {i: "+".join(a) or "none" for i, a in done.items()}
