"""The built-in S3 scenarios run tiny and write the curves, cascade statistics and plots; the combined
scenario records users who came through the hub and users who came through followees."""

from __future__ import annotations

import pytest

from s3_support import builtin_tiny, run

from hubbub.store import load_run


@pytest.mark.parametrize("name", ["s3-gender-discrimination", "s3-nuclear-energy"])
def test_builtin_s3_scenarios_run_tiny_and_write_curves_and_plots(tmp_path, name):
    from hubbub.metrics.s3 import analyse_run

    out = run(builtin_tiny(name), tmp_path / name)
    written = {p.name for p in analyse_run(out)}
    assert {"curves.csv", "curves.md", "cascades.csv", "cascade_summary.csv", "channels.csv", "aware.png",
            "emotion_density.png", "positive_share.png", "cascade_sizes.png", "summary.md"} <= written
    r = load_run(out)
    steps = r.s3_steps
    assert steps["step"].tolist() == [0, 1, 2, 3]
    assert steps["aware"].is_monotonic_increasing and steps["aware"].iloc[-1] > steps["aware"].iloc[0]
    assert steps[["calm", "moderate", "intense"]].sum(axis=1).round(6).eq(1.0).all()
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "What is real and what is generated" in summary and "NOT a research result" in summary


def test_nuclear_camps_are_recorded(tmp_path):
    r = load_run(run(builtin_tiny("s3-nuclear-energy", **{"s3.network.users": 200}), tmp_path / "n"))
    camps = {p["camp"] for p in r.agents["profile"]}
    assert camps == {0, 1}
    by_camp = [d["by_camp"] for d in r.events[r.events["kind"] == "s3_step"]["data"]]
    assert all(len(b) == 2 for b in by_camp)
    assert by_camp[0][0] > 0.6 > 0.4 > by_camp[0][1]  # camp 0 leans positive (0.8), camp 1 negative (0.2)


def test_combined_scenario_records_hub_and_followee_channels(tmp_path):
    from hubbub.metrics.s3 import analyse_combined

    sc = builtin_tiny("combined-ai-labels", **{"s3.population.llm_users": 8, "trendsim.lifecycle_h": 3.0,
                                               "s3.rule.p": 0.3})
    out = run(sc, tmp_path / "c")
    written = {p.name for p in analyse_combined(out)}
    assert {"first_channel.csv", "first_channel.png", "hub.png", "hub_activity_by_hour.csv"} <= written
    r = load_run(out)
    channels = set(r.s3_awareness["channel"])
    assert "hub" in channels and channels & {"followee", "mutual"}
    hub_users = set(r.s3_awareness.loc[r.s3_awareness["channel"] == "hub", "agent_id"])
    sessions = r.events[r.events["kind"] == "session_start"]
    assert hub_users <= set(sessions["agent_id"])  # hub-aware users did visit the hub
    hub_post = r.s3_posts[r.s3_posts["kind"] == "hub"]
    assert len(hub_post) == 1 and hub_post["agent_id"].iloc[0] == "platform"


def test_the_s3_workbench_demo_applies_six_intervention_kinds_and_interviews_everyone_twice(tmp_path):
    import json
    import sqlite3

    from hubbub.runtime.simulation import Simulation
    from hubbub.scenarios.loading import read_scenario_data, set_dotted
    from hubbub.scenarios.config import scenario_from_dict

    data, source = read_scenario_data("s3-workbench-demo")
    set_dotted(data, "llm.backend", "scripted")
    set_dotted(data, "s3.memory.embedder", "hashing")
    out = tmp_path / "run"
    Simulation(scenario_from_dict(data, source), out).run()
    with sqlite3.connect(out / "run.sqlite") as conn:
        effects = [json.loads(d) for (d,) in conn.execute("SELECT data FROM events WHERE kind = 'intervention'")]
        answers = conn.execute("SELECT COUNT(*), COUNT(DISTINCT agent) FROM events WHERE kind = 'interview'").fetchone()
    assert sorted(e["type"] for e in effects) == ["block_edge", "feed", "inject_post", "label", "set_state", "suspend_user"]
    assert all(e["effect"].get("applied", True) for e in effects)
    assert answers == (20, 10)
