"""When TrendSim attackers visit the topic (TrendSim 3.4), chosen by name in ``trendsim.attack.schedule``.

The paper's released code (``code/Attacker.py``) ties the schedule to the topic's lifecycle: the first
visit is drawn uniformly within ``lifecycle / 10`` and attackers come back every
``lifecycle / (2 * epoch_num)`` (``epoch_num`` is ``trendsim.attack.epochs``, 2 in that code's config),
so a longer or shorter lifecycle stretches or shrinks the attack. ``fixed_hours`` keeps the two gaps at
the hours set in ``first_visit_within_h`` and ``revisit_every_h`` whatever the lifecycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class AttackSchedule:
    """The two gaps that time an attacker's visits, in simulated hours."""

    first_within_h: float
    revisit_every_h: float


def _lifecycle(attack: Any, lifecycle_h: float) -> AttackSchedule:
    """The released code: first visit within lifecycle/10, revisits every lifecycle/(2*epochs)."""
    return AttackSchedule(lifecycle_h / 10.0, lifecycle_h / (2.0 * attack.epochs))


def _fixed_hours(attack: Any, lifecycle_h: float) -> AttackSchedule:
    """Hours set in the scenario, independent of the lifecycle."""
    return AttackSchedule(attack.first_visit_within_h, attack.revisit_every_h)


SCHEDULES: dict[str, Callable[[Any, float], AttackSchedule]] = {
    "lifecycle": _lifecycle,
    "fixed_hours": _fixed_hours,
}
"""Attack schedules by scenario name (``trendsim.attack.schedule``)."""


def attack_schedule(trendsim_cfg: Any) -> AttackSchedule:
    """The schedule a TrendSim section asks for, resolved against its lifecycle."""
    attack = trendsim_cfg.attack
    return SCHEDULES[attack.schedule](attack, trendsim_cfg.lifecycle_h)
