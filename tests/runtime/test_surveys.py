"""Surveys: scheduled (TrendSim, S3) and post-run questionnaires answered as choices, with the whole
distribution recorded; no state changes, and the log does not depend on concurrency or resuming."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

import hubbub
from hubbub.cli import app
from hubbub.errors import ConfigError, DataError
from hubbub.scenarios.config import load_scenario, scenario_from_dict

ITEMS = [
    {"id": "trust", "question": "The fee disclosures on this platform can be trusted."},
    {"id": "act7", "question": "The regulator will act on these fees.", "points": 7},
    {"id": "blame", "question": "Whom do you blame most?", "kind": "choice",
     "options": ["The app", "The borrowers", "The regulator"]},
]
SURVEYS = [{"at_h": 0.5, "sample": 6, "items": ITEMS}, {"after_run": True, "group": "society", "items": ITEMS[:1]}]
TRENDSIM = {"kind": "trendsim", "run": {"name": "surveyed", "seed": 3, "concurrency": 8},
            "llm": {"backend": "scripted"},
            "trendsim": {"topic": "en-loan-app-fees", "lifecycle_h": 1.5, "state_every_h": 0.5,
                         "population": {"size": 14}}}


def events(run_dir):
    with sqlite3.connect(run_dir / "run.sqlite") as conn:
        return [(t, k, a, json.loads(d)) for t, k, a, d in
                conn.execute("SELECT time, kind, agent, data FROM events ORDER BY seq")]


def run(path, data):
    sim = hubbub.Simulation(scenario_from_dict(data), path)
    sim.run()
    return events(path)


@pytest.fixture(scope="module")
def trendsim_runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("ts")
    return (run(base / "c8", {**TRENDSIM, "surveys": SURVEYS}),
            run(base / "c1", {**TRENDSIM, "run": {**TRENDSIM["run"], "concurrency": 1}, "surveys": SURVEYS}),
            run(base / "none", TRENDSIM), base / "c8")


def _check_answer(d):
    assert d["options"][d["answer_index"]] == d["answer"]
    assert len(d["probs"]) == len(d["options"]) and sum(d["probs"]) == pytest.approx(1, abs=1e-5)
    if d["kind"] == "likert":
        assert d["score"] == d["answer_index"] + 1 and 1 <= d["expected_score"] <= len(d["options"])


def test_a_scheduled_trendsim_survey_records_picks_and_distributions(trendsim_runs):
    log, _, _, _ = trendsim_runs
    answers = [(t, a, d) for t, k, a, d in log if k == "survey_answer"]
    first = [d for t, a, d in answers if d["survey"] == 0]
    assert len(first) == 6 * 3 and {t for t, a, d in answers if d["survey"] == 0} == {0.5 * 3600}
    assert {d["item"]: len(d["options"]) for d in first} == {"trust": 5, "act7": 7, "blame": 3}
    assert first[1]["options"][0] == "Strongly disagree" and first[1]["options"][-1] == "Strongly agree"
    for d in first:
        _check_answer(d)
    last = [(t, d) for t, a, d in answers if d["survey"] == 1]
    assert last and all(t == 1.5 * 3600 and d["group"] == "society" for t, d in last)
    assert log[-1][1] in ("survey_answer", "llm_failure")  # after_run: after every other event


def test_surveys_change_nothing_and_do_not_depend_on_concurrency(trendsim_runs):
    c8, c1, none, _ = trendsim_runs
    assert c8 == c1
    assert [e for e in c8 if e[1] != "survey_answer"] == none


def test_the_run_has_a_survey_table_and_the_analysis_writes_it(trendsim_runs):
    *_, out = trendsim_runs
    table = hubbub.load_run(out).surveys
    assert list(table.columns[:4]) == ["survey", "at_h", "agent_id", "group"]
    assert len(table) == sum(1 for e in trendsim_runs[0] if e[1] == "survey_answer")
    row = table[table["item"] == "act7"].iloc[0]
    assert row[[f"p_{k}" for k in range(1, 8)]].sum() == pytest.approx(1, abs=1e-5)
    from hubbub.runtime.worlds import world_kind

    written = world_kind("trendsim").analyse(out)  # what `hubbub run` does after the run
    assert out / "tables" / "surveys.csv" in written and out / "tables" / "survey_summary.csv" in written
    from hubbub.report.html_parts import Options
    from hubbub.report.html_surveys import survey_section

    panel = survey_section(hubbub.load_run(out), "run", Options())["surveys"]  # the report's Surveys panel
    assert [c["title"].split(":")[0] for c in panel["charts"]] == ["trust", "act7", "blame"]
    assert all(c["stacked"] for c in panel["charts"]) and panel["charts"][0]["categories"] == ["#0 · 0.5 h",
                                                                                               "#1 · 1.5 h"]


def test_a_post_run_survey_is_appended(trendsim_runs, tmp_path):
    import shutil

    out = tmp_path / "run"
    from hubbub.runtime.worlds import world_kind

    shutil.copytree(trendsim_runs[3], out)
    world_kind("trendsim").analyse(out)  # a run folder as `hubbub run` leaves it, with tables/
    items = tmp_path / "items.toml"
    items.write_text('[[items]]\nid = "fair"\nquestion = "The discussion was fair."\n'
                     '[[items]]\nid = "next"\nquestion = "What next?"\nkind = "choice"\n'
                     'options = ["Follow it", "Look away"]\n', encoding="utf-8")
    before = len(events(out))
    result = CliRunner().invoke(app, ["survey", str(out), "--file", str(items), "--sample", "4", "--at-h", "1"])
    assert result.exit_code == 0, result.output
    assert "fair (likert, 4 answers)" in result.output
    new = events(out)[before:]
    assert len(new) == 8 and all(k == "survey_answer" and d["post_run"] and d["survey"] == 2 for _, k, _, d in new)
    assert {t for t, *_ in new} == {3600.0}
    table = hubbub.load_run(out).surveys
    assert table["post_run"].sum() == 8 and (table["survey"] == 2).sum() == 8
    assert "fair" in (out / "tables" / "surveys.csv").read_text()
    bad = CliRunner().invoke(app, ["survey", str(out), "--file", str(items), "--agent", "nobody"])
    assert bad.exit_code == 2 and bad.output.count("\n") == 1 and "nobody" in bad.output


def test_an_s3_survey_asks_llm_users_from_their_state(tmp_path):
    items = tmp_path / "items.toml"
    items.write_text('[[items]]\nid = "worry"\nquestion = "I worry about the release."\n', encoding="utf-8")
    surveys = [{"at_h": 2.0, "items": ITEMS[2:]}, {"after_run": True, "sample": 4, "file": str(items)}]
    sc = load_scenario("s3-workbench-demo", {"llm.backend": "scripted", "interventions": [], "interviews": [],
                                             "surveys": surveys, "s3.steps": 3})
    assert sc.surveys[1].items[0].id == "worry" and sc.surveys[1].items_from == str(items)
    logs = {}
    for concurrency in (1, 8):
        sim = hubbub.Simulation(sc.model_copy(update={"run": sc.run.model_copy(update={"concurrency": concurrency})}),
                                tmp_path / f"c{concurrency}")
        sim.run()
        logs[concurrency] = events(tmp_path / f"c{concurrency}")
    assert logs[1] == logs[8]
    answers = [(t, a, d) for t, k, a, d in logs[1] if k == "survey_answer"]
    llm_users = {a for _, k, a, d in logs[1] if k == "s3_profile"}
    assert len(llm_users) == 10  # of 200 users; the rule users are never asked
    assert sorted(a for t, a, d in answers if d["survey"] == 0) == sorted(llm_users)
    assert {d["emotion_level"] for _, _, d in answers} <= {"calm", "moderate", "intense"}
    assert [t for t, a, d in answers if d["survey"] == 1] == [3 * 3600.0] * 4
    for _, _, d in answers:
        _check_answer(d)
    from hubbub.commands.survey import survey_run

    after = survey_run(tmp_path / "c1", ITEMS[:1], sample=4)  # post-run, from the record: the same panel
    assert sorted(after["agent_id"]) == sorted(a for t, a, d in answers if d["survey"] == 1)
    assert after["post_run"].all() and (after["survey"] == 2).all() and after["at_h"].eq(3.0).all()


def test_a_survey_from_python_replays_and_resumes_exactly(tmp_path):
    sim = hubbub.Simulation(scenario_from_dict(TRENDSIM), tmp_path / "live")
    sim.run_until(0.6)
    sim.survey(ITEMS[:2], sample=3)
    sim.run_until(1.0)
    sim.close()
    hubbub.Simulation.resume(tmp_path / "live").run()
    config = hubbub.load_run(tmp_path / "live").manifest["config"]
    assert len(config["surveys"]) == 1
    assert run(tmp_path / "fresh", config) == events(tmp_path / "live")
    with pytest.raises(hubbub.SchedulingError, match="hubbub survey"):
        sim.survey(ITEMS)


@pytest.mark.parametrize("item, words", [
    ({"id": "x", "question": "Q", "kind": "likrt"}, ["surveys.0.items.0.kind = 'likrt'", "'likert' or 'choice'"]),
    ({"id": "x", "question": "Q", "points": 6}, ["surveys.0.items.0.points = 6", "5 or 7"]),
    ({"id": "x", "question": "Q", "kind": "choice", "options": ["only"]}, ["surveys.0.items.0", "2 to 26 options"]),
    ({"id": "x", "question": "Q", "options": ["a", "b"]}, ["surveys.0.items.0", "options are for kind 'choice'"]),
    ({"id": "x y", "question": "Q"}, ["surveys.0.items.0.id = 'x y'"]),
])
def test_a_bad_item_is_one_clear_line(item, words):
    with pytest.raises(ConfigError) as caught:
        scenario_from_dict({**TRENDSIM, "surveys": [{"at_h": 1.0, "items": [item]}]}, "s.toml")
    message = str(caught.value)
    assert "\n" not in message and message.startswith("s.toml: ") and all(w in message for w in words)


def test_a_bad_items_file_names_the_file_and_field(tmp_path):
    items = tmp_path / "items.toml"
    items.write_text('[[items]]\nid = "x"\nquestion = "Q"\nkind = "choice"\noptions = ["a", "a"]\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"items.toml: items.0: item 'x': option 'a' is listed twice"):
        scenario_from_dict({**TRENDSIM, "surveys": [{"at_h": 1.0, "file": str(items)}]})
    with pytest.raises(ConfigError, match="give at_h .* or after_run = true, not both"):
        scenario_from_dict({**TRENDSIM, "surveys": [{"at_h": 1.0, "after_run": True, "items": ITEMS}]})
    with pytest.raises(ConfigError, match="surveys.0.at_h = 9 is not allowed: it is outside the run"):
        scenario_from_dict({**TRENDSIM, "surveys": [{"at_h": 9, "items": ITEMS}]})


@pytest.mark.parametrize("value", [float("inf"), float("nan"), -1.0])
def test_a_survey_time_must_be_a_finite_hour(value):
    with pytest.raises(ConfigError, match=rf"surveys.0.at_h = {value!r} is not allowed"):
        scenario_from_dict({**TRENDSIM, "surveys": [{"at_h": value, "items": ITEMS}]})
