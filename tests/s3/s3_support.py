"""Shared helpers of the S3 tests: tiny scenarios on the scripted backend (imported by the test files)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from hubbub.scenarios.config import Scenario, scenario_from_dict
from hubbub.scenarios.loading import read_scenario_data, set_dotted


def tiny(overrides: dict[str, Any] | None = None, kind: str = "s3") -> Scenario:
    """A 40-user, 3-step S3 scenario on the scripted backend with the cheap embedder."""
    data: dict[str, Any] = {
        "kind": kind, "run": {"name": "tiny", "seed": 5, "concurrency": 4}, "llm": {"backend": "scripted"},
        "s3": {"steps": 3, "network": {"users": 40, "m": 2, "reciprocity": 0.4},
               "population": {"llm_users": 8}, "memory": {"embedder": "hashing"}, "rule": {"p": 0.3},
               "seed_posts": {"count": 2, "texts": ["First report about the event.", "A second report."]}},
    }
    for key, value in (overrides or {}).items():
        set_dotted(data, key, value)
    return scenario_from_dict(data, "tiny")


def builtin_tiny(name: str, **overrides: Any) -> Scenario:
    """A built-in scenario shrunk to 40 users and 3 steps on the scripted backend."""
    data, source = read_scenario_data(name)
    small = {"llm.backend": "scripted", "s3.steps": 3, "s3.network.users": 40, "s3.population.llm_users": 6,
             "s3.memory.embedder": "hashing", "run.concurrency": 4}
    for key, value in {**small, **overrides}.items():
        set_dotted(data, key, value)
    return scenario_from_dict(data, source)


def run(scenario: Scenario, out: Path) -> Path:
    from hubbub.runtime.simulation import Simulation

    Simulation(scenario, out).run()
    return out


def event_log(run_dir: Path) -> list[tuple]:
    with sqlite3.connect(run_dir / "run.sqlite") as conn:
        return conn.execute("SELECT seq, time, kind, agent, data FROM events ORDER BY seq").fetchall()
