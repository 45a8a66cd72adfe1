"""Speed must not change results: with the same recorded LLM replies, a concurrency-1 run and a
concurrency-32 run of the same scenario write identical event logs (DESIGN decision 2)."""

from __future__ import annotations

import sqlite3

import pytest
from typer.testing import CliRunner

from hubbub.cli import app
from hubbub.scenarios.config import load_scenario
from hubbub.runtime.simulation import Simulation

SCENARIO = """
[run]
name = "speed"
seed = 21
concurrency = 8

[llm]
backend = "scripted"

[trendsim]
topic = "en-marathon-pacer"
lifecycle_h = 2.0
state_every_h = 0.25

[trendsim.population]
size = 40

[trendsim.access]
A = 3.0
T_m = 0.3
alpha = 2.0
max_visits = 3

[trendsim.attack]
share = 0.2
first_visit_within_h = 0.3
revisit_every_h = 0.4

[trendsim.censorship]
enabled = true
start_h = 0.5
"""


def log(run_dir):
    with sqlite3.connect(run_dir / "run.sqlite") as conn:
        return conn.execute("SELECT seq, time, kind, agent, data FROM events ORDER BY seq").fetchall()


@pytest.mark.timeout(120)
def test_concurrency_1_and_32_give_identical_logs_from_recorded_replies(tmp_path):
    path = tmp_path / "speed.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    recording = tmp_path / "recording"
    made = CliRunner().invoke(app, ["run", str(path), "--out", str(recording), "--quiet"])
    assert made.exit_code == 0, made.output

    sequential = tmp_path / "c1"
    replayed = CliRunner().invoke(app, ["run", str(path), "--backend", "replay", "--replay-from", str(recording),
                                        "--concurrency", "1", "--out", str(sequential), "--quiet"])
    assert replayed.exit_code == 0, replayed.output

    wide = load_scenario(str(path), {"llm.backend": "replay", "llm.replay_from": str(recording),
                                           "run.concurrency": 32})
    progress = Simulation(wide, tmp_path / "c32").run()

    reference = log(sequential)
    assert len(reference) > 300
    assert log(tmp_path / "c32") == reference
    assert log(recording) == reference  # the recording run (concurrency 8, live backend) too
    kinds = {row[2] for row in reference}
    assert {"action", "censored", "session_end", "snapshot"} <= kinds  # attackers, censor sweep, barriers
    assert "llm_failure" not in kinds  # every request of both runs was found among the recorded replies
    assert progress.recomputed > 0  # speculation was really exercised, and undone where it had to be
