"""Every failure is loud (issue 12, section 1).

A dead, wrong or silent model server stops a run before anything is written (the preflight); a server
that dies half-way stops it through the failure budget (status failed, resumable, and the resumed run
ends with the log of an uninterrupted one); a hung server is caught by the stall detector; any run with
failed calls says so in its last line, summary.md and report.html (SIGTERM and Ctrl-C: see
tests/faults/test_signals.py; ``hubbub evaluate``: tests/evaluate). The model server here is a tiny
OpenAI-compatible fake on 127.0.0.1 whose answers are functions of the request only.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import sqlite3
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from hubbub.cli import app
from hubbub.llm.base import ChoiceRequest
from hubbub.llm.openai import OpenAIBackend
from hubbub.runtime.failures import FailureBudget
from hubbub.scenarios.config import LLMConfig, RunConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "faults"))
from proxy import FaultProxy, always  # noqa: E402

pytestmark = pytest.mark.timeout(120)

LETTERS = "ABCDEFGHIJ"


class FakeServer(ThreadingHTTPServer):
    """``mode``: ok (deterministic OpenAI answers), html, 500, hang; ``models``: names it knows."""

    daemon_threads = True

    def __init__(self, mode: str = "ok", models: tuple[str, ...] = ()) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode, self.models = mode, models
        self.stopping = threading.Event()
        self.requests = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> "FakeServer":
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: FakeServer

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 - the http.server name
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        self.server.requests += 1
        mode = self.server.mode
        if mode == "hang":
            self.server.stopping.wait(30)
            return
        if mode == "html":
            return self._send(200, b"<html><body><h1>Welcome to nginx!</h1></body></html>", "text/html")
        if mode == "500":
            return self._send(500, json.dumps({"error": {"message": "internal server error"}}).encode())
        if self.server.models and body.get("model") not in self.server.models:
            message = f"model '{body.get('model')}' not found"
            return self._send(404, json.dumps({"error": {"message": message}}).encode())
        self._send(200, json.dumps(answer(body)).encode())

    def _send(self, status: int, data: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def answer(body: dict) -> dict:
    """Letter log-probabilities for a choice, a short text otherwise: a function of the body only."""
    digest = hashlib.sha256(json.dumps(body.get("messages"), sort_keys=True).encode()).digest()
    if body.get("logprobs"):
        top = [{"token": c, "logprob": -digest[i] / 40} for i, c in enumerate(LETTERS)]
        content = [{"token": "A", "logprob": top[0]["logprob"], "top_logprobs": top}]
        choice = {"index": 0, "message": {"role": "assistant", "content": "A"}, "logprobs": {"content": content}}
    else:
        words = ["fine", "maybe", "agree", "doubt", "news", "today", "really", "calm"]
        text = " ".join(words[b % len(words)] for b in digest[:6]) + f" {body.get('seed', 0) % 97}."
        choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
    return {"id": "x", "object": "chat.completion", "choices": [choice],
            "usage": {"prompt_tokens": 10, "completion_tokens": 3}}


SCENARIO = """
[run]
name = "loud"
seed = 11
concurrency = 4
min_calls_for_failure_budget = {min_calls}

[llm]
backend = "openai"
model = "fake"
base_urls = ["{url}"]
max_retries = 1
max_tokens = 12
stall_s = {stall_s}

[trendsim]
topic = "en-marathon-pacer"
lifecycle_h = 1.0
state_every_h = 0.25

[trendsim.population]
size = 6

[trendsim.access]
A = 2.5
T_m = 0.3
alpha = 2.0
max_visits = 1

