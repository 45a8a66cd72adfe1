"""A feed action registered from Python is offered to LLM users by a scenario naming it
(``s3.extra_actions``), applied through its action object at the round's commit, recorded with what
its ``apply`` returned, and counted in the summary (issue 13)."""

from __future__ import annotations

import pytest

import hubbub
from hubbub.agents.feed.decide import LLMAgents
from hubbub.errors import ConfigError
from hubbub.metrics.s3 import analyse_run
from hubbub.platform.actions import Acted
from hubbub.store import load_run

SCENARIO = """
kind = "s3"
lang = "en"

[run]
name = "flagging"
seed = 5
concurrency = 4

[llm]
backend = "scripted"

[s3]
steps = 3
event = "A public event is being discussed online."
extra_actions = ["flag_post"]

[s3.network]
source = "barabasi_albert"
users = 40
m = 3

[s3.population]
llm_users = 8

[s3.memory]
embedder = "hashing"
"""


def flag(feed, acted: Acted) -> dict:
    """A user flags the received post the option names; the count of flags on it is recorded."""
    return {"flags": feed.mark("flag", acted.target, acted.visible_at), "flagged_author": feed.author(acted.target)}


hubbub.register_action("flag_post", hubbub.Action(
    "flag_post", surfaces=("feed",), text={"en": "Flag a post as misleading"},
    surface_text={"feed": {"en": "Flag post {i} as misleading"}}, apply=flag))
hubbub.register_action("hub_only_bookmark", hubbub.Action("hub_only_bookmark", surfaces=("main",),
                                                          text={"en": "Bookmark"}))


@pytest.fixture(scope="module")
def flagged_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("flag")
    (folder / "flagging.toml").write_text(SCENARIO, encoding="utf-8")
    sim = hubbub.Simulation(hubbub.load_scenario(str(folder / "flagging.toml")), folder / "run")
    sim.run()
    return sim, folder / "run"


def test_the_registered_action_is_offered_once_per_received_post(flagged_run):
    sim, _ = flagged_run
    agents: LLMAgents = sim.world.agents
    names = [a.name for a in agents.actions]
    assert names == ["repost", "post", "flag_post", "none"]
    slots = agents._slots(2)
    assert [(a.name, i) for a, i in slots] == [("repost", 1), ("repost", 2), ("post", None), ("flag_post", 1),
                                               ("flag_post", 2), ("none", None)]


def test_a_chosen_feed_action_is_applied_through_its_object(flagged_run):
    _, out = flagged_run
    events = load_run(out).events
    decisions = events[events["kind"] == "s3_decision"]
    flagged = decisions[decisions["data"].map(lambda d: d["action"] == "flag_post")]
    assert len(flagged) > 0, "no LLM user chose the registered feed action"
    seen: dict[int, int] = {}
    for _, row in flagged.iterrows():  # in commit order: each flag of a post raises its count by one
        data = row["data"]
        assert data["parent"] in data["shown"]
        seen[data["parent"]] = seen.get(data["parent"], 0) + 1
        assert data["flags"] == seen[data["parent"]]
        assert data["post_id"] is None  # flagging publishes nothing
    others = decisions[decisions["data"].map(lambda d: d["action"] != "flag_post")]
    assert not others["data"].map(lambda d: "flags" in d).any()


def test_the_summary_counts_the_registered_action(flagged_run):
    _, out = flagged_run
    analyse_run(out)
    table = (out / "tables" / "feed_actions.csv").read_text(encoding="utf-8")
    events = load_run(out).events
    taken = int(events[events["kind"] == "s3_decision"]["data"].map(lambda d: d["action"] == "flag_post").sum())
    assert f"flag_post,{taken}," in table
    assert "flag_post" in (out / "summary.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("names, message", [
    (["no_such_action"], "'no_such_action' is not a known action"),
    (["hub_only_bookmark"], "not on the follow feed"),
    (["repost"], "'repost' is a built-in action"),
    (["flag_post", "flag_post"], "'flag_post' is listed twice"),
])
def test_a_bad_extra_action_is_one_clear_error(names, message):
    with pytest.raises(ConfigError) as caught:
        hubbub.load_scenario("s3-workbench-demo", {"s3.extra_actions": names})
    assert message in str(caught.value) and "s3.extra_actions" in str(caught.value)
    assert "\n" not in str(caught.value).strip()


def test_an_action_that_targets_a_comment_is_refused_on_the_feed():
    from hubbub.platform.actions import feed_actions

    hubbub.register_action("feed_pick", hubbub.Action("feed_pick", surfaces=("feed", "main"), text={"en": "Pick"},
                                                      target="pick"))
    with pytest.raises(ConfigError, match="s3.extra_actions: action 'feed_pick' has writes = None, target = 'pick'"):
        feed_actions(("feed_pick",), "en")
