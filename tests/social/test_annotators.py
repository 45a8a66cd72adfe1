"""Annotations on every post (issue 14): the annotator a scenario names — learned classifiers saved by
`hubbub evaluate` (trained here on a toy set, so no data folder is needed) or the LLM judge through the
run's backend — scores every post for toxicity, sentiment and stance, the scores are in the record, and
moderation acts on them."""

from __future__ import annotations

from pathlib import Path

import pytest
from social_support import demo, event_log, events, run

from hubbub.errors import ConfigError
from hubbub.metrics.platform import toxic_exposure
from hubbub.store import load_run

FAVOUR, AGAINST = "I support the charge, great hope for calm streets.", "Idiots and clowns, this charge is wrong and sad."
NEUTRAL = "Buses run every ten minutes on the ring road."
TEXTS = [FAVOUR, AGAINST, NEUTRAL]
TRAIN = {  # annotation -> (task, labels, [(words, label index)])
    "toxicity": ("offence_tweeteval", ["not-offensive", "offensive"],
                 [("idiots clowns pathetic trash", 1), ("support great hope calm buses streets ring road", 0)]),
    "sentiment": ("sentiment_tweeteval", ["negative", "neutral", "positive"],
                  [("wrong sad idiots clowns", 0), ("buses run minutes ring road", 1), ("great hope calm support", 2)]),
    "stance": ("attitude_tweeteval", ["none", "against", "favor"],
               [("buses run minutes ring road", 0), ("idiots clowns wrong sad", 1), ("support great hope", 2)]),
}


def _save_classifiers(folder: Path) -> Path:
    """One toy classifier per annotation, saved as `hubbub evaluate` saves them (OUT/policies/)."""
    from hubbub.evaluate.data import Example
    from hubbub.evaluate.policies import LearnedPolicy, save_policy
    from hubbub.llm.embeddings import HashingEmbedder

    (folder / "policies").mkdir(parents=True)
    for task, labels, pairs in TRAIN.values():
        train = [Example(f"{label}-{i}", words, label) for words, label in pairs for i in range(12)]
        policy = LearnedPolicy(len(labels), HashingEmbedder(256), c_grid=(10.0,)).fit(train, [])
        save_policy(folder / "policies" / f"{task}--toy", policy, {"task": task, "dataset": "toy", "labels": labels})
    return folder


def _written(out: Path) -> dict[str, dict]:
    """The annotation recorded with each rule text's posts (the same text always scores the same)."""
    return {d["text"]: d for d in events(out, "action") if d["action"] == "post" and d["text"] in TEXTS}


def test_a_folder_of_learned_classifiers_annotates_every_post_and_moderation_hides_the_toxic(tmp_path):
    folder = _save_classifiers(tmp_path / "eval")
    scenario = demo({"platform.moderation.annotator": str(folder), "platform.moderation.toxicity_threshold": 0.5,
                     "platform.moderation.mode": "hide", "platform.rule_texts": TEXTS, "platform.hours": 1.5,
                     "interventions": []})
    out = run(scenario, tmp_path / "learned")
    setup = events(out, "platform_setup")[0]
    assert setup["annotator"] == "learned:eval"
    assert setup["annotations"] == {"toxicity": "learned:offence_tweeteval--toy",
                                    "sentiment": "learned:sentiment_tweeteval--toy",
                                    "stance": "learned:attitude_tweeteval--toy"}
    scored = _written(out)
    assert set(scored) == set(TEXTS)
    assert scored[AGAINST]["toxicity"] > 0.5 > scored[FAVOUR]["toxicity"]
    assert scored[FAVOUR]["sentiment"] > 0 > scored[AGAINST]["sentiment"]
    assert scored[FAVOUR]["stance"] > 0 > scored[AGAINST]["stance"]
    written = [d for d in events(out, "action") if d["action"] in ("post", "quote", "reply") and d.get("text")]
    assert all(d["sentiment"] is not None and d["stance"] is not None for d in written)  # LLM users' texts too
    table = toxic_exposure(load_run(out), threshold=0.5)
    assert table["exposures"].sum() > 0 and table["toxic"].sum() == 0  # hidden from every feed from the start


def test_the_llm_judge_annotates_through_the_runs_backend_and_keeps_concurrency_invariance(tmp_path):
    overrides = {"platform.moderation.annotator": "llm", "platform.hours": 1.0,
                 "interventions": [{"at_h": 0.5, "type": "inject_post", "text": AGAINST}]}
    one = run(demo({**overrides, "run.concurrency": 1}), tmp_path / "c1")
    many = run(demo({**overrides, "run.concurrency": 8}), tmp_path / "c8")
    assert event_log(one) == event_log(many)
    assert events(one, "platform_setup")[0]["annotations"] == {"toxicity": "llm", "sentiment": "llm", "stance": "llm"}
    written = [d for d in events(one, "action") if d["action"] in ("post", "quote", "reply") and d.get("text")]
    assert written
    for d in written:
        assert 0 <= d["toxicity"] <= 1 and -1 <= d["sentiment"] <= 1 and -1 <= d["stance"] <= 1
    news = [d for d in events(one, "news") if d["as"] == "post"]
    assert news and all(d["toxicity"] is not None for d in news)
    injected = events(one, "intervention")[0]["effect"]
    assert {"post_id", "toxicity", "sentiment", "stance"} <= set(injected) and injected["stance"] is not None
    calls = load_run(one).llm_calls
    assert {"annotate.toxicity", "annotate.sentiment", "annotate.stance"} <= set(calls["kind"])


@pytest.mark.parametrize("overrides, message", [
    ({"platform.moderation.annotations": ["toxicity", "stance"]}, "the lexicon annotator gives no stance"),
    ({"platform.moderation.annotations": ["sentiment"]}, "must include toxicity"),
    ({"platform.moderation.annotator": "no/such/folder"}, "platform.moderation.annotator = 'no/such/folder'"),
])
def test_an_annotator_that_cannot_give_what_is_asked_is_one_clear_error(tmp_path, overrides, message):
    with pytest.raises(ConfigError, match=message):
        run(demo(overrides), tmp_path / "bad")
    assert not (tmp_path / "bad" / "run.sqlite").exists()
