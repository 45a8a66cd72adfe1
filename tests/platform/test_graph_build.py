"""Loading edge lists and generating follow graphs: formats, errors, sizes, degrees, determinism."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from hubbub.errors import ConfigError, DataError
from hubbub.platform.graph import FollowGraph
from hubbub.platform.graph_build import (
    barabasi_albert,
    configuration_model,
    copy_degree_sequence,
    load_edge_list,
    stochastic_block,
    watts_strogatz,
)
from hubbub.platform.graph_build.generators import _pair_coordinates, _sample_distinct

FACEBOOK = Path("/work/shared/data/snap_ego_facebook/facebook_combined.txt.gz")


def _write(tmp_path: Path, name: str, text: str, gz: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes(gzip.compress(text.encode()) if gz else text.encode())
    return path


def _edges(graph: FollowGraph) -> set[tuple[object, object]]:
    """(follower id, followee id) pairs."""
    ids = graph.node_ids.tolist()
    rows = np.repeat(np.arange(graph.n_nodes), graph.in_degree())
    return {(ids[f], ids[e]) for e, f in zip(rows.tolist(), graph.delivery.indices.tolist())}


def _same_csr(a: FollowGraph, b: FollowGraph) -> bool:
    x, y = a.delivery, b.delivery
    return np.array_equal(x.indptr, y.indptr) and np.array_equal(x.indices, y.indices)


# ---------------------------------------------------------------------------------------- loading


@pytest.mark.skipif(not FACEBOOK.exists(), reason="SNAP Facebook file not present")
def test_snap_facebook_loads_as_a_friendship_graph():
    graph, report = load_edge_list(FACEBOOK, directed=False)
    assert (graph.n_nodes, graph.n_edges) == (4039, 2 * 88_234)
    assert report["lines_read"] == 88_234 and report["self_loops"] == report["duplicate_edges"] == 0
    assert report["id_type"] == "int" and not report["has_header"]
    assert graph.node_ids[0] == 0 and graph.node_ids[-1] == 4038
    assert graph.mutual_mask().all()
    assert np.array_equal(graph.in_degree(), graph.out_degree())


def test_whitespace_edge_list_follower_followee(tmp_path):
    graph, report = load_edge_list(_write(tmp_path, "e.txt", "# comment\n1 2\n\n2 3\n  3 1\n"), directed=True)
    assert _edges(graph) == {(1, 2), (2, 3), (3, 1)}
    assert report["lines_read"] == 3 and report["sep"] == r"\s+"


def test_direction_followee_follower_reverses_edges(tmp_path):
    path = _write(tmp_path, "e.txt", "1 2\n2 3\n")
    graph, _ = load_edge_list(path, directed=True, direction="followee_follower")
    assert _edges(graph) == {(2, 1), (3, 2)}
    assert graph.followers(graph.index_of(1)).tolist() == [graph.index_of(2)]


def test_undirected_rows_become_two_follows(tmp_path):
    graph, report = load_edge_list(_write(tmp_path, "e.txt", "1 2\n2 1\n2 3\n"), directed=False)
    assert _edges(graph) == {(1, 2), (2, 1), (2, 3), (3, 2)}
    assert report["duplicate_edges"] == 2  # "2 1" repeats "1 2" in both directions


@pytest.mark.parametrize("name", ["e.txt.gz", "e.edges"])
def test_gzip_is_read_by_magic_bytes(tmp_path, name):
    graph, _ = load_edge_list(_write(tmp_path, name, "1\t2\n2\t3\n", gz=True), directed=True)
    assert _edges(graph) == {(1, 2), (2, 3)}


def test_header_is_detected_over_integer_rows(tmp_path):
    graph, report = load_edge_list(_write(tmp_path, "e.tsv", "# about\nfollower\tfollowee\n1\t2\n2\t3\n"), directed=True)
    assert report["has_header"] and report["sep"] == "\t" and report["lines_read"] == 2
    assert _edges(graph) == {(1, 2), (2, 3)}


def test_header_is_detected_over_string_ids_by_its_names(tmp_path):
    text = "source,target\nalice,bob\nbob,alice\ncarol,alice\n"
    graph, report = load_edge_list(_write(tmp_path, "e.csv", text), directed=True)
    assert report["has_header"] and report["id_type"] == "str"
    assert graph.node_ids.tolist() == ["alice", "bob", "carol"]  # first appearance
    assert _edges(graph) == {("alice", "bob"), ("bob", "alice"), ("carol", "alice")}
    assert graph.is_mutual(graph.index_of("alice"), graph.index_of("bob"))


def test_string_ids_without_header(tmp_path):
    graph, report = load_edge_list(_write(tmp_path, "e.csv", "alice,bob\nbob,carol\n"), directed=True)
    assert not report["has_header"] and report["id_type"] == "str"
    assert _edges(graph) == {("alice", "bob"), ("bob", "carol")}


def test_explicit_header_flag_wins(tmp_path):
    path = _write(tmp_path, "e.txt", "1 2\n2 3\n")
    _, report = load_edge_list(path, directed=True, has_header=True)
    assert report["lines_read"] == 1


def test_named_and_positional_columns(tmp_path):
    path = _write(tmp_path, "e.csv", "time,followee,follower\n5,1,2\n6,1,3\n")
    graph, _ = load_edge_list(path, directed=True, source_col="follower", target_col="followee")
    assert _edges(graph) == {(2, 1), (3, 1)}
    same, _ = load_edge_list(path, directed=True, has_header=True, source_col=2, target_col=1)
    assert _same_csr(graph, same)
    with pytest.raises(ConfigError, match="no column named 'who'"):
        load_edge_list(path, directed=True, source_col="who")
    with pytest.raises(ConfigError, match="column 7 does not exist"):
        load_edge_list(path, directed=True, source_col=7)


def test_large_sparse_integer_ids_keep_their_values(tmp_path):
    graph, _ = load_edge_list(_write(tmp_path, "e.txt", "900000000001 5\n5 900000000001\n"), directed=True)
    assert graph.node_ids.tolist() == [5, 900000000001] and graph.n_edges == 2


def test_self_loops_and_duplicates_are_dropped_and_counted(tmp_path):
    graph, report = load_edge_list(_write(tmp_path, "e.txt", "1 1\n1 2\n1 2\n2 2\n2 3\n"), directed=True)
    assert (report["self_loops"], report["duplicate_edges"], report["lines_read"]) == (2, 1, 5)
    assert _edges(graph) == {(1, 2), (2, 3)}
    assert graph.dropped == {"self_loops": 2, "duplicate_edges": 1}


def test_non_integer_id_is_reported_with_its_line_when_ints_are_required(tmp_path):
    path = _write(tmp_path, "e.txt", "# c\n1 2\n2 3\n3 x\n")
    with pytest.raises(DataError, match=r"e\.txt, line 4: node id 'x' in field 1 is not an integer"):
        load_edge_list(path, directed=True, id_type="int")
    graph, report = load_edge_list(path, directed=True)  # auto: falls back to string ids
    assert report["id_type"] == "str" and "x" in graph.node_ids.tolist()


@pytest.mark.parametrize(
    "text,line,problem",
    [
        ("1 2\n2 3 4\n3 1\n", 2, "expected 2 fields like the first line, found 3"),
        ("1,2\n2,3\n\n3\n", 4, "expected 2 fields like the first line, found 1"),
        ("1,2\n2,\n", 2, "field 1 is empty"),
    ],
)
def test_malformed_line_raises_data_error_with_line_number(tmp_path, text, line, problem):
    path = _write(tmp_path, "bad.txt", text)
    with pytest.raises(DataError, match=f"bad.txt, line {line}: {problem}"):
        load_edge_list(path, directed=True)


@pytest.mark.parametrize("text", ["", "# only a comment\n\n", "source target\n"])
def test_file_without_edges_raises_data_error(tmp_path, text):
    with pytest.raises(DataError, match="empty|no edges"):
        load_edge_list(_write(tmp_path, "e.txt", text), directed=True)


def test_missing_file_and_bad_options(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_edge_list(tmp_path / "absent.txt", directed=True)
    path = _write(tmp_path, "e.txt", "1 2\n")
    with pytest.raises(ConfigError, match="direction"):
        load_edge_list(path, directed=True, direction="up")
    with pytest.raises(ConfigError, match="id_type"):
        load_edge_list(path, directed=True, id_type="float")


# ---------------------------------------------------------------------------------------- generators


def test_barabasi_albert_new_nodes_follow_old_ones():
    g = barabasi_albert(2000, 5, np.random.default_rng(1), directed_reciprocity=0.0)
    assert g.n_nodes == 2000
    assert g.n_edges == 2000 * 5 - g.dropped["self_loops"] - g.dropped["duplicate_edges"]
    assert g.dropped["self_loops"] + g.dropped["duplicate_edges"] < 0.02 * g.n_edges
    rows = np.repeat(np.arange(g.n_nodes), g.in_degree())
    assert np.all(g.delivery.indices > rows)  # every follower arrived after its followee
    assert np.all(g.out_degree()[100:] <= 5) and np.median(g.out_degree()) == 5
    followers = g.in_degree()
    assert followers.max() > 20 * 5  # preferential attachment grows hubs
    assert followers[:100].mean() > 5 * followers[1000:].mean()  # early users gather followers


def test_barabasi_albert_reciprocity_share():
    g = barabasi_albert(5000, 4, np.random.default_rng(2), directed_reciprocity=0.25)
    # each follow returned with prob r: mutual edges / all edges = 2r / (1 + r)
    assert g.mutual_mask().mean() == pytest.approx(2 * 0.25 / 1.25, abs=0.02)
    assert g.classify_users()[:10].tolist().count("influential") >= 5


def test_generators_are_deterministic_under_a_seed():
    def make(seed):
        rng = np.random.default_rng(seed)
        return (
            barabasi_albert(500, 3, rng),
            watts_strogatz(500, 6, 0.2, rng),
            stochastic_block([200, 300], 0.05, 0.01, rng)[0],
            configuration_model([2] * 100, [2] * 100, rng)[0],
        )

    first, again, other = make(11), make(11), make(12)
    assert all(_same_csr(a, b) for a, b in zip(first, again))
    assert not any(_same_csr(a, c) for a, c in zip(first, other))


def test_watts_strogatz_lattice_and_rewiring():
    ring = watts_strogatz(50, 4, 0.0, np.random.default_rng(0))
    assert ring.n_edges == 50 * 4 and np.all(ring.in_degree() == 4) and ring.mutual_mask().all()
    assert ring.followers(0).tolist() == [1, 2, 48, 49]
    g = watts_strogatz(1000, 10, 0.3, np.random.default_rng(3))
    assert g.mutual_mask().all() and np.array_equal(g.in_degree(), g.out_degree())
    assert g.n_edges == 1000 * 10 - g.dropped["duplicate_edges"] and g.dropped["self_loops"] == 0
    far = np.abs(np.repeat(np.arange(1000), g.in_degree()) - g.delivery.indices)
    share_far = np.mean(np.minimum(far, 1000 - far) > 5)
    assert share_far == pytest.approx(0.3 * (1 - 10 / 1000), abs=0.03)  # rewired share


def test_stochastic_block_within_and_between_density():
    sizes, p_in, p_out = [400, 600], 0.05, 0.005
    g, labels = stochastic_block(sizes, p_in, p_out, np.random.default_rng(4))
    assert labels.tolist() == [0] * 400 + [1] * 600 and g.n_nodes == 1000
    dense = g.delivery.toarray()
    assert not dense.diagonal().any()
    for a, sa in enumerate(sizes):
        for b, sb in enumerate(sizes):
            block = dense[np.ix_(labels == a, labels == b)]
            pairs = sa * sb - (sa if a == b else 0)
            p = p_in if a == b else p_out
            assert block.sum() == pytest.approx(p * pairs, abs=4 * np.sqrt(pairs * p * (1 - p)))


def test_stochastic_block_undirected_is_mutual():
    g, labels = stochastic_block([300, 300], 0.04, 0.004, np.random.default_rng(5), directed=False)
    assert g.mutual_mask().all()
    within = g.delivery.toarray()[np.ix_(labels == 0, labels == 0)]
    pairs = 300 * 299 / 2
    assert within.sum() / 2 == pytest.approx(0.04 * pairs, abs=4 * np.sqrt(pairs * 0.04))


@pytest.mark.parametrize("directed", [True, False])
def test_pair_numbers_cover_every_pair_once(directed):
    s = 37
    total = s * (s - 1) if directed else s * (s - 1) // 2
    i, j = _pair_coordinates(np.arange(total), s, s, True, directed)
    pairs = set(zip(i.tolist(), j.tolist()))
    assert len(pairs) == total and all(a != b for a, b in pairs)
    assert all(0 <= a < s and 0 <= b < s for a, b in pairs)
    if not directed:
        assert all(a < b for a, b in pairs)


@pytest.mark.parametrize("population,count", [(10**12, 5000), (1000, 900), (1000, 100), (5, 0)])
def test_sample_distinct_draws_distinct_values_in_range(population, count):
    x = _sample_distinct(population, count, np.random.default_rng(6))
    assert x.size == count and np.unique(x).size == count
    assert count == 0 or (x.min() >= 0 and x.max() < population)


def test_configuration_model_realises_degrees_up_to_dropped_stubs():
    rng = np.random.default_rng(7)
    outs = rng.integers(0, 8, 3000)
    ins = rng.permutation(outs)
    g, report = configuration_model(ins, outs, rng)
    assert report["stubs"] == outs.sum()
    assert report["edges"] == g.n_edges == outs.sum() - report["self_loops"] - report["multi_edges"]
    assert np.all(g.in_degree() <= ins) and np.all(g.out_degree() <= outs)
    assert (ins - g.in_degree()).sum() == report["self_loops"] + report["multi_edges"]
    with pytest.raises(ConfigError, match="sum"):
        configuration_model([1, 1], [1, 0], rng)


def test_copy_degree_sequence_of_a_friendship_graph():
    source = watts_strogatz(300, 6, 0.5, np.random.default_rng(8))
    g, report = copy_degree_sequence(source, 2000, np.random.default_rng(9))
    assert report["symmetric"] and g.n_nodes == 2000 and g.mutual_mask().all()
    assert g.in_degree().mean() == pytest.approx(source.in_degree().mean(), rel=0.05)
    scaled, _ = copy_degree_sequence(source, 2000, np.random.default_rng(9), mean_degree=3.0)
    assert scaled.in_degree().mean() == pytest.approx(3.0, rel=0.08)


def test_copy_degree_sequence_of_a_directed_graph_balances_stubs():
    source = barabasi_albert(1000, 4, np.random.default_rng(10))
    g, report = copy_degree_sequence(source, 3000, np.random.default_rng(11))
    assert not report["symmetric"] and report["stubs_trimmed"] >= 0
    assert g.n_nodes == 3000
    assert np.quantile(g.in_degree(), 0.99) > 3 * np.median(g.in_degree())  # hubs survive


@pytest.mark.skipif(not FACEBOOK.exists(), reason="SNAP Facebook file not present")
def test_copy_degree_sequence_from_the_facebook_file():
    g, report = copy_degree_sequence(FACEBOOK, 5000, np.random.default_rng(12))
    assert report["source_nodes"] == 4039 and report["symmetric"]
    assert g.in_degree().mean() == pytest.approx(2 * 88_234 / 4039, rel=0.1)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda r: barabasi_albert(5, 5, r), "m = 5"),
        (lambda r: barabasi_albert(10, 2, r, directed_reciprocity=1.5), "directed_reciprocity"),
        (lambda r: watts_strogatz(10, 3, 0.1, r), "k = 3"),
        (lambda r: watts_strogatz(10, 4, -0.1, r), "p = -0.1"),
        (lambda r: stochastic_block([10, 0], 0.1, 0.1, r), "sizes"),
        (lambda r: stochastic_block([10], 2.0, 0.1, r), "p_in"),
        (lambda r: copy_degree_sequence(FollowGraph.from_follows([0], [1]), 0, r), "n = 0"),
    ],
)
def test_generator_arguments_are_checked(call, match):
    with pytest.raises(ConfigError, match=match):
        call(np.random.default_rng(0))
