"""The generated heavy-tailed follow graph of the propagation evaluation, on tiny synthetic cascades."""

from __future__ import annotations

import numpy as np
import pytest

from hubbub.dynamics import IndependentCascade, prepare
from hubbub.errors import DataError
from hubbub.evaluate.tasks.cascade_models import Tree, audience, simulate_rule
from hubbub.evaluate.tasks.follower_graph import (calibrate, calibrated_graph, fit_power_law, tail_alpha,
                                                  tree_out_degrees)
from hubbub.kernel.seeding import SeedTree


def pareto_counts(rng: np.random.Generator, size: int, alpha: float, xmin: int, cap: int) -> np.ndarray:
    """Discrete power-law counts (continuous Pareto rounded), the law the fit assumes."""
    return np.minimum(np.floor((xmin - 0.5) * (1.0 - rng.random(size)) ** (-1.0 / (alpha - 1.0)) + 0.5), cap).astype(np.int64)


def heavy_trees(count: int, seed: int) -> list[Tree]:
    """Wide, shallow trees: a source with a power-law audience (alpha 2.2, from 20) and retweeters who
    mostly get no retweet of their own, 3 % a power-law number (alpha 2.5, from 1)."""
    rng = np.random.default_rng(seed)
    out = []
    for k in pareto_counts(rng, count, 2.2, 20, 3000):
        parent = [np.full(1, -1), np.zeros(k, np.int64)]
        kids = np.where(rng.random(k) < 0.03, pareto_counts(rng, k, 2.5, 1, 500), 0)
        parent.append(np.repeat(np.arange(1, k + 1), kids))
        p = np.concatenate(parent)
        out.append(Tree(p, np.arange(p.size, dtype=np.float64)))
    return out


def test_the_power_law_fit_recovers_a_known_exponent():
    rng = np.random.default_rng(0)
    x = np.r_[np.zeros(3000, np.int64), pareto_counts(rng, 4000, 2.4, 5, 10**6)]
    fit = fit_power_law(x, "test")
    assert fit.alpha == pytest.approx(2.4, abs=0.1)
    assert fit.xmin <= 8 and fit.body[0] == pytest.approx(3000 / 7000)
    assert tail_alpha(x, 5) == pytest.approx(2.4, abs=0.1)
    with pytest.raises(DataError, match="need non-negative counts"):
        fit_power_law([0, -1], "test")
    stars = fit_power_law([0, 0, 0], "test")  # nobody below a source passed a post on: always 0, no tail
    assert stars.n_tail == 0 and stars.sample(rng, 50, 10).tolist() == [0] * 50 and "no tail" in stars.describe()


def test_out_degrees_split_into_sources_and_retweeters():
    tree = Tree(np.array([-1, 0, 0, 1, 1, 1]), np.arange(6.0))
    sources, others = tree_out_degrees([tree])
    assert sources.tolist() == [2] and others.tolist() == [3, 0, 0, 0, 0]


def test_the_calibrated_graph_is_heavy_tailed_as_fitted():
    cal = calibrate(heavy_trees(300, seed=1))
    assert cal.broadcasters.alpha == pytest.approx(2.2, abs=0.25)
    adj, report = calibrated_graph(cal, np.random.default_rng(2), n_population=6000, n_broadcasters=600)
    followers = np.asarray(prepare(adj).out_degree)
    population, broadcasters = followers[:6000], followers[6000:]
    assert report["edges"] == adj.nnz and report["self_loops"] + report["multi_edges"] < 0.05 * report["stubs"]
    # the population's tail re-fitted at the fitted xmin has the fitted exponent; its body has the fitted zero share
    assert tail_alpha(population, cal.population.xmin) == pytest.approx(cal.population.alpha, abs=0.25)
    assert np.mean(population == 0) == pytest.approx(cal.population.body[0], abs=0.02)
    # heavy tails: the largest accounts have far more followers than the typical one
    assert population.max() > 30 * max(np.median(population), 1) and broadcasters.max() > 10 * np.median(broadcasters)
    assert tail_alpha(broadcasters, cal.broadcasters.xmin) == pytest.approx(cal.broadcasters.alpha, abs=0.3)
    assert broadcasters.max() <= cal.broadcasters.xmax and population.max() <= cal.population.xmax


def test_test_sources_are_matched_by_audience_size():
    trees = heavy_trees(200, seed=3)
    adj, _ = calibrated_graph(calibrate(trees), np.random.default_rng(4), n_population=6000, n_broadcasters=600)
    followers = np.asarray(prepare(adj).out_degree)
    wanted = [audience(t) for t in heavy_trees(40, seed=5)] + [10 * int(followers.max())]
    sim = simulate_rule(IndependentCascade(p=1.0), adj, len(wanted), 2, 10.0, SeedTree(0), wanted, draw=False)
    roots = [audience(t) for t in sim]  # with p = 1 the first level is the source's whole audience
    in_range = [(want, got) for want, got in zip(wanted, roots) if want <= followers.max()]
    assert len(in_range) >= 35
    for want, got in in_range:
        assert abs(got - want) <= 0.1 * want + 2, (want, got)
    assert np.corrcoef(np.log1p(wanted[:-1]), np.log1p(roots[:-1]))[0, 1] > 0.9
    assert roots[-1] == followers.max()  # beyond the largest account: the best-followed node
