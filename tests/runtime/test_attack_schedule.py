"""The attacker schedule scales with the topic's lifecycle, as in TrendSim's released code (first visit
uniform within lifecycle/10, a visit every lifecycle/(2*epochs)); fixed hours remain an option."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hubbub.errors import ConfigError
from hubbub.runtime.trendsim.attack_schedule import SCHEDULES, attack_schedule
from hubbub.runtime.simulation import Simulation
from hubbub.scenarios.config import AttackConfig, TrendSimConfig
from hubbub.testing import small_scenario

HOUR = 3600.0


def _visits(tmp_path: Path, name: str, lifecycle_h: float, attack: dict) -> dict[str, list[float]]:
    """Start times (simulated seconds) of every attacker's visits."""
    out = tmp_path / name
    sc = small_scenario(trendsim__lifecycle_h=lifecycle_h, trendsim__attack=attack,
                        trendsim__population={"size": 6}, trendsim__access={"A": 1.0, "T_m": 0.3, "alpha": 2.0,
                                                                              "max_visits": 1})
    Simulation(sc, out).run()
    with sqlite3.connect(out / "run.sqlite") as conn:
        rows = conn.execute("SELECT agent, time FROM events WHERE kind = 'session_start' "
                            "AND agent LIKE 'attacker-%' ORDER BY seq").fetchall()
    visits: dict[str, list[float]] = {}
    for agent, time in rows:
        visits.setdefault(agent, []).append(time)
    return visits


def test_the_default_is_the_released_codes_lifecycle_schedule():
    assert AttackConfig().schedule == "lifecycle" and set(SCHEDULES) == {"lifecycle", "fixed_hours"}
    for lifecycle_h in (16.0, 32.0, 2.0):
        s = attack_schedule(TrendSimConfig(lifecycle_h=lifecycle_h))
        assert s.first_within_h == pytest.approx(lifecycle_h / 10)
        assert s.revisit_every_h == pytest.approx(lifecycle_h / 4)     # epochs = 2 in the released config
    s = attack_schedule(TrendSimConfig(lifecycle_h=16.0, attack=AttackConfig(epochs=8)))
    assert s.revisit_every_h == pytest.approx(1.0)


def test_fixed_hours_ignore_the_lifecycle():
    attack = AttackConfig(schedule="fixed_hours", first_visit_within_h=0.7, revisit_every_h=2.5)
    for lifecycle_h in (4.0, 40.0):
        s = attack_schedule(TrendSimConfig(lifecycle_h=lifecycle_h, attack=attack))
        assert (s.first_within_h, s.revisit_every_h) == (0.7, 2.5)


def test_hour_fields_without_a_schedule_mean_fixed_hours_and_conflicts_are_errors():
    assert AttackConfig(revisit_every_h=1.0).schedule == "fixed_hours"
    assert AttackConfig(**AttackConfig().model_dump()).schedule == "lifecycle"  # a saved config re-validates
    from hubbub.scenarios.config import scenario_from_dict

    with pytest.raises(ConfigError) as info:
        scenario_from_dict({"trendsim": {"attack": {"schedule": "lifecycle", "revisit_every_h": 1.0}}})
    message = str(info.value)
    assert "revisit_every_h = 1.0" in message and "fixed_hours" in message and "\n" not in message


def test_attacker_visits_scale_with_the_lifecycle(tmp_path):
    gaps = {}
    for lifecycle_h in (1.0, 2.0):
        visits = _visits(tmp_path, f"l{lifecycle_h}", lifecycle_h, {"share": 0.4})
        assert visits, "the run has attackers"
        assert all(times[0] < lifecycle_h / 10 * HOUR for times in visits.values())
        steps = [b - a for times in visits.values() for a, b in zip(times, times[1:])]
        assert steps and steps == pytest.approx([lifecycle_h / 4 * HOUR] * len(steps))
        gaps[lifecycle_h] = steps[0]
    assert gaps[2.0] == pytest.approx(2 * gaps[1.0])


def test_fixed_hour_visits_do_not_scale(tmp_path):
    attack = {"share": 0.4, "schedule": "fixed_hours", "first_visit_within_h": 0.05, "revisit_every_h": 0.2}
    for lifecycle_h in (1.0, 2.0):
        visits = _visits(tmp_path, f"f{lifecycle_h}", lifecycle_h, attack)
        assert all(times[0] < 0.05 * HOUR for times in visits.values())
        steps = [b - a for times in visits.values() for a, b in zip(times, times[1:])]
        assert steps and steps == pytest.approx([0.2 * HOUR] * len(steps))
