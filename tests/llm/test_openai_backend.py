"""OpenAIBackend against an in-memory server (httpx.MockTransport) and two tiny real sockets."""

from __future__ import annotations

import asyncio
import email.utils
import json
import socket
import time

import httpx
import pytest

from hubbub.errors import ConfigError
from hubbub.llm.base import ChoiceRequest, GenerateRequest
from hubbub.llm.choice import render_choice
from hubbub.llm.openai import OpenAIBackend, public_url, retry_after_seconds
from hubbub.llm.protocol import wire_seed

pytestmark = pytest.mark.timeout(30)

MESSAGES = (("system", "You are Ana, a teacher."), ("user", "A post says the river is polluted. How do you feel?"))
OPTIONS = ("calm", "worried", "angry", "indifferent")
KEY = "sk-test-0123456789-SECRET"


def choice(seed: int = 1, **kw) -> ChoiceRequest:
    return ChoiceRequest("emotion", MESSAGES, OPTIONS, seed=seed, **kw)


def generation(seed: int = 5) -> GenerateRequest:
    return GenerateRequest("post", MESSAGES, seed=seed, max_tokens=40, temperature=0.7)


def letter_of(request: ChoiceRequest, option_index: int) -> str:
    """The letter under which ``option_index`` is shown to the model."""
    rendered = render_choice(request)
    return rendered.letters[rendered.order.index(option_index)]


def chat_reply(top: dict[str, float] | None = None, content: str = "A", **extra) -> dict:
    """A chat completion in the OpenAI / llama.cpp shape; ``top=None`` means no logprobs field."""
    choice_ = {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "length"}
    if top is not None:
        entries = [{"token": t, "logprob": lp} for t, lp in top.items()]
        choice_["logprobs"] = {"content": [{"token": entries[0]["token"], "logprob": entries[0]["logprob"],
                                            "top_logprobs": entries}]}
    return {"choices": [choice_], "usage": {"prompt_tokens": 50, "completion_tokens": 1}, **extra}


class Server:
    """Scripted replies in order (the last one repeats) and a record of what was asked."""

    def __init__(self, *replies) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, httpx.Response):
            return reply
        return httpx.Response(200, json=reply)

    def body(self, k: int = -1) -> dict:
        return json.loads(self.requests[k].content)


