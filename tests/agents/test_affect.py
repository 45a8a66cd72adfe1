"""S3 emotion and attitude: requests, the decay rule, the policy seam and population metrics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hubbub.agents.affect import (
    ATTITUDES,
    EMOTION_LEVELS,
    EmotionInput,
    FunctionEmotionPolicy,
    LLMEmotionPolicy,
    attitude_options,
    attitude_request,
    decay_emotion,
    decay_emotions,
    emotion_density,
    emotion_options,
    emotion_request,
    initial_attitude_request,
    positive_share,
)
from hubbub.agents.demographics import Demographics
from hubbub.errors import ConfigError
from hubbub.llm.base import ChoiceRequest, ChoiceResult
from hubbub.llm.choice import option_order, render_choice
from hubbub.llm.scripted import ScriptedBackend

POSTS = ["The mother of eight was found chained in a hut.", "Officials promise an investigation."]
DEMO = Demographics("u1", age_bin="25-34", age=30.0, gender="female", occupation="Engineer")


def always(option_text: str):
    """A scripted choice policy that puts all probability on the option with this text."""
    def policy(request: ChoiceRequest) -> list[float]:
        return [1.0 if o == option_text else 0.0 for o in request.options]
    return policy


def user_prompt(request: ChoiceRequest) -> str:
    assert request.messages[-1][0] == "user"
    return request.messages[-1][1]


# --- decay rule


def test_decay_one_always_steps_down_to_calm_and_stops_there() -> None:
    rng = np.random.default_rng(0)
    level = 2
    path = []
    for _ in range(4):
        level = decay_emotion(level, 1.0, rng)
        path.append(level)
    assert path == [1, 0, 0, 0]


def test_decay_zero_never_changes_the_level() -> None:
    rng = np.random.default_rng(0)
    assert [decay_emotion(lvl, 0.0, rng) for lvl in (0, 1, 2) for _ in range(50)] == [0] * 50 + [1] * 50 + [2] * 50


def test_decay_lowers_emotion_statistically_and_never_below_calm() -> None:
    rng = np.random.default_rng(123)
    decay, n = 0.3, 20_000
    levels = np.full(n, 2)
    dropped = decay_emotions(levels, decay, rng)
    assert abs(np.mean(dropped == 1) - decay) < 0.02
    assert set(np.unique(dropped)) <= {1, 2}
    means = [levels.mean()]
    for _ in range(10):
        levels = decay_emotions(levels, decay, rng)
        assert levels.min() >= 0
        means.append(levels.mean())
    assert all(b <= a for a, b in zip(means, means[1:])) and means[-1] < 0.5
    single = [decay_emotion(2, decay, rng) for _ in range(5000)]
    assert abs(single.count(1) / 5000 - decay) < 0.03


def test_decay_is_reproducible_with_the_same_seed_and_validated() -> None:
    a = decay_emotions(np.array([2, 1, 0, 2]), 0.5, np.random.default_rng(9))
    b = decay_emotions(np.array([2, 1, 0, 2]), 0.5, np.random.default_rng(9))
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        decay_emotion(1, 1.5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="allowed: calm, moderate, intense"):
        decay_emotion(3, 0.5, np.random.default_rng(0))


# --- requests


def test_emotion_request_carries_state_posts_decay_and_persona() -> None:
    r = emotion_request("Feminist blogger in Jiangsu.", DEMO, "moderate", "- [you posted] earlier thoughts",
                        POSTS, decay=0.25, seed=5)
    prompt = user_prompt(r)
    assert "current emotion about the event: moderate" in prompt
    assert all(p in prompt for p in POSTS)
    assert "0.25" in prompt and "decay" in prompt
    assert "Feminist blogger" in prompt and "Engineer" in prompt and "25-34" in prompt
    assert "earlier thoughts" in prompt
    assert prompt.index("Feminist blogger") < prompt.index(POSTS[0])  # persona first, changing part last
    assert r.options == emotion_options("en") and len(r.options) == 3
    assert "A)" not in prompt  # the backend appends the lettered options itself
    assert r.kind == "s3.emotion" and r.seed == 5


def test_emotion_request_in_chinese() -> None:
    r = emotion_request("北京的大学生", None, 2, "", ["转发：八孩母亲事件"], decay=0.1, lang="zh")
    prompt = user_prompt(r)
    assert "强烈" in prompt and "八孩母亲" in prompt and "0.10" in prompt
    assert r.lang == "zh" and r.options[0].startswith("平静")


def test_bad_language_and_level_are_rejected() -> None:
    with pytest.raises(ConfigError, match="allowed: en, zh"):
        emotion_request("p", None, 0, "", POSTS, 0.1, lang="fr")
    with pytest.raises(ValueError, match="emotion level"):
        emotion_request("p", None, "furious", "", POSTS, 0.1)


def test_attitude_requests_name_the_target_and_current_stance() -> None:
    r = attitude_request("Retired physicist", DEMO, "positive", "nuclear energy", "", POSTS, seed=1)
    prompt = user_prompt(r)
    assert "attitude toward «nuclear energy»: positive" in prompt and POSTS[1] in prompt
    assert r.options == attitude_options("en") and r.kind == "s3.attitude"
    init = initial_attitude_request("Retired physicist", ["I trust the IAEA.", "Coal kills."], "nuclear energy", DEMO)
    prompt = user_prompt(init)
    assert "I trust the IAEA." in prompt and "nuclear energy" in prompt and init.kind == "s3.attitude.initial"
    empty = initial_attitude_request("", [], "核能", lang="zh")
    assert "没有以前的帖子" in user_prompt(empty)


def test_shuffled_options_map_back_to_the_level_end_to_end() -> None:
    backend = ScriptedBackend(choice=always(emotion_options("en")[2]))
    requests = [emotion_request("p", None, 0, "", POSTS, 0.2, seed=s) for s in range(12)]
    assert any(option_order(r) != (0, 1, 2) for r in requests)  # the shown order really is shuffled
    shown_last = [render_choice(r).order.index(2) for r in requests]
    assert len(set(shown_last)) > 1  # "intense" sits under different letters
    results = backend.choose(requests)
    assert [EMOTION_LEVELS[res.index] for res in results] == ["intense"] * 12
    picks = ScriptedBackend(choice=always(attitude_options("en")[1])).choose(
        [attitude_request("p", None, 0, "nuclear energy", "", POSTS, seed=s) for s in range(6)])
    assert [ATTITUDES[res.index] for res in picks] == ["positive"] * 6


# --- policies


def inputs() -> list[EmotionInput]:
    return [
        EmotionInput("a", 0, "teacher", tuple(POSTS), seed=1),
        EmotionInput("b", 2, "gamer", (), seed=2),
        EmotionInput("c", 1, "nurse", ("Another post",), seed=3, demographics=DEMO),
    ]


def test_llm_policy_asks_only_stimulated_users_and_decays_the_rest() -> None:
    policy = LLMEmotionPolicy(decay=1.0)
    requests = policy.requests(inputs())
    assert len(requests) == 2 and "teacher" in user_prompt(requests[0]) and "nurse" in user_prompt(requests[1])
    results = ScriptedBackend(choice=always(emotion_options("en")[1])).choose(requests)
    updates = policy.apply(inputs(), results)
    assert [(u.agent_id, u.before, u.after, u.cause) for u in updates] == [
        ("a", 0, 1, "llm"), ("b", 2, 1, "decay"), ("c", 1, 1, "llm")]
    assert updates[0].probs is not None and updates[0].probs[1] == pytest.approx(1.0)


def test_llm_policy_failure_keeps_the_level_and_says_why() -> None:
    policy = LLMEmotionPolicy(decay=0.0)
    failed = ChoiceResult(None, (), ScriptedBackend().stats("s3.emotion"), error="BackendTimeout: no answer in 60 s")
    ok = ScriptedBackend(choice=always(emotion_options("en")[2])).choose(policy.requests(inputs())[1:])[0]
    updates = policy.apply(inputs(), [failed, ok])
    assert (updates[0].after, updates[0].error) == (0, "BackendTimeout: no answer in 60 s")
    assert updates[2].after == 2 and updates[2].error is None
    with pytest.raises(ValueError, match="2 requests were made, got 1"):
        policy.apply(inputs(), [ok])


def test_function_policy_needs_no_llm_and_is_swappable() -> None:
    policy = FunctionEmotionPolicy(lambda batch: [2 for _ in batch], decay=1.0, name="classifier")
    assert policy.requests(inputs()) == []
    updates = policy.apply(inputs(), [])
    assert [(u.after, u.cause) for u in updates] == [(2, "model"), (1, "decay"), (2, "model")]


def test_decay_in_policies_is_reproducible_per_user_seed() -> None:
    many = [EmotionInput(f"u{k}", 2, "p", (), seed=k) for k in range(200)]
    first = [u.after for u in LLMEmotionPolicy(0.5).apply(many, [])]
    second = [u.after for u in LLMEmotionPolicy(0.5).apply(list(reversed(many)), [])]
    assert first == list(reversed(second))  # a user's draw does not depend on the others
    assert 60 < first.count(1) < 140


# --- population metrics


def test_emotion_density_shares_and_mean_intensity() -> None:
    calm, moderate, intense, mean = emotion_density([0, 0, 1, 2])
    assert (calm, moderate, intense) == (0.5, 0.25, 0.25)
    assert mean == pytest.approx((0 + 0 + 0.5 + 1) / 4)
    assert emotion_density(["intense", "intense"]) == (0.0, 0.0, 1.0, 1.0)
    assert all(math.isnan(x) for x in emotion_density([]))
    with pytest.raises(ValueError, match="0 \\(calm\\)"):
        emotion_density([0, 3])


def test_positive_share() -> None:
    assert positive_share([1, 0, 1, 1]) == 0.75
    assert positive_share(np.array(["positive", "negative"])) == 0.5
    assert math.isnan(positive_share([]))
    with pytest.raises(ValueError, match="0 \\(negative\\) or 1 \\(positive\\)"):
        positive_share([2])
