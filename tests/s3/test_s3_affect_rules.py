"""Emotion decays without stimulus (LLM and rule users); rule users move all at once, never LLM users."""

from __future__ import annotations

import numpy as np

from s3_support import run, tiny

from hubbub.platform.feed.exposure import Exposures
from hubbub.platform.feed.posts import POST, PostLog
from hubbub.runtime.s3.rules import initial_rule_state, make_rule_model, rule_step
from hubbub.scenarios.s3_config import RuleConfig
from hubbub.store import load_run


def _intense_then_silent(request):
    """Scripted answers: emotion 'intense', attitude unchanged first option, behaviour 'do nothing'."""
    n = len(request.options)
    if request.kind == "s3.emotion":
        return [0.0, 0.0, 1.0]
    if request.kind == "s3.behaviour":
        return [0.0] * (n - 1) + [1.0]
    return [1.0 / n] * n


def test_decay_lowers_emotion_when_nothing_new_arrives(tmp_path, monkeypatch):
    from hubbub.llm.scripted import ScriptedBackend
    from hubbub.runtime import backends

    monkeypatch.setattr(backends, "make_inner", lambda cfg: ScriptedBackend(choice=_intense_then_silent))
    sc = tiny({"s3.steps": 4, "s3.rule.p": 0.0, "s3.rule.emotion_contagion": 0.0, "s3.emotion.decay": 1.0,
               "s3.recommend.share": 0.0, "s3.record.user_states": "llm"})
    r = load_run(run(sc, tmp_path / "r"))
    states = r.s3_user_states
    level = states.pivot(index="agent_id", columns="step", values="emotion")
    stirred = level[level[1] == "intense"]
    assert len(stirred) >= 1  # reached by the seed posts at step 1 and stirred
    assert (stirred[2] == "moderate").all() and (stirred[3] == "calm").all() and (stirred[4] == "calm").all()
    curve = r.s3_steps.set_index("step")["mean_intensity_all"]
    assert curve[1] > curve[2] > curve[3]


def _world_arrays(n, llm):
    is_rule = np.ones(n, dtype=bool)
    is_rule[llm] = False
    return np.zeros(n, np.int8), np.zeros(n, np.int8), np.zeros(n, bool), is_rule


def test_rule_users_act_vectorised_and_never_for_llm_users():
    n = 6
    posts = PostLog()
    posts.add([0], [-1], [POST], 0, [2], [1], ["hot take"])
    ex = Exposures(np.zeros(5, np.int64), np.arange(1, 6), np.zeros(5, np.int8))
    emotion, attitude, acted, is_rule = _world_arrays(n, [3])
    acted[0] = True
    attitude[0] = 1  # the sender is positive
    cfg = RuleConfig(p=1.0, post_share=0.0, emotion_contagion=1.0, attitude_adopt=1.0)
    model = make_rule_model(cfg)
    aux = initial_rule_state(model, n, np.random.default_rng(0)).aux
    out = rule_step(cfg, model, aux, ex, posts, emotion, attitude, acted, is_rule, np.ones(n, np.int64), 0.5,
                    ["pool"], 1, np.random.default_rng(1))
    assert out.actors.tolist() == [1, 2, 4, 5]          # everyone reached acts with p = 1, but not LLM user 3
    assert out.parent_post.tolist() == [0, 0, 0, 0]
    assert out.emotion.tolist() == [0, 1, 1, 0, 1, 1]   # one level toward the intense post; user 3 untouched
    assert out.attitude.tolist() == [1, 1, 1, 0, 1, 1]  # voter: copy the sender's attitude; user 3 untouched
