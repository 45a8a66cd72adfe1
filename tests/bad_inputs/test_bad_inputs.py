"""The bad-input corpus: every malformed file in this folder, fed to hubbub the way a user would.

``cases.toml`` lists each file, how it reaches hubbub (a scenario on ``hubbub run``, a population,
topic, edge-list or S3 users file named by a valid scenario, or a posts file for ``hubbub personas
distill``)
and the substrings its error must hold. Every case must end with: exit status 2, exactly one line
``error: ...`` on stderr that holds every expected substring (they name the file, the line or the
field, and what is allowed), no traceback, and nothing written to the output folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hubbub.cli import app

HERE = Path(__file__).parent
CASES = tomllib.loads((HERE / "cases.toml").read_text(encoding="utf-8"))["case"]
BASE_TRENDSIM = HERE / "_base_trendsim.toml"
BASE_S3 = HERE / "_base_s3.toml"


def command(case: dict, out: Path) -> list[str]:
    """The CLI arguments that feed ``case`` to hubbub, writing (if anything) under ``out``."""
    file = HERE / case["file"]
    via = case["via"]
    run = ["run", "--out", str(out), "--quiet"]
    if via == "run":
        args = ["run", str(file), *run[1:]]
    elif via == "population":
        args = ["run", str(BASE_TRENDSIM), *run[1:], "--set", f'trendsim.population.source="{file}"']
    elif via == "topic":
        args = ["run", str(BASE_TRENDSIM), *run[1:], "--set", f'trendsim.topic="{file}#{case["topic_id"]}"']
    elif via == "graph":
        args = ["run", str(BASE_S3), *run[1:], "--set", f's3.network.edge_file="{file}"']
    elif via == "s3users":
        args = ["run", str(BASE_S3), *run[1:], "--set", f's3.network.edge_file="{HERE / "graphs" / "_edges.txt"}"',
                "--set", f's3.population.personas="{file}"']
    elif via == "posts":
        args = ["personas", "distill", str(file), str(out / "profiles.jsonl"), "--backend", "scripted"]
    else:
        raise ValueError(f"{case['file']}: unknown via {via!r}")
    return args + list(case.get("args", []))


def case_id(case: dict) -> str:
    extra = "-" + "_".join(a.strip("-") for a in case.get("args", []))[:30] if case.get("args") else ""
    return case["file"].replace("/", ":") + extra


def check(case: dict, exit_code: int, stderr: str, out: Path) -> None:
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert exit_code == 2, f"exit status {exit_code}; stderr: {stderr[-2000:]}"
    assert "Traceback" not in stderr
    assert len(errors) == 1 and len(stderr.strip().splitlines()) == 1, f"expected one error line, got: {stderr!r}"
    for expected in case["expect"]:
        assert expected in errors[0], f"{expected!r} missing from: {errors[0]}"
    assert not out.exists() or not any(out.iterdir()), f"half-written output: {sorted(p.name for p in out.iterdir())}"


def test_the_corpus_is_big_and_every_file_is_a_case():
    assert len(CASES) >= 60
    files = {case["file"] for case in CASES}
    on_disk = {str(p.relative_to(HERE)) for p in HERE.rglob("*") if p.is_file()
               and p.suffix != ".py" and p.name != "cases.toml" and not p.name.startswith("_")}
    assert on_disk <= files, f"files without a case: {sorted(on_disk - files)}"
    assert all((HERE / f).is_file() for f in files)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_bad_input_gives_one_clear_error(case, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, command(case, out), env={"COLUMNS": "80"})
    try:
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"{type(result.exception).__name__} escaped: {result.exception}") from result.exception
        check(case, result.exit_code, result.stderr, out)
    except AssertionError:
        if case.get("known_bug"):
            pytest.xfail(case["known_bug"])
        raise


SAMPLE = {"scenario/syntax_unclosed_table.toml", "personas/huge_field.csv", "topics/deep_nesting.json",
          "graphs/self_loops_only.txt", "posts/bad_time.jsonl", "scenario/contra_key_file_missing.toml"}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("case", [c for c in CASES if c["file"] in SAMPLE and not c.get("args")], ids=case_id)
def test_bad_input_through_the_installed_command(case, tmp_path):
    """A sample through a real process: the console script's exit status and stderr, not a test
    runner's view of them."""
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "hubbub.cli", *command(case, out)], capture_output=True,
                          text=True, timeout=110, env={**os.environ, "COLUMNS": "80"})
    check(case, done.returncode, done.stderr, out)
