"""A run killed with SIGKILL and continued with `hubbub resume` ends with the uninterrupted run's log."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

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


@pytest.mark.timeout(240)
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
