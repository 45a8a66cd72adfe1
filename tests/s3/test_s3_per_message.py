"""Per-message processing (``s3.processing``): each received post, in arrival order, updates the state
the next one is decided on and gets its own behaviour choice; per-round batching stays an option."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from s3_support import event_log, run, tiny

from hubbub.agents.affect import EMOTION_LEVELS
from hubbub.agents.demographics import Demographics
from hubbub.agents.feed.decide import LLMAgents, Received
from hubbub.agents.feed.texts import text
from hubbub.agents.memory import MemoryPool
from hubbub.agents.user import LLMUser
from hubbub.kernel.seeding import SeedTree
from hubbub.llm.scripted import ScriptedBackend
from hubbub.platform.actions import feed_actions
from hubbub.platform.feed.exposure import Exposures
from hubbub.platform.feed.posts import POST, PostLog
from hubbub.runtime.s3.rules import initial_rule_state, make_rule_model, rule_step
from hubbub.scenarios.s3_config import RuleConfig
from hubbub.store import load_run


def _current_level(request) -> int:
    """The emotion level an emotion request states as the user's current one."""
    prompt = " ".join(content for _, content in request.messages)
    stated = [i for i, level in enumerate(EMOTION_LEVELS)
              if text("en", "emotion_current", level=text("en", f"emotion.{level}")) in prompt]
    assert len(stated) == 1, prompt
    return stated[0]


def _one_level_up(asked: list):
    """Scripted answers: emotion one level above the stated current level; anything else uniform."""
    def choose(request):
        n = len(request.options)
        if request.kind != "s3.emotion":
            return [1.0 / n] * n
        asked.append(request)
        probs = [0.0] * n
        probs[min(_current_level(request) + 1, n - 1)] = 1.0
        return probs
    return choose


def test_two_received_posts_update_emotion_twice_in_arrival_order():
    asked: list = []
    sc = tiny({"s3.memory.token_budget": 400})
    agents = LLMAgents(sc, ScriptedBackend(choice=_one_level_up(asked)), SeedTree(5),
                       {0: MemoryPool(50)}, actions=feed_actions())
    user = LLMUser(0, "u000000", "A teacher in a small town.", Demographics("u000000", None, None, None, None, {}))
    ranked = [Received(9, "@u000002 posted: the later post", "u000002", "followee", plain="the later post"),
              Received(4, "@u000001 posted: the earlier post", "u000001", "mutual", plain="the earlier post")]
    decisions = asyncio.run(agents.decide(user, 1, 3600.0, ranked, 0, 0))
    assert [d.received for d in decisions] == [[4], [9]]  # arrival (publication) order, not rank order
    assert [d.message for d in decisions] == [0, 1]
    assert decisions[0].emotion == (0, 1)  # calm -> moderate on the first post
    assert decisions[1].emotion == (1, 2)  # the second update starts from the first's result
    first, second = (" ".join(content for _, content in r.messages) for r in asked)
    assert "the earlier post" in first and "the later post" not in first
    assert "the earlier post" in second  # the first post is in the memory the second prompt shows
    assert [_current_level(r) for r in asked] == [0, 1]
    assert agents.views == {}  # the working memory is dropped; the committed pool is untouched
    assert len(agents.pools[0]) == 0


def _decisions(run_dir):
    r = load_run(run_dir)
    ev = r.events[r.events["kind"] == "s3_decision"]
    return r, [(agent, d) for agent, d in zip(ev["agent_id"], ev["data"])]


def test_a_run_chains_each_users_decisions_and_commits_the_last_state(tmp_path):
    r, decisions = _decisions(run(tiny({"s3.messages_per_round": 2, "s3.record.user_states": "llm"}),
                                  tmp_path / "r"))
    by_round: dict = {}
    for agent, d in decisions:
        by_round.setdefault((agent, d["step"]), []).append(d)
    assert any(len(ds) == 2 for ds in by_round.values())  # someone processed two posts in one round
    states = r.s3_user_states.set_index(["agent_id", "step"])
    for (agent, step), ds in by_round.items():
        assert [d["message"] for d in ds] == list(range(len(ds))) and len(ds) <= 2
        assert all(len(d["received"]) == 1 for d in ds)
        assert sorted(d["received"][0] for d in ds) == [d["received"][0] for d in ds]
        assert all(a["emotion"][1] == b["emotion"][0] and a["attitude"][1] == b["attitude"][0]
                   for a, b in zip(ds, ds[1:]))
        assert states.loc[(agent, step), "emotion"] == ds[-1]["emotion"][1]
        assert states.loc[(agent, step), "attitude"] == ds[-1]["attitude"][1]