class Sleeps(list):
    """The injected sleep hook: records delays instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make(server, urls=("http://llm.test",), **kw) -> tuple[OpenAIBackend, Sleeps]:
    sleeps = Sleeps()
    kw.setdefault("max_retries", 2)
    backend = OpenAIBackend(list(urls), "test-model", transport=httpx.MockTransport(server), sleep=sleeps, **kw)
    return backend, sleeps


# ------------------------------------------------------------------ letter scoring


@pytest.mark.parametrize("seed", range(6))
def test_chat_logprobs_map_back_to_the_requests_own_option_order(seed):
    request = choice(seed)
    favourite = seed % len(OPTIONS)
    top = {letter_of(request, i): (-0.05 if i == favourite else -6.0) for i in range(len(OPTIONS))}
    top["The"] = -1.0  # non-letter tokens are ignored
    backend, _ = make(Server(chat_reply(top)))
    [result] = backend.choose([request])
    assert result.ok and result.index == favourite
    assert result.probs[favourite] > 0.99 and sum(result.probs) == pytest.approx(1.0)
    assert result.stats.method == "logprobs" and result.stats.outcome == "ok" and result.stats.attempts == 1


def test_option_order_really_is_shuffled_across_seeds():
    orders = {render_choice(choice(seed)).order for seed in range(6)}
    assert len(orders) > 1


def test_choice_request_body_asks_for_one_greedy_token_with_top_logprobs():
    server = Server(chat_reply({"A": -0.1, "B": -2.0}))
    backend, _ = make(server)
    backend.choose([choice(seed=2**40 + 3)])
    body = server.body()
    assert server.requests[0].url.path == "/v1/chat/completions"
    assert body["model"] == "test-model" and body["seed"] == wire_seed(2**40 + 3) == 3
    assert (body["max_tokens"], body["temperature"], body["logprobs"], body["top_logprobs"]) == (1, 0, True, 20)
    assert body["messages"][0] == {"role": "system", "content": MESSAGES[0][1]}
    assert "A) " in body["messages"][-2]["content"] and body["messages"][-2]["role"] == "user"
    assert body["messages"][-1] == {"role": "assistant", "content": "Answer:"}  # the next token is the letter


def test_legacy_completions_shape_with_spaced_tokens():
    request = choice(3)
    b_option = render_choice(request).order[1]
    legacy = {"choices": [{"text": " B", "logprobs": {"tokens": [" B"], "top_logprobs": [
        {" B": -0.2, " A": -2.5, "\n": -3.0}]}}], "usage": {"prompt_tokens": 40, "completion_tokens": 1}}
    server = Server(legacy)
    backend, _ = make(server, endpoint="completions")
    [result] = backend.choose([request])
    assert server.requests[0].url.path == "/v1/completions"
    assert server.body()["logprobs"] == 20 and server.body()["prompt"].endswith("\n\nAssistant: Answer:")
    assert result.ok and result.stats.method == "logprobs"
    shown = dict(zip(render_choice(request).letters, render_choice(request).order))
    assert result.probs[shown["A"]] + result.probs[b_option] == pytest.approx(1.0)
    assert result.probs[b_option] > result.probs[shown["A"]]
    assert result.probs[shown["C"]] == 0.0 and result.probs[shown["D"]] == 0.0


# ------------------------------------------------------------------ schema fallback


@pytest.mark.parametrize("first", [chat_reply(None), chat_reply({"The": -0.1, "I": -1.0})],
                         ids=["no-logprobs", "no-letter-in-top"])
def test_falls_back_to_a_json_schema_answer(first):
    request = choice(4)
    server = Server(first, chat_reply(None, content='"C"', usage={"prompt_tokens": 60, "completion_tokens": 3}))
    backend, _ = make(server)
    [result] = backend.choose([request])
    schema_body = server.body(1)
    assert schema_body["response_format"]["json_schema"]["schema"]["enum"] == ["A", "B", "C", "D"]
    assert schema_body["json_schema"] == {"type": "string", "enum": ["A", "B", "C", "D"]}
    expected = render_choice(request).order[2]
    assert result.ok and result.index == expected and result.probs[expected] == 1.0
    assert (result.stats.method, result.stats.outcome, result.stats.attempts) == ("schema", "fallback", 1)
    assert result.stats.prompt_tokens == 60  # each exchange keeps its own tokens: the miss is a probe
    [probe] = result.probes
    assert (probe.method, probe.outcome, probe.prompt_tokens, probe.attempts) == ("logprobs", "miss", 50, 1)
    assert "messages" in schema_body and schema_body["messages"][-1]["role"] == "user"  # no answer prefix here


def test_schema_mode_goes_straight_to_the_constrained_answer():
    server = Server(chat_reply(None, content='{"choice": "A"}'))
    backend, _ = make(server, choice_mode="schema")
    [result] = backend.choose([choice(1)])
    assert len(server.requests) == 1 and result.index == render_choice(choice(1)).order[0]
    assert (result.stats.method, result.stats.outcome) == ("schema", "ok")


def test_logprobs_mode_fails_instead_of_falling_back():
    backend, _ = make(Server(chat_reply(None)), choice_mode="logprobs")
    [result] = backend.choose([choice()])
    assert not result.ok and result.index is None
    assert result.error.startswith("InvalidOutput: no log-probabilities") and "http://llm.test/v1" in result.error
    assert result.stats.outcome == "error:InvalidOutput"


def test_unusable_constrained_answer_is_invalid_output():
    backend, _ = make(Server(chat_reply(None, content="maybe")), choice_mode="schema")
    [result] = backend.choose([choice()])
    assert result.error.startswith("InvalidOutput: constrained answer 'maybe'")


# ------------------------------------------------------------------ generation and telemetry


def test_generation_body_text_and_token_telemetry():
    reply = chat_reply(None, content="  The river needs help.\n",
                       usage={"prompt_tokens": 80, "completion_tokens": 6, "prompt_tokens_details": {"cached_tokens": 64}})
    server = Server(reply)
    backend, _ = make(server)
    [result] = backend.generate([generation(seed=9)])
    body = server.body()
    assert (body["max_tokens"], body["temperature"], body["seed"]) == (40, 0.7, 9) and "logprobs" not in body
    assert result.text == "The river needs help."
    s = result.stats
    assert (s.prompt_tokens, s.completion_tokens, s.cached_tokens, s.outcome, s.backend) == (80, 6, 64, "ok", "openai")
    assert s.latency_s >= 0


def test_llama_cpp_cache_count_is_read_from_timings():
    reply = chat_reply(None, content="ok", usage={"prompt_tokens": 30, "completion_tokens": 1}, timings={"cache_n": 21})
    backend, _ = make(Server(reply))
    assert backend.generate([generation()])[0].stats.cached_tokens == 21


def test_empty_completion_is_invalid_output():
    backend, _ = make(Server(chat_reply(None, content="   ")))
    [result] = backend.generate([generation()])
    assert result.text is None and result.error.startswith("InvalidOutput: empty completion from http://llm.test/v1")
    assert result.stats.outcome == "error:InvalidOutput" and result.stats.attempts == 1


# ------------------------------------------------------------------ retries


def test_429_honours_retry_after_seconds():
    server = Server(httpx.Response(429, headers={"Retry-After": "7"}, json={"error": {"message": "slow down"}}),
                    chat_reply(None, content="fine"))
    backend, sleeps = make(server)
    [result] = backend.generate([generation()])
    assert result.text == "fine" and result.stats.attempts == 2 and sleeps == [7.0]


def test_retry_after_is_capped_and_accepts_http_dates():
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == pytest.approx(10.0)
    assert retry_after_seconds(email.utils.formatdate(time.time() + 30, usegmt=True)) == pytest.approx(30, abs=2)
    assert retry_after_seconds("soon") is None and retry_after_seconds("-5") == 0.0
    server = Server(httpx.Response(503, headers={"Retry-After": "3600"}), chat_reply(None, content="ok"))
    backend, sleeps = make(server, retry_after_cap_s=60)
    assert backend.generate([generation()])[0].ok and sleeps == [60.0]


def test_500_and_503_then_success_counts_attempts_with_seeded_jitter():
    def run() -> tuple:
        server = Server(httpx.Response(500), httpx.Response(503), chat_reply({"A": -0.1, "B": -3.0}))
        backend, sleeps = make(server, backoff_s=1.0)
        return backend.choose([choice(11)])[0], list(sleeps)

    result, sleeps = run()
    assert result.ok and result.stats.attempts == 3 and result.stats.outcome == "ok"
    assert 0.5 <= sleeps[0] <= 1.0 and 1.0 <= sleeps[1] <= 2.0
    assert run()[1] == sleeps  # jitter comes from the request seed


def test_retries_exhausted_on_5xx_is_backend_unavailable():
    backend, sleeps = make(Server(httpx.Response(502, text="bad gateway")), max_retries=3)
    [result] = backend.generate([generation()])
    assert result.error.startswith("BackendUnavailable: POST http://llm.test/v1/chat/completions: HTTP 502")
    assert "after 4 attempts" in result.error and result.stats.attempts == 4 and len(sleeps) == 3


def test_malformed_json_is_retried_then_reported():
    server = Server(httpx.Response(200, text="{not json"), chat_reply(None, content="ok"))
    backend, _ = make(server)
    assert backend.generate([generation()])[0].stats.attempts == 2
    backend, _ = make(Server(httpx.Response(200, text="<html>oops</html>")), max_retries=1)
    [result] = backend.generate([generation()])
    assert result.error.startswith("InvalidOutput: POST http://llm.test/v1/chat/completions: malformed JSON")
    assert result.stats.attempts == 2 and result.stats.outcome == "error:InvalidOutput"


def test_other_4xx_are_not_retried():
    server = Server(httpx.Response(400, json={"error": {"message": "request exceeds the context size"}}))
    backend, sleeps = make(server)
    [result] = backend.choose([choice()])
    assert result.stats.attempts == 1 and sleeps == [] and len(server.requests) == 1
    assert result.error.startswith("BackendUnavailable:") and "HTTP 400: request exceeds the context size" in result.error


def test_connection_refused_is_backend_unavailable_after_retries():
    server = Server(httpx.ConnectError("[Errno 111] Connection refused"))
    backend, sleeps = make(server, max_retries=2)
    [result] = backend.choose([choice()])
    assert result.index is None and result.error.startswith("BackendUnavailable: POST http://llm.test/v1")
    assert "cannot connect" in result.error and result.stats.attempts == 3 and len(sleeps) == 2
    assert result.stats.outcome == "error:BackendUnavailable"


def test_real_refused_port_gives_backend_unavailable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = OpenAIBackend([f"http://127.0.0.1:{port}"], "m", max_retries=1, timeout_s=5, sleep=Sleeps())
    [result] = backend.generate([generation()])
    assert result.error.startswith(f"BackendUnavailable: POST http://127.0.0.1:{port}/v1/chat/completions")


def test_silent_server_ends_with_backend_timeout():
    """A server that accepts the connection and never answers."""
    timeout = 0.4

    async def scenario() -> tuple:
        writers = []

        async def silent(reader, writer):
            writers.append(writer)
            await reader.read()  # until the client hangs up

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        backend = OpenAIBackend([f"http://127.0.0.1:{port}"], "m", timeout_s=timeout, max_retries=1, sleep=Sleeps())
        started = time.perf_counter()
        [result] = await backend.achoose([choice()])
        elapsed = time.perf_counter() - started
        await backend.aclose()
        for writer in writers:
            writer.close()
        server.close()
        return result, elapsed, len(writers)

    result, elapsed, connections = asyncio.run(scenario())
    assert result.error.startswith("BackendTimeout:") and f"no answer within {timeout:g} s" in result.error
    assert result.stats.attempts == 2 and connections == 2
    assert 2 * timeout * 0.9 <= elapsed < 2 * timeout + 2.0


# ------------------------------------------------------------------ load balancing, bounds, secrets


def test_round_robin_over_two_base_urls():
    server = Server(chat_reply(None, content="hi"))
    backend, _ = make(server, urls=("http://a.test:8000", "http://b.test:8000/v1/"))
    backend.generate([generation(s) for s in range(4)])
    hosts = sorted(r.url.host for r in server.requests)
    assert hosts == ["a.test", "a.test", "b.test", "b.test"]
    assert {r.url.path for r in server.requests} == {"/v1/chat/completions"}


def test_a_refusing_url_is_skipped_on_retry_and_for_a_while_after():
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.host)
        if request.url.host == "down.test":
            raise httpx.ConnectError("refused")
        return httpx.Response(200, json=chat_reply(None, content="hi"))

    seen: list[str] = []
    backend, _ = make(handler, urls=("http://down.test", "http://up.test"))
    results = backend.generate([generation(1)])
    results += backend.generate([generation(2)])
    assert all(r.ok for r in results) and results[0].stats.attempts == 2 and results[1].stats.attempts == 1
    assert seen == ["down.test", "up.test", "up.test"]


def test_concurrency_bound_is_respected():
    state = {"now": 0, "max": 0}

    async def handler(request: httpx.Request) -> httpx.Response:
        state["now"] += 1
        state["max"] = max(state["max"], state["now"])
        await asyncio.sleep(0.01)
        state["now"] -= 1
        return httpx.Response(200, json=chat_reply(None, content="x"))

    backend, _ = make(handler, max_concurrency=3)
    results = backend.generate([generation(s) for s in range(15)])
    assert all(r.ok for r in results) and state["max"] == 3


def test_api_key_is_sent_but_never_shown():
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == f"Bearer {KEY}"
        return httpx.Response(401, json={"error": {"message": f"Incorrect API key provided: {KEY}"}})

    backend, _ = make(handler, urls=("https://api.test/v1?token=abc",), api_key=KEY)
    [result] = backend.generate([generation()])
    text = json.dumps(backend.describe()) + repr(backend) + result.error
    assert "HTTP 401" in result.error and "***" in result.error
    assert KEY not in text and "token=abc" not in text
    assert backend.describe()["base_urls"] == ["https://api.test/v1"]


def test_credentials_in_a_url_stay_out_of_describe_and_errors():
    server = Server(httpx.Response(503))
    backend, _ = make(server, urls=("https://user:pw-secret@api.test",), max_retries=0)
    [result] = backend.generate([generation()])
    assert str(server.requests[0].url) == "https://user:pw-secret@api.test/v1/chat/completions"
    text = json.dumps(backend.describe()) + repr(backend) + result.error
    assert "pw-secret" not in text and "https://api.test/v1/chat/completions" in result.error


def test_describe_lists_the_settings():
    backend, _ = make(Server(chat_reply(None)), max_concurrency=5, timeout_s=12, choice_mode="schema")
    assert backend.describe() == {
        "backend": "openai", "model": "test-model", "base_urls": ["http://llm.test/v1"], "endpoint": "chat",
        "timeout_s": 12.0, "max_retries": 2, "max_concurrency": 5, "choice_mode": "schema", "top_logprobs": 20,
        "answer_prefix": True, "misses_before_schema": 3,
        "extra_body": {}}


def test_extra_body_fields_are_sent_but_cannot_override_the_scoring():
    server = Server(chat_reply({"A": -0.1, "B": -2.0}))
    backend, _ = make(server, extra_body={"cache_prompt": False, "max_tokens": 99, "top_k": 5})
    backend.choose([choice()])
    body = server.body()
    assert (body["cache_prompt"], body["top_k"], body["max_tokens"]) == (False, 5, 1)


def test_sync_wrappers_work_across_event_loops_and_async_use_too():
    backend, _ = make(Server(chat_reply({"A": -0.1, "B": -1.0})))
    assert backend.choose([choice()])[0].ok and backend.choose([choice()])[0].ok

    async def twice():
        first = await backend.achoose([choice()])
        second = await backend.achoose([choice()])
        await backend.aclose()
        return first + second

    assert all(r.ok for r in asyncio.run(twice()))


@pytest.mark.parametrize("field,value", [("choice_mode", "guess"), ("endpoint", "responses"),
                                         ("max_concurrency", 0), ("timeout_s", 0), ("max_retries", -1)])
def test_bad_settings_are_config_errors(field, value):
    with pytest.raises(ConfigError, match=f"llm.{field}: {value!r} is not allowed"):
        OpenAIBackend(["http://llm.test"], "m", **{field: value})


def test_bad_url_is_a_config_error_without_credentials():
    with pytest.raises(ConfigError, match="llm.base_urls") as info:
        OpenAIBackend(["user:secret@localhost:8000"], "m")
    assert "secret" not in str(info.value)
    assert public_url("http://u:p@h:1/v1?k=1#f") == "http://h:1/v1"
