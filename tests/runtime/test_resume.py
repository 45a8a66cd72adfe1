"""A run killed with SIGKILL and continued with `hubbub resume` ends with the uninterrupted run's log."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import json

import pytest

SCENARIO = """
[run]
name = "kill"
seed = 11
concurrency = {concurrency}

[llm]
backend = "scripted"
scripted_latency_s = 0.01

[trendsim]
topic = "en-marathon-pacer"
lifecycle_h = 1.5
state_every_h = 0.25

[trendsim.population]
size = 14

[trendsim.access]
A = 2.5
T_m = 0.3
alpha = 2.0

[trendsim.attack]
share = 0.2
first_visit_within_h = 0.3
revisit_every_h = 0.4
"""


def hubbub(*args: str) -> list[str]:
    return [sys.executable, "-m", "hubbub.cli", *args]


def log(run_dir: Path) -> list[tuple]:
    with sqlite3.connect(run_dir / "run.sqlite") as conn:
        return conn.execute("SELECT seq, time, kind, agent, data FROM events ORDER BY seq").fetchall()


def scenario_file(tmp_path: Path, concurrency: int) -> Path:
    path = tmp_path / f"kill-{concurrency}.toml"
    path.write_text(SCENARIO.format(concurrency=concurrency), encoding="utf-8")
    return path


def committed(run_dir: Path) -> int:
    try:
        with sqlite3.connect(f"file:{run_dir / 'run.sqlite'}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    except sqlite3.Error:
        return 0


def kill_when(proc: subprocess.Popen, run_dir: Path, events: int, limit_s: float = 60) -> None:
    """SIGKILL the run once at least ``events`` events are committed (or it ends by itself)."""
    deadline = time.monotonic() + limit_s
    while proc.poll() is None and time.monotonic() < deadline:
        if committed(run_dir) >= events:
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.005)
    proc.wait(timeout=30)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("concurrency, fractions", [(1, (0.2, 0.7)), (8, (0.5,))])
def test_sigkill_then_resume_matches_uninterrupted(tmp_path, concurrency, fractions):
    scenario = scenario_file(tmp_path, concurrency)
    reference = tmp_path / "reference"
    subprocess.run(hubbub("run", str(scenario), "--out", str(reference), "--quiet"), check=True, timeout=120)
    expected = log(reference)
    assert len(expected) > 50
    for k, fraction in enumerate(fractions):
        out = tmp_path / f"killed-{k}"
        proc = subprocess.Popen(hubbub("run", str(scenario), "--out", str(out), "--quiet"),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kill_when(proc, out, int(len(expected) * fraction))
        assert proc.returncode == -signal.SIGKILL
        partial = log(out) if (out / "run.sqlite").exists() else []
        assert partial == expected[: len(partial)]
        done = subprocess.run(hubbub("resume", str(out)), capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert log(out) == expected


@pytest.mark.timeout(240)
def test_resume_may_change_execution_settings_only_and_records_the_change(tmp_path):
    """A watchdog too tight for a slow server, or a server that moved, must not strand a run: resume
    accepts new execution settings (never ones that change results) and still ends with the same log."""
    scenario = scenario_file(tmp_path, 4)
    reference = tmp_path / "reference"
    subprocess.run(hubbub("run", str(scenario), "--out", str(reference), "--quiet"), check=True, timeout=120)
    expected = log(reference)
    out = tmp_path / "killed"
    proc = subprocess.Popen(hubbub("run", str(scenario), "--out", str(out), "--quiet"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kill_when(proc, out, len(expected) // 3)
    assert proc.returncode == -signal.SIGKILL
    before = (out / "manifest.json").read_text(encoding="utf-8")

    refused = subprocess.run(hubbub("resume", str(out), "--set", "trendsim.attack.share=0.5"),
                             capture_output=True, text=True, timeout=60)
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert refused.returncode == 2 and len(lines) == 1, refused.stderr
    assert "--set trendsim.attack.share" in lines[0] and "run.watchdog_s" in lines[0], lines[0]
    bad = subprocess.run(hubbub("resume", str(out), "--set", "run.watchdog_s=-1"), capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 2 and "run.watchdog_s = -1 is not allowed" in bad.stderr, bad.stderr
    assert (out / "manifest.json").read_text(encoding="utf-8") == before, "a refused change touched the manifest"

    done = subprocess.run(hubbub("resume", str(out), "--set", "run.watchdog_s=77", "--set", "run.concurrency=1"),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert log(out) == expected
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "completed"
    assert manifest["config"]["run"]["watchdog_s"] == 77 and manifest["config"]["run"]["concurrency"] == 1
    assert manifest["resumed_with"][-1]["set"] == {"run.concurrency": 1, "run.watchdog_s": 77}


@pytest.mark.timeout(240)
def test_sigkill_then_resume_of_the_platform_demo_matches_uninterrupted(tmp_path):
    """The living platform (kind 'platform') resumes exactly too: its graph, feeds and board are
    re-derived from the log."""
    args = ["platform-demo", "--backend", "scripted", "--set", "platform.hours=2.0", "--set",
            "platform.population.size=24", "--concurrency", "8", "--quiet"]
    reference = tmp_path / "reference"
    subprocess.run(hubbub("run", *args, "--out", str(reference)), check=True, timeout=120)
    expected = log(reference)
    out = tmp_path / "killed"
    proc = subprocess.Popen(hubbub("run", *args, "--out", str(out)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    kill_when(proc, out, int(len(expected) * 0.5))
    assert proc.returncode == -signal.SIGKILL
    partial = log(out) if (out / "run.sqlite").exists() else []
    assert partial == expected[: len(partial)]
    done = subprocess.run(hubbub("resume", str(out)), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert log(out) == expected
