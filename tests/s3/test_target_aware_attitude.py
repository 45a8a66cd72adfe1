"""A learned user's attitude toward a target its per-target stance models do not know comes from the
saved target-aware model when ``s3.attitude.target_aware_policy`` names one (tiny synthetic data, plumbing)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from s3_support import run, tiny

from hubbub.errors import ConfigError
from hubbub.evaluate.data import Example
from hubbub.evaluate.policies import LearnedPolicy, save_policy
from hubbub.evaluate.target_aware import TargetAwarePolicy, save_target_aware
from hubbub.llm.embeddings import HashingEmbedder

TARGETS = ("cats", "rain", "trains")


def per_target_classifier(folder) -> str:
    """Against / favor with one model per target in TARGETS (and the pooled one)."""
    train = [Example(f"{t}{i}", f"I {'support' if i % 2 else 'oppose'} {t} {i}", i % 2, t) for t in TARGETS
             for i in range(12)]
    policy = LearnedPolicy(2, HashingEmbedder(128), c_grid=(10.0,), min_group=6).fit(train, [])
    save_policy(folder / "attitude--toy", policy, {"task": "attitude_tweeteval", "dataset": "toy",
                                                   "labels": ["against", "favor"]})
    return str(folder / "attitude--toy.json")


def target_aware_model(folder) -> str:
    train = [Example(f"{t}{i}", f"I {'support' if i % 2 else 'oppose'} {t}, {t} is {'good' if i % 2 else 'bad'}",
                     i % 2, t, t) for t in TARGETS for i in range(12)]
    policy = TargetAwarePolicy(2, HashingEmbedder(128), c_grid=(1.0,)).fit(train)
    save_target_aware(folder / "attitude_loto_toy--toy", policy,
                      {"task": "attitude_loto_toy", "dataset": "toy", "labels": ["negative", "positive"],
                       "loto_mean_metrics": {"auc": 0.75}})
    return str(folder / "attitude_loto_toy--toy.json")


def attitude_policies(run_dir) -> set[str]:
    with sqlite3.connect(run_dir / "run.sqlite") as conn:
        rows = [json.loads(d) for (d,) in conn.execute("SELECT data FROM events WHERE kind = 's3_decision'")]
    return {d["policies"]["attitude"] for d in rows if d.get("policies")}


def provenance(run_dir) -> dict:
    with sqlite3.connect(run_dir / "run.sqlite") as conn:
        (data,), = conn.execute("SELECT data FROM events WHERE kind = 's3_setup'").fetchall()
    return json.loads(data)["provenance"]


def test_an_unseen_target_is_read_by_the_target_aware_model(tmp_path):
    settings = {"s3.attitude.policy": per_target_classifier(tmp_path), "s3.attitude.policy_group": "nuclear",
                "s3.attitude.target": "nuclear energy"}
    pooled = run(tiny(settings), tmp_path / "pooled")
    assert attitude_policies(pooled) == {"learned:attitude--toy"}  # unchanged: the pooled model
    aware = run(tiny({**settings, "s3.attitude.target_aware_policy": target_aware_model(tmp_path)}), tmp_path / "aware")
    assert attitude_policies(aware) == {"target_aware:attitude_loto_toy--toy"}
    line = provenance(aware)["attitude_policy"]
    assert "attitude_loto_toy--toy.json" in line and "held-out-target mean auc 0.750" in line
    assert line.endswith("target 'nuclear energy'")


def test_a_known_target_keeps_its_per_target_model(tmp_path):
    settings = {"s3.attitude.policy": per_target_classifier(tmp_path), "s3.attitude.policy_group": "cats",
                "s3.attitude.target_aware_policy": target_aware_model(tmp_path)}
    got = run(tiny(settings), tmp_path / "run")
    assert attitude_policies(got) == {"learned:attitude--toy"}
    assert provenance(got)["attitude_policy"].endswith("group 'cats'")


@pytest.mark.parametrize(("make", "expect"), [
    (lambda d: {"s3.attitude.policy": per_target_classifier(d), "s3.attitude.target_aware_policy": str(d / "no.json")},
     ["s3.attitude.target_aware_policy = ", "no.json", "cannot read the target-aware stance model"]),
    (lambda d: {"s3.attitude.policy": per_target_classifier(d),
                "s3.attitude.target_aware_policy": per_target_classifier(d)},
     ["attitude--toy.json: not a target-aware stance model", "hubbub.target_aware/1"]),
    (lambda d: {"s3.attitude.target_aware_policy": target_aware_model(d)}, ["needs attitude.policy", "not 'llm'"]),
])
def test_a_bad_target_aware_setting_is_one_clear_error_before_the_run(tmp_path, make, expect):
    from hubbub.runtime.simulation import Simulation

    with pytest.raises((ConfigError, ValueError)) as info:
        Simulation(tiny(make(tmp_path)), tmp_path / "run")
    message = str(info.value)
    assert all(text in message for text in expect), message
    assert not (tmp_path / "run" / "run.sqlite").exists()
