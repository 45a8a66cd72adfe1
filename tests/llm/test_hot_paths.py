"""The engine's fast paths give exactly what the slower code they replaced gave."""

from __future__ import annotations

import dataclasses
import json
import random

import numpy as np
import pytest

from hubbub.llm.base import ChoiceRequest, GenerateRequest, request_payload
from hubbub.llm.choice import CONTROL_TOKENS, draw, inert_tokens


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
