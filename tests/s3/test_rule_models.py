"""Every classical model the README names drives S3 rule users: IC, LT and SIR for information spread,
voter, Deffuant and Hegselmann-Krause bounded confidence for attitudes (chosen by name from registries)."""

from __future__ import annotations

import typing

import numpy as np
import pytest

from s3_support import event_log, run, tiny

from hubbub.platform.feed.exposure import Exposures
from hubbub.platform.feed.posts import POST, PostLog
from hubbub.runtime.s3.rules import ATTITUDE, SPREAD, initial_rule_state, make_rule_model, rule_step
from hubbub.scenarios.s3_config import RuleConfig

N = 6
LLM_USER = 3


def _one_post_to_everyone(attitude_of_sender: int = 1) -> tuple[PostLog, Exposures]:
    """User 0 posted; the post reaches users 1..5 this step."""
    posts = PostLog()
    posts.add([0], [-1], [POST], 0, [2], [attitude_of_sender], ["hot take"])
    return posts, Exposures(np.zeros(N - 1, np.int64), np.arange(1, N), np.zeros(N - 1, np.int8))


def _step(cfg: RuleConfig, aux: dict, attitude: np.ndarray | None = None, seed: int = 1, step: int = 1):
    posts, ex = _one_post_to_everyone()
    is_rule = np.ones(N, bool)
    is_rule[LLM_USER] = False
    attitude = np.zeros(N, np.int8) if attitude is None else attitude
    model = make_rule_model(cfg)
    return rule_step(cfg, model, aux, ex, posts, np.zeros(N, np.int8), attitude, np.zeros(N, bool), is_rule,
                     np.ones(N, np.int64), 0.0, [], step, np.random.default_rng(seed))


def _aux(cfg: RuleConfig) -> dict:
    return initial_rule_state(make_rule_model(cfg), N, np.random.default_rng(0)).aux


def test_config_choices_are_exactly_the_registries():
    fields = RuleConfig.model_fields
    assert set(typing.get_args(fields["model"].annotation)) == set(SPREAD)
    assert set(typing.get_args(fields["attitude_model"].annotation)) == set(ATTITUDE)
    assert {"sir", "deffuant", "hegselmann_krause"} <= set(SPREAD) | set(ATTITUDE)


def test_sir_infects_and_infectious_users_act_again_until_they_recover():
    cfg = RuleConfig(model="sir", beta=1.0, gamma=0.0, post_share=0.0, attitude_model="none")
    first = _step(cfg, _aux(cfg))
    assert first.actors.tolist() == [1, 2, 4, 5]            # every rule user reached is infected and acts
    assert first.parent_post.tolist() == [0, 0, 0, 0]
    assert first.aux["compartment"].tolist() == [1, 1, 1, 0, 1, 1]  # the LLM user has no compartment
    again = _step(cfg, first.aux, step=2)
    assert again.actors.tolist() == [1, 2, 4, 5]            # still infectious: reached again, act again


def test_sir_recovered_users_never_act_again():
    cfg = RuleConfig(model="sir", beta=1.0, gamma=1.0, post_share=0.0, attitude_model="none")
    first = _step(cfg, _aux(cfg))
    second = _step(cfg, first.aux, step=2)                  # they recover in this round, before acting
    assert second.actors.size == 0
    assert set(second.aux["compartment"][[1, 2, 4, 5]].tolist()) == {2}
    assert _step(cfg, second.aux, step=3).actors.size == 0


def test_sir_with_zero_beta_reaches_nobody():
    cfg = RuleConfig(model="sir", beta=0.0, gamma=0.0, attitude_model="none")
    assert _step(cfg, _aux(cfg)).actors.size == 0


@pytest.mark.parametrize("model", ["independent_cascade", "linear_threshold"])
def test_activation_models_still_act_once(model):
    cfg = RuleConfig(model=model, p=1.0, post_share=0.0, attitude_model="none")
    out = _step(cfg, _aux(cfg))
    assert out.actors.tolist() == [1, 2, 4, 5]


