"""The command line: bad input is one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from hubbub.cli import app

runner = CliRunner()

BAD_SETS = [
    ("trendsim.attack.share=1.5", "trendsim.attack.share"),
    ("trendsim.attack.share=-0.1", "trendsim.attack.share"),
    ("run.seed=-3", "run.seed"),
    ("run.concurrency=0", "run.concurrency"),
    ("trendsim.population.size=0", "trendsim.population.size"),
    ("trendsim.population.size=5000", "trendsim.population.size"),
    ("trendsim.lifecycle_h=-1", "trendsim.lifecycle_h"),
    ("trendsim.access.A=0", "trendsim.access.A"),
    ("trendsim.hub.comments_per_page=0", "trendsim.hub.comments_per_page"),
    ("trendsim.session.reflection='sometimes'", "trendsim.session.reflection"),
    ("trendsim.topic='no-such-topic'", "no-such-topic"),
    ("trendsim.typo=1", "trendsim.typo"),
    ("llm.timeout_s=0", "llm.timeout_s"),
]


@pytest.mark.parametrize("setting, field", BAD_SETS)
def test_bad_value_gives_one_line_and_exit_2(tmp_path, setting, field):
    result = runner.invoke(app, ["run", "demo", "--backend", "scripted", "--set", setting,
                                 "--out", str(tmp_path / "r"), "--quiet"])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error:") and field in lines[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "r" / "run.sqlite").exists()


def test_unknown_backend_and_missing_scenario(tmp_path):
    result = runner.invoke(app, ["run", "demo", "--backend", "gpt9", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "llm.backend" in result.output
    result = runner.invoke(app, ["run", str(tmp_path / "missing.toml")])
    assert result.exit_code == 2 and "no such scenario file" in result.output


def test_subprocess_error_has_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "hubbub.cli", "run", "demo", "--backend", "scripted", "--set",
                           "run.seed=-1", "--out", str(tmp_path / "r")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "run.seed" in proc.stderr


def test_run_show_export_scenarios(tmp_path):
    out = tmp_path / "demo"
    result = runner.invoke(app, ["run", "demo", "--backend", "scripted", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert (out / "tables" / "final_conditions.csv").exists()
    assert not list(out.glob("run.sqlite-*"))  # a finished run is one file: the WAL was folded back in
    assert (out / "plots" / "conditions_over_time.png").stat().st_size > 1000
    shown = runner.invoke(app, ["show", str(out)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and "trendsim.perception" in shown.output
    exported = runner.invoke(app, ["export", str(out), "--format", "csv", "--out", str(tmp_path / "x")])
    assert exported.exit_code == 0 and (tmp_path / "x" / "events.csv").exists()
    again = runner.invoke(app, ["run", "demo", "--backend", "scripted", "--out", str(out), "--quiet"])
    assert again.exit_code == 2 and "already holds a run" in again.output
    listed = runner.invoke(app, ["scenarios"])
    assert listed.exit_code == 0 and "demo" in listed.output


@pytest.mark.parametrize("args, expected", [
    (["run", "demo", "--concurrency", "abc"], ["--concurrency", "'abc'", "hubbub run --help"]),
    (["run", "demo", "--bogus"], ["--bogus", "hubbub run --help"]),
    (["frob"], ["frob", "hubbub --help"]),
])
def test_usage_errors_are_one_line_with_exit_2(args, expected):
    proc = subprocess.run([sys.executable, "-m", "hubbub.cli", *args], capture_output=True, text=True)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for part in expected:
        assert part in lines[0]
