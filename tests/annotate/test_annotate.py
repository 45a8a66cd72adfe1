"""Annotators: the judge's questions, the LLM annotator's scores, and loading saved classifiers."""

from __future__ import annotations

import numpy as np
import pytest

from hubbub.annotate import LLMAnnotator, annotation_request, load_annotator
from hubbub.errors import ConfigError, DataError
from hubbub.evaluate.data import Example
from hubbub.evaluate.policies import LearnedPolicy, save_policy
from hubbub.llm.embeddings import make_embedder
from hubbub.llm.scripted import ScriptedBackend


def saved(tmp_path, task="offence_tweeteval", labels=("not-offensive", "offensive")):
    """A tiny classifier saved the way `hubbub evaluate` saves one."""
    texts = [("you idiot", 1), ("stupid moron", 1), ("lovely day", 0), ("kind words", 0)] * 5
    train = [Example(str(i), t, y) for i, (t, y) in enumerate(texts)]
    policy = LearnedPolicy(len(labels), make_embedder("hashing"), c_grid=(10.0,)).fit(train, [])
    return save_policy(tmp_path / f"{task}--mini", policy, {"task": task, "labels": list(labels)})[1]


def test_the_question_lists_the_labels_in_label_order():
    request = annotation_request("sentiment", "what a day", seed=3)
    assert request.options == ("negative", "neutral", "positive") and request.kind == "annotate.sentiment"
    assert "what a day" in request.messages[-1][1]
    assert "转基因" in annotation_request("stance_zh", "好", 1, lang="zh", target="转基因").messages[-1][1]


def test_bad_questions_fail_with_one_line():
    with pytest.raises(ConfigError, match="annotation 'rudeness' is unknown; allowed: toxicity"):
        annotation_request("rudeness", "x", 0)
    with pytest.raises(ConfigError, match="needs a target"):
        annotation_request("stance", "x", 0)
    with pytest.raises(ConfigError, match="lang: got 'fr'"):
        annotation_request("toxicity", "x", 0, lang="fr")


def test_llm_annotator_scores_the_expected_label_value():
    backend = ScriptedBackend(choice=lambda r: [0.2, 0.3, 0.5])  # negative, neutral, positive
    scores = LLMAnnotator(backend, "sentiment")(["a", "b"])
    assert scores.tolist() == pytest.approx([0.3, 0.3])  # 0.5 - 0.2
    toxic = LLMAnnotator(ScriptedBackend(choice=lambda r: [0.25, 0.75]), "toxicity")(["c"])
    assert toxic.tolist() == pytest.approx([0.75])


def test_saved_classifier_loads_as_its_annotation(tmp_path):
    path = saved(tmp_path)
    toxicity = load_annotator(path)
    assert toxicity.name == "toxicity"
    scores = toxicity(["you idiot", "lovely day"])
    assert scores[0] > 0.5 > scores[1] and toxicity.labels(["you idiot"]) == ["offensive"]
    assert load_annotator(tmp_path, "toxicity").name == "toxicity"  # found in a folder by its task


def test_wrong_classifier_or_missing_name_is_a_clear_error(tmp_path):
    path = saved(tmp_path, task="emotion_level", labels=("calm", "intense"))
    with pytest.raises(DataError, match="no annotation's"):
        load_annotator(path)
    with pytest.raises(DataError, match="do not fit annotation 'toxicity'"):
        load_annotator(path, "toxicity")
    with pytest.raises(ConfigError, match="a folder needs the annotation name"):
        load_annotator(tmp_path)
    with pytest.raises(DataError, match="hubbub evaluate hate_tweeteval --policy learned"):
        load_annotator(tmp_path, "hate")
