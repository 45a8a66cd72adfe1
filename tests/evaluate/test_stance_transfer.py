"""Leave-one-target-out stance transfer and the target-aware model, on tiny synthetic data (plumbing)."""

from __future__ import annotations

import csv
import json
import random

import numpy as np
import pytest
from typer.testing import CliRunner

from hubbub.cli import app
from hubbub.errors import ConfigError, DataError
from hubbub.evaluate.data import Example
from hubbub.agents.target_aware import load_target_aware
from hubbub.evaluate.target_aware import TargetAwarePolicy, load_target_aware_policy, save_target_aware
from hubbub.llm.embeddings import HashingEmbedder

TARGETS = ("cats", "rain", "trains", "tea")
FILLER = ("today", "again", "honestly", "as always", "at home", "in town", "with friends", "this week")


def stance_text(rng: random.Random, target: str, label: int) -> str:
    """A favour (label 2) or against (label 1) sentence about ``target``, or an off-topic one (0)."""
    said = {2: f"I support {target}, {target} is good", 1: f"I oppose {target}, {target} is bad",
            0: "nothing to say"}[label]
    return f"{said} {rng.choice(FILLER)} {rng.randint(1, 999)}"


def write_tweeteval(root, seed: int = 1) -> None:
    """TweetEval stance layout: one folder per target with train/val/test text and label files."""
    rng = random.Random(seed)
    for target in TARGETS:
        folder = root / target
        folder.mkdir(parents=True)
        for stem, n in (("train", 24), ("val", 8), ("test", 12)):
            labels = [(2, 1, 0)[i % 3] for i in range(n)]
            (folder / f"{stem}_text.txt").write_text("".join(stance_text(rng, target, y) + "\n" for y in labels))
            (folder / f"{stem}_labels.txt").write_text("".join(f"{y}\n" for y in labels))


def examples(target: str, n: int, seed: int = 0) -> list[Example]:
    rng = random.Random(seed)
    return [Example(f"{target}:{i}", stance_text(rng, target, 2 - i % 2), i % 2, target, target) for i in range(n)]


def test_target_aware_model_scores_an_unseen_target_and_reads_the_target_phrase():
    train = [e for t in TARGETS[:3] for e in examples(t, 30)]
    policy = TargetAwarePolicy(2, HashingEmbedder(256), lang="en", c_grid=(0.1, 1.0)).fit(train)
    assert policy.C in (0.1, 1.0) and [s["C"] for s in policy.selection] == [0.1, 1.0]
    unseen = examples("tea", 20, seed=5)
    pred = policy.predict(unseen)
    favour = np.array([e.label for e in unseen]) == 1
    assert pred.probs[favour, 1].mean() > pred.probs[~favour, 1].mean()
    text = "I support tea, tea is good today"
    as_tea = policy.predict([Example("a", text, -1, "tea", "tea")]).probs[0, 1]
    as_rain = policy.predict([Example("a", text, -1, "rain", "rain")]).probs[0, 1]
    assert as_tea != as_rain  # the same text toward another target is another input


def test_target_aware_model_rejects_missing_targets_and_unknown_languages():
    with pytest.raises(ConfigError, match="lang 'fr' has no templates; allowed: en, zh"):
        TargetAwarePolicy(2, HashingEmbedder(64), lang="fr")
    with pytest.raises(DataError, match="example 'k' has no target phrase"):
        TargetAwarePolicy(2, HashingEmbedder(64)).fit([Example("k", "text", 1, "cats", "")])
    with pytest.raises(ConfigError, match="fit\\(\\) first"):
        TargetAwarePolicy(2, HashingEmbedder(64)).predict(examples("tea", 2))


def test_a_saved_target_aware_model_gives_the_same_probabilities(tmp_path):
    train = [e for t in TARGETS[:3] for e in examples(t, 30)]
    policy = TargetAwarePolicy(2, HashingEmbedder(128), c_grid=(0.1, 1.0)).fit(train)
    npz, meta = save_target_aware(tmp_path / "m", policy, {"task": "t", "labels": ["negative", "positive"]})
    assert (npz.name, meta.name) == ("m.npz", "m.json")
    batch = [*examples("tea", 25, seed=3), *examples("rain", 4, seed=4)]  # one batch-standardised target, one not
    expected = policy.predict(batch).probs
    clf = load_target_aware(tmp_path / "m.json")
    assert clf.labels == ("negative", "positive") and clf.name == "target_aware:m"
    assert np.array_equal(clf.probs([e.text for e in batch], [e.context for e in batch]), expected)
    again, info = load_target_aware_policy(tmp_path / "m")
    assert np.array_equal(again.predict(batch).probs, expected) and info["C"] == policy.C