[trendsim.session]
max_actions = 3
reflection = "session"
"""


def scenario_file(folder: Path, url: str, *, min_calls: int = 10, stall_s: float = 45.0) -> Path:
    path = folder / f"loud-{abs(hash((url, min_calls, stall_s))) % 10**6}.toml"
    path.write_text(SCENARIO.format(url=url, min_calls=min_calls, stall_s=stall_s), encoding="utf-8")
    return path


def hubbub(*args: str) -> tuple[int, str, float]:
    started = time.perf_counter()
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "400"})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output, time.perf_counter() - started


def lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def query(run_dir: Path, sql: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(run_dir / "run.sqlite")) as conn:
        return conn.execute(sql).fetchall()


def events(run_dir: Path) -> list[tuple]:
    return query(run_dir, "SELECT seq, time, kind, agent, data FROM events ORDER BY seq")


def manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------ must show 1: the preflight


def assert_refused_before_anything(out: Path, code: int, output: str, seconds: float, limit: float) -> str:
    assert code != 0, output
    assert len(lines(output)) == 1 and "Traceback" not in output, output
    assert seconds < limit, f"took {seconds:.1f} s"
    assert not out.exists(), "a run folder was left behind"
    return output


def test_a_dead_port_stops_the_run_within_seconds_naming_the_url(tmp_path):
    out = tmp_path / "runs" / "x"
    code, output, seconds = hubbub("run", "demo", "--backend", "openai", "--base-url", "http://127.0.0.1:9",
                                   "--model", "x", "--out", str(out))
    assert_refused_before_anything(out, code, output, seconds, 10)
    assert "http://127.0.0.1:9" in output and "'x'" in output and "connection refused" in output
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("mode, said", [("html", "Welcome to nginx"), ("500", "HTTP 500: internal server error")])
def test_a_server_that_answers_nonsense_stops_the_run_with_what_it_said(tmp_path, mode, said):
    out = tmp_path / "x"
    with FakeServer(mode) as server:
        code, output, seconds = hubbub("run", "demo", "--backend", "openai", "--base-url", server.url,
                                       "--model", "x", "--out", str(out))
    assert_refused_before_anything(out, code, output, seconds, 10)
    assert server.url in output and said in output


def test_a_wrong_model_name_stops_the_run_with_the_servers_answer(tmp_path):
    out = tmp_path / "x"
    with FakeServer("ok", models=("fake",)) as server:
        code, output, seconds = hubbub("run", "demo", "--backend", "openai", "--base-url", server.url,
                                       "--model", "gpt-nope", "--out", str(out))
    assert_refused_before_anything(out, code, output, seconds, 10)
    assert "HTTP 404" in output and "model 'gpt-nope' not found" in output


def test_a_server_that_never_answers_is_named_within_the_preflight_timeout(tmp_path):
    out = tmp_path / "x"
    with FakeServer("hang") as server:
        code, output, seconds = hubbub("run", "demo", "--backend", "openai", "--base-url", server.url,
                                       "--model", "x", "--out", str(out), "--set", "llm.preflight_timeout_s=1")
    assert_refused_before_anything(out, code, output, seconds, 10)
    assert "no answer within 1 s" in output and server.url in output


def test_the_defaults_name_a_silent_server_within_60_s():
    """The preflight's default fuse and the stall detector's both end well inside a minute."""
    llm = LLMConfig(backend="openai", base_urls=("http://127.0.0.1:8080",))
    assert llm.preflight_timeout_s <= 30 and llm.stall_s < 60
    assert RunConfig().max_failure_share == 0.05 and RunConfig().min_calls_for_failure_budget == 20


def test_replay_of_another_scenarios_recording_stops_within_seconds_and_writes_nothing(tmp_path):
    recorded = tmp_path / "recorded"
    code, output, _ = hubbub("run", "demo", "--backend", "scripted", "--out", str(recorded), "--quiet",
                             "--set", "trendsim.population.size=6")
    assert code == 0, output
    out = tmp_path / "replayed"
    code, output, seconds = hubbub("run", "demo", "--backend", "replay", "--replay-from", str(recorded),
                                   "--seed", "99", "--set", "trendsim.population.size=6", "--out", str(out),
                                   "--quiet")
    assert_refused_before_anything(out, code, output, seconds, 20)
    assert re.search(r"holds no reply for any of this run's first \d+ LLM requests", output), output


def test_replay_from_a_record_without_replies_is_refused(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    from hubbub.store import RunStore

    RunStore.create(empty).close()
    code, output, _ = hubbub("run", "demo", "--backend", "replay", "--replay-from", str(empty),
                             "--out", str(tmp_path / "x"))
    assert code == 2 and "holds no recorded LLM replies" in output, output
    assert not (tmp_path / "x").exists()


# ------------------------------------------------------------------ must show 2: the failure budget


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run against the healthy fake server (through the proxy, as the broken one)."""
    folder = tmp_path_factory.mktemp("reference")
    with FakeServer() as server, FaultProxy(server.url) as proxy:
        out = folder / "reference"
        code, output, _ = hubbub("run", str(scenario_file(folder, proxy.url)), "--out", str(out), "--quiet")
        assert code == 0, output
        assert lines(output)[-1].startswith("completed ") and lines(output)[-1].endswith(", 0 failed")
    return out


