"""Counterfactual forks (hubbub.runtime.fork, `hubbub fork`, `hubbub compare`): a fork replays its parent
exactly up to H from the record, differs only after H, shares the parent's random streams, and pairs
with its parent for paired differences."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

import hubbub
from hubbub.cli import app
from hubbub.errors import ConfigError
from hubbub.testing import small_scenario

H = 0.5
HOUR = 3600.0
CENSOR = {"trendsim.censorship.enabled": True}


def _rows(run_dir, sql):
    conn = sqlite3.connect(run_dir / "run.sqlite")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _events(run_dir):
    return _rows(run_dir, "SELECT seq, time, kind, agent, data FROM events ORDER BY seq")


@pytest.fixture(scope="module")
def parent(tmp_path_factory):
    out = tmp_path_factory.mktemp("fork") / "parent"
    hubbub.Simulation(small_scenario(), out).run()
    return out


@pytest.fixture(scope="module")
def censored(parent):
    out = parent.with_name("censored")
    hubbub.Simulation.fork_from(parent, H, out, changes=CENSOR).run()
    return out


def test_a_fork_without_change_reproduces_its_parent_without_asking_the_model(parent, tmp_path):
    sim = hubbub.Simulation.fork_from(parent, H, tmp_path / "same")
    sim.run()
    assert _events(tmp_path / "same") == _events(parent) != []
    for table in ("comments", "replies", "agent_states", "likes"):
        assert _rows(tmp_path / "same", f"SELECT * FROM {table}") == _rows(parent, f"SELECT * FROM {table}")
    hits = _rows(tmp_path / "same", "SELECT cache_hit, COUNT(*) FROM llm_calls GROUP BY cache_hit")
    assert hits == [(1, _rows(parent, "SELECT COUNT(*) FROM llm_calls")[0][0])]  # every reply is the parent's
    fork = json.loads((tmp_path / "same" / "manifest.json").read_text())["fork"]
    assert fork["parent"] == str(parent.resolve()) and fork["at_h"] == H and fork["replayed"] is True
    assert fork["shared_events"] == sum(1 for e in _events(parent) if e[1] < H * HOUR)


def test_a_fork_with_a_change_differs_from_its_parent_only_after_h(parent, censored):
    mine, theirs = _events(censored), _events(parent)
    before = [e for e in theirs if e[1] < H * HOUR]
    assert 0 < len(before) and mine[:len(before)] == before
    first = next(k for k, (a, b) in enumerate(zip(mine, theirs)) if a != b)
    assert first == len(before) and mine[first][1] >= H * HOUR
    assert any(e[2] == "censored" for e in mine) and not any(e[2] == "censored" for e in theirs)
    new = _rows(censored, "SELECT COUNT(*) FROM llm_calls WHERE cache_hit = 0")[0][0]
    assert 0 < new < len(_rows(censored, "SELECT * FROM llm_calls"))  # identical requests reuse the parent's replies


def test_both_branches_draw_from_the_same_random_streams(parent, censored):
    """Access times come from one stream per user and visit: first visits are the same in both
    branches, and a session that ends at the same time is followed by the same next visit."""
    def sessions(run_dir):
        rows = [(time, kind, agent, json.loads(data)) for _seq, time, kind, agent, data in _events(run_dir)]
        starts = {(agent, d["visit"]): time for time, kind, agent, d in rows if kind == "session_start"}
        ends = {(agent, d["visit"]): (d["ended"], d["next_visit"]) for _t, kind, agent, d in rows if kind == "session_end"}
        return starts, ends

    (starts_p, ends_p), (starts_f, ends_f) = sessions(parent), sessions(censored)
    first_p = {k: t for k, t in starts_p.items() if k[1] == 0}
    assert first_p and first_p == {k: t for k, t in starts_f.items() if k[1] == 0}
    same_end = [k for k in ends_p if k in ends_f and ends_p[k][0] == ends_f[k][0]]
    assert any(ends_p[k][0] >= H * HOUR for k in same_end)  # sessions after H too
    assert all(ends_p[k][1] == ends_f[k][1] for k in same_end)
    assert any(ends_p[k] != ends_f[k] for k in ends_p if k in ends_f)  # yet the change changed sessions


def test_a_change_that_reaches_back_before_h_is_refused_and_leaves_nothing(parent, tmp_path):
    with pytest.raises(ConfigError, match="alters the run before H"):
        hubbub.Simulation.fork_from(parent, 1.0, tmp_path / "bad", changes={"trendsim.session.max_actions": 1})
    assert not (tmp_path / "bad").exists()
    with pytest.raises(ConfigError, match="keeps its parent's seed"):
        hubbub.Simulation.fork_from(parent, 1.0, tmp_path / "bad", run__seed=4)
    with pytest.raises(ConfigError, match=r"--at-h 9: must lie within the run, 0 to 1.5 h"):
        hubbub.Simulation.fork_from(parent, 9.0, tmp_path / "bad")
    with pytest.raises(ConfigError, match="expected a simulated hour"):
        hubbub.Simulation.fork_from(parent, "1", tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


def test_an_interrupted_fork_resumes_to_the_same_log(parent, censored, tmp_path):
    sim = hubbub.Simulation(small_scenario(), tmp_path / "p2")
    sim.run()
    fork = sim.fork(H, tmp_path / "f2", **CENSOR)  # the Python API: Simulation.fork
    fork.run_until(1.0)
    fork.close()
    hubbub.Simulation.resume(tmp_path / "f2").run()
    assert _events(tmp_path / "f2") == _events(censored)


def test_fork_and_compare_on_the_command_line(tmp_path):
    runner = CliRunner()
    for seed in (1, 2, 3):
        hubbub.Simulation(small_scenario(run__seed=seed), tmp_path / "parents" / f"s{seed}").run()
        result = runner.invoke(app, ["fork", str(tmp_path / "parents" / f"s{seed}"), "--at-h", "0", "--quiet",
                                     "--set", "trendsim.censorship.enabled=true",
                                     "--out", str(tmp_path / "forks" / f"s{seed}")])
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["compare", str(tmp_path / "parents"), str(tmp_path / "forks"),
                                 "--out", str(tmp_path / "cmp.csv")], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "trendsim.censorship.enabled=true" in result.output and "emotion_avg" in result.output
    table = (tmp_path / "cmp.csv").read_text().splitlines()
    assert table[0] == "change,measure,n,parent,fork,difference,low,high"
    assert len(table) == 5 and all(",3," in row for row in table[1:])


def test_compare_without_forks_says_what_to_do(parent):
    result = CliRunner().invoke(app, ["compare", str(parent)])
    assert result.exit_code == 2 and "no forks among 1 run folder" in result.output
