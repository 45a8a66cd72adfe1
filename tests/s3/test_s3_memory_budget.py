"""The memory pool as an S3 scenario configures it: newer > older, mutual > one-way followee, more
relevant > less relevant; and no prompt ever exceeds its token budget."""

from __future__ import annotations

import numpy as np

from s3_support import run, tiny

from hubbub.agents.memory import MemoryItem, MemoryPool, count_tokens
from hubbub.agents.memory import scorer_for as make_scorer
from hubbub.platform.actions import feed_actions
from hubbub.agents.feed.prompts import cut_tokens, fit_prompt, prompt_tokens
from hubbub.scenarios.s3_config import S3MemoryConfig
from hubbub.store import load_run

FEED_OPTIONS = tuple(a.option("en", "feed") for a in feed_actions())

HOUR = 3600.0


def _unit(v):
    v = np.asarray(v, dtype=np.float32)
    return v / np.linalg.norm(v)


def _score(pool, item_id, now, profile=None):
    return dict(zip([it.item_id for it in pool.items], pool.scores(now, profile)))[item_id]


def test_newer_scores_higher_than_older():
    pool = MemoryPool(10, make_scorer(S3MemoryConfig(half_life_h=6)))
    pool.add([MemoryItem.of("old", "same text", 0.0, "followee", "a"),
              MemoryItem.of("new", "same text", 5 * HOUR, "followee", "a")], 5 * HOUR)
    assert _score(pool, "new", 6 * HOUR) > _score(pool, "old", 6 * HOUR)


def test_mutual_scores_higher_than_one_way_followee_and_own_highest():
    pool = MemoryPool(10, make_scorer(S3MemoryConfig()))
    pool.add([MemoryItem.of(s, "same text", HOUR, s, "a") for s in ("own", "mutual", "followee", "recommended")], HOUR)
    scores = [_score(pool, s, HOUR) for s in ("own", "mutual", "followee", "recommended")]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 4


def test_more_relevant_scores_higher():
    profile = _unit([1, 0, 0])
    pool = MemoryPool(10, make_scorer(S3MemoryConfig()))
    pool.add([MemoryItem.of("near", "x", HOUR, "followee", "a", _unit([0.9, 0.1, 0])),
              MemoryItem.of("far", "y", HOUR, "followee", "a", _unit([-0.2, 1, 0]))], HOUR, profile)
    assert _score(pool, "near", HOUR, profile) > _score(pool, "far", HOUR, profile)


def test_forgetting_functions_follow_the_settings():
    for cfg in (S3MemoryConfig(forgetting="power", scale_h=1), S3MemoryConfig(forgetting="linear", window_h=2)):
        f = make_scorer(cfg).forgetting
        ages = np.array([0.0, HOUR, 3 * HOUR])
        values = f(ages)
        assert values[0] == 1.0 and values[1] > values[2]
    assert make_scorer(S3MemoryConfig(forgetting="linear", window_h=2)).forgetting(np.array([3 * HOUR]))[0] == 0.0


def test_fit_prompt_never_exceeds_the_budget():
    from hubbub.agents.feed.prompts import behaviour_request

    pool = MemoryPool(50, make_scorer(S3MemoryConfig()))
    pool.add([MemoryItem.of(f"m{i}", "remembered post " * (5 + i % 7), float(i), "followee", "u1") for i in range(40)], 50.0)
    received = ["a long received post about the event " * 12 for _ in range(6)]
    for budget in (200, 300, 600, 1200):
        build = lambda memory, shown: behaviour_request("en", "About you:\nA teacher.", "An event.", "calm",  # noqa: E731
                                                        memory, shown, 1, 1.0, FEED_OPTIONS)
        request, items, shown = fit_prompt(build, lambda room: pool.select(60.0, None, room, 12),
                                           lambda items: "\n".join(it.text for it in items), received, budget, 150)
        assert prompt_tokens(request) <= budget
        assert sum(it.tokens + 12 for it in items) <= 150
        assert 1 <= len(shown) <= len(received)
    assert count_tokens(cut_tokens("汉字" * 100, 10)) <= 10


def test_prompts_and_memory_of_a_run_stay_within_their_budgets(tmp_path):
    sc = tiny({"s3.behaviour.prompt_budget": 260, "s3.memory.token_budget": 40, "s3.steps": 4, "s3.rule.p": 0.5,
               "s3.population.llm_users": 12})
    r = load_run(run(sc, tmp_path / "r"))
    calls = r.llm_calls
    assert len(calls) > 20
    for request in calls["request"]:
        tokens = sum(count_tokens(content) for _, content in request["messages"])
        assert tokens <= 260, request["kind"]
    decisions = r.events[r.events["kind"] == "s3_decision"]["data"]
    assert any(d["memory"] for d in decisions)  # memory does reach prompts
    assert all(d["memory_tokens"] <= 40 and d["prompt_tokens"] <= 260 for d in decisions)
