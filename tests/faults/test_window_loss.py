"""A killed run loses at most the events in flight (the scheduler's sliding window, issue 16).

The child process is hubbub's own CLI with a trace planted around the scheduler and the run record:
every event whose computation starts, every event the scheduler commits to the world, every event sent
back to the queue (its computation discarded, to be redone), and every durable commit of the run
record. The trace is appended with ``os.write`` on an ``O_APPEND`` descriptor, so it survives SIGKILL.
After the kill the test counts the events whose computation had started but that never reached the
disk, and shows that there are at most ``concurrency`` of them; then ``hubbub resume`` completes the
run with the same event log as an uninterrupted run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from proxy import record_figures

CONCURRENCY = 8

SCENARIO = f"""
[run]
name = "window-loss"
seed = 29
concurrency = {CONCURRENCY}

[llm]
backend = "scripted"
scripted_latency_s = 0.02

[trendsim]
topic = "en-marathon-pacer"
lifecycle_h = 1.0
state_every_h = 0.25

[trendsim.population]
size = 30

[trendsim.access]
A = 2.5
T_m = 0.3
alpha = 2.0
"""

BOOT = r'''
import os, sys
trace = os.open(os.environ["HUBBUB_TRACE"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
def note(*words):
    os.write(trace, (" ".join(map(str, words)) + "\n").encode())
def key(event):
    return "/".join(map(repr, event.sort_key()))
from hubbub.kernel import scheduler
from hubbub.store import runstore
start, commit_head, trim = scheduler.Scheduler._start, scheduler.Scheduler._commit_head, scheduler.Scheduler._trim
def traced_start(self, event):
    note("start", key(event))
    return start(self, event)
def traced_commit_head(self):
    head = self.window[0].event
    done = commit_head(self)
    if done:
        note("commit", key(head))
    return done
def traced_trim(self):
    before = [f.event for f in self.window]
    trim(self)
    for event in before[len(self.window):]:
        note("requeue", key(event))
store_commit = runstore.RunStore.commit
def traced_store_commit(self):
    store_commit(self)
    note("durable")
scheduler.Scheduler._start = traced_start
scheduler.Scheduler._commit_head = traced_commit_head
scheduler.Scheduler._trim = traced_trim
runstore.RunStore.commit = traced_store_commit
sys.argv = ["hubbub", *sys.argv[1:]]
from hubbub.cli import main
main()
'''


def hubbub(trace: Path, *args: str) -> tuple[list[str], dict[str, str]]:
    return [sys.executable, "-c", BOOT, *args], {**os.environ, "HUBBUB_TRACE": str(trace)}


def log(run_dir: Path) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(run_dir / "run.sqlite")) as conn:
        return conn.execute("SELECT seq, time, kind, agent, data FROM events ORDER BY seq").fetchall()


def committed(run_dir: Path) -> int:
    """Events on disk, read without taking a write lock (the run is writing)."""
    try:
        uri = f"file:{run_dir / 'run.sqlite'}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=1)) as conn:
            return conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    except sqlite3.Error:
        return 0


def lost_work(trace: Path) -> dict[str, int]:
    """From the trace: events whose computation started, events on disk, and the events computed (or
    being computed) that the kill threw away; an event sent back to the queue is not in flight (its
    computation was already discarded by the scheduler) until it starts again."""
    started: set[str] = set()
    in_flight: set[str] = set()
    unwritten: list[str] = []
    durable: set[str] = set()
    peak = 0
    for line in trace.read_text().splitlines():
        what, _, key = line.partition(" ")
        if what == "start":
            started.add(key)
            in_flight.add(key)
        elif what == "requeue":
            in_flight.discard(key)
        elif what == "commit":
            in_flight.discard(key)
            unwritten.append(key)
        elif what == "durable":
            durable.update(unwritten)
            unwritten.clear()
        peak = max(peak, len(in_flight))
    lost = (in_flight | set(unwritten)) - durable
    return {"started": len(started), "durable": len(durable), "lost": len(lost), "peak_in_flight": peak}


def run_and_kill(tmp_path: Path, scenario: Path, after_events: int) -> tuple[Path, Path, int]:
    out, trace = tmp_path / "run", tmp_path / "trace.txt"
    argv, env = hubbub(trace, "run", str(scenario), "--out", str(out), "--quiet")
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline and committed(out) < after_events:
        time.sleep(0.005)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    return out, trace, proc.returncode


@pytest.mark.timeout(240)
def test_a_killed_run_loses_at_most_concurrency_events_and_resumes_to_the_same_log(tmp_path):
    scenario = tmp_path / "window.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    reference = tmp_path / "reference"
    argv, env = hubbub(tmp_path / "reference-trace.txt", "run", str(scenario), "--out", str(reference), "--quiet")
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    expected = log(reference)
    full = lost_work(tmp_path / "reference-trace.txt")
    assert full["lost"] == 0 and full["peak_in_flight"] > 1, full  # the window really ran events side by side
    assert full["peak_in_flight"] <= CONCURRENCY, full

    out, trace, returncode = run_and_kill(tmp_path, scenario, after_events=len(expected) // 3)
    assert returncode == -signal.SIGKILL, "the run ended before it could be killed"
    partial = log(out)
    assert len(expected) // 3 <= len(partial) < len(expected)
    assert partial == expected[: len(partial)]  # on disk: exactly the uninterrupted run's first events
    figures = lost_work(trace)
    assert figures["durable"] > 0, figures
    assert figures["lost"] <= CONCURRENCY, figures  # computed (or in computation) and thrown away by the kill

    argv, env = hubbub(tmp_path / "resume-trace.txt", "resume", str(out))
    resumed = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert log(out) == expected
    record_figures("window-loss", concurrency=CONCURRENCY, events_before_kill=len(partial), events=len(expected),
                   **figures)
