"""`hubbub bench`: every workload runs at --quick sizes on the scripted backend, prints its figures and
saves them as JSON; the replayed request list is exactly what the run sent. No timing is asserted."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hubbub.bench import resolve_params, run_workload
from hubbub.bench.runs import recorded_calls, request_from_payload, timed_run, trendsim_scenario
from hubbub.bench.tokens import ideal_prefix_share
from hubbub.cli import app
from hubbub.errors import ConfigError
from hubbub.llm.base import request_key

runner = CliRunner()


def figures(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    return data, {k: v["value"] for k, v in data["figures"].items()}


@pytest.mark.timeout(60)
def test_engine_quick_prints_and_saves_figures(tmp_path):
    out = tmp_path / "engine.json"
    result = runner.invoke(app, ["bench", "engine", "--quick", "--users", "30", "--hours", "2", "--s3-users", "300",
                                 "--s3-steps", "3", "--out", str(out)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "engine wall time" in result.output and f"saved {out}" in result.output
    data, f = figures(out)
    assert data["workload"] == "engine" and data["quick"] is True
    assert data["machine"]["cores"] >= 1 and data["command"].startswith("hubbub bench engine --quick")
    assert f["events"] > 0 and f["llm_calls"] > 0 and f["engine_wall_s"] > 0
    assert f["per_event_ms"] == pytest.approx(1e3 * f["engine_wall_s"] / f["events"], rel=1e-3)
    assert f["s3_users"] == 300 and f["s3_llm_calls"] > 0 and f["s3_edges"] > 300
    assert data["targets"] == []  # the 10 s target is only judged at full size


def test_saturation_replays_exactly_the_recorded_requests(tmp_path):
    scenario = trendsim_scenario(6, 1.0, access={"A": 2.5, "T_m": 0.3, "alpha": 2.0})
    timed_run(scenario, tmp_path / "r")
    calls = recorded_calls(tmp_path / "r")
    assert len(calls) > 20
    for key, payload in zip(calls["key"], calls["request"]):
        assert request_key(request_from_payload(payload), "scripted-v1") == key


def test_saturation_quick_on_scripted_reports_both_throughputs(tmp_path):
    report = run_workload("saturation", quick=True, given={"backend": ["scripted"], "users": 5})
    f = {k: v["value"] for k, v in report.figures.items()}
    assert f["scripted_requests"] > 0 and f["scripted_raw_failed"] == 0
    assert f["scripted_ratio"] == pytest.approx(f["scripted_run_rps"] / f["scripted_raw_rps"], rel=1e-3)
    assert report.targets == []  # a stand-in server has no capacity: no target is judged
    report.save(tmp_path / "s.json")
    assert json.loads((tmp_path / "s.json").read_text())["figures"]["scripted_ratio"]["value"] > 0


def test_tokens_quick_on_scripted_marks_server_counts_unknown():
    report = run_workload("tokens", quick=True, given={"backend": ["scripted"]})
    f = {k: v["value"] for k, v in report.figures.items()}
    assert f["scripted_activations"] > 0 and f["scripted_calls_per_activation"] >= 2
    assert f["scripted_prompt_per_activation"] is None  # the scripted backend has no tokenizer
    assert 0 < f["scripted_ideal_prefix_share"] < 1
    assert all(t.met is None for t in report.targets)
    kinds = {row["kind"] for row in next(iter(report.tables.values()))}
    assert {"trendsim.perception", "trendsim.reflect_emotion"} <= kinds


def test_scale_and_memory_quick_record_series():
    scale = run_workload("scale", quick=True, given={"nodes": 3000, "llm_users": 30, "steps": 4})
    assert scale.value("scale_edges") > 3000 and len(scale.series["scale: per step"]["step"]) == 5
    memory = run_workload("memory", quick=True, given={"nodes": 300, "llm_users": 20, "steps": 8})
    series = memory.series["per step"]
    assert len(series["rss_mib"]) == 9 and memory.value("prompt_mean_tok") > 0
    assert sum(series["llm_calls"]) == memory.value("llm_calls")


def test_ideal_prefix_share_counts_whole_shared_blocks():
    text = "x" * 640
    same = [{"messages": [["user", text]]}, {"messages": [["user", text]]}]
    assert ideal_prefix_share(same) == pytest.approx(0.5, abs=0.01)  # the second prompt is all reused
    other = [{"messages": [["user", text]]}, {"messages": [["user", "y" * 640]]}]
    assert ideal_prefix_share(other) == 0


def test_options_a_workload_does_not_take_are_refused():
    with pytest.raises(ConfigError, match="--nodes does not apply; it takes --users"):
        resolve_params("engine", {"nodes": 5}, quick=True)
    result = runner.invoke(app, ["bench", "nosuch", "--quick"])
    assert result.exit_code == 2 and "unknown workload 'nosuch'" in result.output
    bad = runner.invoke(app, ["bench", "saturation", "--quick", "--backend", "vllm"])
    assert bad.exit_code == 2 and "--backend 'vllm' is not allowed" in bad.output
    external = runner.invoke(app, ["bench", "tokens", "--quick", "--backend", "openai", "--base-url",
                                   "http://127.0.0.1:9"])
    assert external.exit_code == 2 and "--base-url needs --model" in external.output
    embedded = runner.invoke(app, ["bench", "saturation", "--quick", "--base-url", "http://127.0.0.1:9",
                                   "--model", "m", "--backend", "embedded"])
    assert embedded.exit_code == 2 and "--base-url is for --backend openai" in embedded.output
