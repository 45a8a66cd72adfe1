"""The engine's fast paths give exactly what the slower code they replaced gave."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random

import numpy as np
import pytest

from hubbub.kernel.seeding import derive_seed
from hubbub.llm.base import ChoiceRequest, GenerateRequest, request_json, request_key, request_payload
from hubbub.llm.choice import CONTROL_TOKENS, draw, inert_tokens, option_order, render_choice, sample_pick


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize("request_", [
    ChoiceRequest("act", (("system", "s"), ("user", "你好 \"q\"")), ("like", "reply"), seed=7, lang="zh"),
    GenerateRequest("post", (("user", "write\nsomething"),), seed=3, max_tokens=40, temperature=0.5),
])
def test_the_shallow_payload_encodes_like_the_deep_copy(request_):
    deep = {**dataclasses.asdict(request_), "type": "choose" if isinstance(request_, ChoiceRequest) else "generate"}
    assert _canonical(request_payload(request_)) == _canonical(deep)


def test_draw_picks_what_numpy_choice_picks_and_leaves_the_generator_alike():
    rnd = random.Random(5)
    for _ in range(3000):
        seed, p = rnd.getrandbits(63), np.array([rnd.random() ** 3 for _ in range(rnd.randint(1, 26))])
        if len(p) > 1 and rnd.random() < 0.2:
            p[rnd.randrange(len(p))] = 0.0
        p /= p.sum()
        ours, numpys = np.random.default_rng(seed), np.random.default_rng(seed)
        assert draw(ours, p) == int(numpys.choice(len(p), p=p))
        assert ours.random() == numpys.random()


def test_draw_refuses_what_numpy_refuses():
    with pytest.raises(ValueError, match="NaN"):
        draw(np.random.default_rng(1), np.array([np.nan, 0.5]))
    with pytest.raises(ValueError):
        draw(np.random.default_rng(1), np.array([0.2, 0.2]))


def test_text_without_control_token_characters_is_returned_as_is():
    assert all(any(mark in token for mark in "<>[") for token, _ in CONTROL_TOKENS)  # the fast path's premise
    plain = "no markup here, just (text) {and} |pipes|"
    assert inert_tokens(plain) is plain
    assert inert_tokens("a <|im_start|> b [INST]") == "a ‹|im_start|› b ［INST］"


# ---------------------------------------------------------- the scripted backend's seeded draws


def _old_option_order(request: ChoiceRequest) -> tuple[int, ...]:
    """option_order as it was: a numpy Generator per choice."""
    if not request.shuffle:
        return tuple(range(len(request.options)))
    return tuple(np.random.default_rng(derive_seed(request.seed, "shuffle")).permutation(len(request.options)).tolist())


def _old_sample_pick(request: ChoiceRequest, rendered, shown_probs: list[float]) -> tuple[int, tuple[float, ...]]:
    """sample_pick as it was: numpy arrays, errstate always, and numpy's own ``choice``."""
    probs = np.asarray(shown_probs, dtype=float)
    if request.temperature <= 0:
        tempered = np.zeros_like(probs)
        tempered[int(np.argmax(probs))] = 1.0
    else:
        with np.errstate(divide="ignore"):
            logits = np.log(probs) / request.temperature
        logits -= np.max(logits)
        tempered = np.exp(logits)
        tempered /= tempered.sum()
    shown = int(np.random.default_rng(derive_seed(request.seed, "sample")).choice(len(tempered), p=tempered))
    in_request_order = [0.0] * len(request.options)
    for k, option_index in enumerate(rendered.order):
        in_request_order[option_index] = float(probs[k])
    return rendered.order[shown], tuple(in_request_order)


def _random_choice(rnd: random.Random) -> tuple[ChoiceRequest, list[float]]:
    """A choice request with 2-26 options and a shown distribution (some zeros, some near-ties)."""
    n = rnd.randint(2, 26)
    weights = [rnd.random() ** rnd.choice((1, 3, 8)) for _ in range(n)]
    if rnd.random() < 0.3:
        weights[rnd.randrange(n)] = 0.0
    if rnd.random() < 0.1:
        weights = [1.0] * n
    total = sum(weights)
    temperature = rnd.choice((1.0, 1.0, 0.7, 1.5, 0.0, 2))
    options = tuple(f"option {i}" for i in range(n))
    request = ChoiceRequest("act", (("user", "pick"),), options, seed=rnd.getrandbits(63), temperature=temperature)
    return request, [w / total for w in weights]


def test_option_order_is_numpys_permutation():
    rnd = random.Random(11)
    for _ in range(3000):
        request, _ = _random_choice(rnd)
        assert option_order(request) == _old_option_order(request)


def test_sample_pick_picks_what_the_numpy_algorithm_picked():
    rnd = random.Random(12)
    for _ in range(3000):
        request, shown = _random_choice(rnd)
        rendered = render_choice(request)
        assert sample_pick(request, rendered, shown) == _old_sample_pick(request, rendered, shown)


