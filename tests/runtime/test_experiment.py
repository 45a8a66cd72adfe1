"""The paper's experiments run as grids and produce their outputs (TrendSim Tables 3, 4, 5, 9 and Figures 3,
4 and 6-8) with intervals across replicate seeds."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from hubbub.cli import app


ONE_PER_SENTIMENT = '["en-marathon-pacer", "en-loan-app-fees", "en-deposit-rate-cut"]'
TINY = ["--backend", "scripted", "--quiet", "--set", "experiment.seeds=2", "--set", "trendsim.population.size=4",
        "--set", "trendsim.lifecycle_h=0.5", "--set", "trendsim.state_every_h=0.25",
        "--set", "trendsim.attack.first_visit_within_h=0.2", "--set", "trendsim.attack.revisit_every_h=0.2",
        "--set", "trendsim.access.A=1.5", "--set", "trendsim.access.T_m=0.2", "--set", "trendsim.access.alpha=0.5"]
GRIDS = {  # each experiment's own grid, shrunk: one topic per sentiment group where the figures need them
    "exp1-attack-impact": [f'experiment.grid."trendsim.topic"={ONE_PER_SENTIMENT}',
                           'experiment.grid."trendsim.attack.share"=[0.0, 0.5]'],
    "exp2-psychology-over-time": [f'experiment.grid."trendsim.topic"={ONE_PER_SENTIMENT}',
                                  'experiment.grid."trendsim.attack.share"=[0.0, 0.5]'],
    "exp3-susceptibility": ['experiment.grid."trendsim.topic"=["en-reverse-travel"]'],
    "exp4-censorship": ['experiment.grid."trendsim.topic"=["en-marathon-pacer"]'],
}
INTERVAL_COLUMNS = {"mean", "ci_low", "ci_high", "n", "estimate"}


@pytest.mark.parametrize("name", list(GRIDS))
def test_each_experiment_writes_every_listed_output_with_intervals_and_n(tmp_path, name):
    """Each paper experiment at tiny size with 2 seeds: every output it lists exists, its tables carry
    mean, interval and n (n=2 with an interval, or n=1 without one), its figures are in summary.md."""
    from hubbub.report.experiments import outputs_for

    out = tmp_path / name
    command = "run" if name == "exp4-censorship" else "sweep"  # `hubbub run` and `hubbub sweep` alike
    sets = [arg for item in GRIDS[name] for arg in ("--set", item)]
    extra = [] if command == "run" else ["--workers", "1"]
    result = CliRunner().invoke(app, [command, name, "--out", str(out), *TINY, *sets, *extra])
    assert result.exit_code == 0, result.output
    analysis = pd.read_csv(out / "runs.csv")
    assert set(analysis["seed"]) == {1, 2}
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "NOT a research result" in summary
    for output in outputs_for(_analysis(name)):
        path = out / output.path
        assert path.is_file() and path.stat().st_size > 0, f"{name}: {output.path} ({output.paper}) missing"
        if output.path.endswith(".png"):
            assert f"({output.path})" in summary, f"{output.path} is not shown in summary.md"
        elif output.intervals:
            _check_intervals(pd.read_csv(path), output.path)
    _check_content(name, out)


def _analysis(name: str) -> str:
    from hubbub.scenarios.loading import read_scenario_data

    return read_scenario_data(name)[0]["experiment"]["analysis"]


def _check_intervals(table: pd.DataFrame, what: str) -> None:
    assert INTERVAL_COLUMNS <= set(table.columns), f"{what}: columns {list(table.columns)}"
    assert len(table) and (table["n"] <= 2).all() and (table["n"] == 2).any(), what
    pair, single = table[table["n"] == 2], table[table["n"] == 1]
    assert (pair["ci_low"] <= pair["mean"] + 1e-12).all() and (pair["mean"] <= pair["ci_high"] + 1e-12).all(), what
    assert single["ci_low"].isna().all() and single["estimate"].str.contains("n=1, no interval").all(), what


def _check_content(name: str, out) -> None:
    """What each experiment is for: Table 5/9 rows, Table 3 groups, Figure 4's degrees, Table 4's grid."""
    tables = out / "tables"
    cost = pd.read_csv(tables / "time_cost.csv")
    assert set(cost["agents"]) == {4} and {"wall_s", "llm_calls"} <= set(cost["measure"])
    drops = pd.read_csv(tables / "groups_drop_vs_SE.csv")
    if name == "exp1-attack-impact":
        quality = pd.read_csv(tables / "discussion_quality.csv")
        assert {"Positive", "Negative", "Neutral", "All"} == set(quality["group"])
        assert {"rationality", "diversity"} == set(quality["measure"])
    if name == "exp3-susceptibility":  # Figure 4 b/c: every attack degree against SE
        assert set(drops["degree"]) == {"PA-10", "PA-30", "PA-50"}
    if name == "exp4-censorship":
        table = pd.read_csv(tables / "censorship.csv")
        assert {"SE", "PA-50", "PA-50-CS"} <= set(table["degree"]) and {"Positive", "All"} <= set(table["group"])


def test_an_experiment_writes_the_sweep_layout_and_reports_like_a_sweep(tmp_path):
    """`hubbub run` of an [experiment] and `hubbub sweep` of its grid: the same folders and files, and
    `hubbub report` reads both."""
    small = ["--set", "trendsim.population.size=6", "--set", "trendsim.lifecycle_h=0.5",
             "--set", "trendsim.attack.first_visit_within_h=0.2", "--set", "trendsim.attack.revisit_every_h=0.2",
             "--set", 'experiment.grid={"trendsim.attack.share"=[0.0, 0.5]}', "--set", "experiment.seeds=2",
             "--backend", "scripted", "--seed", "3"]
    runner = CliRunner()
    ran = runner.invoke(app, ["run", "exp1-attack-impact", "--out", str(tmp_path / "exp"), "--quiet", *small])
    swept = runner.invoke(app, ["sweep", "exp1-attack-impact", "--out", str(tmp_path / "sweep"), "--quiet",
                                "--workers", "1", *small])
    assert ran.exit_code == 0 and swept.exit_code == 0, ran.output + swept.output
    layouts = []
    for name in ("exp", "sweep"):
        folder = tmp_path / name
        layouts.append(sorted(str(p.relative_to(folder)) for p in folder.glob("*/*") if p.is_dir()))
        assert {"runs.csv", "summary.csv", "summary.md"} <= {p.name for p in folder.iterdir()}
        assert (folder / "tables" / "attack_impact.csv").is_file()  # the scenario's own grid: its analysis
        report = runner.invoke(app, ["report", str(folder)])
        assert report.exit_code == 0, report.output
    assert layouts[0] == layouts[1] == ["share-0.0/seed-3", "share-0.0/seed-4", "share-0.5/seed-3",
                                        "share-0.5/seed-4"]
    columns = ["run", "seed", "trendsim.attack.share", "status", "events", "emotion_avg"]
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "exp" / "runs.csv")[columns],
                                  pd.read_csv(tmp_path / "sweep" / "runs.csv")[columns])
