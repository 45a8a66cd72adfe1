"""A combined run has one user per person: one emotion on both surfaces, one memory pool.

Hub comments a user reads enter the memory pool their next follow-feed decision is prompted from,
and the hub's continuous emotion and the follow feed's level always agree (issue 13, must-show 3).
"""

from __future__ import annotations

import hubbub
from hubbub.agents.affect import EMOTION_LEVELS, level_of

SMALL = {"llm.backend": "scripted", "s3.network.users": 80, "s3.population.llm_users": 6,
         "trendsim.lifecycle_h": 3.0, "s3.steps": 3, "trendsim.access.max_visits": 3,
         "trendsim.session.max_actions": 4}


def _run(tmp_path, check_each_step=None):
    sim = hubbub.Simulation(hubbub.load_scenario("combined-ai-labels", SMALL), tmp_path / "c")
    while not sim.done:
        sim.step()
        if check_each_step is not None and not sim.done:
            check_each_step(sim)
    return sim


def _disagreements(sim) -> list[str]:
    world = sim.world
    found = []
    for agent, p in world.trend.participants.items():
        index = world.s3.graph_index.get(agent)
        if index is not None and index in world.s3.users and level_of(p.state.emotion) != world.s3.emotion[index]:
            found.append(f"{agent} at {sim.now:.3f} h: hub {p.state.emotion} vs feed "
                         f"{EMOTION_LEVELS[world.s3.emotion[index]]}")
    return found


def test_one_emotion_per_user_after_every_committed_event(tmp_path):
    problems: list[str] = []
    sim = _run(tmp_path, lambda s: problems.extend(_disagreements(s)))
    assert sim.status == "completed"
    assert problems == []
    states = sim.results.table("s3_user_states")
    hub_users = set(sim.world.trend.participants) & set(states["agent_id"])
    assert hub_users, "the hub's users are follow-graph users too"


def test_a_hub_comment_read_enters_the_next_feed_decisions_memory(tmp_path):
    run = _run(tmp_path).results
    events = run.events
    comments = run.comments.set_index("comment_id")["text"]
    reads = events[events["kind"] == "action"]
    used = 0
    for _, decision in events[events["kind"] == "s3_decision"].iterrows():
        for item in decision["data"]["memory"]:
            if not item.startswith("c"):
                continue
            text = comments[int(item[1:])]
            before = reads[(reads["agent_id"] == decision["agent_id"]) & (reads["time"] <= decision["time"])]
            assert before["data"].map(lambda d: text in d["observation"]).any(), (decision["agent_id"], item)
            used += 1
    assert used > 0, "no follow-feed decision drew on a hub comment its user had read"
