"""The hate, offence and sentiment tasks on small TweetEval-format folders written here (no shared data),
and the annotators they leave behind."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from typer.testing import CliRunner

from hubbub.annotate import ANNOTATIONS, load_annotator
from hubbub.cli import app
from hubbub.errors import DataError
from hubbub.evaluate import data as ds
from hubbub.evaluate.annotate import annotator, train_annotator

RUDE = ["you are a stupid idiot", "shut up you moron", "what a pathetic loser", "idiot clown go away"]
KIND = ["what a lovely morning", "thanks for the kind help", "see you at the park", "great game tonight"]


def write_set(folder, labels=("not-offensive", "offensive"), splits=("train", "val", "test"), n=40, seed=0):
    """A TweetEval-layout folder: label 1 items are rude sentences, label 0 kind ones (plus a number)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mapping.txt").write_text("".join(f"{i}\t{name}\n" for i, name in enumerate(labels)), encoding="utf-8")
    for split in splits:
        y = rng.integers(0, len(labels), n)
        texts = [f"{(RUDE if v else KIND)[int(rng.integers(4))]} {int(rng.integers(1000))}" for v in y]
        (folder / f"{split}_text.txt").write_text("\n".join(texts) + "\n", encoding="utf-8")
        (folder / f"{split}_labels.txt").write_text("\n".join(str(v) for v in y) + "\n", encoding="utf-8")
    return folder


def test_loader_keeps_official_splits_and_names_the_collection(tmp_path, monkeypatch):
    monkeypatch.setenv("HUBBUB_DATA_DIR", str(tmp_path / "none"))
    d = ds.load_tweeteval_offensive(write_set(tmp_path / "mini"))
    assert d.name == "mini" and d.labels == ("not-offensive", "offensive")
    assert d.counts() == {"train": 40, "validation": 40, "test": 40}


def test_without_a_train_split_validation_is_carved(tmp_path, monkeypatch):
    monkeypatch.setenv("HUBBUB_DATA_DIR", str(tmp_path / "none"))
    folder = write_set(tmp_path / "senti", ("negative", "neutral", "positive"), splits=("val", "test"), n=200)
    d = ds.load_tweeteval_sentiment(folder)
    assert d.counts()["train"] + d.counts()["validation"] == 200 and 10 < d.counts()["validation"] < 60
    assert "carved" in d.source


def test_bad_labels_and_mappings_name_file_line_and_what_is_allowed(tmp_path, monkeypatch):
    monkeypatch.setenv("HUBBUB_DATA_DIR", str(tmp_path / "none"))
    folder = write_set(tmp_path / "bad")
    (folder / "test_labels.txt").write_text("0\n2\n" + "0\n" * 38, encoding="utf-8")
    with pytest.raises(DataError, match=r"test_labels.txt line 2: label '2'; allowed: 0 \(not-offensive\), 1"):
        ds.load_tweeteval_offensive(folder)
    wrong = write_set(tmp_path / "wrong", labels=("not-hate", "hate"))
    with pytest.raises(DataError, match="mapping.txt: labels"):
        ds.load_tweeteval_offensive(wrong)


def test_cli_scores_the_three_tasks_with_every_policy_and_saves_annotators(tmp_path, monkeypatch):
    monkeypatch.setenv("HUBBUB_DATA_DIR", str(tmp_path / "none"))
    hate = write_set(tmp_path / "hate", ("not-hate", "hate"), seed=1)
    offence = write_set(tmp_path / "offensive", seed=2)
    senti = write_set(tmp_path / "sentiment", ("negative", "neutral", "positive"), splits=("val", "test"), n=120, seed=3)
    out = tmp_path / "eval"
    result = CliRunner().invoke(app, ["evaluate", "hate_tweeteval", "offence_tweeteval", "sentiment_tweeteval",
                                      "--backend", "scripted", "--embedder", "hashing", "--out", str(out),
                                      "--data", f"hate_tweeteval={hate}", "--data", f"offence_tweeteval={offence}",
                                      "--data", f"sentiment_tweeteval={senti}"])
    assert result.exit_code == 0, result.output
    with (out / "results.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for task in ("hate_tweeteval", "offence_tweeteval", "sentiment_tweeteval"):
        assert {r["policy"] for r in rows if r["task"] == task} >= {"llm", "llm_argmax", "majority", "learned"}
    learned = {r["task"]: float(r["value"]) for r in rows if r["policy"] == "learned" and r["metric"] == "macro_f1"}
    assert learned["offence_tweeteval"] > 0.9  # the synthetic words separate the classes
    assert "0.805" in (out / "results.md").read_text(encoding="utf-8")  # the leaderboard figure next to ours
    toxicity = load_annotator(out, "toxicity")
    scores = toxicity(["you stupid idiot", "a lovely morning"])
    assert scores[0] > 0.5 > scores[1]
    assert load_annotator(out / "policies" / "hate_tweeteval--hate.json").name == "hate"


def test_annotator_trains_once_then_loads(tmp_path, monkeypatch):
    monkeypatch.setenv("HUBBUB_DATA_DIR", str(tmp_path / "none"))
    data = write_set(tmp_path / "offensive", n=100)
    first = annotator("toxicity", tmp_path / "ann", data=data, embedder="hashing")
    assert first.classifier.meta["annotation"] == "toxicity" and first.classifier.meta["test_metrics"]["macro_f1"] > 0.8
    again = annotator("toxicity", tmp_path / "ann")  # no data given: it must load, not train
    assert np.allclose(again(["shut up you moron"]), first(["shut up you moron"]))


def test_every_annotation_names_a_registered_task_with_its_labels(tmp_path, monkeypatch):
    from hubbub.evaluate.tasks import TASKS

    for spec in ANNOTATIONS.values():
        assert spec.task in TASKS and len(spec.values) == len(spec.labels)
    assert ds.OFFENCE_LABELS == ANNOTATIONS["toxicity"].labels and ds.HATE_LABELS == ANNOTATIONS["hate"].labels
    assert ds.SENTIMENT_LABELS == ANNOTATIONS["sentiment"].labels and ds.STANCE_LABELS == ANNOTATIONS["stance"].labels
    monkeypatch.setenv("HUBBUB_DATA_DIR", str(tmp_path / "none"))
    with pytest.raises(DataError, match="not-hate"):
        train_annotator("hate", tmp_path / "x", data=write_set(tmp_path / "h"), embedder="hashing")
