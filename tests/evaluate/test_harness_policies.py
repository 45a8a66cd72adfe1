"""Policies: numpy/scipy logistic regression, learned-policy files reused by simulations, majority,
the LLM policy on the simulation's own choice requests, and the voter rule."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hubbub.agents.affect import EmotionInput
from hubbub.errors import DataError
from hubbub.evaluate.data import Example, LabelledSet
from hubbub.evaluate.policies import (LearnedPolicy, LLMPolicy, MajorityPolicy, VoterPolicy, emotion_policy, fit_logreg,
                                      load_policy, save_policy)
from hubbub.evaluate.tasks.classify import emotion_choice, gender_choice
from hubbub.llm.embeddings import HashingEmbedder
from hubbub.llm.scripted import ScriptedBackend

WORDS = {0: ["calm", "quiet", "fine", "okay"], 1: ["upset", "annoyed", "worried", "bothered"],
         2: ["furious", "outraged", "livid", "enraged"]}


def corpus(n: int, seed: int, group: str = "") -> list[Example]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        label = int(rng.integers(3))
        words = rng.choice(WORDS[label], 2).tolist() + ["today", "the", "news"]
        out.append(Example(f"{seed}-{i}", " ".join(rng.permutation(words)), label, group))
    return out


def test_fit_logreg_separates_separable_points_and_shrinks_with_small_c():
    rng = np.random.default_rng(0)
    X = np.vstack((rng.normal(-2, 0.5, (50, 2)), rng.normal(2, 0.5, (50, 2))))
    y = np.repeat([0, 1], 50)
    W, b = fit_logreg(X, y, 2, C=10.0)
    assert ((X @ W + b).argmax(axis=1) == y).mean() == 1.0
    W_small, _ = fit_logreg(X, y, 2, C=0.001)
    assert np.linalg.norm(W_small) < np.linalg.norm(W)


def test_learned_policy_chooses_c_on_validation_and_round_trips_through_files(tmp_path):
    policy = LearnedPolicy(3, HashingEmbedder(256)).fit(corpus(150, 1), corpus(40, 2))
    test = corpus(60, 3)
    pred = policy.predict(test)
    assert (pred.index == [e.label for e in test]).mean() > 0.9
    assert policy.C in (0.1, 1.0, 10.0, 100.0) and len(policy.selection) == 4
    npz, meta_path = save_policy(tmp_path / "emotion", policy, {"task": "emotion_level",
                                                                "labels": ["calm", "moderate", "intense"]})
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    assert meta["embedder"] == "hashing-char-ngrams" and meta["task"] == "emotion_level" and npz.exists()
    again, meta2 = load_policy(tmp_path / "emotion.npz")
    assert np.allclose(again.predict(test).probs, pred.probs)


def test_a_saved_emotion_classifier_drives_a_simulation_emotion_policy(tmp_path):
    policy = LearnedPolicy(3, HashingEmbedder(256)).fit(corpus(150, 4), [])
    save_policy(tmp_path / "emo", policy, {"task": "emotion_level", "labels": ["calm", "moderate", "intense"]})
    sim_policy = emotion_policy(tmp_path / "emo", decay=0.0)
    inputs = [EmotionInput("a", 0, "", ("furious outraged livid",), seed=1),
              EmotionInput("b", 2, "", (), seed=2)]  # b received nothing: decays (decay 0 keeps the level)
    updates = sim_policy.apply(inputs, [])
    assert sim_policy.requests(inputs) == []
    assert (updates[0].after, updates[0].cause) == (2, "model")
    assert (updates[1].after, updates[1].cause) == (2, "decay")


def test_load_policy_rejects_other_files(tmp_path):
    (tmp_path / "x.json").write_text(json.dumps({"format": "something-else"}), encoding="utf-8")
    with pytest.raises(DataError, match="not a learned classifier"):
        load_policy(tmp_path / "x")
    policy = LearnedPolicy(3, HashingEmbedder(64)).fit(corpus(60, 5), [])
    save_policy(tmp_path / "p", policy, {"task": "t", "labels": ["a", "b", "c"]})
    with pytest.raises(DataError, match="trained with embedder"):
        load_policy(tmp_path / "p", embedder=type("E", (), {"name": "other", "dim": 64})())


def test_per_group_models_and_pooled_fallback():
    train = corpus(120, 6, "alpha") + [Example(f"b{i}", "the news today", 0, "beta") for i in range(50)]
    policy = LearnedPolicy(3, HashingEmbedder(128), c_grid=(1.0,)).fit(train, [])
    assert set(policy.models) == {"*", "alpha"}  # beta has one class only: pooled model serves it
    majority = MajorityPolicy(3).fit(train)
    assert majority.predict([Example("x", "?", 0, "beta")]).index.tolist() == [0]
    assert majority.predict([Example("y", "?", 0, "unseen")]).probs.shape == (1, 3)


def test_llm_policy_asks_the_simulation_request_and_maps_the_answer():
    data = LabelledSet("d", ("calm", "moderate", "intense"), {}, "mem")
    always_intense = ScriptedBackend(choice=lambda r: [0.0, 0.0, 1.0])
    policy = LLMPolicy(always_intense, lambda e, s: emotion_choice(e, s, data), 3, seed=7)
    pred = policy.predict(corpus(5, 8))
    assert pred.index.tolist() == [2] * 5 and np.allclose(pred.probs[:, 2], 1.0)
    assert policy.argmax().index.tolist() == [2] * 5
    request = emotion_choice(Example("k", "what a day", 0), 3, data)
    assert request.options[0].startswith("calm") and "what a day" in request.messages[-1][1]
    zh = LabelledSet("z", ("female", "male"), {}, "mem", lang="zh")
    assert gender_choice(Example("k", "评论", 0), 1, zh).options == ("女", "男")


def test_voter_copies_the_parent_stance_and_falls_back_to_the_majority():
    train = [Example(str(i), "t", 1) for i in range(5)] + [Example("n", "t", 0)]
    test = [Example("a", "t", 0, meta={"parent_stance": "deny"}), Example("b", "t", 1, meta={"parent_stance": "source"}),
            Example("c", "t", 1, meta={"parent_stance": "comment"})]
    assert VoterPolicy().fit(train).predict(test).index.tolist() == [0, 1, 1]
