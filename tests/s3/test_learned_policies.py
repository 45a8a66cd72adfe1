"""Learned classifiers and fitted rule parameters saved by `hubbub evaluate`, named by an S3 scenario
and used instead of the LLM (DESIGN decision 8; issue #5 must-show 4)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from s3_support import run, tiny

from hubbub.dynamics.fit import save_fitted
from hubbub.errors import ConfigError
from hubbub.evaluate.data import Example
from hubbub.evaluate.policies import LearnedPolicy, save_policy
from hubbub.llm.embeddings import HashingEmbedder

CALM = ["a quiet walk in the park", "nothing much happened today", "the weather is mild and fine"]
ANGRY = ["FURIOUS outrage scandal!!!", "I am absolutely furious about this outrage", "scandal! outrage! furious!"]


def emotion_classifier(folder) -> str:
    """A tiny calm/moderate/intense classifier: the scripted backend's posts and the seed posts are
    'calm'-like, everything shouting is 'intense'."""
    train = [Example(f"c{i}", text, 0) for i, text in enumerate(CALM * 8)]
    train += [Example(f"a{i}", text, 2) for i, text in enumerate(ANGRY * 8)]
    train += [Example(f"m{i}", "somewhat upset about the report", 1) for i in range(8)]
    policy = LearnedPolicy(3, HashingEmbedder(128), c_grid=(10.0,)).fit(train, [])
    save_policy(folder / "emotion_level--toy", policy, {"task": "emotion_level", "dataset": "toy",
                                                        "labels": ["calm", "moderate", "intense"]})
    return str(folder / "emotion_level--toy.json")


def stance_classifier(folder, labels=("none", "against", "favor")) -> str:
    train = [Example(f"f{i}", "we support this, great news, in favour", 2) for i in range(20)]
    train += [Example(f"a{i}", "report event first second", 1) for i in range(20)]
    train += [Example(f"n{i}", "unrelated chatter about lunch", 0) for i in range(20)]
    policy = LearnedPolicy(3, HashingEmbedder(128), c_grid=(10.0,)).fit(train, [])
    save_policy(folder / "attitude--toy", policy, {"task": "attitude_tweeteval", "dataset": "toy", "labels": list(labels)})
    return str(folder / "attitude--toy.json")


def setup(run_dir) -> dict:
    with sqlite3.connect(run_dir / "run.sqlite") as conn:
        (data,), = conn.execute("SELECT data FROM events WHERE kind = 's3_setup'").fetchall()
    return json.loads(data)


def decisions(run_dir):
    with sqlite3.connect(run_dir / "run.sqlite") as conn:
        rows = conn.execute("SELECT data FROM events WHERE kind = 's3_decision' ORDER BY seq").fetchall()
        kinds = [k for (k,) in conn.execute("SELECT kind FROM llm_calls")]
    return [json.loads(d) for (d,) in rows], kinds


def test_a_named_learned_emotion_and_stance_policy_replace_those_llm_calls(tmp_path):
    base_dir = run(tiny(), tmp_path / "llm")
    base, base_kinds = decisions(base_dir)
    assert "s3.emotion" in base_kinds and "s3.attitude" in base_kinds
    assert all("policies" not in d for d in base)

    named = tiny({"s3.emotion.policy": emotion_classifier(tmp_path), "s3.attitude.policy": stance_classifier(tmp_path)})
    learned_dir = run(named, tmp_path / "learned")
    got, kinds = decisions(learned_dir)
    assert "s3.emotion" not in kinds and "s3.attitude" not in kinds, "the LLM was still asked"
    assert "s3.behaviour" in kinds, "the rest of the step still asks the LLM"
    stimulated = [d for d in got if d["received"]]
    assert stimulated
    assert all(d["policies"] == {"attitude": "learned:attitude--toy", "emotion": "learned:emotion_level--toy"}
               for d in stimulated)
    # the toy stance model reads the scripted seed posts ('report', 'first', 'second') as 'against'
    assert sum(d["attitude"][1] == "negative" for d in stimulated) > len(stimulated) / 2
    provenance = setup(learned_dir)["provenance"]
    assert provenance["emotion_policy"].endswith("emotion_level--toy.json (emotion_level on toy; test n/a)")
    assert "attitude--toy.json" in provenance["attitude_policy"]
    again, _ = decisions(run(named, tmp_path / "again"))
    assert again == got, "a learned policy's draws must be reproducible"


def test_fitted_rule_parameters_replace_the_configured_ones(tmp_path):
    high = save_fitted(tmp_path / "ic.json", "independent_cascade", {"p": 0.9}, {"fitted_on": "test"})
    run(tiny({"s3.rule.p": 0.0}), tmp_path / "low")
    fitted = run(tiny({"s3.rule.p": 0.0, "s3.rule.fitted_file": str(high)}), tmp_path / "fitted")
    with sqlite3.connect(fitted / "run.sqlite") as conn:
        reposts = conn.execute("SELECT COUNT(*) FROM s3_posts WHERE policy = 'rule'").fetchone()[0]
    with sqlite3.connect(tmp_path / "low" / "run.sqlite") as conn:
        none = conn.execute("SELECT COUNT(*) FROM s3_posts WHERE policy = 'rule'").fetchone()[0]
    assert none == 0 and reposts > 0, (none, reposts)
    assert setup(fitted)["provenance"]["rule_fitted"] == "independent_cascade {'p': 0.9} (test)"


@pytest.mark.parametrize(("key", "make", "expect"), [
    ("s3.emotion.policy", lambda d: str(d / "missing.json"), ["s3.emotion.policy = ", "missing.json", "cannot read"]),
    ("s3.emotion.policy", lambda d: stance_classifier(d), ["s3.emotion.policy", "labels are ['none', 'against', 'favor']",
                                                           "calm"]),
    ("s3.attitude.policy", lambda d: stance_classifier(d, ("none", "against", "maybe")), ["'maybe'", "among"]),
    ("s3.rule.fitted_file", lambda d: str(save_fitted(d / "voter.json", "voter", {"initial_share": 0.5})),
     ["s3.rule.fitted_file", "'voter' cannot drive", "independent_cascade, linear_threshold, sir"]),
])
def test_a_bad_policy_file_is_one_clear_error_before_the_run(tmp_path, key, make, expect):
    from hubbub.runtime.simulation import Simulation

    with pytest.raises(ConfigError) as info:
        Simulation(tiny({key: make(tmp_path)}), tmp_path / "run")
    message = str(info.value)
    assert all(text in message for text in expect), message
    assert "\n" not in message
    assert not (tmp_path / "run" / "run.sqlite").exists()
