"""Helpers for tests and examples: small, fast, deterministic scenarios on the scripted backend."""

from __future__ import annotations

from typing import Any

from hubbub.scenarios.config import Scenario, scenario_from_dict


def small_scenario(**overrides: Any) -> Scenario:
    """A 12-user, 1.5-hour TrendSim scenario on the scripted backend. Override nested fields with
    double underscores: ``small_scenario(run__concurrency=16, trendsim__attack={"share": 0.3})``."""
    data: dict[str, Any] = {
        "run": {"name": "t", "seed": 3, "concurrency": 1},
        "llm": {"backend": "scripted"},
        "trendsim": {
            "topic": "en-marathon-pacer", "lifecycle_h": 1.5, "state_every_h": 0.25,
            "population": {"size": 12},
            "access": {"A": 2.5, "T_m": 0.3, "alpha": 2.0, "max_visits": 3},
            "session": {"max_actions": 4},
            "attack": {"share": 0.2, "first_visit_within_h": 0.3, "revisit_every_h": 0.4},
        },
    }
    for dotted, value in overrides.items():
        node = data
        parts = dotted.split("__")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return scenario_from_dict(data)
