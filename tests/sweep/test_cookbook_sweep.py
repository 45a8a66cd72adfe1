"""The sweeps of docs/cookbook.md run as written (the scripted backend in place of the model server flags,
a smaller population), and `hubbub report` reads the folder they write."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from hubbub.cli import app

COOKBOOK = Path(__file__).resolve().parents[2] / "docs" / "cookbook.md"
SERVER_FLAGS = ("--base-url", "--model")
SMALL = ["--set", "trendsim.population.size=8", "--set", "trendsim.lifecycle_h=0.5",
         "--set", "trendsim.state_every_h=0.25", "--set", "trendsim.attack.first_visit_within_h=0.2",
         "--set", "trendsim.attack.revisit_every_h=0.2"]
runner = CliRunner()


def cookbook_sweeps() -> list[list[str]]:
    """Every `hubbub sweep ...` command of the cookbook (code blocks and inline code), as arguments."""
    found = re.findall(r"^(hubbub sweep [^\n`]+)|`(hubbub sweep [^`]+)`", COOKBOOK.read_text(encoding="utf-8"), re.M)
    return [shlex.split(block or inline)[1:] for block, inline in found]


def scripted(args: list[str], out: Path) -> list[str]:
    """The command with ``--backend scripted`` for the server flags and ``--out`` in the test's folder."""
    kept, skip = [], False
    for k, arg in enumerate(args):
        if skip:
            skip = False
            continue
        if arg in SERVER_FLAGS or arg in ("--backend", "--out"):
            skip = True
            continue
        kept.append(arg)
    return [*kept, "--backend", "scripted", "--out", str(out)]


def test_the_cookbook_has_its_sweeps():
    sweeps = cookbook_sweeps()
    assert len(sweeps) >= 3
    assert sweeps[0][:4] == ["sweep", "trendsim-topic", "--grid", "trendsim.attack.share=0,0.1,0.3"]


@pytest.mark.timeout(300)
def test_the_attack_level_sweep_runs_as_written_and_reports(tmp_path):
    args = cookbook_sweeps()[0]
    assert args[args.index("--out") + 1] == "runs/levels" and "--backend" in args
    out = tmp_path / "levels"
    result = runner.invoke(app, [*scripted(args, out), *SMALL, "--workers", "2"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 15 and set(runs["status"]) == {"completed"}  # 3 levels x 5 seeds
    for run, seed in zip(runs["run"], runs["seed"]):
        assert run.endswith(f"/seed-{seed}") and json.loads((out / run / "manifest.json").read_text())["seed"] == seed
    assert "attack_comment_share" in runs.columns and "attack_share" not in runs.columns
    header = next(line for line in result.output.splitlines() if line.startswith("┃") and "variant" in line)
    assert len(header) <= 120 and "attacker comment share" in header  # full names, none cut
    report = runner.invoke(app, ["report", str(out)])
    assert report.exit_code == 0, report.output
    assert (out / "report.html").stat().st_size > 0


@pytest.mark.parametrize("index", [1, 2])
def test_the_other_cookbook_sweeps_plan_their_grids(index, tmp_path, monkeypatch):
    """The other sweeps are checked up to their run plan (their scenarios are full size)."""
    from hubbub.commands import grid as command

    planned = []
    monkeypatch.setattr(command, "grid_command", lambda sc, variants, folder, **kw: planned.extend(variants) or folder)
    args = cookbook_sweeps()[index]
    result = runner.invoke(app, scripted(args, tmp_path / "x"))
    assert result.exit_code == 0, result.output
    grid = next(a for k, a in enumerate(args) if k and args[k - 1] == "--grid")
    values = grid.partition("=")[2].split(",")
    seeds = int(args[args.index("--seeds") + 1]) if "--seeds" in args else 1
    assert len(planned) == len(values) * seeds
