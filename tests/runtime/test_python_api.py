"""The Python API: hubbub.load_scenario and hubbub.Simulation, advanced in parts or at once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

import hubbub
from hubbub.scenarios.config import scenario_from_dict

EVENTS = "SELECT seq, time, kind, agent, data FROM events ORDER BY seq"


def _events(run_dir):
    conn = sqlite3.connect(run_dir / "run.sqlite")
    try:
        return conn.execute(EVENTS).fetchall()
    finally:
        conn.close()


def test_the_issue_one_liner_equals_the_cli_run(tmp_path):
    code = ("import hubbub; sim = hubbub.Simulation(hubbub.load_scenario('demo'), backend='scripted', "
            f"out={str(tmp_path / 'd')!r}); sim.run_until(1.0); sim.run(); print(sim.results.events.shape)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith("(")
    cli = subprocess.run([sys.executable, "-m", "hubbub.cli", "run", "demo", "--backend", "scripted", "--quiet",
                          "--out", str(tmp_path / "cli")], capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert _events(tmp_path / "d") == _events(tmp_path / "cli") != []


def test_stepping_gives_the_same_log_as_one_run(tmp_path):
    whole = hubbub.Simulation("demo", tmp_path / "whole", backend="scripted")
    whole.run()
    parts = hubbub.Simulation("demo", tmp_path / "parts", backend="scripted")
    assert parts.now == 0.0 and not parts.done
    assert parts.step() >= 1
    parts.run_until(0.75)
    assert parts.now <= 0.75
    for _ in range(2):
        parts.step()
    assert not parts.done  # run() below has work left to do
    parts.run()
    assert parts.status == "completed" and parts.done
    assert _events(tmp_path / "parts") == _events(tmp_path / "whole")
    with pytest.raises(hubbub.SchedulingError, match="already ended"):
        parts.step()


def test_an_intervention_from_python_is_part_of_the_scenario_and_replays_exactly(tmp_path):
    sim = hubbub.Simulation("demo", tmp_path / "live", backend="scripted")
    sim.run_until(0.5)
    sim.intervene("inject_post", text="Official: the pacer was hired by the organisers.")
    sim.interview("How do you feel about this topic now?", sample=3)
    sim.run()
    kinds = sim.results.events["kind"].tolist()
    assert "intervention" in kinds and kinds.count("interview") == 3
    config = sim.results.manifest["config"]
    assert len(config["interventions"]) == 1 and config["interventions"][0]["at_h"] >= 0.5
    fresh = hubbub.Simulation(scenario_from_dict(config), tmp_path / "fresh")
    fresh.run()
    assert _events(tmp_path / "fresh") == _events(tmp_path / "live")


def test_an_intervention_in_the_past_is_refused(tmp_path):
    sim = hubbub.Simulation("demo", tmp_path / "r", backend="scripted")
    sim.run_until(1.0)
    with pytest.raises(hubbub.SchedulingError, match="before the simulation's current time"):
        sim.intervene("censorship", at_h=0.2, enabled=True)
    with pytest.raises(hubbub.ConfigError):
        sim.intervene("no_such_kind")
    sim.close()
    assert sim.results.manifest["status"] == "interrupted"


def test_views_of_users_and_platform(tmp_path):
    sim = hubbub.Simulation("demo", tmp_path / "t", backend="scripted")
    sim.run_until(1.0)
    users = sim.users
    assert users.index.name == "agent_id" and {"emotion", "confidence", "role"} <= set(users.columns)
    view = sim.platform
    assert view.topic["title"] and view.time_h == sim.now and view.follow_graph is None
    assert list(view.comments.columns) == ["comment_id", "text", "likes", "replies", "label"]
    sim.close()
    s3 = hubbub.Simulation("s3-workbench-demo", tmp_path / "s", backend="scripted",
                           concurrency=4)
    s3.run_until(2.0)
    assert {"emotion_level", "attitude", "aware", "policy"} <= set(s3.users.columns)
    assert s3.platform.follow_graph is not None and len(s3.platform.posts) > 0
    s3.close()


def test_load_scenario_takes_overrides_both_ways():
    sc = hubbub.load_scenario("demo", {"trendsim.attack.share": 0.3}, run__seed=11)
    assert sc.trendsim.attack.share == 0.3 and sc.run.seed == 11
    with pytest.raises(hubbub.ConfigError, match="trendsim.attack.share"):
        hubbub.load_scenario("demo", trendsim__attack__share=2.0)
