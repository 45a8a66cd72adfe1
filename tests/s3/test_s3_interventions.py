"""Interventions and interviews in a follow-graph (S3) run: each is applied at its time, recorded, has
the effect it promises, does not break determinism or replay, and bad ones are refused up front."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest
from s3_support import event_log, run, tiny

from hubbub.errors import ConfigError
from hubbub.kernel.seeding import SeedTree
from hubbub.runtime.s3 import env as s3_env

QUIET = {"s3.steps": 4, "s3.rule.p": 0.0, "s3.rule.emotion_contagion": 0.0, "s3.rule.attitude_model": "none",
         "s3.emotion.decay": 0.0, "s3.record.user_states": "all"}


def inputs(overrides=None):
    sc = tiny({**QUIET, **(overrides or {})})
    return s3_env.prepare(sc, SeedTree(sc.run.seed))


def query(run_dir, sql, *args):
    with sqlite3.connect(run_dir / "run.sqlite") as conn:
        return conn.execute(sql, args).fetchall()


def interventions(run_dir):
    return [json.loads(d) for (d,) in query(run_dir, "SELECT data FROM events WHERE kind = 'intervention' ORDER BY seq")]


def step_row(run_dir, step, column):
    return query(run_dir, f"SELECT {column} FROM s3_steps WHERE step = ?", step)[0][0]


def seed_author_and_followers(inp):
    """The first seed post's author and, sorted, the users who follow them."""
    author = int(inp.seed_authors[0])
    row = inp.graph.delivery[[author], :]
    return author, sorted(np.asarray(row.indices).tolist())


def test_block_edge_and_suspension_remove_exactly_those_deliveries(tmp_path):
    inp = inputs()
    author, followers = seed_author_and_followers(inp)
    ids = inp.agent_ids
    posts_by_author = int((inp.seed_authors == author).sum())
    seeds = set(inp.seed_authors.tolist())
    blocked, suspended = [f for f in followers if f not in seeds][:2]
    baseline = run(tiny(QUIET), tmp_path / "base")
    plan = [{"at_h": 0.5, "type": "block_edge", "source": ids[author], "target": ids[blocked]},
            {"at_h": 0.5, "type": "suspend_user", "agent": ids[suspended]}]
    changed = run(tiny({**QUIET, "interventions": plan}), tmp_path / "changed")
    # round 1 delivers the seed posts to their authors' followers, whatever anyone decides: the block
    # removes one delivery per seed post of `author`, the suspension every one to `suspended`
    lost_to_suspended = sum(1 for a in inp.seed_authors.tolist()
                            if suspended in np.asarray(inp.graph.delivery[[a], :].indices).tolist())
    assert lost_to_suspended >= 1
    assert step_row(changed, 1, "deliveries") == step_row(baseline, 1, "deliveries") - posts_by_author - lost_to_suspended
    effects = interventions(changed)
    assert [e["type"] for e in effects] == ["block_edge", "suspend_user"]
    assert effects[0]["effect"] == {"source": ids[author], "target": ids[blocked], "blocked_edges": 1}
    assert effects[1]["effect"] == {"agent": ids[suspended], "until": None}
    assert query(changed, "SELECT COUNT(*) FROM s3_posts WHERE author = ? AND step >= 1", ids[suspended]) == [(0,)]
    assert query(changed, "SELECT COUNT(*) FROM s3_awareness WHERE agent = ? AND step >= 1", ids[suspended]) == [(0,)]


def test_injected_posts_labels_state_and_recommendation_share(tmp_path):
    inp = inputs()
    llm_user = inp.llm_users[0].agent_id
    rule_user = next(a for i, a in enumerate(inp.agent_ids) if not inp.is_llm[i])
    plan = [{"at_h": 1.0, "type": "inject_post", "text": "PLATFORM NOTICE: official figures are out."},
            {"at_h": 1.0, "type": "inject_post", "agent": rule_user, "text": "My own take on it."},
            {"at_h": 0.5, "type": "label", "post_id": 0, "text": "Missing context"},
            {"at_h": 0.5, "type": "set_state", "agent": rule_user, "emotion_level": "intense", "attitude": "positive"},
            {"at_h": 2.5, "type": "feed", "recommendation_share": 1.0},
            {"at_h": 0.5, "type": "label", "post_id": 999, "text": "not there"}]
    out = run(tiny({**QUIET, "interventions": plan}), tmp_path / "run")
    effects = {e["index"]: e["effect"] for e in interventions(out)}
    assert len(effects) == len(plan)
    platform_post = effects[0]["post_id"]
    assert query(out, "SELECT author, kind, step, text FROM s3_posts WHERE post_id = ?", platform_post) == \
        [("platform", "seed", 0, "PLATFORM NOTICE: official figures are out.")]
    assert query(out, "SELECT author, kind FROM s3_posts WHERE post_id = ?", effects[1]["post_id"]) == [(rule_user, "post")]
    # the platform post reaches every user at round 1, as a recommendation
    assert step_row(out, 1, "recommended") >= len(inp.agent_ids)
    # the labelled seed post is shown with its label in LLM users' prompts from then on
    prompts = [r for (r,) in query(out, "SELECT request FROM llm_calls WHERE kind = 's3.behaviour'")]
    assert any("[Label added by the platform: Missing context]" in p for p in prompts)
    assert effects[5] == {"post_id": 999, "applied": False, "reason": effects[5]["reason"]}
    # set_state: a rule user that nothing else changes keeps the new state
    assert effects[3] == {"agent": rule_user, "emotion_level": ["calm", "intense"],
                          "attitude": [effects[3]["attitude"][0], "positive"]}
    states = query(out, "SELECT emotion, attitude FROM s3_user_states WHERE agent = ? AND step >= 1", rule_user)
    assert states and set(states) == {("intense", "positive")}
    # recommendation share: none before 2.5 h (the scenario's share is 0), some at round 3
    assert step_row(out, 2, "recommended") == 0 and step_row(out, 3, "recommended") > 0
    assert effects[4] == {"recommendation_share": [0.0, 1.0]}


