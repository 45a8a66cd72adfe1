"""`hubbub bench choices`: the share of choices answered by log-probabilities, counted from llm_calls rows
(a scored choice, a miss answered by a schema request, a switched kind). No model and no timing here."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from hubbub.bench.choices import demo_scenario, measure
from hubbub.bench.report import Report
from hubbub.llm.base import ChoiceRequest, request_payload
from hubbub.llm.cache import CachedBackend
from hubbub.llm.openai import OpenAIBackend
from hubbub.store import RunStore


def server(request: httpx.Request) -> httpx.Response:
    """Letters are scored for even seeds and kind "a"; otherwise missed; schema requests answer "A"."""
    body = json.loads(request.content)
    if "json_schema" in body:
        return httpx.Response(200, json={"choices": [{"message": {"content": '"A"'}}]})
    scored = body["seed"] % 2 == 0 and "kind a" in body["messages"][-2]["content"]
    top = [{"token": " A" if scored else "我", "logprob": -0.1}]
    return httpx.Response(200, json={"choices": [{"message": {"content": "x"},
                                                  "logprobs": {"content": [{**top[0], "top_logprobs": top}]}}]})


def test_measure_counts_scored_fallback_and_switched_choices(tmp_path):
    backend = OpenAIBackend(["http://llm.test"], "m", transport=httpx.MockTransport(server), misses_before_schema=2)
    requests = [ChoiceRequest(kind, (("user", f"kind {kind}"),), ("x", "y"), seed=s)
                for kind in ("a", "b") for s in range(4)]
    with RunStore.create(tmp_path / "run") as store:
        cached = CachedBackend(backend, store, on_call=lambda k, r, res: store.record_call(k, request_payload(r), res))

        async def go():
            return [await cached.choose_one(r) for r in requests]

        assert all(r.ok for r in asyncio.run(go()))
    report = Report("choices")
    rows = {row["kind"]: row for row in measure("openai", "zh", tmp_path / "run", report)}
    # a: seeds 0, 2 scored; 1, 3 missed (never two in a row). b: two misses, then switched.
    assert rows["a"] == {"lang": "zh", "kind": "a", "n": 4, "scored": 2, "fallback": 2, "switched": 0,
                         "failed": 0, "sent": 6, "share": 0.5}
    assert (rows["b"]["fallback"], rows["b"]["switched"], rows["b"]["sent"]) == (2, 2, 6)
    assert rows["all"]["share"] == pytest.approx(2 / 8)
    assert report.value("openai_zh_fallback_share") == pytest.approx(6 / 8)
    [target] = report.targets
    assert target.met is False and target.bound == 0.95


def test_the_zh_demo_keeps_the_demo_and_changes_language_topic_and_size():
    scenario = demo_scenario({"users": 4, "hours": 1.0, "concurrency": 8}, {"backend": "scripted"}, "zh",
                             "zh-marathon-pacer")
    assert (scenario.lang, scenario.trendsim.topic, scenario.trendsim.population.size) == ("zh", "zh-marathon-pacer", 4)
    assert scenario.llm.backend == "scripted" and scenario.llm.max_tokens == 32  # the demo's own llm settings stay
