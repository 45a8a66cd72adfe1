"""Scheduled interventions and interviews are applied at their time, recorded, and change the run."""

from __future__ import annotations

import json
import sqlite3

import pytest

from hubbub.errors import ConfigError
from hubbub.scenarios.config import load_scenario
from hubbub.runtime.simulation import Simulation


def events(run_dir):
    with sqlite3.connect(run_dir / "run.sqlite") as conn:
        return [(t, k, a, json.loads(d)) for t, k, a, d in
                conn.execute("SELECT time, kind, agent, data FROM events ORDER BY seq")]


@pytest.fixture(scope="module")
def workbench_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("wb") / "run"
    sc = load_scenario("workbench-demo", {"llm.backend": "scripted"})
    Simulation(sc, out).run()
    return out, events(out)


def test_every_intervention_is_recorded_at_its_time(workbench_run):
    _, log = workbench_run
    applied = [(t / 3600, d["type"]) for t, k, _, d in log if k == "intervention"]
    assert [kind for _, kind in applied] == ["attack", "label", "feed", "inject_post", "censorship",
                                             "remove_comment", "suspend_user"]
    assert [round(h, 2) for h, _ in applied] == [1.0, 1.5, 1.7, 1.75, 2.0, 2.1, 2.2]


def test_interventions_take_effect(workbench_run):
    out, log = workbench_run
    wave = next(d for _, k, _, d in log if k == "intervention" and d["type"] == "attack")
    assert wave["effect"]["attackers_after"] > wave["effect"]["attackers_before"] == 0
    attack_times = [t for t, k, _, d in log if k == "action" and d.get("role") == "attacker"]
    assert attack_times and min(attack_times) >= 3600
    notice = "Platform notice"
    seen = [t for t, k, _, d in log if k == "action" and notice in d["observation"]]
    assert seen and min(seen) >= 1.75 * 3600
    assert any(k == "action" and "[Note: «Community note" in d["observation"] for _, k, _, d in log)
    moderated = [t for t, k, _, d in log if k == "action" and d.get("text") and t >= 7200]
    with sqlite3.connect(out / "run.sqlite") as conn:
        checked = conn.execute("SELECT COUNT(*) FROM moderation WHERE time >= 7200").fetchone()[0]
        early = conn.execute("SELECT COUNT(*) FROM moderation WHERE time < 7200").fetchone()[0]
    assert early == 0 and checked == len(moderated)
    suspended = [t for t, k, a, d in log if a == "attacker-0000" and k == "action"]
    assert all(t < 2.2 * 3600 for t in suspended)


def test_interviews_before_and_after_the_wave(workbench_run):
    _, log = workbench_run
    answers = [(t, a, d) for t, k, a, d in log if k == "interview"]
    before = {a for t, a, d in answers if t < 3600}
    after = {a for t, a, d in answers if t > 3600}
    assert len(before) == 20 and before == after  # the same 20 users asked twice
    assert all(d["answer"] and d["question"] for _, _, d in answers)


def test_interventions_do_not_break_determinism_under_concurrency(tmp_path):
    logs = []
    for concurrency in (1, 16):
        sc = load_scenario("workbench-demo", {"llm.backend": "scripted", "run.concurrency": concurrency})
        Simulation(sc, tmp_path / f"c{concurrency}").run()
        logs.append(events(tmp_path / f"c{concurrency}"))
    assert logs[0] == logs[1]


def test_graph_only_interventions_are_refused_for_trendsim(tmp_path):
    sc = load_scenario("demo", {"llm.backend": "scripted",
                                       "interventions": [{"at_h": 1, "type": "block_edge", "source": "a",
                                                          "target": "b"}]})
    with pytest.raises(ConfigError, match="interventions.0.type"):
        Simulation(sc, tmp_path / "x")
    assert not (tmp_path / "x" / "run.sqlite").exists()


def test_post_run_interview_is_stored(workbench_run, tmp_path):
    import shutil

    from typer.testing import CliRunner

    from hubbub.cli import app

    out = tmp_path / "copy"
    shutil.copytree(workbench_run[0], out)
    before = len(events(out))
    result = CliRunner().invoke(app, ["interview", str(out), "What changed for you?", "--group", "society",
                                      "--at-h", "2.5"])
    assert result.exit_code == 0, result.output
    log = events(out)
    new = log[before:]
    assert new and all(k == "interview" and d["post_run"] and d["answer"] for _, k, _, d in new)
    bad = CliRunner().invoke(app, ["interview", str(out), "Q?", "--agent", "nobody"])
    assert bad.exit_code == 2 and "nobody" in bad.output
