"""The bad-input corpus: every malformed file in this folder, fed to hubbub the way a user would.

``cases.toml`` lists each file, how it reaches hubbub (a scenario on ``hubbub run``, a population,
topic, edge-list or S3 users file named by a valid scenario, or a posts file for ``hubbub personas
distill``), an S3 scenario with ``--set`` options (``s3``), or any command line (``command``: ``args``
is the whole command, with ``{out}`` the output folder, ``{here}`` this folder and ``{run}`` a copy of a
finished run, its manifest first changed by ``manifest`` (dotted key = value)) and the substrings its
error must hold. Every case must end with: exit status 2, exactly one line ``error: ...`` on stderr that
holds every expected substring (they name the file, the line or the field, and what is allowed), no
traceback, nothing written to the output folder or the working folder, and a ``{run}`` left unchanged.
``absent`` lists text the message must not show (credentials).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hubbub.cli import app
from hubbub.store.manifest import config_hash

HERE = Path(__file__).parent
CASES = tomllib.loads((HERE / "cases.toml").read_text(encoding="utf-8"))["case"]
BASE_TRENDSIM = HERE / "_base_trendsim.toml"
BASE_S3 = HERE / "_base_s3.toml"


def command(case: dict, out: Path, run_dir: Path | None = None) -> list[str]:
    """The CLI arguments that feed ``case`` to hubbub, writing (if anything) under ``out``."""
    if case["via"] == "command":
        fill = {"{out}": str(out), "{here}": str(HERE), "{run}": str(run_dir)}
        return [_fill(arg, fill) for arg in case["args"]]
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
    elif via == "s3":
        args = ["run", str(BASE_S3), *run[1:], "--set", f's3.network.edge_file="{HERE / "graphs" / "_edges.txt"}"']
    elif via == "posts":
        args = ["personas", "distill", str(file), str(out / "profiles.jsonl"), "--backend", "scripted"]
    else:
        raise ValueError(f"{case['file']}: unknown via {via!r}")
    return args + list(case.get("args", []))


def _fill(arg: str, fill: dict[str, str]) -> str:
    for placeholder, value in fill.items():
        arg = arg.replace(placeholder, value)
    return arg


def case_id(case: dict) -> str:
    if case["via"] == "command":
        return "command:" + "_".join(a.strip("-{}") for a in case["args"])[:60]
    extra = "-" + "_".join(a.strip("-") for a in case.get("args", []))[:30] if case.get("args") else ""
    return case["file"].replace("/", ":") + extra


def finished_run(template: Path, folder: Path, edits: dict, rehash: bool = False) -> Path:
    """A copy of one small finished run (``template``, made on first use) with its manifest changed by
    ``edits`` (and its config_hash made to match them when ``rehash``: a change hubbub itself made)."""
    if not template.exists():
        done = CliRunner().invoke(app, ["run", str(BASE_TRENDSIM), "--out", str(template), "--quiet"])
        assert done.exit_code == 0, done.output
    shutil.copytree(template, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for dotted, value in edits.items():
        *parents, last = dotted.split(".")
        node = manifest
        for part in parents:
            node = node[part]
        node[last] = value
    if rehash:
        manifest["config_hash"] = config_hash(manifest["config"])
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return folder


def snapshot(folder: Path | None) -> dict[str, str]:
    """File name -> sha256 of everything in ``folder`` (to show a refused command changed nothing)."""
    if folder is None:
        return {}
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def check(case: dict, exit_code: int, stderr: str, out: Path) -> None:
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert exit_code == 2, f"exit status {exit_code}; stderr: {stderr[-2000:]}"
    assert "Traceback" not in stderr
    assert len(errors) == 1 and len(stderr.strip().splitlines()) == 1, f"expected one error line, got: {stderr!r}"
    for expected in case["expect"]:
        assert expected in errors[0], f"{expected!r} missing from: {errors[0]}"
    for secret in case.get("absent", []):
        assert secret not in stderr, f"{secret!r} must not be shown: {errors[0]}"
    assert not out.exists() or not any(out.iterdir()), f"half-written output: {sorted(p.name for p in out.iterdir())}"


def test_the_corpus_is_big_and_every_file_is_a_case():
    assert len(CASES) >= 60
    files = {case["file"] for case in CASES if "file" in case}
    on_disk = {str(p.relative_to(HERE)) for p in HERE.rglob("*") if p.is_file()
               and p.suffix != ".py" and p.name != "cases.toml" and not p.name.startswith("_")}
    assert on_disk <= files, f"files without a case: {sorted(on_disk - files)}"
    assert all((HERE / f).is_file() for f in files)
    assert all("file" in case or case["via"] == "command" for case in CASES)


@pytest.fixture(scope="session")
def template_run(tmp_path_factory) -> Path:
    """Where the finished run that ``{run}`` cases copy lives (made by the first case that needs it)."""
    return tmp_path_factory.mktemp("bad-input-run") / "run"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_bad_input_gives_one_clear_error(case, tmp_path, monkeypatch, template_run):
    out, cwd = tmp_path / "out", tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)  # an empty --out must not mean "write here"
    needs_run = "{run}" in str(case.get("args"))
    run = finished_run(template_run, tmp_path / "run", case.get("manifest", {}), case.get("rehash", False)) \
        if needs_run else None
    before = snapshot(run)
    result = CliRunner().invoke(app, command(case, out, run), env={"COLUMNS": "80"})
    try:
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"{type(result.exception).__name__} escaped: {result.exception}") from result.exception
        check(case, result.exit_code, result.stderr, out)
        assert not any(cwd.iterdir()), f"written to the working folder: {sorted(p.name for p in cwd.iterdir())}"
        assert snapshot(run) == before, "the run folder was changed"
    except AssertionError:
        if case.get("known_bug"):
            pytest.xfail(case["known_bug"])
        raise


SAMPLE = {"scenario/syntax_unclosed_table.toml", "personas/huge_field.csv", "topics/deep_nesting.json",
          "graphs/self_loops_only.txt", "posts/bad_time.jsonl", "scenario/contra_key_file_missing.toml"}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("case", [c for c in CASES if c.get("file") in SAMPLE and not c.get("args")], ids=case_id)
def test_bad_input_through_the_installed_command(case, tmp_path):
    """A sample through a real process: the console script's exit status and stderr, not a test
    runner's view of them."""
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "hubbub.cli", *command(case, out)], capture_output=True,
                          text=True, timeout=110, env={**os.environ, "COLUMNS": "80"})
    check(case, done.returncode, done.stderr, out)