def test_interventions_keep_runs_reproducible_concurrency_free_and_replayable(tmp_path):
    inp = inputs()
    ids = inp.agent_ids
    author, followers = seed_author_and_followers(inp)
    plan = [{"at_h": 1.0, "type": "inject_post", "text": "Breaking: a correction."},
            {"at_h": 1.0, "type": "block_edge", "source": ids[author], "target": ids[followers[0]]},
            {"at_h": 2.0, "type": "suspend_user", "agent": inp.llm_users[0].agent_id, "until_h": 3.0},
            {"at_h": 2.0, "type": "feed", "recommendation_share": 0.5}]
    interviews = [{"at_h": 2.0, "question": "How do you feel about the event?"}]
    overrides = {"s3.rule.p": 0.3, "interventions": plan, "interviews": interviews}
    one = run(tiny({**overrides, "run.concurrency": 1}), tmp_path / "one")
    many = run(tiny({**overrides, "run.concurrency": 16}), tmp_path / "many")
    assert event_log(one) == event_log(many)
    replay = run(tiny({**overrides, "llm.backend": "replay", "llm.replay_from": str(one)}), tmp_path / "replay")
    assert event_log(replay) == event_log(one)


def test_scheduled_interviews_ask_every_llm_user_and_change_nothing(tmp_path):
    inp = inputs()
    interviews = [{"at_h": 1.5, "question": "What do you think now?"},
                  {"at_h": 3.5, "question": "And now?", "agents": [inp.llm_users[0].agent_id]}]
    plain = run(tiny(QUIET), tmp_path / "plain")
    asked = run(tiny({**QUIET, "interviews": interviews}), tmp_path / "asked")
    answers = [(agent, json.loads(d)) for agent, d in
               query(asked, "SELECT agent, data FROM events WHERE kind = 'interview' ORDER BY seq")]
    assert len(answers) == len(inp.llm_users) + 1
    assert all(a["answer"].strip() and a["emotion_level"] in ("calm", "moderate", "intense") for _, a in answers)
    assert {agent for agent, _ in answers} == {u.agent_id for u in inp.llm_users}
    others = [e[2:] for e in event_log(asked) if e[2] != "interview"]
    assert others == [e[2:] for e in event_log(plain)], "an interview changed the run"


@pytest.mark.parametrize(("plan", "expect"), [
    ([{"at_h": 1, "type": "suspend_user", "agent": "nobody"}], ["interventions.0.agent = 'nobody'", "no such user"]),
    ([{"at_h": 1, "type": "attack", "share": 0.2}], ["interventions.0.type = 'attack'", "allowed for kind 's3'"]),
    ([{"at_h": 1, "type": "label", "text": "x"}], ["interventions.0", "needs post_id"]),
    ([{"at_h": 1, "type": "set_state", "agent": "AGENT", "opinion": "x"}], ["emotion_level or attitude"]),
    ([{"at_h": 1, "type": "block_edge", "source": "AGENT", "target": "AGENT"}], ["does not follow", "source = the followee"]),
])
def test_bad_interventions_are_one_clear_error_before_the_run(tmp_path, plan, expect):
    from hubbub.runtime.simulation import Simulation

    agent = inputs().agent_ids[0]
    plan = [{k: (agent if v == "AGENT" else v) for k, v in item.items()} for item in plan]
    with pytest.raises(ConfigError) as info:
        Simulation(tiny({**QUIET, "interventions": plan}), tmp_path / "run")
    assert all(text in str(info.value) for text in expect), str(info.value)
    assert not (tmp_path / "run" / "run.sqlite").exists()


def test_post_run_interview_of_s3_users_from_their_state_and_memory(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from hubbub.cli import app
    from hubbub.llm.base import GenerateResult
    from hubbub.llm.scripted import ScriptedBackend

    inp = inputs()
    out = run(tiny(QUIET), tmp_path / "run")
    before = len(event_log(out))
    llm_ids = [u.agent_id for u in inp.llm_users[:3]]
    result = CliRunner().invoke(app, ["interview", str(out), "What do you make of it?", "--at-h", "2",
                                      *sum((["--agent", a] for a in llm_ids), [])])
    assert result.exit_code == 0, result.output
    new = [(agent, json.loads(d)) for agent, d in
           query(out, "SELECT agent, data FROM events WHERE seq >= ? AND kind = 'interview' ORDER BY seq", before)]
    assert [a for a, _ in new] == llm_ids and all(d["post_run"] and d["answer"] for _, d in new)
    rule = next(a for i, a in enumerate(inp.agent_ids) if not inp.is_llm[i])
    refused = CliRunner().invoke(app, ["interview", str(out), "Q?", "--agent", rule])
    assert refused.exit_code == 2 and "rule-based user" in refused.output

    async def hostile(self, request):  # a model answering with terminal escape sequences
        return GenerateResult("\x1b[2J\x1b]0;owned\x07 fine", self.stats(request.kind))

    monkeypatch.setattr(ScriptedBackend, "generate_one", hostile)
    shown = CliRunner().invoke(app, ["interview", str(out), "Q?", "--agent", llm_ids[0]])
    assert shown.exit_code == 0, shown.output
    assert "\x1b" not in shown.output and "\\x1b[2J" in shown.output
