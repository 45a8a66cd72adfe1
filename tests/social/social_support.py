"""Shared helpers of the living-platform tests: small platform scenarios on the scripted backend."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from hubbub.scenarios.config import Scenario, scenario_from_dict
from hubbub.scenarios.loading import read_scenario_data, set_dotted

SMALL = {"llm.backend": "scripted", "platform.population.size": 24, "platform.population.llm_users": 5,
         "platform.hours": 2.0, "platform.churn.reserve": 2, "run.concurrency": 4}
"""platform-demo shrunk: 24 users (5 LLM), 2 simulated hours, every mechanism still acting."""


def demo(overrides: dict[str, Any] | None = None, small: bool = True) -> Scenario:
    """The built-in platform-demo on the scripted backend (shrunk unless ``small`` is False)."""
    data, source = read_scenario_data("platform-demo")
    for key, value in {**(SMALL if small else {"llm.backend": "scripted"}), **(overrides or {})}.items():
        set_dotted(data, key, value)
    return scenario_from_dict(data, source)


def run(scenario: Scenario, out: Path) -> Path:
    from hubbub.runtime.simulation import Simulation

    Simulation(scenario, out).run()
    return out


def event_log(run_dir: Path) -> list[tuple]:
    with sqlite3.connect(run_dir / "run.sqlite") as conn:
        return conn.execute("SELECT seq, time, kind, agent, data FROM events ORDER BY seq").fetchall()


def events(run_dir: Path, kind: str) -> list[dict[str, Any]]:
    """The data of every event of ``kind``, with its time and agent."""
    from hubbub.store import load_run

    frame = load_run(run_dir).events
    agent = "agent_id" if "agent_id" in frame else "agent"
    rows = zip(frame["time"], frame[agent], frame["data"], frame["kind"])
    return [{"time": t, "agent": a, **d} for t, a, d, k in rows if k == kind]
