"""Process faults: SIGKILL at many points, Ctrl-C, a full disk and a read-only output folder.

A run killed at any point and continued with ``hubbub resume`` must end with exactly the event log
(and every projection table) of an uninterrupted run with the same seed. Kill points are of three
sorts: *external* (SIGKILL from here once N events are committed, or after a random delay) and
*internal* (the child kills itself at an exact place: before or after the K-th commit, in the middle
of a flush, inside the K-th LLM call, between writing and renaming the manifest, while the tables
and plots are written). The default suite tries three points; ``pytest -m slow`` tries them all.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from proxy import llama_available, record_figures, shared_llama_url

SCENARIO = """
[run]
name = "faults"
seed = 23
concurrency = {concurrency}

[llm]
backend = "scripted"
scripted_latency_s = {latency}

[trendsim]
topic = "en-marathon-pacer"
lifecycle_h = {lifecycle_h}
state_every_h = 0.25

[trendsim.population]
size = {users}

[trendsim.access]
A = 2.5
T_m = 0.3
alpha = 2.0

[trendsim.attack]
share = 0.2
first_visit_within_h = 0.3
revisit_every_h = 0.4

[trendsim.censorship]
enabled = true
start_h = 0.5
"""

SMALL = dict(concurrency=4, latency=0.005, lifecycle_h=1.0, users=8)

# The child process: hubbub's own CLI, with an optional self-kill planted at an exact place.
BOOT = r'''
import os, signal, sys
spec = os.environ.get("HUBBUB_KILL_AT", "")
def die():
    os.kill(os.getpid(), signal.SIGKILL)
flaky = os.environ.get("HUBBUB_FLAKY", "")
if flaky:  # one request in nine fails the first time any process asks it (a transient server error)
    import hashlib
    from pathlib import Path
    from hubbub.llm import scripted
    from hubbub.llm.cache import failed_result
    for name in ("choose_one", "generate_one"):
        original = getattr(scripted.ScriptedBackend, name)
        async def patched(self, request, _original=original):
            key = hashlib.sha256(repr((request.kind, request.messages, request.seed)).encode()).hexdigest()
            marker = Path(flaky)
            seen = marker.read_text().split() if marker.exists() else []
            if int(key, 16) % 9 == 0 and key not in seen:
                with marker.open("a") as handle:
                    handle.write(key + "\n")
                stats = self.stats(request.kind, outcome="error:BackendTimeout")
                return failed_result(request, "BackendTimeout: injected transient failure", stats)
            return await _original(self, request)
        setattr(scripted.ScriptedBackend, name, patched)
if spec:
    where, k = spec.split(":")[0], int(spec.split(":")[1])
    seen = {"n": 0}
    def hit():
        seen["n"] += 1
        return seen["n"] == k
    from hubbub.store import runstore
    if where in ("before_commit", "after_commit"):
        commit = runstore.RunStore.commit
        def patched(self):
            if where == "before_commit" and hit():
                self.flush()  # the batch is inside SQLite's open transaction, not committed
                die()
            commit(self)
            if where == "after_commit" and hit():
                die()
        runstore.RunStore.commit = patched
    elif where == "mid_flush":
        flush = runstore.RunStore.flush
        def patched(self):
            if len(self._pending) > 1 and hit():
                sql, rows = next(iter(self._pending.items()))
                with self._write_guard("test"):
                    self._conn.executemany(sql, rows)  # one statement of the batch written, the rest not
                die()
            flush(self)
        runstore.RunStore.flush = patched
    elif where == "llm_call":
        from hubbub.llm import scripted
        import asyncio
        for name in ("choose_one", "generate_one"):
            original = getattr(scripted.ScriptedBackend, name)
            def patched(self, request, _original=original):
                async def call():
                    if hit():
                        await asyncio.sleep(self.latency / 2)  # in the middle of the model's answer
                        die()
                    return await _original(self, request)
                return call()
            setattr(scripted.ScriptedBackend, name, patched)
    elif where == "manifest":
        replace = os.replace
        def patched(src, dst, *a, **kw):
            if str(dst).endswith("manifest.json") and hit():
                die()  # manifest.json.tmp is written, manifest.json not yet replaced
            return replace(src, dst, *a, **kw)
        os.replace = patched
    elif where == "analyse":
        import matplotlib.figure
        savefig = matplotlib.figure.Figure.savefig
        def patched(self, *a, **kw):
            if hit():
                die()
            return savefig(self, *a, **kw)
        matplotlib.figure.Figure.savefig = patched
sys.argv = ["hubbub", *sys.argv[1:]]
from hubbub.cli import main
main()
'''

CONTENT_TABLES = ("events", "agents", "topics", "comments", "replies", "likes", "reposts", "agent_states",
                  "moderation")


def hubbub(*args: str) -> list[str]:
    return [sys.executable, "-c", BOOT, *args]


def scenario_file(folder: Path, **settings: object) -> Path:
    values = {**SMALL, **settings}
    path = folder / f"faults-{abs(hash(tuple(sorted(values.items()))))}.toml"
    path.write_text(SCENARIO.format(**values), encoding="utf-8")
    return path


def rows(run_dir: Path, table: str, columns: str = "*") -> list[tuple]:
    with contextlib.closing(sqlite3.connect(run_dir / "run.sqlite")) as conn:
        return sorted(conn.execute(f"SELECT {columns} FROM {table}").fetchall(), key=repr)


def log(run_dir: Path) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(run_dir / "run.sqlite")) as conn:
        return conn.execute("SELECT seq, time, kind, agent, data FROM events ORDER BY seq").fetchall()


def committed(run_dir: Path) -> int:
    try:
        with contextlib.closing(sqlite3.connect(f"file:{run_dir / 'run.sqlite'}?mode=ro", uri=True, timeout=1)) as conn:
            return conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    except sqlite3.Error:
        return 0


def manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


def run_child(args: list[str], kill_at: str | None = None, timeout: float = 120, flaky: Path | None = None,
              **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "HUBBUB_KILL_AT": kill_at or "", "HUBBUB_FLAKY": str(flaky or "")}
    return subprocess.run(hubbub(*args), env=env, capture_output=True, text=True, timeout=timeout, **kw)


def resume(run_dir: Path, flaky: Path | None = None) -> subprocess.CompletedProcess:
    done = run_child(["resume", str(run_dir)], flaky=flaky)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    return done


def assert_same_run(run_dir: Path, reference: Path) -> None:
    """The resumed run equals the uninterrupted one: event log, every projection, and its manifest
    says it completed with the same counts."""
    assert log(run_dir) == log(reference)
    for table in CONTENT_TABLES[1:]:
        assert rows(run_dir, table) == rows(reference, table), table
    assert manifest(run_dir)["status"] == "completed"
    assert manifest(run_dir)["counts"]["events"] == manifest(reference)["counts"]["events"]
    (calls, failed), = rows(run_dir, "llm_calls", "COUNT(*), COALESCE(SUM(error IS NOT NULL), 0)")
    assert manifest(run_dir)["counts"]["llm_calls"] == calls  # every process of the run counted, not the last
    assert manifest(run_dir)["counts"]["llm_failures"] == failed
    with contextlib.closing(sqlite3.connect(run_dir / "run.sqlite")) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for table in ("final_conditions.csv", "activity_by_hour.csv", "conditions_over_time.csv"):
        assert (run_dir / "tables" / table).read_bytes() == (reference / "tables" / table).read_bytes(), table
    assert not list(run_dir.glob("*.tmp"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """One uninterrupted run of the small scenario."""
    folder = tmp_path_factory.mktemp("reference")
    out = folder / "run"
    done = run_child(["run", str(scenario_file(folder)), "--out", str(out), "--quiet"])
    assert done.returncode == 0, done.stderr
    assert len(log(out)) > 60
    return out


def kill_and_resume(tmp_path: Path, reference: Path, kill_at: str) -> dict:
    """Run the small scenario with a planted SIGKILL, check what is on disk, resume, compare."""
    out = tmp_path / kill_at.replace(":", "-")
    killed = run_child(["run", str(scenario_file(tmp_path)), "--out", str(out), "--quiet"], kill_at=kill_at)
    assert killed.returncode == -signal.SIGKILL, f"{kill_at} was never reached: {killed.stderr[-500:]}"
    return check_and_resume(out, reference, kill_at)


def check_and_resume(out: Path, reference: Path, point: str) -> dict:
    partial = log(out) if (out / "run.sqlite").exists() else []
    assert partial == log(reference)[: len(partial)], "the killed run's log is not a prefix of the reference"
    resume(out)
    assert_same_run(out, reference)  # every committed event kept, the rest re-derived: nothing lost
    figures = {"point": point, "events_before_kill": len(partial), "events": len(log(out)), "lost": 0,
               "completed": True}
    record_figures("sigkill", **figures)
    return figures


# ---------------------------------------------------------------------------------- the kill points

QUICK_POINTS = ["before_commit:1", "llm_call:60", "mid_flush:6"]
"""Default suite: during the very first write (setup rows), inside an LLM call, inside a flush (the
transient-failure test below adds a fourth point, after a commit)."""

SLOW_POINTS = [
    "before_commit:1", "before_commit:2", "before_commit:5", "before_commit:12", "before_commit:22",
    "after_commit:1", "after_commit:3", "after_commit:10", "after_commit:20",
    "mid_flush:2", "mid_flush:6", "mid_flush:15",
    "llm_call:1", "llm_call:25", "llm_call:60", "llm_call:150", "llm_call:230",
    "manifest:2", "analyse:1", "analyse:3",
]
"""The small run makes 27 commits, 25 multi-statement flushes and 240 LLM calls; ``manifest:1`` (killed
before the run wrote its manifest) has its own test below."""


@pytest.mark.timeout(240)
@pytest.mark.parametrize("kill_at", QUICK_POINTS)
def test_sigkill_at_a_planted_point_then_resume(tmp_path, reference, kill_at):
    kill_and_resume(tmp_path, reference, kill_at)


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("kill_at", [p for p in SLOW_POINTS if p not in QUICK_POINTS])
def test_sigkill_soak_planted_points(tmp_path, reference, kill_at):
    kill_and_resume(tmp_path, reference, kill_at)


@pytest.mark.timeout(300)
def test_a_transient_llm_failure_before_the_kill_is_replayed_on_resume(tmp_path):
    """Some calls fail once (as a server times out now and then): the run records llm_failure events
    and goes on. Killed after those events are committed, the resumed run must replay the failures
    (asking again might succeed and contradict the committed log) and end like the uninterrupted run."""
    scenario = scenario_file(tmp_path)
    reference = tmp_path / "reference"
    # one call in nine failing is beyond the default failure budget (5 %): this test is about replaying them
    budget = ["--set", "run.max_failure_share=1"]
    done = run_child(["run", str(scenario), "--out", str(reference), "--quiet", *budget],
                     flaky=tmp_path / "reference.failed")
    assert done.returncode == 0, done.stderr[-2000:]
    expected = log(reference)
    first_failure = next(e[0] for e in expected if e[2] == "llm_failure")
    out = tmp_path / "run"
    killed = run_child(["run", str(scenario), "--out", str(out), "--quiet", *budget], kill_at="after_commit:14",
                       flaky=tmp_path / "run.failed")
    assert killed.returncode == -signal.SIGKILL
    partial = log(out)
    assert len(partial) > first_failure, "the kill came before any failure was committed"
    assert partial == expected[: len(partial)]
    resume(out, flaky=tmp_path / "run.failed")
    assert log(out) == expected
    record_figures("sigkill", point="after_commit:14, after recorded LLM failures", events_before_kill=len(partial),
                   events=len(expected), failures=sum(e[2] == "llm_failure" for e in expected), lost=0,
                   completed=True)


def kill_when(proc: subprocess.Popen, run_dir: Path, events: int, limit_s: float = 120) -> None:
    """SIGKILL the child once at least ``events`` events are committed."""
    deadline = time.monotonic() + limit_s
    while proc.poll() is None and time.monotonic() < deadline:
        if committed(run_dir) >= events:
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.002)
    proc.wait(timeout=60)


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("fraction", [0.05, 0.3, 0.55, 0.8, 0.97])
def test_sigkill_soak_after_n_events(tmp_path, reference, fraction):
    out = tmp_path / "run"
    scenario = scenario_file(tmp_path, latency=0.01)
    proc = subprocess.Popen(hubbub("run", str(scenario), "--out", str(out), "--quiet"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kill_when(proc, out, max(1, int(len(log(reference)) * fraction)))
    assert proc.returncode == -signal.SIGKILL
    check_and_resume(out, reference, f"after {fraction:.0%} of the events")


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("seed", range(4))
def test_sigkill_soak_after_random_delay(tmp_path, reference, seed):
    """Kill after a random wall-clock delay once the run has started (most of a scripted run with
    latency is spent waiting for the model, so most of these land during LLM calls)."""
    out = tmp_path / "run"
    scenario = scenario_file(tmp_path, latency=0.02)
    proc = subprocess.Popen(hubbub("run", str(scenario), "--out", str(out), "--quiet"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not (out / "manifest.json").exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(random.Random(seed).uniform(0.0, 3.0))
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    if proc.returncode == 0:
        assert_same_run(out, reference)  # it finished first: nothing to resume
        return
    check_and_resume(out, reference, f"random delay (seed {seed})")


LIVE = """
[run]
name = "live-kill"
seed = 31
concurrency = 4

