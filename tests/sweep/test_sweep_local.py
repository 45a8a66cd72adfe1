"""`hubbub sweep`: a 3-value grid x 3 seeds in local worker processes gives one summary table; a second
run of the same command skips what is done; bad grids are one clear error line."""

from __future__ import annotations

import json
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from hubbub.cli import app
from hubbub.errors import ConfigError
from hubbub.runtime import sweep as sw
from hubbub.scenarios.config import scenario_from_dict

runner = CliRunner()

SCENARIO = """
[run]
name = "sw"
seed = 5
concurrency = 8

[llm]
backend = "scripted"

[trendsim]
topic = "en-marathon-pacer"
lifecycle_h = 1.0
state_every_h = 0.25

[trendsim.population]
size = 10

[trendsim.access]
A = 2.5
T_m = 0.3
alpha = 2.0

[trendsim.attack]
first_visit_within_h = 0.3
revisit_every_h = 0.4
"""
GRID = "trendsim.attack.share=0,0.2,0.4"


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "sw.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def sweep(scenario_file, out, *extra):
    return runner.invoke(app, ["sweep", str(scenario_file), "--grid", GRID, "--seeds", "3", "--out", str(out),
                               *extra], env={"COLUMNS": "200"})


@pytest.mark.timeout(120)
def test_grid_of_three_by_three_seeds_prints_one_table_and_resumes(scenario_file, tmp_path):
    out = tmp_path / "sweep"
    first = sweep(scenario_file, out, "--workers", "2")
    assert first.exit_code == 0, first.output
    assert first.output.count("sweep sw: one row per run") == 1  # one table
    assert _aggregate_rows(first.output) == 3  # one mean ± std row per variant
    table = pd.read_csv(out / "runs.csv")
    assert len(table) == 9 and set(table["status"]) == {"completed"} and set(table["action"]) == {"ran"}
    assert sorted(table["variant"].unique()) == ["share-0", "share-0.2", "share-0.4"]
    assert sorted(table["seed"].unique()) == [5, 6, 7]
    for run, seed in zip(table["run"], table["seed"]):  # a folder named seed-N holds the run whose seed is N
        assert run.endswith(f"/seed-{seed}") and json.loads((out / run / "manifest.json").read_text())["seed"] == seed
    attack = table.groupby("variant")["attack_comment_share"].mean()
    assert attack["share-0"] == 0 and attack["share-0.4"] > 0  # the grid value reached the runs
    assert (out / "summary.md").read_text(encoding="utf-8").count("mean ± std") >= 3
    by_variant = pd.read_csv(out / "summary.csv")
    assert list(by_variant["runs"]) == [3, 3, 3] and "events_std" in by_variant.columns
    assert list(by_variant["trendsim.attack.share"]) == [0, 0.2, 0.4]

    (out / "share-0.2" / "seed-6" / "run.sqlite").unlink()  # lose one run: only it is redone
    again = sweep(scenario_file, out, "--workers", "1", "--quiet")
    assert again.exit_code == 0, again.output
    redo = pd.read_csv(out / "runs.csv")
    assert list(redo["action"]).count("ran") == 1 and list(redo["action"]).count("skipped") == 8
    assert redo.loc[redo["action"] == "ran", "run"].item() == "share-0.2/seed-6"
    metrics = ["events", "llm_calls", "comments", "emotion_avg", "confidence_avg"]
    pd.testing.assert_frame_equal(redo[metrics], table[metrics])  # same seeds, same outcomes
    assert (redo.loc[redo["action"] == "skipped", "wall_s"] > 0).all()  # remembered, not zero


def test_interrupted_variant_is_resumed_not_restarted(scenario_file, tmp_path):
    sc = scenario_from_dict({**_toml(scenario_file)}, "t")
    variants = sw.plan(sc, sw.parse_grid([GRID]), 1)
    out = tmp_path / "s"
    sw.run_sweep(variants[:1], out)
    manifest = out / variants[0].name / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"completed"', '"interrupted"'), encoding="utf-8")
    frame = sw.run_sweep(variants[:1], out)
    assert frame["action"].tolist() == ["resumed"] and frame["status"].tolist() == ["completed"]


def _aggregate_rows(output: str) -> int:
    return sum(line.startswith("│") and "mean ± std" in line for line in output.splitlines())


def _toml(path):
    from hubbub.scenarios.loading import read_scenario_data

    return read_scenario_data(str(path))[0]


def test_parse_grid_reads_toml_scalars():
    grid = sw.parse_grid(["trendsim.attack.share=0,0.1", "trendsim.hub.ranker=likes,'recent'",
                          "trendsim.censorship.enabled=true,false"])
    assert grid == {"trendsim.attack.share": (0, 0.1), "trendsim.hub.ranker": ("likes", "recent"),
                    "trendsim.censorship.enabled": (True, False)}


@pytest.mark.parametrize("item, says", [
    ("trendsim.attack.share", "expected KEY=V1,V2"),
    ("run.seed=1,2", "--seeds"),
    ("trendsim.attack.share=0,,1", "empty value"),
    ("trendsim.attack.share=0.1,0.1", "repeated"),
])
def test_bad_grid_items_are_refused(item, says):
    with pytest.raises(ConfigError, match=says):
        sw.parse_grid([item])


def test_bad_grid_key_is_one_error_line(scenario_file, tmp_path):
    result = runner.invoke(app, ["sweep", str(scenario_file), "--grid", "trendsim.attack.shares=0,0.1",
                                 "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "shares" in lines[0]


def test_out_of_range_grid_value_names_the_field(scenario_file, tmp_path):
    result = runner.invoke(app, ["sweep", str(scenario_file), "--grid", "trendsim.attack.share=0,1.5",
                                 "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "trendsim.attack.share" in result.output


def test_failed_variant_is_reported_and_the_others_complete(scenario_file, tmp_path):
    sc = scenario_from_dict(_toml(scenario_file), "t")
    variants = sw.plan(sc, sw.parse_grid([GRID]), 1)
    (tmp_path / "s" / variants[1].name).mkdir(parents=True)
    (tmp_path / "s" / variants[1].name / "run.sqlite").write_text("not a database", encoding="utf-8")
    manifest = {"status": "interrupted", "config": variants[1].config}
    (tmp_path / "s" / variants[1].name / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    frame = sw.run_sweep(variants, tmp_path / "s")
    assert frame["status"].tolist() == ["completed", "failed", "completed"]
    assert "DataError" in frame.loc[1, "error"]


def test_ray_missing_names_the_extra(scenario_file, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    result = runner.invoke(app, ["sweep", str(scenario_file), "--grid", GRID, "--out", str(tmp_path / "x"),
                                 "--ray", "local"])
    assert result.exit_code == 2 and "pip install 'hubbub[ray]'" in result.output