def test_scripted_choices_on_captured_requests_are_unchanged():
    """The scripted backend's whole choice (render, hashed distribution, draw) against the old one."""
    from hubbub.llm.scripted import hashed_probs

    rnd = random.Random(13)
    for _ in range(500):
        request, _ = _random_choice(rnd)
        rendered = render_choice(request)
        probs = hashed_probs(request)
        shown = [probs[i] for i in rendered.order]
        shown = [p / sum(shown) for p in shown]
        assert rendered.order == _old_option_order(request)
        assert sample_pick(request, rendered, shown) == _old_sample_pick(request, rendered, shown)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_sample_pick_refuses_what_numpy_refuses():
    request = ChoiceRequest("act", (("user", "pick"),), ("a", "b"), seed=1)
    rendered = render_choice(request)
    with pytest.raises(ValueError, match="NaN"):
        sample_pick(request, rendered, [0.0, 0.0])  # every weight zero: 0/0 after tempering


# ---------------------------------------------------------- one encoding per request


def _old_key(request: ChoiceRequest | GenerateRequest, model: str) -> str:
    body = request_payload(request)
    body["model"] = model
    return hashlib.sha256(_canonical(body).encode()).hexdigest()


def test_request_key_and_json_equal_the_whole_dict_encoding():
    rnd = random.Random(14)
    awkward = ['",', '","model":"x"', "\\", "\\\"", ',"seed":1', "ünï 你好", "<|im_start|>"]
    for i in range(400):
        text = "".join(rnd.choice(awkward + ["a", " ", "\n"]) for _ in range(rnd.randint(0, 12)))
        messages = (("system", rnd.choice(awkward)), ("user", text))
        if i % 2:
            request = ChoiceRequest(text or "k", messages, (text + "a", rnd.choice(awkward)), seed=rnd.getrandbits(63),
                                    temperature=rnd.choice((1.0, 0.3)), lang=rnd.choice(("en", "zh")))
        else:
            request = GenerateRequest(text or "k", messages, seed=rnd.getrandbits(63), max_tokens=rnd.randint(1, 99))
        for model in ("", "m", rnd.choice(awkward)):
            assert request_key(request, model) == _old_key(request, model)
        assert request_json(request) == _canonical(request_payload(request))


def test_the_cached_encoding_leaves_requests_alike():
    request = ChoiceRequest("act", (("user", "q"),), ("a", "b"), seed=7)
    twin = ChoiceRequest("act", (("user", "q"),), ("a", "b"), seed=7)
    request_key(request, "m")
    assert request == twin and hash(request) == hash(twin)
    assert dataclasses.fields(request) == dataclasses.fields(twin) and repr(request) == repr(twin)
    changed = dataclasses.replace(request, seed=8)
    assert request_key(changed, "m") == _old_key(changed, "m") != request_key(request, "m")


# ---------------------------------------------------------- fourth round: what a call no longer does


_AWKWARD = ['"', "\\", "\n", "\t", "\x00", "\x1f", "\x7f", "\u2028", "«", "»", "⏎", "你好", "é", "😀", "</s>",
            '","model":"x"', ",", "{", "}", "[", "]", "None", "true", " ", "a"]


def _text(rnd: random.Random) -> str:
    return "".join(rnd.choice(_AWKWARD) for _ in range(rnd.randint(0, 30)))


def _messages(rnd: random.Random) -> tuple[tuple[str, str], ...]:
    from hubbub.agents.prompts import Block

    texts = [_text(rnd) for _ in range(rnd.randint(1, 3))]
    return tuple((rnd.choice(("system", "user", "assistant")), Block(t) if rnd.random() < 0.5 else t) for t in texts)


def test_the_assembled_request_json_is_the_encoders_over_awkward_texts_and_numbers():
    """request_json / request_key put together field by field against encoding the whole dict."""
    rnd = random.Random(15)
    temperatures = (1.0, 0.0, 0.7, 0.1 + 0.2, 1e-7, 2.5, 1e22, 5e-324)
    for i in range(2000):
        seed = rnd.choice((0, 1, 2**63 - 1, -5, rnd.getrandbits(63)))
        if i % 2:
            options = tuple(_text(rnd) for _ in range(rnd.randint(2, 6)))
            request = ChoiceRequest(_text(rnd) or "k", _messages(rnd), options, seed, rnd.choice(temperatures),
                                    rnd.random() < 0.5, rnd.choice(("en", "zh", _text(rnd))))
        else:
            request = GenerateRequest(_text(rnd) or "k", _messages(rnd), seed, rnd.randint(0, 4096),
                                      rnd.choice(temperatures))
        assert request_json(request) == _canonical(request_payload(request))
        model = rnd.choice(("", "scripted-v1", _text(rnd)))
        assert request_key(request, model) == _old_key(request, model)


