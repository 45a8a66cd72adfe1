"""Cascade shape and growth metrics on hand-made trees."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

from hubbub.errors import DataError
from hubbub.metrics import cascade as m

STAR = np.array([-1, 0, 0, 0, 0])  # root with 4 leaves
CHAIN = np.array([-1, 0, 1, 2, 3])  # 0 - 1 - 2 - 3 - 4


def brute_mean_distance(parent: np.ndarray) -> float:
    kids = np.flatnonzero(parent >= 0)
    n = parent.size
    adj = sp.csr_matrix((np.ones(kids.size), (kids, parent[kids])), shape=(n, n))
    d = shortest_path(adj, directed=False, unweighted=True)
    return d[np.triu_indices(n, 1)].mean()


def test_structural_virality_of_a_star_and_a_chain():
    assert m.structural_virality(STAR) == pytest.approx(2 * 4 / 5)  # 2 (n - 1) / n
    assert m.structural_virality(CHAIN) == pytest.approx(6 / 3)  # (n + 1) / 3
    big_star = np.r_[-1, np.zeros(999, dtype=int)]
    big_chain = np.arange(-1, 999)
    assert m.structural_virality(big_star) < 2 < m.structural_virality(big_chain) == pytest.approx(1001 / 3)
    assert m.structural_virality(np.array([-1])) == 0.0


def test_structural_virality_equals_brute_force_on_random_trees():
    rng = np.random.default_rng(0)
    for n in (2, 3, 17, 60):
        parent = np.r_[-1, [rng.integers(i) for i in range(1, n)]]
        assert m.structural_virality(parent) == pytest.approx(brute_mean_distance(parent))
        perm = np.r_[0, rng.permutation(np.arange(1, n))]  # node order must not matter
        inv = np.argsort(perm)
        shuffled = np.where(parent[perm] >= 0, inv[np.maximum(parent[perm], 0)], -1)
        assert m.structural_virality(shuffled) == pytest.approx(m.structural_virality(parent))


def test_depth_breadth_and_subtree_sizes():
    tree = np.array([-1, 0, 0, 1, 1, 1, 4])
    assert m.depths(tree).tolist() == [0, 1, 1, 2, 2, 2, 3]
    assert m.depth(tree) == 3 and m.size(tree) == 7
    assert m.breadth_per_depth(tree).tolist() == [1, 2, 3, 1]
    assert m.max_breadth(tree) == 3
    assert m.subtree_sizes(tree).tolist() == [7, 5, 1, 1, 2, 1, 1]
    assert m.wiener_index(CHAIN) == 20


def test_bad_parent_arrays_are_data_errors():
    with pytest.raises(DataError, match="cycle"):
        m.depths(np.array([-1, 2, 1]))
    with pytest.raises(DataError, match="entry 1 is 1"):
        m.depths(np.array([-1, 1]))
    with pytest.raises(DataError, match="entry 2 is 7"):
        m.depths(np.array([-1, 0, 7]))
    with pytest.raises(DataError, match="one tree"):
        m.wiener_index(np.array([-1, -1]))


def test_growth_over_time():
    tree = np.array([-1, 0, 0, 1, 1, 1, 4])
    time = np.array([0.0, 1.0, 2.0, 2.0, 3.0, 10.0, 11.0])
    grid = np.array([-1.0, 0.0, 1.5, 2.0, 3.0, 10.0, 20.0])
    assert m.cumulative_size(time, grid).tolist() == [0, 1, 2, 4, 5, 6, 7]
    assert m.normalised_curve(time, grid)[-1] == 1.0
    assert m.depth_over_time(tree, time, grid).tolist() == [0, 0, 1, 2, 2, 2, 3]
    assert m.max_breadth_over_time(tree, time, grid).tolist() == [0, 1, 1, 2, 2, 3, 3]
    assert m.time_to_fraction(time, 0.5) == 2.0  # 4th of 7 events
    assert m.time_to_fraction(time, 0.9) == 11.0
    stats = m.summarize(tree, time)
    assert (stats.size, stats.depth, stats.max_breadth, stats.duration, stats.t50) == (7, 3, 3, 11.0, 2.0)
    assert m.summarize(tree).t50 is None


def test_curve_distance_is_zero_for_identical_sets_and_grows_with_differences():
    rng = np.random.default_rng(1)
    fast = [(np.r_[-1, np.zeros(k - 1, dtype=int)], np.sort(rng.exponential(1.0, k))) for k in (5, 9, 30, 12)]
    slow = [(p, t * 10) for p, t in fast]
    bigger = [(np.r_[-1, np.zeros(10 * p.size - 1, dtype=int)], np.repeat(t, 10)) for p, t in fast]
    grid = np.linspace(0, 50, 101)
    same = m.curve_distance(fast, fast, grid)
    assert same.curve_rmse == 0 and same.size_ks == 0 and same.total == 0
    later = m.curve_distance(slow, fast, grid)
    assert later.curve_rmse > 0.2 and later.size_ks == 0
    larger = m.curve_distance(bigger, fast, grid)
    assert larger.size_ks == 1.0 and larger.curve_rmse == pytest.approx(0.0, abs=1e-12)
    assert larger.mean_size_sim == 10 * larger.mean_size_real
    assert m.ks_statistic([1, 2, 3], [1, 2, 3]) == 0.0 and m.ks_statistic([1, 2], [3, 4]) == 1.0
