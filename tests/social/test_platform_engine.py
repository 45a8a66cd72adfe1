"""The living platform under the engine's guarantees (must-show 5): concurrency 1 and 16 give the same
event log, a cut-off run resumes to the uninterrupted log, and LLM, learned and rule users all act."""

from __future__ import annotations

import shutil
import sqlite3

from social_support import demo, event_log, events, run

from hubbub.evaluate.data import Example
from hubbub.evaluate.policies import LearnedPolicy, save_policy
from hubbub.llm.embeddings import HashingEmbedder


def test_concurrency_1_and_16_give_the_same_log(tmp_path):
    one = event_log(run(demo({"run.concurrency": 1}), tmp_path / "one"))
    many = event_log(run(demo({"run.concurrency": 16}), tmp_path / "many"))
    assert len(one) > 300
    assert one == many


def test_a_cut_off_run_resumes_to_the_uninterrupted_log(tmp_path):
    from hubbub.runtime.simulation import Simulation
    from hubbub.store import read_manifest, write_manifest

    full = run(demo(), tmp_path / "full")
    cut = tmp_path / "cut"
    shutil.copytree(full, cut)
    with sqlite3.connect(cut / "run.sqlite") as conn:  # keep the first 40 % of the log
        (total,), = conn.execute("SELECT COUNT(*) FROM events").fetchall()
        conn.execute("DELETE FROM events WHERE seq >= ?", (int(total * 0.4),))
        conn.execute("DELETE FROM agent_states WHERE seq >= ?", (int(total * 0.4),))
    manifest = read_manifest(cut)
    manifest["status"] = "interrupted"
    write_manifest(cut, manifest)
    Simulation.resume(cut).run()
    assert event_log(cut) == event_log(full)


def _stance_classifier(folder) -> str:
    """A toy stance classifier: texts about charging drivers read 'against', about buses 'favor'."""
    train = [Example(f"f{i}", "buses first, the charge will clear the streets, good", 2) for i in range(20)]
    train += [Example(f"a{i}", "another tax on people who drive to work, idiots", 1) for i in range(20)]
    train += [Example(f"n{i}", "weather food festival library stadium", 0) for i in range(20)]
    policy = LearnedPolicy(3, HashingEmbedder(128), c_grid=(10.0,)).fit(train, [])
    save_policy(folder / "attitude--toy", policy, {"task": "attitude_tweeteval", "dataset": "toy",
                                                   "labels": ["none", "against", "favor"]})
    return str(folder / "attitude--toy.json")


def test_llm_learned_and_rule_users_all_act_and_only_llm_users_call_the_model(tmp_path):
    scenario = demo({"platform.population.learned_users": 5, "platform.population.learned_policy":
                     _stance_classifier(tmp_path),
                     "interviews": [{"at_h": 1.0, "question": "What do you think of the charge?"}]})
    out = run(scenario, tmp_path / "mixed")
    acted = events(out, "action")
    policies = {d["policy"] for d in acted}
    assert {"llm", "learned", "triadic_closure", "homophily", "preferential_attachment"} <= policies
    kinds = {m["kind"] for m in events(out, "platform_setup")[0]["users"]}
    assert kinds == {"llm", "learned", "rule"}
    llm_users = {u["agent_id"] for u in events(out, "platform_setup")[0]["users"] if u["kind"] == "llm"}
    with sqlite3.connect(out / "run.sqlite") as conn:
        calls = [k for (k,) in conn.execute("SELECT kind FROM llm_calls")]
    assert calls and all(k.startswith("platform.") or k == "interview" for k in calls)
    assert len([d for d in acted if d["agent"] in llm_users]) > 0
    answered = {d["agent"] for d in events(out, "interview")}
    assert answered == llm_users, "an interview asks the users with a voice: the LLM users"
    learned_states = [d for d in events(out, "state") if d["agent"] not in llm_users]
    assert learned_states, "rule and learned users never moved their attitude"


def test_a_chinese_platform_run_uses_the_chinese_prompts_and_topics(tmp_path):
    out = run(demo({"lang": "zh"}), tmp_path / "zh")
    with sqlite3.connect(out / "run.sqlite") as conn:
        requests = [r for (r,) in conn.execute("SELECT request FROM llm_calls WHERE kind = 'platform.action'")]
    assert requests and all("你正在使用一个社交媒体平台" in r for r in requests)
    titles = [d["title"] for d in events(out, "news") if d["as"] == "topic"]
    assert titles == ["东区大面积停电", "本地球队夺得杯赛冠军"]