[llm]
backend = "openai"
model = "smollm2"
base_urls = ["{url}"]
timeout_s = 120
max_tokens = 12

[trendsim]
topic = "en-marathon-pacer"
lifecycle_h = 0.6
state_every_h = 0.2

[trendsim.population]
size = 3

[trendsim.session]
max_actions = 2

[trendsim.attack]
share = 0.25
first_visit_within_h = 0.2
revisit_every_h = 0.3
"""


@pytest.mark.slow
@pytest.mark.live
@pytest.mark.skipif(not llama_available(), reason="needs xllamacpp and the embedded model")
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("when", ["events:8", "events:25", "delay:0", "delay:1", "delay:2"])
def test_sigkill_soak_with_the_real_server(tmp_path, when):
    """Killed while llama.cpp answers (after N committed events, or after a random delay): resume
    finishes the run, and replaying its recorded replies from scratch writes the same event log."""
    scenario = tmp_path / "live.toml"
    scenario.write_text(LIVE.format(url=shared_llama_url()), encoding="utf-8")
    out = tmp_path / "run"
    proc = subprocess.Popen(hubbub("run", str(scenario), "--out", str(out), "--quiet"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    how, value = when.split(":")
    if how == "events":
        kill_when(proc, out, int(value), limit_s=900)
    else:
        deadline = time.monotonic() + 300
        while not (out / "manifest.json").exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(random.Random(int(value)).uniform(1.0, 8.0))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=600)
    assert proc.returncode in (0, -signal.SIGKILL)
    partial = log(out)
    if proc.returncode != 0:
        resume(out)
    replayed = tmp_path / "replayed"
    done = run_child(["run", str(scenario), "--out", str(replayed), "--quiet", "--backend", "replay",
                      "--replay-from", str(out)], timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert log(out) == log(replayed)
    assert log(out)[: len(partial)] == partial
    assert manifest(out)["status"] == "completed"
    record_figures("sigkill", point=f"real server, {when}", killed=proc.returncode != 0,
                   events_before_kill=len(partial), events=len(log(out)), lost=0, completed=True)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_run_killed_before_it_started_can_be_started_again(tmp_path, reference):
    """Killed while creating the run record (no manifest yet): resume says so and a new run with
    --overwrite works; the output folder never holds a record that both commands refuse."""
    out = tmp_path / "run"
    scenario = scenario_file(tmp_path)
    killed = run_child(["run", str(scenario), "--out", str(out), "--quiet"], kill_at="manifest:1")
    assert killed.returncode == -signal.SIGKILL
    again = run_child(["resume", str(out)])
    assert again.returncode == 2 and "Traceback" not in again.stderr
    assert "manifest" in again.stderr and "--overwrite" in again.stderr
    fresh = run_child(["run", str(scenario), "--out", str(out), "--quiet", "--overwrite"])
    assert fresh.returncode == 0, fresh.stderr
    assert_same_run(out, reference)


# ---------------------------------------------------------------------------------- Ctrl-C


@pytest.mark.timeout(240)
def test_ctrl_c_stops_within_seconds_prints_how_to_resume_and_resumes(tmp_path, reference):
    out = tmp_path / "run"
    scenario = scenario_file(tmp_path, latency=0.05)
    proc = subprocess.Popen(hubbub("run", str(scenario), "--out", str(out)), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "HUBBUB_KILL_AT": "", "COLUMNS": "200"},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while committed(out) < 20 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    stopped_in = time.monotonic() - sent
    assert proc.returncode == 130
    assert stopped_in < 10, f"Ctrl-C took {stopped_in:.1f} s"
    assert f"hubbub resume {out}" in " ".join(stderr.split())
    assert "Traceback" not in stderr and "never retrieved" not in stderr, stderr
    assert manifest(out)["status"] == "interrupted"
    partial = log(out)
    assert 20 <= len(partial) < len(log(reference))
    assert partial == log(reference)[: len(partial)]
    resume(out)
    assert_same_run(out, reference)
    record_figures("sigint", stopped_in_s=round(stopped_in, 2), events_before=len(partial), events=len(log(out)),
                   lost=0, completed=True)


# ---------------------------------------------------------------------------------- disks


def can_mount() -> bool:
    if os.geteuid() != 0 or sys.platform != "linux":
        return False
    probe = Path(f"/tmp/hubbub-mount-probe-{os.getpid()}")
    probe.mkdir(exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)], capture_output=True)
    ok = mounted.returncode == 0
    if ok:
        subprocess.run(["umount", str(probe)], capture_output=True)
    probe.rmdir()
    return ok


MOUNT = can_mount()


@contextlib.contextmanager
def tmpfs(where: Path, size: str, *options: str):
    where.mkdir(parents=True, exist_ok=True)
    opts = ",".join((f"size={size}", *options))
    subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def limited_file_size(limit: int):
    import resource

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.timeout(240)
def test_file_size_limit_mid_run_gives_one_clear_error_and_a_resumable_record(tmp_path, reference):
    """RLIMIT_FSIZE in the child: SQLite's writes fail part-way, as on a full disk."""
    out = tmp_path / "run"
    done = run_child(["run", str(scenario_file(tmp_path)), "--out", str(out), "--quiet"],
                     preexec_fn=limited_file_size(300_000))
    assert done.returncode == 2
    line = one_error_line(done.stderr)
    assert "run.sqlite" in line and ("full" in line or "size limit" in line), line
    assert manifest(out)["status"] == "failed"
    assert not list(out.glob("*.tmp"))
    check_and_resume(out, reference, "file size limit (RLIMIT_FSIZE 300 kB)")