def _opinion_aux(cfg: RuleConfig, opinions: list[float]) -> dict:
    aux = _aux(cfg)
    aux["opinion"] = np.array(opinions)
    return aux


def test_deffuant_moves_each_receiver_toward_its_sender_within_the_bound():
    cfg = RuleConfig(p=0.0, attitude_model="deffuant", epsilon=0.4, mu=0.5, attitude_adopt=1.0)
    attitude = np.array([1, 1, 0, 0, 0, 1], np.int8)
    aux = _opinion_aux(cfg, [0.8, 0.6, 0.45, np.nan, 0.1, 0.9])
    out = _step(cfg, aux, attitude)
    opinion = out.aux["opinion"]
    assert opinion[1] == pytest.approx(0.7) and opinion[5] == pytest.approx(0.85)
    assert opinion[2] == pytest.approx(0.625)              # 0.45 -> 0.625: the negative user turns positive
    assert opinion[4] == pytest.approx(0.1)                # too far from the sender: no influence
    assert out.attitude.tolist() == [1, 1, 1, 0, 0, 1]     # LLM user 3 is never moved by the rule


def test_hegselmann_krause_averages_with_close_senders():
    cfg = RuleConfig(p=0.0, attitude_model="hegselmann_krause", epsilon=0.4, attitude_adopt=1.0)
    attitude = np.array([1, 1, 0, 0, 0, 1], np.int8)
    aux = _opinion_aux(cfg, [0.8, 0.6, 0.45, np.nan, 0.1, 0.9])
    out = _step(cfg, aux, attitude)
    opinion = out.aux["opinion"]
    assert opinion[1] == pytest.approx((0.6 + 0.8) / 2)
    assert opinion[2] == pytest.approx((0.45 + 0.8) / 2)    # 0.625: the negative user turns positive
    assert opinion[4] == pytest.approx(0.1) and opinion[5] == pytest.approx((0.9 + 0.8) / 2)
    assert out.attitude.tolist() == [1, 1, 1, 0, 0, 1]


def test_bounded_confidence_with_no_adoption_keeps_attitudes():
    cfg = RuleConfig(p=0.0, attitude_model="hegselmann_krause", epsilon=1.0, attitude_adopt=0.0)
    attitude = np.array([1, 0, 0, 0, 0, 0], np.int8)
    out = _step(cfg, _aux(cfg), attitude)
    assert out.attitude.tolist() == attitude.tolist()
    rule_users = [1, 2, 4, 5]
    assert np.all(out.aux["opinion"][rule_users] < 0.5)     # drawn on the attitude's side of 0.5


@pytest.mark.parametrize("settings", [
    {"model": "sir", "beta": 0.5, "gamma": 0.3, "attitude_model": "deffuant", "attitude_adopt": 0.7},
    {"model": "linear_threshold", "attitude_model": "hegselmann_krause", "attitude_adopt": 0.7},
])
def test_rule_step_is_deterministic_with_the_seed(settings):
    cfg = RuleConfig(**settings)
    a, b = _step(cfg, _aux(cfg), seed=11), _step(cfg, _aux(cfg), seed=11)
    assert a.actors.tolist() == b.actors.tolist() and a.attitude.tolist() == b.attitude.tolist()
    assert all(np.array_equal(a.aux[k], b.aux[k], equal_nan=True) for k in a.aux)


def test_a_scenario_with_sir_and_bounded_confidence_runs_reproducibly(tmp_path):
    overrides = {"s3.rule.model": "sir", "s3.rule.beta": 0.6, "s3.rule.gamma": 0.3,
                 "s3.rule.attitude_model": "hegselmann_krause", "s3.rule.attitude_adopt": 0.8}
    first = event_log(run(tiny(overrides), tmp_path / "a"))
    second = event_log(run(tiny(overrides), tmp_path / "b"))
    assert first == second
    assert any(kind == "s3_posts" or "post" in kind for _, _, kind, _, _ in first)