def test_a_bad_target_aware_file_is_one_error_naming_it(tmp_path):
    with pytest.raises(DataError, match=r"no\.json: cannot read the target-aware stance model"):
        load_target_aware(tmp_path / "no")
    policy = TargetAwarePolicy(2, HashingEmbedder(64), c_grid=(1.0,)).fit([e for t in TARGETS for e in examples(t, 6)])
    save_target_aware(tmp_path / "m", policy, {"task": "t", "labels": ["negative", "positive"]})
    doc = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    (tmp_path / "m.json").write_text(json.dumps({k: v for k, v in doc.items() if k != "relevance"}), encoding="utf-8")
    with pytest.raises(DataError, match=r"m\.json: the field 'relevance' is missing"):
        load_target_aware(tmp_path / "m")
    (tmp_path / "m.json").write_text(json.dumps({**doc, "format": "hubbub.learned/1"}), encoding="utf-8")
    with pytest.raises(DataError, match="not a target-aware stance model"):
        load_target_aware(tmp_path / "m")
    (tmp_path / "m.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataError, match=r"m\.npz: 132 weight rows; the pair features of hashing-char-ngrams "
                                        r"\(dim 32\) are 68"):
        load_target_aware(tmp_path / "m", embedder=HashingEmbedder(32))
    with pytest.raises(DataError, match="every text needs a non-empty target phrase"):
        load_target_aware(tmp_path / "m").probs(["text"], [""])
    with pytest.raises(ConfigError, match="meta needs 'labels'"):
        save_target_aware(tmp_path / "x", policy, {"task": "t"})


def read_rows(out):
    with (out / "results.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_loto_task_holds_out_every_target_and_reproduces_exactly(tmp_path):
    data = tmp_path / "stance"
    write_tweeteval(data)
    args = ["evaluate", "attitude_loto_tweeteval", "--data", f"attitude_loto_tweeteval={data}",
            "--backend", "scripted", "--embedder", "hashing", "--no-perplexity"]
    runs = []
    for name in ("a", "b"):
        result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        runs.append(read_rows(tmp_path / name))
    rows = runs[0]
    auc = {(r["dataset"].split(":")[1], r["policy"]): float(r["value"]) for r in rows if r["metric"] == "auc"}
    assert set(auc) == {(t, p) for t in (*TARGETS, "mean")
                        for p in ("target_aware", "text_only", "in_target", "majority")}
    assert all(auc[(t, "majority")] == 0.5 for t in TARGETS)  # a constant ranks nothing
    assert auc[("mean", "target_aware")] == pytest.approx(np.mean([auc[(t, "target_aware")] for t in TARGETS]))
    n = {r["dataset"]: int(r["n"]) for r in rows if r["policy"] == "target_aware"}
    assert n[f"{rows[0]['dataset'].split(':')[0]}:cats"] == 8  # 12 test items, the 4 'none' left out
    assert [r["value"] for r in runs[0]] == [r["value"] for r in runs[1]]
    md = (tmp_path / "a" / "results.md").read_text(encoding="utf-8")
    assert "held out tea: target_aware" in md and "inner LOTO" in md
    saved = sorted((tmp_path / "a" / "policies").glob("attitude_loto_tweeteval--*.json"))
    assert [p.name for p in saved] == [f"attitude_loto_tweeteval--{rows[0]['dataset'].split(':')[0]}.json"]
    model = load_target_aware(saved[0])
    assert len(model.meta["targets"]) == len(TARGETS)
    assert model.meta["loto_mean_metrics"]["auc"] == pytest.approx(auc[("mean", "target_aware")])
    favour = model.probs(["I support tea, tea is good today"] * 2, ["tea", "nuclear energy"])
    assert favour.shape == (2, 2) and np.allclose(favour.sum(axis=1), 1.0)


def test_loto_task_with_one_target_fails_with_one_clear_line(tmp_path):
    data = tmp_path / "stance"
    write_tweeteval(data)
    for target in TARGETS[1:]:
        for f in (data / target).iterdir():
            f.unlink()
        (data / target).rmdir()
    result = CliRunner().invoke(app, ["evaluate", "attitude_loto_tweeteval", "--data", f"attitude_loto_tweeteval={data}",
                                      "--backend", "scripted", "--embedder", "hashing", "--out", str(tmp_path / "o")])
    assert result.exit_code != 0
    assert "targets cats; leave-one-target-out needs at least 2 targets" in result.output