@pytest.mark.slow
@pytest.mark.skipif(not MOUNT, reason="needs root and mount (a tiny tmpfs)")
@pytest.mark.timeout(300)
@pytest.mark.parametrize("size", ["120k", "400k", "1100k"])
def test_full_disk_gives_one_clear_error_and_no_corrupt_record(tmp_path, reference, size):
    """A tiny tmpfs fills while the record is created (120k), mid-run (400k) or at the end (1100k).
    Afterwards the folder holds either nothing or a sound, resumable record: once space is freed
    (the tmpfs is enlarged) `hubbub resume` completes it."""
    with tmpfs(tmp_path / "disk", size) as disk:
        out = disk / "run"
        done = run_child(["run", str(scenario_file(tmp_path)), "--out", str(out), "--quiet"])
        if done.returncode == 0:
            pytest.skip(f"the run fitted in {size}")
        assert done.returncode == 2
        line = one_error_line(done.stderr)
        assert "full" in line or "No space left" in line, line
        assert "cannot rollback" not in line and "damaged" not in line, line
        assert not list(out.glob("*.tmp"))
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        if not (out / "manifest.json").exists():
            assert not (out / "run.sqlite").exists(), "a half-created run record was left behind"
            record_figures("disk", point=f"tmpfs {size}", message=line, left="nothing")
            return
        check_and_resume(out, reference, f"full disk (tmpfs {size})")


