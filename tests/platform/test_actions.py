"""Actions as a registry: built-ins offered as TrendSim's pages offer them, user actions registered from
Python and offered from a scenario, bad registrations and names refused in one line."""

from __future__ import annotations

import pytest

import hubbub
from hubbub.platform.actions import Action, Page, Where, feed_actions, hub_actions, offered
from hubbub.platform.hub import CommentView
from hubbub.runtime.simulation import Simulation
from hubbub.store import load_run
from hubbub.testing import small_scenario

COMMENT = CommentView(0, "a comment", 1, 0)


def _names(page: Page) -> list[str]:
    return [a.name for a in offered(hub_actions((), "en"), page)]


def test_builtin_pages_offer_trendsims_actions_in_trendsims_order():
    assert _names(Page("browse")) == ["view_details", "exit"]
    assert _names(Page("main")) == ["like", "comment", "repost", "exit"]
    assert _names(Page("main", shown=(COMMENT,), has_more=True)) == [
        "like", "comment", "repost", "more_comments", "open_comment", "exit"]
    assert _names(Page("comment", comment_id=0, shown=(COMMENT,))) == ["like_comment", "reply", "back"]
    assert _names(Page("comment", comment_id=0)) == ["back"]  # the comment is gone
    assert [a.name for a in feed_actions()] == ["repost", "post", "none"]


def test_builtin_navigation_and_effects():
    named = {a.name: a for a in hub_actions((), "en")}
    main = Page("main", 1, None, (COMMENT,), True)
    assert named["open_comment"].navigate(main, 0) == Where("comment", 1, 0)
    assert named["more_comments"].navigate(main, None) == Where("main", 2, None)
    assert named["back"].navigate(Page("comment", 1, 0), None) == Where("main", 1, 0)
    assert named["like"].navigate(main, None) == Where("main", 1, None)
    assert named["exit"].ends_session and not named["back"].ends_session


@pytest.mark.parametrize("make, message", [
    (lambda: hubbub.register_action("x1", object()), "expected a hubbub.Action"),
    (lambda: hubbub.register_action("x2", Action("x3", ("main",), {"en": "X"})), "named 'x3'"),
    (lambda: hubbub.register_action("like", Action("like", ("main",), {"en": "X"})), "is built in"),
    (lambda: Action("x4", ("timeline",), {"en": "X"}), "surfaces = ('timeline',)"),
    (lambda: Action("x5", ("main",), {"en": "X"}, writes="essay"), "writes = 'essay'"),
    (lambda: Action("x6", ("main",), {}), "text = {}"),
    (lambda: hubbub.register_action("x7", surfaces=("main",))(lambda hub, acted: None), "text"),
])
def test_a_bad_action_is_refused_in_one_line(make, message):
    with pytest.raises(hubbub.ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        make()
    assert "\n" not in str(info.value)


def test_a_scenario_names_only_registered_hub_actions():
    with pytest.raises(hubbub.ConfigError) as info:
        small_scenario(trendsim__hub={"extra_actions": ["no_such_action"]})
    line = str(info.value)
    assert "trendsim.hub.extra_actions" in line and "'no_such_action'" in line and "view_details" in line
    with pytest.raises(hubbub.ConfigError, match="not on a hub page"):
        small_scenario(trendsim__hub={"extra_actions": ["post"]})
    with pytest.raises(hubbub.ConfigError, match="built-in hub action"):
        small_scenario(trendsim__hub={"extra_actions": ["like"]})


@hubbub.register_action("test_bookmark", surfaces=("main",), text={"en": "Bookmark the topic"}, seconds=600.0)
def _bookmark(hub, acted):
    return {"bookmarks": hub.mark("bookmark", 0, acted.visible_at)}


def _run(tmp_path, concurrency: int):
    # 30 users: enough Main pages that the scripted backend's draws pick the registered action
    sc = small_scenario(run__concurrency=concurrency, trendsim__population={"size": 30},
                        trendsim__hub={"extra_actions": ["test_bookmark"]})
    Simulation(sc, tmp_path / f"c{concurrency}").run()
    events = load_run(tmp_path / f"c{concurrency}").events
    return [(e.kind, e.agent_id, e.time, e.data) for e in events.itertuples() if e.kind != "run_end"]


def test_a_registered_action_is_offered_taken_and_timed_and_concurrency_changes_nothing(tmp_path):
    log = _run(tmp_path, 1)
    taken = [(t, d) for kind, _, t, d in log if kind == "action" and d["action"] == "test_bookmark"]
    assert taken, "the scripted backend never picked the registered action"
    assert all(d["visible_at"] - t == pytest.approx(600.0) for t, d in taken)
    assert [d["bookmarks"] for _, d in taken] == list(range(1, len(taken) + 1))
    assert _run(tmp_path, 8) == log


def test_an_action_without_the_scenarios_language_is_refused_before_the_run(tmp_path):
    sc = small_scenario(lang="zh", trendsim__hub={"extra_actions": ["test_bookmark"]})
    with pytest.raises(hubbub.ConfigError, match="no option text for language 'zh'"):
        Simulation(sc, tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_the_activity_table_counts_a_registered_action_per_hour(tmp_path):
    from hubbub.metrics.trendsim import activity_by_hour

    log = _run(tmp_path, 4)
    table = activity_by_hour(load_run(tmp_path / "c4"))
    taken = [t for kind, _, t, d in log if kind == "action" and d["action"] == "test_bookmark"]
    assert "test_bookmark" in table.columns and table["test_bookmark"].sum() == len(taken) > 0
    per_hour = {h: sum(int(t // 3600) == h for t in taken) for h in table["hour"]}
    assert table.set_index("hour")["test_bookmark"].to_dict() == per_hour
    assert table.columns[-1] == "test_bookmark"  # after the built-in counts
