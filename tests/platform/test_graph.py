"""FollowGraph: delivery direction, S3 degree convention, mutual follows, user classes, views."""

from __future__ import annotations

import numpy as np
import pytest

from hubbub.errors import ConfigError
from hubbub.platform.graph import USER_CLASSES, FollowGraph, compile_follows

# follower -> followee. 0 is followed by everyone and follows back only 1; 1 and 2 are friends;
# 3 follows 4 one-way; 3 and 5 have no followers.
FOLLOWER = [1, 2, 3, 4, 5, 0, 1, 2, 3]
FOLLOWEE = [0, 0, 0, 0, 0, 1, 2, 1, 4]


@pytest.fixture()
def graph() -> FollowGraph:
    return FollowGraph.from_follows(FOLLOWER, FOLLOWEE, n_nodes=6)


def test_posts_are_delivered_from_followee_to_follower(graph):
    assert graph.followers(0).tolist() == [1, 2, 3, 4, 5]  # who receives 0's posts
    assert graph.followees(0).tolist() == [1]  # whose posts 0 receives
    assert graph.followers(4).tolist() == [3] and graph.followees(4).tolist() == [0]
    assert graph.followers(3).tolist() == []
    assert graph.delivery[0, 3] and not graph.delivery[3, 0]


def test_degrees_follow_the_s3_convention(graph):
    """S3 4.1: outdegree = people followed, indegree = followers."""
    assert graph.in_degree().tolist() == [5, 2, 1, 0, 1, 0]
    assert graph.out_degree().tolist() == [1, 2, 2, 2, 1, 1]
    assert graph.n_nodes == 6 and graph.n_edges == 9


def test_storage_is_int32_csr_without_python_objects(graph):
    d = graph.delivery
    assert d.format == "csr" and d.indices.dtype == np.int32 and d.indptr.dtype == np.int32
    assert d.data.dtype == np.bool_ and d.has_sorted_indices
    assert graph.nbytes == d.data.nbytes + d.indices.nbytes + d.indptr.nbytes


def test_followers_view_cannot_be_written(graph):
    with pytest.raises(ValueError):
        graph.followers(0)[0] = 3


def test_delivery_matrix_counts_received_posts(graph):
    posters = np.zeros(6)
    posters[[0, 2]] = 1
    assert (posters @ graph.delivery).tolist() == [0, 2, 1, 1, 1, 1]  # 1 follows both 0 and 2


def test_delivery_edges_fan_out_a_batch_of_posters(graph):
    src, dst = graph.delivery_edges([4, 0, 3])
    assert list(zip(src.tolist(), dst.tolist())) == [(4, 3), (0, 1), (0, 2), (0, 3), (0, 4), (0, 5)]
    empty_src, empty_dst = graph.delivery_edges([])
    assert empty_src.size == empty_dst.size == 0


def test_follow_and_mutual_queries(graph):
    assert graph.has_follow(1, 0) and graph.has_follow(0, 1) and not graph.has_follow(0, 2)
    assert graph.is_mutual(0, 1) and graph.is_mutual(2, 1)
    assert not graph.is_mutual(3, 4) and not graph.is_mutual(0, 0)


def test_mutual_mask_marks_reciprocated_edges_in_csr_order(graph):
    d = graph.delivery
    rows = np.repeat(np.arange(6), graph.in_degree())
    marked = {(int(r), int(c)) for r, c, m in zip(rows, d.indices, graph.mutual_mask()) if m}
    assert marked == {(0, 1), (1, 0), (1, 2), (2, 1)}


def test_mutual_mask_matches_brute_force_on_a_random_graph():
    rng = np.random.default_rng(5)
    a, b = rng.integers(0, 40, 400), rng.integers(0, 40, 400)
    g = FollowGraph.from_follows(a, b, n_nodes=40)
    dense = g.delivery.toarray()
    rows = np.repeat(np.arange(40), g.in_degree())
    assert np.array_equal(g.mutual_mask(), dense.T[rows, g.delivery.indices])


def test_from_follows_drops_and_counts_self_loops_and_repeats():
    g = FollowGraph.from_follows([0, 1, 1, 2, 2], [1, 0, 0, 2, 0])
    assert g.n_nodes == 3 and g.n_edges == 3
    assert g.dropped == {"self_loops": 1, "duplicate_edges": 1}


