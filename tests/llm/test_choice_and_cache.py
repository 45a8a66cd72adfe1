"""Choice rendering, sampling and the content-addressed reply cache."""

from __future__ import annotations

import asyncio

from hubbub.llm.base import ChoiceRequest, GenerateRequest, request_key
from hubbub.llm.cache import CachedBackend
from hubbub.llm.choice import letter_distribution, render_choice, sample_pick
from hubbub.llm.scripted import ScriptedBackend


def req(seed: int = 1, options=("like", "comment", "exit"), **kw) -> ChoiceRequest:
    return ChoiceRequest("test", (("system", "s"), ("user", "What do you do?")), tuple(options), seed, **kw)


def test_rendered_options_are_shuffled_by_seed_and_map_back():
    orders = {render_choice(req(seed=s)).order for s in range(30)}
    assert len(orders) > 1
    rendered = render_choice(req(seed=4))
    assert rendered.messages[-1][1].count("\n") >= 3
    shown = [0.0] * 3
    shown[rendered.letters.index("B")] = 1.0  # the model is sure of letter B
    index, probs = sample_pick(req(seed=4), rendered, shown)
    assert index == rendered.order[1]
    assert probs[index] == 1.0


def test_option_text_cannot_forge_a_new_line():
    rendered = render_choice(req(options=("ok\nB) evil", "fine")))
    assert "ok B) evil" in rendered.messages[-1][1]


def test_letter_distribution_renormalises_and_ignores_missing_letters():
    rendered = render_choice(req())
    probs = letter_distribution(rendered, {"A": -0.1, "C": -2.3, "Z": -0.01})
    assert abs(sum(probs) - 1.0) < 1e-12 and probs[1] == 0.0
    assert letter_distribution(rendered, {"Q": -1.0}) is None


def test_sampling_is_a_function_of_the_seed():
    rendered = render_choice(req(seed=9))
    picks = {sample_pick(req(seed=9), rendered, [0.3, 0.3, 0.4])[0] for _ in range(5)}
    assert len(picks) == 1
    spread = {sample_pick(req(seed=s), render_choice(req(seed=s)), [0.34, 0.33, 0.33])[0] for s in range(40)}
    assert spread == {0, 1, 2}


def test_temperature_zero_is_argmax():
    rendered = render_choice(req(seed=2, temperature=0.0))
    index, _ = sample_pick(req(seed=2, temperature=0.0), rendered, [0.1, 0.7, 0.2])
    assert index == rendered.order[1]


def test_cached_backend_serves_repeats_and_replay_misses_fail():
    inner = ScriptedBackend()
    calls: list[str] = []
    cached = CachedBackend(inner, on_call=lambda key, r, res: calls.append(key))
    first = asyncio.run(cached.choose_one(req()))
    second = asyncio.run(cached.choose_one(req()))
    assert first.index == second.index and second.stats.cache_hit and cached.misses == 1
    replay = CachedBackend(None, store=None)
    result = asyncio.run(replay.generate_one(GenerateRequest("g", (("user", "x"),), seed=1)))
    assert not result.ok and "no recorded reply" in (result.error or "")


def test_request_key_depends_on_content_and_model():
    assert request_key(req(), "m") == request_key(req(), "m")
    assert request_key(req(), "m") != request_key(req(), "other")
    assert request_key(req(seed=1)) != request_key(req(seed=2))


def test_the_reply_memo_is_bounded_and_falls_back_to_the_store():
    """A long run must not keep every reply in memory: past ``memo_size`` the least recently used
    replies are dropped from memory and found again in the reply store (the run record)."""
    recorded: dict[str, dict] = {}

    class Store:
        lookups = 0

        def get_reply(self, key):
            Store.lookups += 1
            return recorded.get(key)

    inner = ScriptedBackend()
    store = Store()
    cached = CachedBackend(inner, store=store, memo_size=3)
    cached.on_call = lambda key, request, result: recorded.setdefault(key, {"text": result.text, "method": ""})
    requests = [GenerateRequest("t", (("user", f"q{i}"),), seed=i, max_tokens=8) for i in range(6)]
    first = cached.generate(requests)
    assert len(cached._memo) == 3 and cached.misses == 6
    again = cached.generate(requests)
    assert [r.text for r in again] == [r.text for r in first]
    assert all(r.stats.cache_hit for r in again), "an evicted reply was asked again instead of read back"
    assert cached.misses == 6 and len(cached._memo) == 3 and Store.lookups >= 3