def test_a_server_that_dies_half_way_stops_the_run_and_resume_finishes_it_exactly(tmp_path, reference):
    calls = manifest(reference)["counts"]["llm_calls"]
    assert calls >= 30
    with FakeServer() as server, FaultProxy(server.url, refuse_s=0.2) as proxy:
        proxy.set_plan(lambda n: "pass" if n <= calls // 2 else "refuse")
        out = tmp_path / "run"
        code, output, _ = hubbub("run", str(scenario_file(tmp_path, proxy.url)), "--out", str(out), "--quiet")
        assert code == 2, output
        last = lines(output)[-1]
        assert "LLM calls failed" in last and "more than run.max_failure_share = 0.05" in last, last
        assert f"hubbub resume {out}" in last and "--set llm.base_urls=" in last
        assert manifest(out)["status"] == "failed"
        # the failed calls and the events built on them were rolled back: resume asks those requests again
        assert query(out, "SELECT COUNT(*) FROM llm_calls WHERE error IS NOT NULL") == [(0,)]
        assert not [e for e in events(out) if e[2] == "llm_failure"]
        assert 0 < len(events(out)) < len(events(reference))
        code, output, _ = hubbub("resume", str(out), "--set", f'llm.base_urls=["{server.url}"]')
    assert code == 0, output
    assert manifest(out)["status"] == "completed"
    assert events(out) == events(reference)
    assert lines(output)[-1].endswith(", 0 failed")


def test_a_server_that_hangs_half_way_is_caught_by_the_stall_detector(tmp_path, reference):
    calls = manifest(reference)["counts"]["llm_calls"]
    with FakeServer() as server, FaultProxy(server.url) as proxy:
        proxy.set_plan(lambda n: "pass" if n <= calls // 2 else "hang")
        out = tmp_path / "run"
        started = time.perf_counter()
        code, output, _ = hubbub("run", str(scenario_file(tmp_path, proxy.url, stall_s=1.0)), "--out", str(out),
                                 "--quiet")
        assert code == 2 and time.perf_counter() - started < 30, output
        assert "answered none of" in output and "for 1 s (llm.stall_s)" in output, output
        assert manifest(out)["status"] == "failed"
        proxy.set_plan(always("pass"))
        code, output, _ = hubbub("resume", str(out))
    assert code == 0, output
    assert events(out) == events(reference)


def test_the_budget_holds_batches_after_a_failure_until_it_proves_sporadic():
    budget = FailureBudget(max_share=0.05, min_calls=4)
    for _ in range(30):
        budget.record(True, False, None)
    budget.record(False, False, "BackendUnavailable: x")
    assert budget.holding and not budget.exceeded
    for _ in range(4):
        budget.record(True, False, None)
    assert not budget.holding and budget.describe() == "1 of 35 LLM calls failed (3%)"
    for _ in range(2):
        budget.record(False, False, "BackendUnavailable: y")
    assert budget.exceeded and budget.holding and budget.last_error.endswith("y")
    never = FailureBudget(max_share=1.0, min_calls=1)
    never.record(False, False, "e")
    assert not never.exceeded and not never.holding


# ------------------------------------------------------------------ a run with failed calls says so


def test_failed_calls_are_named_in_the_last_line_the_summary_and_the_report(tmp_path):
    with FakeServer() as server, FaultProxy(server.url) as proxy:
        proxy.set_plan(lambda n: "500" if n == 30 else "pass")
        out = tmp_path / "run"
        path = scenario_file(tmp_path, proxy.url)
        path.write_text(path.read_text().replace("max_retries = 1", "max_retries = 0"), encoding="utf-8")
        code, output, _ = hubbub("run", str(path), "--out", str(out), "--quiet")
    assert code == 0, output
    counts = manifest(out)["counts"]
    assert counts["llm_failures"] == 1
    share = f"{1 / counts['llm_calls']:.1%}"
    assert lines(output)[-1].startswith(f"completed with 1 failed LLM calls of {counts['llm_calls']} ({share})")
    assert f"⚠ 1 of {counts['llm_calls']} LLM calls failed ({share})" in (out / "summary.md").read_text("utf-8")
    page = (out / "report.html").read_text("utf-8")
    banner = page.index('class="banner fail"')
    assert banner < page.index('id="provenance"') and f"1 of {counts['llm_calls']} LLM calls failed" in page


# ------------------------------------------------------------------ timeouts are not queueing


def test_waiting_for_a_client_slot_does_not_count_toward_the_request_timeout():
    """Four requests through one slot at a server that takes 0.3 s each: 1.2 s in all, each under the
    0.5 s timeout, so none times out."""

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.3)
        return httpx.Response(200, json=answer(json.loads(request.content)))

    client = OpenAIBackend("http://llm.test", "fake", timeout_s=0.5, max_retries=0, max_concurrency=1,
                           transport=httpx.MockTransport(slow))
    requests = [ChoiceRequest("t", (("user", f"q{i}"),), ("a", "b"), seed=i) for i in range(4)]
    results = client.choose(requests)
    assert all(r.ok for r in results), [r.error for r in results]
