"""Independent cascade, linear threshold and SIR on tiny hand-made follow graphs."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order

from hubbub.dynamics import SIR, IndependentCascade, LinearThreshold
from hubbub.errors import ConfigError


def follow_graph(edges: list[tuple[int, int]], n: int, data: list[float] | None = None) -> sp.csr_matrix:
    """adj[i, j] = 1: j follows i (i's posts reach j)."""
    rows, cols = zip(*edges)
    vals = np.ones(len(edges)) if data is None else np.asarray(data)
    return sp.csr_matrix((vals, (rows, cols)), shape=(n, n))


def random_graph(n: int, m: int, seed: int) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(n, size=m), rng.integers(n, size=m)
    keep = src != dst
    adj = sp.csr_matrix((np.ones(keep.sum()), (src[keep], dst[keep])), shape=(n, n))
    adj.sum_duplicates()
    adj.data[:] = 1.0
    return adj


def test_ic_with_p1_activates_exactly_the_reachable_set_along_follow_direction():
    # 0 -> 1 -> 2; 3 -> 0 (0 follows 3, so 0's posts never reach 3); 4 isolated
    adj = follow_graph([(0, 1), (1, 2), (3, 0)], 5)
    traj = IndependentCascade(p=1.0).run(adj, [0], 5, np.random.default_rng(1))
    state = traj.state
    assert np.flatnonzero(state.values).tolist() == [0, 1, 2]
    assert state.parent.tolist() == [-1, 0, 1, -1, -1]
    assert state.time.tolist() == [0, 1, 2, -1, -1]
    assert traj.counts["new"].tolist() == [1, 1, 1, 0, 0, 0]
    assert traj.counts["aware"].tolist() == [1, 2, 3, 3, 3, 3]


def test_ic_p1_matches_breadth_first_search_on_a_random_graph():
    adj = random_graph(400, 700, seed=2)
    reach = set(breadth_first_order(adj, 7, directed=True, return_predecessors=False).tolist())
    state = IndependentCascade(p=1.0).run(adj, [7], 400, 3).state
    assert set(np.flatnonzero(state.values).tolist()) == reach
    # every activation's parent is an active in-neighbour activated exactly one round earlier
    kids = np.flatnonzero(state.parent >= 0)
    assert np.all(adj[state.parent[kids], kids] != 0)
    assert np.all(state.time[kids] == state.time[state.parent[kids]] + 1)


def test_ic_with_p0_activates_nothing_beyond_the_seeds():
    adj = random_graph(200, 800, seed=4)
    traj = IndependentCascade(p=0.0).run(adj, [1, 5, 9], 10, 5)
    assert np.flatnonzero(traj.state.values).tolist() == [1, 5, 9]
    assert traj.counts["aware"].tolist() == [3] * 11


def test_ic_parent_is_chosen_uniformly_among_successful_in_neighbours():
    targets = np.arange(2, 4002)
    adj = follow_graph([(0, t) for t in targets] + [(1, t) for t in targets], 4002)
    model = IndependentCascade(p=1.0)
    state = model.step(model.init_state(4002, [0, 1], np.random.default_rng(6)), adj, np.random.default_rng(7))
    share = np.mean(state.parent[targets] == 0)
    assert abs(share - 0.5) < 0.04  # 4000 fair coins: sd 0.008


def test_ic_per_edge_probabilities_come_from_adj_data():
    adj = follow_graph([(0, 1), (0, 2)], 3, data=[1.0, 1e-12])
    state = IndependentCascade(per_edge=True).run(adj, [0], 3, 8).state
    assert np.flatnonzero(state.values).tolist() == [0, 1]
    with pytest.raises(ConfigError, match="adj.data=1.5"):
        IndependentCascade(per_edge=True).run(follow_graph([(0, 1)], 2, data=[1.5]), [0], 1, 8)


def test_step_returns_a_new_state_and_leaves_the_input_alone():
    adj = follow_graph([(0, 1)], 2)
    model = IndependentCascade(p=1.0)
    before = model.init_state(2, [0], np.random.default_rng(0))
    after = model.step(before, adj, np.random.default_rng(0))
    assert before.values.tolist() == [1, 0] and before.t == 0
    assert after.values.tolist() == [2, 1] and after.t == 1


def test_ic_trees_give_one_tree_per_seed_in_time_order():
    adj = follow_graph([(0, 1), (0, 2), (2, 3), (5, 6)], 7)
    trees = IndependentCascade(p=1.0).run(adj, [0, 5], 4, 0).trees()
    assert [t.nodes.tolist() for t in trees] == [[0, 1, 2, 3], [5, 6]]
    assert trees[0].parent.tolist() == [-1, 0, 0, 2]
    assert trees[0].time.tolist() == [0, 1, 1, 2]


def test_lt_activates_when_weighted_active_in_neighbours_reach_the_threshold():
    adj = follow_graph([(0, 2), (1, 2)], 3)  # node 2 follows 0 and 1: weights 1/2 each
    model = LinearThreshold()
    rng = np.random.default_rng(0)
    at = lambda theta, seeds: model.step(  # noqa: E731
        model.init_state(3, seeds, rng, thresholds=np.array([1.0, 1.0, theta])), adj, rng).values[2]
    assert at(0.5, [0]) == 1
    assert at(0.6, [0]) == 0
    assert at(0.6, [0, 1]) == 1


def test_lt_accumulates_influence_across_rounds_and_draws_thresholds_in_0_1():
    # 0 -> 1 -> 2 and 0 -> 2: node 2 gets 1/2 from 0 in round 1, then 1/2 from 1 in round 2
    adj = follow_graph([(0, 1), (1, 2), (0, 2)], 3)
    model = LinearThreshold()
    state = model.init_state(3, [0], np.random.default_rng(0), thresholds=np.array([1.0, 0.9, 0.8]))
    rng = np.random.default_rng(1)
    state = model.step(state, adj, rng)
    assert state.values.tolist() == [2, 1, 0]
    state = model.step(state, adj, rng)
    assert state.values.tolist() == [2, 2, 1] and state.parent[2] == 1
    theta = model.init_state(10_000, [], np.random.default_rng(2)).aux["threshold"]
    assert theta.min() > 0 and theta.max() <= 1 and abs(theta.mean() - 0.5) < 0.02


def test_sir_conserves_population_and_reaches_only_followers():
    adj = random_graph(500, 2500, seed=9)
    traj = SIR(beta=0.3, gamma=0.4).run(adj, [0, 1, 2], 30, 10)
    c = traj.counts
    assert np.all(c["S"] + c["I"] + c["R"] == 500)
    assert np.all(np.diff(c["R"]) >= 0) and np.all(np.diff(c["aware"]) >= 0)
    kids = np.flatnonzero(traj.state.parent >= 0)
    assert np.all(adj[traj.state.parent[kids], kids] != 0)


def test_sir_with_beta1_gamma1_is_a_breadth_first_wave():
    adj = random_graph(300, 600, seed=11)
    traj = SIR(beta=1.0, gamma=1.0).run(adj, [3], 300, 12)
    reach = breadth_first_order(adj, 3, directed=True, return_predecessors=False)
    assert traj.counts["aware"][-1] == reach.size
    assert np.all(traj.counts["I"][1:] == traj.counts["new"][1:])


def test_sir_with_beta0_only_recovers_the_seeds():
    adj = random_graph(50, 200, seed=13)
    traj = SIR(beta=0.0, gamma=1.0).run(adj, [4, 5], 3, 14)
    assert traj.counts["R"].tolist() == [0, 2, 2, 2]
    assert traj.counts["I"].tolist() == [2, 0, 0, 0]


def test_bad_seeds_and_steps_are_config_errors():
    adj = follow_graph([(0, 1)], 2)
    with pytest.raises(ConfigError, match="seed node 5 .*allowed range \\[0, 1\\]"):
        IndependentCascade().run(adj, [5], 1, 0)
    with pytest.raises(ConfigError, match="steps=-1"):
        IndependentCascade().run(adj, [0], -1, 0)
    with pytest.raises(ConfigError, match="square"):
        IndependentCascade().run(sp.csr_matrix((2, 3)), [0], 1, 0)