def test_compile_rejects_indices_outside_the_graph():
    with pytest.raises(ConfigError, match="outside 0..2"):
        compile_follows([0, 3], [1, 1], 3)
    with pytest.raises(ConfigError, match="differ in length"):
        compile_follows([0, 1], [1], 3)


def test_classify_users_on_a_hand_made_graph(graph):
    # followers [5,2,1,0,1,0]: p90 = 3.5, p25 = 0.25; 0 has 5 followers and follows 1.
    assert graph.classify_users().tolist() == ["influential", "regular", "regular", "low_impact", "regular", "low_impact"]
    strict = graph.classify_users(influence_ratio=6.0)
    assert strict[0] == "regular"
    loose = graph.classify_users(low_impact_max_followers=1)
    assert loose.tolist() == ["influential", "regular", "low_impact", "low_impact", "low_impact", "low_impact"]
    assert set(graph.classify_users().tolist()) <= set(USER_CLASSES)


@pytest.mark.parametrize(
    "kwargs,name",
    [(dict(influence_ratio=0), "influence_ratio"), (dict(influential_quantile=1.5), "influential_quantile"), (dict(low_impact_quantile=-0.1), "low_impact_quantile")],
)
def test_classify_users_rejects_bad_thresholds(graph, kwargs, name):
    with pytest.raises(ConfigError, match=name):
        graph.classify_users(**kwargs)


def test_nobody_is_influential_in_a_graph_without_followers():
    g = FollowGraph.from_follows([], [], n_nodes=4)
    assert g.classify_users().tolist() == ["low_impact"] * 4


def test_subgraph_keeps_the_given_order_and_ids():
    g = FollowGraph.from_follows(FOLLOWER, FOLLOWEE, node_ids=np.array(["a", "b", "c", "d", "e", "f"]))
    sub = g.subgraph([2, 0, 1])
    assert sub.node_ids.tolist() == ["c", "a", "b"]
    # edges among {0,1,2}: 1->0, 2->0, 0->1, 1->2, 2->1 ; in the new order c=0, a=1, b=2
    assert sorted(zip(*np.nonzero(sub.delivery.toarray()))) == [(0, 2), (1, 0), (1, 2), (2, 0), (2, 1)]
    assert sub.delivery.indices.dtype == np.int32
    masked = g.subgraph(np.array([True, True, False, False, False, False]))
    assert masked.n_edges == 2 and masked.is_mutual(0, 1)
    with pytest.raises(ConfigError, match="repeat"):
        g.subgraph([1, 1])


def test_ids_map_to_indices_lazily():
    g = FollowGraph.from_follows([0, 1], [1, 2], node_ids=np.array([10, 20, 30]))
    assert g.index_of(30) == 2 and g.index_of(np.int64(10)) == 0
    assert g.indices_of([20, 30]).tolist() == [1, 2]
    with pytest.raises(ConfigError, match="node id 40"):
        g.index_of(40)
    plain = FollowGraph.from_follows([0], [1])
    assert plain.index_of(1) == 1 and plain.node_ids.tolist() == [0, 1]
    with pytest.raises(ConfigError):
        plain.index_of(2)


def test_node_ids_must_match_the_node_count():
    with pytest.raises(ConfigError, match="one id per node"):
        FollowGraph.from_follows([0], [1], n_nodes=2, node_ids=["a"])


def test_summary_reports_counts_mutual_share_and_classes(graph):
    s = graph.summary()
    assert (s["nodes"], s["edges"]) == (6, 9)
    assert s["mutual_share"] == pytest.approx(4 / 9)
    assert s["followers"]["max"] == 5 and s["followees"]["min"] == 1
    assert s["classes"] == {"influential": 1, "regular": 3, "low_impact": 2}


def test_to_networkx_uses_follower_to_followee_edges(graph):
    nx = pytest.importorskip("networkx")
    g = graph.to_networkx()
    assert isinstance(g, nx.DiGraph) and g.number_of_edges() == 9
    assert g.has_edge(1, 0) and not g.has_edge(0, 3)
    assert dict(g.out_degree()) == dict(enumerate(graph.out_degree().tolist()))
    with pytest.raises(ConfigError, match="max_edges"):
        graph.to_networkx(max_edges=5)