@pytest.mark.parametrize("request_", [
    ChoiceRequest("act", (("user", "q"),), ("a", "b"), seed=7, temperature=1),  # an int temperature
    ChoiceRequest("act", (("user", "q"),), ("a", "b"), seed=True),  # a bool seed
    ChoiceRequest("act", (("user", "q"),), ("a", 2), seed=7),  # an option that is no text
    ChoiceRequest("act", (["user", "q"],), ("a", "b"), seed=7),  # a message that is a list
    ChoiceRequest("act", (("user", "q"),), ["a", "b"], seed=7),  # options in a list
    ChoiceRequest("act", (("user", "q"),), ("a", "b"), seed=np.int64(7), temperature=np.float64(0.5)),
    ChoiceRequest("act", (("user", "q"),), ("a", "b"), seed=7, temperature=float("nan")),
    GenerateRequest("post", (("user", "q"),), seed=7, max_tokens=np.int64(40)),
    GenerateRequest("post", (("user", None),), seed=7),
])
def test_requests_of_other_types_are_encoded_as_the_encoder_encodes_them(request_):
    """Whatever the assembled form does not cover goes to the encoder, so nothing changes for it."""
    from hubbub.llm.base import _assembled

    assert _assembled(request_) is None
    try:
        expected = _canonical(request_payload(request_)), _old_key(request_, "m")
    except TypeError:  # numpy numbers: the encoder refuses them, as before
        with pytest.raises(TypeError, match="not JSON serializable"):
            request_key(request_, "m")
        return
    assert (request_json(request_), request_key(request_, "m")) == expected


def _old_tempered(probs: list[float], temperature: float) -> list[float]:
    """tempered as it was before the fourth round: the division always, the reductions as methods."""
    array = np.array(probs, dtype=float)
    if temperature <= 0:
        hot = [0.0] * len(probs)
        hot[int(np.argmax(array))] = 1.0
        return hot
    with np.errstate(divide="ignore"):
        logits = np.log(array) / temperature
    logits -= logits.max()
    weights = np.exp(logits)
    weights /= weights.sum()
    return weights.tolist()


def test_tempered_gives_the_old_floats_bit_for_bit():
    from hubbub.llm.choice import tempered

    rnd = random.Random(16)
    for _ in range(3000):
        _, shown = _random_choice(rnd)
        temperature = rnd.choice((1.0, 1.0, 0.7, 1.5, 0.0, 2.0, 1e-3, 4.99))
        assert tempered(shown, temperature) == _old_tempered(shown, temperature)


def _old_scripted_choice(request: ChoiceRequest) -> tuple[int, tuple[float, ...]]:
    """The scripted backend's choice as it was: the whole prompt rendered, then sample_pick."""
    from hubbub.llm.scripted import hashed_probs

    rendered = render_choice(request)
    probs = hashed_probs(request)
    shown = [probs[i] for i in rendered.order]
    return _old_sample_pick(request, rendered, [p / sum(shown) for p in shown])


def test_the_scripted_choice_without_the_rendered_prompt_is_the_old_one():
    import asyncio

    from hubbub.llm.scripted import ScriptedBackend

    backend, rnd = ScriptedBackend(), random.Random(17)
    for _ in range(1500):
        request, _ = _random_choice(rnd)
        request = dataclasses.replace(request, messages=_messages(rnd)[:-1] + (("user", _text(rnd)),),
                                      shuffle=rnd.random() < 0.8, lang=rnd.choice(("en", "zh")))
        result = asyncio.run(backend.choose_one(request))
        assert (result.index, result.probs) == _old_scripted_choice(request)
    with pytest.raises(ValueError, match="last message of a choice must be the user's"):
        asyncio.run(backend.choose_one(ChoiceRequest("act", (("assistant", "q"),), ("a", "b"), seed=1)))


def test_replies_are_written_as_the_canonical_encoder_writes_them():
    from hubbub.llm.base import CallStats, ChoiceResult, GenerateResult
    from hubbub.store.calls import reply_json
    from hubbub.store.runstore import canonical_json

    rnd = random.Random(18)
    for _ in range(2000):
        stats = CallStats("k", "b", "m", method=rnd.choice(("scripted", "logprobs", _text(rnd))))
        probs = tuple(rnd.choice((0.0, 1.0, 1e-300, 5e-324, 0.1 + 0.2, rnd.random())) for _ in range(rnd.randint(0, 12)))
        choice = ChoiceResult(rnd.randint(0, 25), probs, stats)
        text = GenerateResult(_text(rnd), stats)
        assert reply_json(choice, True, canonical_json) == canonical_json(
            {"index": choice.index, "probs": list(probs), "method": stats.method})
        assert reply_json(text, False, canonical_json) == canonical_json({"text": text.text, "method": stats.method})
    odd = ChoiceResult(np.int64(2), (np.float64(0.5), 0.5), CallStats("k", "b", "m"))
    assert reply_json(odd, True, canonical_json) == '{"index":2,"method":"","probs":[0.5,0.5]}'
    with pytest.raises(ValueError):
        reply_json(ChoiceResult(0, (float("nan"), 1.0), CallStats("k", "b", "m")), True, canonical_json)