def test_per_round_keeps_one_decision_per_user_and_round(tmp_path):
    _, decisions = _decisions(run(tiny({"s3.processing": "per_round"}), tmp_path / "r"))
    keys = [(agent, d["step"]) for agent, d in decisions]
    assert len(keys) > 5 and len(keys) == len(set(keys))
    assert all("message" not in d for _, d in decisions)


@pytest.mark.parametrize("processing", ["per_message", "per_round"])
def test_concurrency_1_and_16_give_the_same_log_in_both_modes(tmp_path, processing):
    one = event_log(run(tiny({"s3.processing": processing, "run.concurrency": 1}), tmp_path / "one"))
    many = event_log(run(tiny({"s3.processing": processing, "run.concurrency": 16}), tmp_path / "many"))
    assert one == many


def test_a_policy_user_chooses_once_per_message_and_may_repost_each(tmp_path):
    import hubbub
    from hubbub.agents.feed.policy import Choice

    seen: list[int] = []

    @hubbub.register_policy("test-reposts-each-message")
    def reposts_each(ctx):
        seen.append(len(ctx.received))
        level = EMOTION_LEVELS[min(EMOTION_LEVELS.index(ctx.emotion) + 1, 2)]
        return Choice("repost", post_id=ctx.received[0].post_id, emotion=level)

    sc = tiny({"s3.population.policy": "test-reposts-each-message", "s3.population.policy_users": 8,
               "s3.messages_per_round": 3})
    r, decisions = _decisions(run(sc, tmp_path / "r"))
    assert set(seen) == {1}  # one post per call
    reposts = r.s3_posts[(r.s3_posts["kind"] == "repost") & (r.s3_posts["policy"] == "llm")]
    per_round = reposts.groupby(["agent_id", "step"]).size()
    assert per_round.max() >= 2  # more than one repost by one user in one round
    assert all(d["post_id"] is not None for _, d in decisions)  # every decision's repost was published


def _rule_round(per_message: int) -> np.ndarray:
    """A calm rule user (node 2) receives two intense posts; contagion is certain."""
    n = 3
    posts = PostLog()
    posts.add([0, 1], [-1, -1], [POST, POST], 0, [2, 2], [1, 1], ["one", "two"])
    ex = Exposures(np.array([0, 1], np.int64), np.array([2, 2], np.int64), np.zeros(2, np.int8))
    cfg = RuleConfig(p=0.0, emotion_contagion=1.0, attitude_model="none")
    model = make_rule_model(cfg)
    aux = initial_rule_state(model, n, np.random.default_rng(0)).aux
    out = rule_step(cfg, model, aux, ex, posts, np.zeros(n, np.int8), np.zeros(n, np.int8), np.zeros(n, bool),
                    np.ones(n, bool), np.ones(n, np.int64), 0.0, [], 1, np.random.default_rng(1), per_message)
    return out.emotion


def test_rule_users_take_each_message_as_a_separate_chance():
    assert EMOTION_LEVELS[_rule_round(per_message=2)[2]] == "intense"  # calm -> moderate -> intense
    assert EMOTION_LEVELS[_rule_round(per_message=1)[2]] == "moderate"  # the cap stops after one post
    assert EMOTION_LEVELS[_rule_round(per_message=0)[2]] == "moderate"  # per round: one step toward the max


def test_an_unknown_processing_mode_is_one_clear_error():
    from hubbub.errors import ConfigError

    with pytest.raises((ConfigError, ValueError)) as info:
        tiny({"s3.processing": "per_post"})
    message = str(info.value)
    assert "processing" in message and "per_post" in message and "per_message" in message
