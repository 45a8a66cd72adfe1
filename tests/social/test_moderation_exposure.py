"""A moderation rule that down-ranks posts above a toxicity threshold changes feed exposure (issue 14
must-show 4, the exposure half): the same run with the rule switched on at 0.5 h shows users fewer
toxic posts from then on than the run without it, and hiding them shows none."""

from __future__ import annotations

from social_support import demo, run

from hubbub.metrics.platform import toxic_exposure
from hubbub.store import load_run

TEXTS = ["Buses first, then charge drivers.", "Only idiots support this charge, what a pathetic joke.",
         "The charge will clear the streets.", "Shut up, you clowns, this is trash policy."]


def _toxic_after(out, hours: float) -> tuple[int, int]:
    table = toxic_exposure(load_run(out), threshold=0.5)
    after = table[table["time_h"] >= hours]
    return int(after["toxic"].sum()), int(after["exposures"].sum())


def _scenario(mode: str | None):
    ivs = [] if mode is None else [{"at_h": 0.5, "type": "moderation", "toxicity_threshold": 0.5, "moderation_mode": mode}]
    return demo({"interventions": ivs, "platform.rule_texts": TEXTS})


def test_down_ranking_toxic_posts_lowers_their_exposure_and_hiding_removes_it(tmp_path):
    plain_toxic, plain_all = _toxic_after(run(_scenario(None), tmp_path / "plain"), 0.5)
    down_toxic, down_all = _toxic_after(run(_scenario("downrank"), tmp_path / "down"), 0.5)
    hide_toxic, hide_all = _toxic_after(run(_scenario("hide"), tmp_path / "hide"), 0.5)
    assert plain_toxic > 20, "the unmoderated run must show toxic posts for the comparison to mean anything"
    assert down_toxic / down_all < 0.5 * plain_toxic / plain_all
    assert hide_toxic == 0 and hide_all > 0


def test_a_toxicity_classifier_saved_by_evaluate_annotates_the_posts(tmp_path):
    from hubbub.evaluate.data import Example
    from hubbub.evaluate.policies import LearnedPolicy, save_policy
    from hubbub.llm.embeddings import HashingEmbedder

    train = [Example(f"o{i}", "idiots clowns pathetic trash shut up", 1) for i in range(20)]
    train += [Example(f"n{i}", "buses first, the charge will clear the streets", 0) for i in range(20)]
    policy = LearnedPolicy(2, HashingEmbedder(128), c_grid=(10.0,)).fit(train, [])
    save_policy(tmp_path / "offence_tweeteval--toy", policy, {"task": "offence_tweeteval", "dataset": "toy",
                                                             "labels": ["not-offensive", "offensive"]})
    scenario = demo({"platform.moderation.annotator": str(tmp_path / "offence_tweeteval--toy.json"),
                     "platform.rule_texts": TEXTS, "platform.hours": 1.5, "interventions": []})
    out = run(scenario, tmp_path / "learned")
    from social_support import events

    assert events(out, "platform_setup")[0]["annotator"] == "learned:offence_tweeteval--toy"
    scored = {d["text"]: d["toxicity"] for d in events(out, "action") if d["action"] == "post" and d["text"] in TEXTS}
    assert scored[TEXTS[1]] > 0.5 > scored[TEXTS[0]]
    assert all(d["sentiment"] is None for d in events(out, "action") if "sentiment" in d)
