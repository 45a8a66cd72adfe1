"""The propagation evaluation's distance, anchors, duplicate check and fit reproduction, on synthetic trees."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from hubbub.dynamics import IndependentCascade
from hubbub.dynamics.fit import audience_sources, fit_ic
from hubbub.evaluate.data.twitter15 import Cascade, content_hash, drop_duplicates
from hubbub.evaluate.tasks.cascade_models import Tree, audience, fit_hawkes_audience, null_trees, simulate_hawkes_audience
from hubbub.kernel.seeding import SeedTree
from hubbub.metrics.cascade import FEATURES, distribution_distance, wasserstein_1d


def random_trees(count: int, seed: int, fan: float = 3.0) -> list[Tree]:
    """Shallow, wide synthetic cascades: a star of Poisson(fan * 10) children, each with Poisson(0.3) kids."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        k = int(rng.poisson(fan * 10)) + 1
        grand = rng.poisson(0.3, k)
        parent = np.r_[-1, np.zeros(k, np.int64), np.repeat(np.arange(1, k + 1), grand)]
        time = np.r_[0.0, np.sort(rng.exponential(30.0, k)), np.zeros(grand.sum())]
        time[k + 1:] = time[parent[k + 1:]] + rng.exponential(60.0, grand.sum())
        out.append(Tree(parent, time))
    return out


def test_identical_sets_have_zero_distance_in_every_term():
    trees = random_trees(40, seed=1)
    d = distribution_distance(trees, list(trees))
    assert set(d.terms) == set(FEATURES) and all(v == pytest.approx(0.0, abs=1e-12) for v in d.terms.values())
    assert d.total == pytest.approx(0.0, abs=1e-12)


def test_each_term_sees_its_own_feature_and_sizes_are_on_a_log_scale():
    trees = random_trees(60, seed=2)
    slower = [Tree(t.parent, t.time * 4.0) for t in trees]
    d = distribution_distance(slower, trees)
    assert d.terms["size"] == d.terms["depth"] == d.terms["max_breadth"] == 0.0
    assert d.terms["t50"] > 0.5 and d.terms["t90"] > 0.5
    bigger = random_trees(60, seed=3, fan=9.0)
    assert distribution_distance(bigger, trees).terms["size"] == pytest.approx(
        wasserstein_1d(np.log1p([t.parent.size for t in bigger]), np.log1p([t.parent.size for t in trees])))
    assert wasserstein_1d([0.0, 1.0], [2.0, 3.0]) == pytest.approx(2.0)


def test_the_null_anchor_has_the_real_sizes_and_no_structure():
    real = random_trees(50, seed=4)
    sizes = [t.parent.size for t in real]
    rrt, star = null_trees(sizes, 600.0, seed=0), null_trees(sizes, 600.0, seed=0, star=True)
    assert [t.parent.size for t in rrt] == sizes == [t.parent.size for t in star]
    d = distribution_distance(rrt, real)
    assert d.terms["size"] == 0.0 and d.total > 0.2
    assert all(np.all(t.parent[1:] < np.arange(1, t.parent.size)) for t in rrt)  # parents come earlier
    assert all(np.all(t.time <= 600.0) and np.all(np.diff(t.time) >= 0) for t in rrt)
    assert all(audience(t) == t.parent.size - 1 for t in star)


def cascade(tid: str, text: str) -> Cascade:
    empty = np.zeros(1, np.int64)
    return Cascade(tid, "true", empty - 1, np.zeros(1), empty, empty, content_hash=content_hash(text))


def test_duplicate_trees_are_found_by_content_and_left_out():
    a = "['ROOT', 'ROOT', '0.0']->['1', '10', '0.0']\n['1', '10', '0.0']->['2', '10', '3.5']\n"
    b = "['ROOT', 'ROOT', '0.0']->['7', '70', '0.0']\n"
    reordered = "\r\n".join(reversed(a.strip().splitlines())) + "\r\n\r\n"
    assert content_hash(a) == content_hash(reordered) != content_hash(b)
    train = [cascade("10", a)]
    kept, dropped = drop_duplicates([cascade("99", reordered), cascade("70", b)], train)
    assert dropped == 1 and [c.tweet_id for c in kept] == ["70"]


def test_audience_matched_sources_have_the_nearest_follower_count():
    out_degree = np.array([0, 1, 5, 5, 40, 200])
    picked = audience_sources(out_degree, np.array([4.0, 38.0, 10_000.0, 1.0]), np.random.default_rng(0))
    assert out_degree[picked].tolist() == [5, 40, 200, 1]


def test_a_fitted_ic_reproduces_its_own_target_on_fresh_runs():
    rng = np.random.default_rng(5)
    n, m = 600, 3000
    src, dst = rng.integers(n, size=m), rng.integers(n, size=m)
    adj = sp.csr_matrix((np.ones(m), (src, dst)), shape=(n, n))
    adj.setdiag(0)
    adj.eliminate_zeros()
    adj.data[:] = 1.0
    senders = np.flatnonzero(np.diff(adj.indptr) > 0)
    model = IndependentCascade(p=0.15)
    real = [model.run(adj, [int(rng.choice(senders))], 8, rng).trees()[0] for _ in range(150)]
    fit = fit_ic(adj, real, steps=8, minutes_per_step=1.0, p_grid=np.geomspace(0.02, 0.5, 8), replicates=150,
                 seed=1, refine=4)
    check = fit.diagnostics["fit_error"]
    assert abs(check["z"]) < 3 and check["runs"] == 150
    assert check["target_mean_log_size"] == pytest.approx(np.mean(np.log1p([t.parent.size for t in real])))
    assert fit.params["p"] == pytest.approx(0.15, rel=0.35)


def test_audience_seeded_hawkes_reproduces_the_train_audiences():
    train = random_trees(80, seed=6)
    fits = fit_hawkes_audience(train, 600.0)
    sim = simulate_hawkes_audience(fits, 400, 600.0, SeedTree(0))
    real_first = np.mean([audience(t) for t in train])
    assert np.mean([audience(t) for t in sim]) == pytest.approx(real_first, rel=0.1)
    assert fits["later"].params["alpha"] == pytest.approx(0.3, rel=0.4)
