"""The paper's experiments run as grids and produce Table 5 / Table 9 / Figure 3 / Figure 4 outputs."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from hubbub.cli import app


def test_tiny_censorship_experiment_builds_the_paper_tables(tmp_path):
    out = tmp_path / "exp4"
    args = ["run", "exp4-censorship", "--backend", "scripted", "--out", str(out), "--quiet",
            "--set", 'experiment.grid."trendsim.topic"=["en-marathon-pacer"]',
            "--set", "trendsim.population.size=8", "--set", "trendsim.lifecycle_h=1.0",
            "--set", "trendsim.state_every_h=0.5", "--set", "trendsim.attack.first_visit_within_h=0.2",
            "--set", "trendsim.attack.revisit_every_h=0.3", "--set", "trendsim.access.T_m=0.2"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 4  # 1 topic x 2 attack shares x censorship off/on
    table = pd.read_csv(out / "tables" / "censorship.csv")
    assert {"SE", "PA-50", "PA-50-CS"} <= set(table["degree"])
    assert {"Positive", "All"} <= set(table["group"])
    assert (out / "plots" / "conditions_relative_to_SE.png").exists()
    assert (out / "plots" / "groups_by_degree.png").exists()
    assert "NOT a research result" in (out / "summary.md").read_text()


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
