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
