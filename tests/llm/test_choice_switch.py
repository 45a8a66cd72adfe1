"""One request per choice: the answer prefix, letter variants, the auto-mode switch to schema requests,
per-exchange telemetry rows, and the switch rebuilt from the record on resume and replay."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from hubbub.llm.base import ChoiceRequest, request_payload
from hubbub.llm.cache import CachedBackend
from hubbub.llm.choice import render_choice
from hubbub.llm.openai import OpenAIBackend
from hubbub.llm.protocol import letter_logprobs
from hubbub.llm.switch import SchemaSwitch
from hubbub.runtime.backends import make_backend
from hubbub.scenarios.config import LLMConfig
from hubbub.store import RunStore

pytestmark = pytest.mark.timeout(30)

MESSAGES = (("system", "你是一名教师。"), ("user", "一条帖子说河流被污染了。你的感受是？"))


def ask(kind: str = "emotion", seed: int = 1, lang: str = "zh") -> ChoiceRequest:
    return ChoiceRequest(kind, MESSAGES, ("平静", "担心", "愤怒"), seed=seed, lang=lang)


def reply(top: dict[str, float] | None, content: str = "x", prompt_tokens: int = 50) -> dict:
    choice = {"index": 0, "message": {"role": "assistant", "content": content}}
    if top is not None:
        entries = [{"token": t, "logprob": lp} for t, lp in top.items()]
        choice["logprobs"] = {"content": [{**entries[0], "top_logprobs": entries}]}
    return {"choices": [choice], "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": 1}}


class Server:
    """A server whose letter scores miss (no letter among the top tokens) unless ``scored`` says so."""

    def __init__(self, scored: set[int] = frozenset()) -> None:
        self.scored, self.bodies = scored, []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        if "json_schema" in body:
            return httpx.Response(200, json=reply(None, content='"B"', prompt_tokens=60))
        if body["seed"] in self.scored:
            return httpx.Response(200, json=reply({" B": -0.2, " A": -1.9}))
        return httpx.Response(200, json=reply({"我": -0.5, "\n": -1.0}))


def backend(server: Server, **kw) -> OpenAIBackend:
    return OpenAIBackend(["http://llm.test"], "m", transport=httpx.MockTransport(server), max_retries=0, **kw)


def run(b, requests):
    """Ask one request at a time, as the order of answers is what the switch learns from."""
    async def go():
        return [await b.choose_one(r) for r in requests]
    return asyncio.run(go())


def test_the_prompt_ends_with_the_start_of_the_answer_in_the_requests_language():
    assert render_choice(ask(lang="zh")).answer_prefix == "答案："
    assert render_choice(ask(lang="en")).answer_prefix == "Answer:"
    server = Server({1})
    run(backend(server), [ask(seed=1)])
    assert server.bodies[0]["messages"][-1] == {"role": "assistant", "content": "答案："}
    run(backend(server, answer_prefix=False), [ask(seed=1)])
    assert server.bodies[-1]["messages"][-1]["role"] == "user"


def test_letter_variants_count_for_their_letter():
    scores = letter_logprobs(reply({"Ｂ": -1.0, "B)": -2.0, " C.": -0.5, "A1": -0.1, "Bad": -0.3}))
    assert set(scores) >= {"B", "C"} and "A" not in scores and scores["C"] == -0.5
    assert scores["B"] == pytest.approx(-0.6867, abs=1e-4)  # log(e^-1 + e^-2)


def test_each_exchange_of_a_fallback_keeps_its_own_tokens():
    [result] = run(backend(Server()), [ask()])
    assert result.ok and (result.stats.outcome, result.stats.method, result.stats.prompt_tokens) == ("fallback", "schema", 60)
    [probe] = result.probes
    assert (probe.outcome, probe.method, probe.prompt_tokens) == ("miss", "logprobs", 50)


def test_auto_mode_switches_a_call_kind_after_misses_in_a_row():
    server = Server({2})
    b = backend(server, misses_before_schema=3)
    kinds = ["emotion"] * 6
    results = run(b, [ask(k, seed) for seed, k in enumerate(kinds)])
    outcomes = [r.stats.outcome for r in results]
    assert outcomes == ["fallback", "fallback", "ok", "fallback", "fallback", "fallback"]  # seed 2 scored: streak reset
    assert b.choice_switch.use_schema("emotion", "chat") and not b.choice_switch.use_schema("action", "chat")
    before = len(server.bodies)
    [switched, other] = run(b, [ask("emotion", 9), ask("action", 10)])
    assert (switched.stats.outcome, switched.stats.method, switched.probes) == ("switched", "schema", ())
    assert other.stats.outcome == "fallback"  # another call kind still tries log-probabilities
    assert len(server.bodies) == before + 3 and "json_schema" in server.bodies[before]


@pytest.mark.parametrize("settings", [{"misses_before_schema": 0}, {"choice_mode": "logprobs"}])
def test_no_switch_when_turned_off_or_outside_auto_mode(settings):
    b = backend(Server(), **settings)
    results = run(b, [ask(seed=s) for s in range(5)])
    assert not b.choice_switch.switched
    assert all(r.stats.outcome in ("fallback", "error:InvalidOutput") for r in results)


def test_switch_restored_from_recorded_rows():
    switch = SchemaSwitch(2)
    switch.restore([("a", "schema", "fallback"), ("b", "schema", "fallback"), ("a", "logprobs", "ok"),
                    ("b", "schema", "fallback"), ("c", "schema", "switched")], "chat")
    assert switch.describe() == {"chat": ["b", "c"]}


def record(store: RunStore, b) -> CachedBackend:
    return CachedBackend(b, store, on_call=lambda key, r, res: store.record_call(key, request_payload(r), res))


def test_rows_per_exchange_and_the_switch_survives_resume_and_replay(tmp_path):
    requests = [ask(seed=s) for s in range(5)]
    with RunStore.create(tmp_path / "run") as store:
        live = backend(Server(), misses_before_schema=3)
        first = run(record(store, live), requests)
        store.commit()
        rows = store._conn.execute("SELECT outcome, method, prompt_tokens, reply IS NULL FROM llm_calls "
                                   "ORDER BY call_id").fetchall()
        assert rows[:2] == [("miss", "logprobs", 50, 1), ("fallback", "schema", 60, 0)]
        assert [r[0] for r in rows[-3:]] == ["fallback", "switched", "switched"] and len(rows) == 3 * 2 + 2
        assert store.call_counts() == (5, 0)  # a miss row is part of its call
        cfg = LLMConfig(backend="openai", base_urls=("http://127.0.0.1:9",), model="m")
        resumed = make_backend(cfg, store, None, resuming=True)
        assert resumed.inner.choice_switch.switched == live.choice_switch.switched == {("emotion", "chat")}
        assert make_backend(cfg, store, None).inner.choice_switch.switched == set()  # a new run learns anew
        replayed = run(CachedBackend(None, store, model="m"), requests)
    assert [(r.index, r.probs) for r in replayed] == [(r.index, r.probs) for r in first]
