"""SIGTERM is handled as Ctrl-C is: the run stops within seconds, its manifest says ``interrupted``
(never ``running``), and ``hubbub resume`` completes it (issue 12)."""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hubbub.cli import app

SLOW = """
[run]
name = "signals"
seed = 4
concurrency = 2

[llm]
backend = "scripted"
scripted_latency_s = 0.05

[trendsim]
topic = "en-marathon-pacer"
lifecycle_h = 0.6
state_every_h = 0.25

[trendsim.population]
size = 5

[trendsim.access]
max_visits = 1
"""


def manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


def committed(out: Path) -> int:
    if not (out / "manifest.json").exists():
        return 0
    with contextlib.suppress(sqlite3.Error), contextlib.closing(sqlite3.connect(out / "run.sqlite")) as conn:
        return conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    return 0


@pytest.mark.timeout(120)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_a_run_within_seconds_as_interrupted_and_resume_completes_it(tmp_path, sig):
    path, out = tmp_path / "slow.toml", tmp_path / "run"
    path.write_text(SLOW, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "hubbub.cli", "run", str(path), "--out", str(out), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while committed(out) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be stopped"
    sent = time.monotonic()
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130 and time.monotonic() - sent < 5, stderr
    assert "Traceback" not in stderr and f"hubbub resume {out}" in " ".join(stderr.split()), stderr
    assert manifest(out)["status"] == "interrupted"
    resumed = CliRunner().invoke(app, ["resume", str(out)])
    assert resumed.exit_code == 0, resumed.output
    assert manifest(out)["status"] == "completed"
