"""The network view of an S3 run: the recorded graph sample, degree distributions, cascade trees, their
layouts, the report section and the PNGs (issue 17)."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest

from hubbub.metrics import network
from hubbub.metrics.layout import force_layout, tree_layout
from hubbub.report.html import build_payload
from hubbub.store import load_run


def setup_data(path) -> dict:
    conn = sqlite3.connect(path / "run.sqlite")
    try:
        return json.loads(conn.execute("SELECT data FROM events WHERE kind = 's3_setup'").fetchone()[0])
    finally:
        conn.close()


def test_a_small_graph_is_recorded_whole_with_every_rounds_states(s3_run):
    setup = setup_data(s3_run)
    sample = network.network_sample(load_run(s3_run))
    assert sample.sample == "every user (200)" and len(sample.users) == setup["users"] == 200
    assert len(sample.follows) == setup["edges"] == sample.graph_edges  # every follow edge of the graph
    assert sample.steps == list(range(7))  # round 0 (the seed posts) and six rounds
    start, end = sample.states[0], sample.states[6]
    assert start["aware"].sum() == 3 and end["aware"].sum() > start["aware"].sum()  # three seed authors at first
    assert set(np.unique(end["emotion"])) <= {0, 1, 2} and set(np.unique(end["attitude"])) <= {0, 1}


def test_a_big_graph_is_sampled_breadth_first_from_the_seed_authors():
    from hubbub.platform.graph import FollowGraph
    from hubbub.runtime.s3.graph_sample import follow_pairs, sample_users

    # a chain 0 <- 1 <- 2 <- ... <- 9 (i + 1 follows i) plus an island 10 <- 11
    graph = FollowGraph.from_follows(list(range(1, 10)) + [11], list(range(0, 9)) + [10], n_nodes=12)
    users, how = sample_users(graph, np.array([4]), 4)
    assert users.tolist() == [4, 3, 5, 2] and how.startswith("4 of 12 users, breadth-first")
    assert follow_pairs(graph, users) == [[0, 1], [1, 3], [2, 0]]  # [follower, followee] as positions
    every, how = sample_users(graph, np.array([4]), 12)
    assert every.tolist() == list(range(12)) and how == "every user (12)"
    topped, _ = sample_users(graph, np.array([10]), 4)  # the island is too small: the most followed fill up
    assert topped[:2].tolist() == [10, 11] and len(topped) == 4
    assert sample_users(graph, np.array([4]), 0)[0].size == 0


def test_degree_distribution_counts_every_user(s3_run):
    run = load_run(s3_run)
    table = network.degree_distribution(run)
    degrees = network.followers(run)
    assert table["followers_users"].sum() == table["followees_users"].sum() == len(degrees) == 200
    top = int(degrees["followers"].max())
    assert table.loc[table["degree"] == top, "followers_users"].item() == int((degrees["followers"] == top).sum())
    assert table["followers_share"].sum() == pytest.approx(1.0)


def test_cascade_trees_are_the_largest_repost_trees(s3_run):
    from hubbub.metrics.s3 import cascades

    run = load_run(s3_run)
    trees = network.cascade_trees(run)
    biggest = cascades(run).iloc[0]
    assert trees and trees[0]["root_id"] == biggest["root_id"] and trees[0]["size"] == biggest["size"]
    assert trees[0]["depth"] == biggest["depth"]
    for tree in trees:
        parent, y = np.array(tree["parent"]), np.array(tree["y"])
        assert (parent < 0).sum() == 1 and parent[0] == -1  # one root, drawn first
        child = parent >= 0
        assert (y[child] > y[parent[child]]).all()  # every repost below the post it reposts
    assert [t["size"] for t in trees] == sorted((t["size"] for t in trees), reverse=True)


def test_layouts_are_deterministic_and_fill_the_unit_square():
    edges = np.array([[0, 1], [1, 2], [2, 0], [3, 4]])
    a, b = force_layout(6, edges, seed=3), force_layout(6, edges, seed=3)
    assert np.array_equal(a, b) and a.min() >= 0 and a.max() <= 1 and np.isclose(a.max(axis=0) - a.min(axis=0), 1).any()
    near = np.linalg.norm(a[0] - a[1])
    far = np.linalg.norm(a[0] - a[5])  # 5 is isolated: pushed off, kept in the picture by the pull to the centre
    assert near < far
    pos = tree_layout(np.array([-1, 0, 0, 1, 1]))
    assert pos[0, 0] == pytest.approx((pos[1, 0] + pos[2, 0]) / 2) and pos[0, 1] == 0.0  # a parent over its children
    assert pos[1, 0] == pytest.approx((pos[3, 0] + pos[4, 0]) / 2) and pos[3, 0] < pos[4, 0] < pos[2, 0]
    assert pos[3, 1] == pos[4, 1] == 1.0 and pos[1, 1] == pos[2, 1] == 0.5


def test_the_report_holds_the_network_view(s3_run):
    net = build_payload([s3_run])["runs"][0]["s3"]["network"]
    graph = net["graph"]
    assert [p["label"] for p in graph["panels"]] == ["start", "middle", "end"]
    assert [p["step"] for p in graph["panels"]] == [0, 3, 6]
    assert graph["drawn"] == 200 == len(graph["x"]) == len(graph["followers"])
    assert "all 200 users" in graph["caption"] and "node size: followers" in graph["caption"]
    # at 2 h the workbench blocks u000010's follow of u000013: marked in the middle and end panels
    assert graph["panels"][0]["blocked"] == [] and len(graph["panels"][1]["blocked"]) == 1
    follower, followee = graph["panels"][1]["blocked"][0]
    assert [graph["users"][follower], graph["users"][followee]] == ["u000010", "u000013"]
    assert [follower, followee] in graph["follows"]  # a follow edge of the drawing, now drawn as blocked
    degrees = net["degrees"]
    assert degrees["xlog"] and degrees["ylog"] and degrees["points"] and len(degrees["series"]) == 2
    assert net["trees"] and net["trees"][0]["size"] > 1


def test_an_old_record_without_a_sample_says_so(s3_dir):
    net = build_payload([s3_dir])["runs"][0]["s3"]["network"]
    assert "graph" not in net and "no sample of the follow graph" in net["graph_note"]
    assert net["trees"][0]["root_id"] == 1 and net["trees"][0]["size"] == 3


def test_the_network_pngs_are_written(s3_run, tmp_path):
    from hubbub.metrics.s3 import write_network

    written = write_network(load_run(s3_run), tmp_path, tmp_path)
    names = {p.name for p in written}
    assert {"network.png", "degree_distribution.png", "cascade_trees.png", "degree_distribution.csv"} <= names
    for p in written:
        if p.suffix == ".png":
            assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 10_000


def test_the_caption_names_the_sample():
    from hubbub.metrics.network_plots import network_caption

    drawing = {"drawn": 400, "sampled": 500, "graph_users": 2000, "graph_edges": 90_000, "follows": [[0, 1]] * 7000,
               "sample": "500 of 2,000 users, breadth-first from the seed posts' authors over follow edges"}
    assert network_caption(drawing) == (
        "Follow graph: 500 of 2,000 users, breadth-first from the seed posts' authors over follow edges (the first "
        "400 of them drawn), 7,000 of 90,000 follow edges; node size: followers in the whole graph")
