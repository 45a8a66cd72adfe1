"""Hawkes process: exact likelihood, Ogata simulation, MLE recovery and the branching (tree) form."""

from __future__ import annotations

import numpy as np
import pytest

from hubbub.dynamics.fit import fit_hawkes, fit_hawkes_tree
from hubbub.dynamics.hawkes import (ExponentialKernel, Hawkes, Pairs, PowerLawKernel, make_kernel,
                                    simulate_cascade)
from hubbub.errors import ConfigError


def brute_pair_sums(kernel, t):
    return np.array([kernel.density(t[i] - t[:i]).sum() for i in range(t.size)])


@pytest.mark.parametrize("kernel", [ExponentialKernel(3.0), ExponentialKernel(400.0), PowerLawKernel(0.5, 1.3)])
def test_pair_sums_equal_the_direct_double_sum(kernel):
    t = np.sort(np.random.default_rng(0).random(300) * 50)
    expected = brute_pair_sums(kernel, t)
    assert np.allclose(kernel.pair_sums(t), expected, rtol=1e-10, atol=1e-300)
    assert np.allclose(Pairs.of(t).sums(kernel), expected, rtol=1e-10)


@pytest.mark.parametrize("kernel", [ExponentialKernel(1.5), PowerLawKernel(0.3, 0.8)])
def test_log_likelihood_matches_numerical_integration_of_the_intensity(kernel):
    process = Hawkes(0.4, 0.5, kernel)
    events = np.array([0.3, 1.1, 1.15, 2.7, 4.0])
    T = 5.0
    grid = np.sort(np.concatenate((np.linspace(0, T, 100_001), events + 1e-12)))
    lam = _intensity(process, grid, events)
    integral = np.trapezoid(lam, grid)
    expected = np.log(_intensity(process, events, events)).sum() - integral
    assert process.log_likelihood(events, T) == pytest.approx(expected, abs=2e-3)


def _intensity(process, t, events):
    past = t[:, None] > events[None, :]
    dens = process.kernel.density(np.where(past, t[:, None] - events[None, :], 0.0))
    return process.mu + process.alpha * np.where(past, dens, 0.0).sum(axis=1)


def test_intensity_method_agrees_with_the_definition():
    process = Hawkes(0.2, 0.7, PowerLawKernel(1.0, 1.5))
    events = np.array([0.5, 0.9, 3.0])
    t = np.array([0.0, 0.5, 0.6, 2.0, 3.5])
    assert np.allclose(process.intensity(t, events), _intensity(process, t, events))


def test_ogata_simulation_then_mle_recovers_the_parameters():
    truth = Hawkes(0.5, 0.6, ExponentialKernel(2.0))
    events = truth.simulate(4000.0, np.random.default_rng(1))
    assert events.size == pytest.approx(0.5 * 4000 / 0.4, rel=0.1)  # stationary mean count mu T / (1 - alpha)
    assert np.all(np.diff(events) > 0) and events[-1] <= 4000
    fit = fit_hawkes([events], 4000.0)
    assert fit.model == "hawkes" and fit.diagnostics["converged"]
    assert fit.params["mu"] == pytest.approx(0.5, rel=0.15)
    assert fit.params["alpha"] == pytest.approx(0.6, rel=0.1)
    assert fit.params["beta"] == pytest.approx(2.0, rel=0.15)


def test_power_law_simulation_and_fit_on_several_short_sequences():
    truth = Hawkes(0.3, 0.5, PowerLawKernel(1.0, 1.5))
    rng = np.random.default_rng(2)
    seqs = [truth.simulate(150.0, rng) for _ in range(6)]
    fit = fit_hawkes(seqs, 150.0, kernel="power_law")
    assert fit.params["kernel"] == "power_law"
    assert fit.params["alpha"] == pytest.approx(0.5, abs=0.2)
    assert fit.params["mu"] == pytest.approx(0.3, rel=0.35)


def test_explosive_simulation_stops_with_a_config_error():
    with pytest.raises(ConfigError, match="max_events=500"):
        Hawkes(1.0, 1.5, ExponentialKernel(1.0)).simulate(1e6, np.random.default_rng(0), max_events=500)


def test_branching_cascade_is_a_time_ordered_tree_with_the_right_mean_size():
    rng = np.random.default_rng(3)
    kernel = ExponentialKernel(1.0)
    sizes = []
    for _ in range(3000):
        c = simulate_cascade(0.7, kernel, rng)
        assert c.parent[0] == -1 and np.all(c.parent[1:] < np.arange(1, c.parent.size))
        assert np.all(c.time[1:] >= c.time[c.parent[1:]])
        sizes.append(c.parent.size)
    assert np.mean(sizes) == pytest.approx(1 / 0.3, rel=0.1)  # 1 / (1 - alpha)
    assert simulate_cascade(0.0, kernel, rng).parent.tolist() == [-1]


def test_marked_cascades_keep_the_mean_branching_ratio_but_widen_sizes():
    rng = np.random.default_rng(4)
    kernel = ExponentialKernel(1.0)
    plain = [simulate_cascade(0.6, kernel, rng).parent.size for _ in range(3000)]
    marked = [simulate_cascade(0.6, kernel, rng, mark_sigma=1.5).parent.size for _ in range(3000)]
    assert np.mean(marked) == pytest.approx(2.5, rel=0.15)
    assert np.std(marked) > np.std(plain)


def test_window_and_max_size_limit_growth():
    rng = np.random.default_rng(5)
    c = simulate_cascade(0.9, ExponentialKernel(1.0), rng, T=2.0)
    assert c.time.max() <= 2.0
    big = simulate_cascade(3.0, ExponentialKernel(1.0), rng, max_size=200)
    assert big.truncated and big.parent.size >= 200


def test_tree_mle_recovers_alpha_and_kernel_under_censoring():
    rng = np.random.default_rng(6)
    cases = ((ExponentialKernel(0.5), 6.0, "beta", 0.5), (PowerLawKernel(1.0, 1.5), 20.0, "theta", 1.5))
    for kernel, T, key, value in cases:
        cascades = [simulate_cascade(0.8, kernel, rng, T=T) for _ in range(2000)]
        fit = fit_hawkes_tree(cascades, kernel=kernel.name, T=T)
        assert fit.params["alpha"] == pytest.approx(0.8, rel=0.08)
        assert fit.params[key] == pytest.approx(value, rel=0.15)
        assert fit.params["mu"] == 0.0


def test_kernel_and_parameter_errors():
    with pytest.raises(ConfigError, match="unknown kernel 'gauss'"):
        make_kernel("gauss", s=1.0)
    with pytest.raises(ConfigError, match="beta=-1"):
        ExponentialKernel(-1.0)
    with pytest.raises(ConfigError, match="alpha=-0.1"):
        Hawkes(0.1, -0.1, ExponentialKernel(1.0))
    k = make_kernel("power_law", c=2.0, theta=0.5)
    assert k.cdf(np.array([0.0]))[0] == 0 and np.isclose(k.cdf(np.array([1e12]))[0], 1, atol=1e-5)
