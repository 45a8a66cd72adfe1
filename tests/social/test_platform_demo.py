"""The built-in platform-demo (issue 14 must-shows 1 and 2): every mechanism appears in the run record,
analyse and report work from it, and the graph rebuilt from the record matches the run's snapshots."""

from __future__ import annotations

import pytest
from social_support import demo, events, run

from hubbub.metrics.social_graph import METRICS, close, graph_at


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """The full-size built-in on the scripted backend, run once for this module."""
    return run(demo(small=False), tmp_path_factory.mktemp("platform") / "demo")


def test_users_follow_unfollow_mute_quote_search_and_dislike(demo_run):
    taken = {d["action"] for d in events(demo_run, "action")}
    assert {"follow", "unfollow", "mute", "quote", "search", "dislike", "like", "repost", "reply", "post",
            "open_topic", "skip_board", "open_board", "exit"} <= taken
    ops = {d["op"] for d in events(demo_run, "graph_change")}
    assert {"follow", "unfollow", "mute"} <= ops
    quotes = [d for d in events(demo_run, "action") if d["action"] == "quote"]
    assert all(d["text"] and isinstance(d["post_id"], int) for d in quotes)


def test_home_feeds_mix_in_network_and_recommended_posts(demo_run):
    home = [d for d in events(demo_run, "exposure") if d["surface"] == "home"]
    sources = {item[1] for d in home for item in d["items"]}
    assert sources == {"in_network", "recommended"}
    assert any(d["surface"] == "search" and d["items"] for d in events(demo_run, "exposure"))


def test_the_board_ranks_at_least_eight_topics_and_topics_enter_over_time(demo_run):
    rankings = events(demo_run, "board_ranks")
    assert max(len(d["ranks"]) for d in rankings) >= 8
    first, listed = {r[0] for r in rankings[0]["ranks"]}, {r[0] for d in rankings for r in d["ranks"]}
    assert len(listed - first) >= 7, "topics did not enter the board during the run"
    assert {"power-outage", "cup-final"} <= {r[0] for d in rankings for r in d["ranks"]}, "news topics never listed"
    opened = {d["target"] for d in events(demo_run, "action") if d["action"] == "open_topic"}
    assert len(opened) >= 8


def test_news_churn_and_interventions_are_recorded(demo_run):
    news = events(demo_run, "news")
    assert {d["as"] for d in news} == {"post", "topic"}
    assert events(demo_run, "user_join") and events(demo_run, "user_leave")
    types = [d["type"] for d in events(demo_run, "intervention")]
    assert types == ["moderation", "feed"]


def test_the_graph_rebuilt_from_the_record_matches_three_snapshots(demo_run):
    """Must-show 2: graph_at rebuilds the graph at past times from the setup and the graph changes."""
    snapshots = {round(d["time"] / 3600, 6): d for d in events(demo_run, "graph_snapshot")}
    times = [0.5, 1.5, 2.5]
    rebuilt = [graph_at(demo_run, t) for t in times]
    assert len({g.edges for g in rebuilt}) == 3, "the graph did not change between the three times"
    for t, graph in zip(times, rebuilt):
        got, recorded = graph.metrics(), snapshots[t]
        assert all(close(got[k], recorded[k]) for k in METRICS), (t, got, recorded)
    changes = [d for d in events(demo_run, "graph_change") if d["at"] <= times[1] * 3600]
    assert len(rebuilt[0].edges) != len(graph_at(demo_run, 0.0).edges) or changes


def test_analyse_writes_the_platform_tables_and_plots(demo_run):
    from hubbub.report.html import report_run
    from hubbub.runtime.worlds import world_kind

    written = world_kind("platform").analyse(demo_run)
    names = {p.name for p in written}
    for table in ("platform_graph_metrics", "platform_exposure_by_source", "platform_board_ranks",
                  "platform_actions", "platform_graph_changes", "platform_toxic_exposure"):
        assert f"{table}.csv" in names
    for plot in ("platform_graph.png", "platform_exposure.png", "platform_board_ranks.png"):
        assert (demo_run / "plots" / plot).stat().st_size > 1000
    import pandas as pd

    ranks = pd.read_csv(demo_run / "tables" / "platform_board_ranks.csv")
    assert ranks["topic_id"].nunique() >= 10 and ranks["rank"].min() == 1
    assert report_run(demo_run).exists()
