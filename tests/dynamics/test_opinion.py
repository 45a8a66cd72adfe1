"""Voter, Deffuant and Hegselmann-Krause on tiny hand-made follow graphs."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from hubbub.dynamics import Deffuant, HegselmannKrause, Voter, opinion_clusters, positive_share
from hubbub.dynamics.opinion import _matching
from hubbub.errors import ConfigError


def complete_graph(n: int) -> sp.csr_matrix:
    return sp.csr_matrix(np.ones((n, n)) - np.eye(n))


def follow_graph(edges: list[tuple[int, int]], n: int) -> sp.csr_matrix:
    rows, cols = zip(*edges)
    return sp.csr_matrix((np.ones(len(edges)), (rows, cols)), shape=(n, n))


def test_voter_copies_the_only_followed_account_and_nodes_following_nobody_keep_theirs():
    # everyone follows 0; 0 follows nobody
    adj = follow_graph([(0, j) for j in range(1, 6)], 6)
    model = Voter()
    state = model.step(model.init_state(6, [0], np.random.default_rng(0)), adj, np.random.default_rng(1))
    assert state.values.tolist() == [1] * 6
    state = model.step(model.init_state(6, [1, 2, 3], np.random.default_rng(0)), adj, np.random.default_rng(1))
    assert state.values.tolist() == [0] * 6


def test_voter_consensus_on_a_complete_graph_is_reached_and_absorbs():
    adj = complete_graph(8)
    traj = Voter().run(adj, [0, 1, 2, 3], 300, 3)
    share = traj.counts["positive_share"]
    done = np.flatnonzero((share == 0) | (share == 1))
    assert done.size, "no consensus in 300 rounds"
    assert np.all(share[done[0]:] == share[done[0]])
    unanimous = Voter().run(adj, np.arange(8), 20, 4)
    assert np.all(unanimous.counts["positive"] == 8)


def test_voter_picks_in_neighbours_uniformly():
    n = 3001
    adj = follow_graph([(0, j) for j in range(2, n)] + [(1, j) for j in range(2, n)], n)
    model = Voter()
    state = model.step(model.init_state(n, [0], np.random.default_rng(0)), adj, np.random.default_rng(5))
    assert abs(state.values[2:].mean() - 0.5) < 0.04


def test_hk_with_epsilon_1_on_a_complete_graph_reaches_the_mean_in_one_step():
    x0 = np.random.default_rng(0).random(10)
    model = HegselmannKrause(epsilon=1.0)
    state = model.step(model.init_state(10, x0, np.random.default_rng(1)), complete_graph(10), np.random.default_rng(2))
    assert np.allclose(state.values, x0.mean())


def test_hk_averages_only_followed_accounts_within_epsilon():
    adj = follow_graph([(0, 2), (1, 2)], 3)  # node 2 follows 0 and 1
    model = HegselmannKrause(epsilon=0.2)
    rng = np.random.default_rng(0)
    state = model.step(model.init_state(3, np.array([0.0, 0.9, 0.1]), rng), adj, rng)
    assert np.allclose(state.values, [0.0, 0.9, 0.05])
    frozen = HegselmannKrause(epsilon=0.0).run(complete_graph(5), np.linspace(0, 1, 5), 3, 0)
    assert np.allclose(frozen.state.values, np.linspace(0, 1, 5))


def test_deffuant_with_epsilon_0_never_moves():
    x0 = np.random.default_rng(1).random(50)
    traj = Deffuant(epsilon=0.0, mu=0.5).run(complete_graph(50), x0, 20, 2)
    assert np.array_equal(traj.state.values, x0)


def test_deffuant_pair_meets_halfway_and_conserves_the_mean():
    adj = follow_graph([(0, 1)], 2)
    traj = Deffuant(epsilon=1.0, mu=0.5).run(adj, np.array([0.2, 0.8]), 1, 3)
    assert np.allclose(traj.state.values, [0.5, 0.5])
    x0 = np.random.default_rng(4).random(200)
    big = Deffuant(epsilon=0.3, mu=0.3).run(complete_graph(200), x0, 30, 5)
    assert np.isclose(big.state.values.mean(), x0.mean())
    assert big.state.values.std() < x0.std()
    far = Deffuant(epsilon=0.5).run(adj, np.array([0.0, 0.9]), 5, 6)
    assert far.state.values.tolist() == [0.0, 0.9]


def test_deffuant_conflicts_resolve_to_a_matching_of_earliest_edges():
    u = np.array([0, 1, 2, 3, 4])
    v = np.array([1, 2, 3, 0, 4])
    mu, mv = _matching(u, v, 5)
    # greedy in draw order: edge 0 takes nodes 0, 1; edge 1 and edge 3 lose; edge 2 is free; self-loop dropped
    assert mu.tolist() == [0, 2] and mv.tolist() == [1, 3]
    rng = np.random.default_rng(7)
    u, v = rng.integers(300, size=400), rng.integers(300, size=400)
    mu, mv = _matching(u, v, 300)
    assert np.unique(np.concatenate((mu, mv))).size == 2 * mu.size  # every node at most once
    used, greedy = set(), []
    for a, b in zip(u.tolist(), v.tolist()):
        if a != b and a not in used and b not in used:
            used |= {a, b}
            greedy.append((a, b))
    assert list(zip(mu.tolist(), mv.tolist())) == greedy


def test_positive_share_and_clusters():
    assert positive_share(np.array([0.1, 0.6, 0.5, 0.9])) == 0.5
    assert positive_share(np.array([0, 1, 1, 1], dtype=np.int8)) == 0.75
    assert positive_share(np.array([0.2, 0.4]), threshold=0.3) == 0.5
    assert opinion_clusters(np.array([0.1, 0.1001, 0.5, 0.9, 0.9])) == 3


def test_bad_initial_opinions_are_config_errors():
    with pytest.raises(ConfigError, match="initial opinions"):
        HegselmannKrause().init_state(3, np.array([0.1, 1.5, 0.2]), np.random.default_rng(0))
    with pytest.raises(ConfigError, match="0 or 1"):
        Voter().init_state(2, np.array([0.5, 1.0]), np.random.default_rng(0))