def test_a_manifest_that_cannot_be_written_at_the_end_still_leaves_a_closed_record(tmp_path, monkeypatch):
    """The last write of a run (the manifest) fails, as on a full disk: the error comes through and
    the run record is still closed properly (its write-ahead log folded in), not left open."""
    import hubbub.store
    from hubbub.errors import DataError
    from hubbub.runtime.simulation import Simulation
    from hubbub.testing import small_scenario

    sim = Simulation(small_scenario(trendsim__lifecycle_h=0.5), tmp_path / "run")
    real_write = hubbub.store.write_manifest
    calls = []

    def failing_write(run_dir, data):
        calls.append(data.get("status"))
        if len(calls) > 1:
            raise DataError(f"{run_dir}/manifest.json: cannot write the manifest (No space left on device)")
        return real_write(run_dir, data)

    monkeypatch.setattr(hubbub.store, "write_manifest", failing_write)
    with pytest.raises(DataError, match="No space left"):
        sim.run()
    assert calls == ["running", "completed"]
    assert sim.store._conn is None, "the run record was left open"
    wal = tmp_path / "run" / "run.sqlite-wal"
    assert not wal.exists() or wal.stat().st_size == 0


@pytest.mark.timeout(120)
def test_read_only_output_folder_gives_one_clear_error(tmp_path):
    folder = tmp_path / "ro"
    if os.geteuid() == 0 and MOUNT:
        context = tmpfs(folder, "1m", "ro")
    elif os.geteuid() == 0:
        pytest.skip("root ignores permissions and mount is not available")
    else:
        folder.mkdir()
        folder.chmod(0o555)
        context = contextlib.nullcontext(folder)
    with context:
        done = run_child(["run", str(scenario_file(tmp_path)), "--out", str(folder / "run"), "--quiet"])
        assert done.returncode == 2
        line = one_error_line(done.stderr)
        assert str(folder / "run") in line and ("Read-only" in line or "not writable" in line or "ermission" in line)
        assert not (folder / "run").exists()


@pytest.mark.timeout(240)
def test_resume_in_a_read_only_folder_gives_one_clear_error(tmp_path, reference):
    source = tmp_path / "src"
    killed = run_child(["run", str(scenario_file(tmp_path)), "--out", str(source), "--quiet"], kill_at="after_commit:4")
    assert killed.returncode == -signal.SIGKILL
    if os.geteuid() == 0 and not MOUNT:
        pytest.skip("root ignores permissions and mount is not available")
    folder = tmp_path / "ro"
    if os.geteuid() == 0:
        context = tmpfs(folder, "8m")
    else:
        context = contextlib.nullcontext(folder)
    with context:
        run_dir = folder / "run"
        subprocess.run(["cp", "-r", str(source), str(run_dir)], check=True)
        before = (run_dir / "run.sqlite").read_bytes()
        if os.geteuid() == 0:
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        else:
            run_dir.chmod(0o555)
        try:
            done = run_child(["resume", str(run_dir)])
            assert done.returncode == 2
            line = one_error_line(done.stderr)
            assert "run.sqlite" in line and "writable" in line
            assert (run_dir / "run.sqlite").read_bytes() == before
        finally:
            if os.geteuid() != 0:
                run_dir.chmod(0o755)
