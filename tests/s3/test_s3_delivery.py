"""Posts travel only along follow edges (followee -> follower) at the next step, plus the platform's
recommendation share; first awareness records the channel."""

from __future__ import annotations

import numpy as np
import pytest

from s3_support import run, tiny

from hubbub.platform.graph import FollowGraph
from hubbub.platform.feed import exposure as exp
from hubbub.platform.feed.posts import POST, SEED, PostLog
from hubbub.store import load_run


@pytest.fixture
def graph() -> FollowGraph:
    # 1 follows 0, 2 follows 0, 0 follows 1 (mutual 0-1), 3 follows 2
    return FollowGraph.from_follows([1, 2, 0, 3], [0, 0, 1, 2], n_nodes=5)


def test_follow_exposures_reach_exactly_the_followers_next_step(graph):
    posts = PostLog()
    posts.add([0, 2], [-1, -1], [SEED, POST], 0, [0, 0], [1, 1], ["a", "b"])
    posts.add([3], [-1], [POST], 1, [0], [0], ["late"])
    ex = exp.follow_exposures(graph.delivery, graph.mutual_mask(), posts, 1)
    got = sorted(zip(ex.post.tolist(), ex.receiver.tolist(), ex.source.tolist()))
    assert got == [(0, 1, exp.MUTUAL), (0, 2, exp.FOLLOWEE), (1, 3, exp.FOLLOWEE)]
    later = exp.follow_exposures(graph.delivery, graph.mutual_mask(), posts, 2)
    assert later.receiver.tolist() == []  # user 3 has no followers; step-0 posts are not re-delivered


def test_recommendations_skip_own_posts_and_followees(graph):
    from hubbub.scenarios.s3_config import RecommendConfig

    posts = PostLog()
    posts.add([0, 1, 2, 3], [-1] * 4, [POST] * 4, 0, [0] * 4, [0] * 4, ["w", "x", "y", "z"])
    cfg = RecommendConfig(share=1.0, per_user=3, pool=4)
    pool = exp.candidate_pool(cfg, posts, 1)
    ex = exp.recommend(cfg, pool, posts, 5, exp.follow_keys(graph.delivery), np.random.default_rng(0))
    assert len(ex) > 0
    authors = posts.col("author")[ex.post]
    for author, receiver in zip(authors.tolist(), ex.receiver.tolist()):
        assert author != receiver
        assert not graph.has_follow(receiver, author)
    assert set(ex.source.tolist()) == {exp.RECOMMENDED}


def test_a_run_delivers_only_along_follow_edges(tmp_path):
    from hubbub.kernel.seeding import SeedTree
    from hubbub.runtime.s3.env import build_graph

    sc = tiny({"s3.recommend.share": 0.0, "s3.steps": 4})
    r = load_run(run(sc, tmp_path / "r"))
    graph = build_graph(sc, SeedTree(sc.run.seed))[0]
    index = {a: p["index"] for a, p in zip(r.agents["agent_id"], r.agents["profile"])}
    posts = r.s3_posts.set_index("post_id")
    aware = r.s3_awareness
    assert set(aware["channel"]) <= {"seed", "followee", "mutual"}
    reached = aware[aware["channel"] != "seed"]
    assert len(reached) >= 5
    for agent, via, post, step in zip(reached["agent_id"], reached["via_agent_id"], reached["post_id"], reached["step"]):
        assert graph.has_follow(index[agent], index[via])  # the receiver follows the author
        assert posts.loc[post, "step"] == step - 1        # published one step earlier
    decisions = r.events[r.events["kind"] == "s3_decision"]
    assert len(decisions) > 0
    for agent, data in zip(decisions["agent_id"], decisions["data"]):
        for post in data["received"]:
            assert graph.has_follow(index[agent], index[posts.loc[post, "agent_id"]])


def test_the_recommendation_share_adds_posts_from_outside_followees(tmp_path):
    r = load_run(run(tiny({"s3.recommend.share": 0.5, "s3.recommend.per_user": 2, "s3.rule.p": 0.0}), tmp_path / "r"))
    steps = r.s3_steps
    assert steps["recommended"].sum() > 0
    assert "recommended" in set(r.s3_awareness["channel"])


def test_reposts_form_trees_rooted_at_originals(tmp_path):
    r = load_run(run(tiny({"s3.rule.p": 0.6}), tmp_path / "r"))
    posts = r.s3_posts.set_index("post_id")
    reposts = posts[posts["kind"] == "repost"]
    assert len(reposts) > 0
    for pid, row in reposts.iterrows():
        parent = posts.loc[int(row["parent_id"])]
        assert posts.loc[pid, "root_id"] == parent["root_id"]
        assert parent["step"] < row["step"]


@pytest.mark.parametrize("network", [
    {"source": "barabasi_albert", "users": 300, "m": 2},
    {"source": "watts_strogatz", "users": 300, "k": 4},
    {"source": "sbm", "users": 300, "camps": [0.6, 0.4], "p_in": 0.05, "p_out": 0.001},
    {"source": "configuration", "users": 300, "mean_degree": 5.0},
])
def test_every_network_source_builds_with_user_classes(network):
    from pathlib import Path

    from hubbub.kernel.seeding import SeedTree
    from hubbub.runtime.s3.env import build_graph

    if network["source"] == "configuration" and not Path(tiny().s3.network.degree_file).exists():
        pytest.skip("SNAP ego-Facebook is not present")
    sc = tiny({f"s3.network.{k}": v for k, v in network.items()})
    graph, camps, _, what = build_graph(sc, SeedTree(1))
    assert graph.n_nodes == 300 and graph.n_edges > 300
    assert set(camps.tolist()) == ({0, 1} if network["source"] == "sbm" else {0})
    classes = graph.classify_users()
    assert "regular" in set(classes.tolist())
    assert what.startswith("generated")
