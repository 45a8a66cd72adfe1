"""Fitting IC / SIR to cascades on a graph, and saving fitted parameters for reuse by name."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp

from hubbub.dynamics import IndependentCascade, SIR
from hubbub.dynamics.fit import fit_hawkes_tree, fit_ic, fit_sir, growth_target, load_fitted, save_fitted
from hubbub.dynamics.hawkes import ExponentialKernel, Hawkes, simulate_cascade
from hubbub.errors import ConfigError, DataError


def random_graph(n: int, m: int, seed: int) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(n, size=m), rng.integers(n, size=m)
    keep = src != dst
    adj = sp.csr_matrix((np.ones(keep.sum()), (src[keep], dst[keep])), shape=(n, n))
    adj.data[:] = 1.0
    return adj


def synthetic_cascades(model, adj, count: int, steps: int, seed: int):
    """'Real' cascades made by a known model: trees with time in rounds (1 round = 1 minute here)."""
    rng = np.random.default_rng(seed)
    senders = np.flatnonzero(np.diff(adj.indptr) > 0)
    return [model.run(adj, [rng.choice(senders)], steps, rng).trees()[0] for _ in range(count)]


def test_growth_target_measures_size_and_curve_in_the_window():
    class C:
        def __init__(self, time):
            self.time = np.asarray(time, dtype=float)
    target = growth_target([C([0, 10, 20, 200]), C([0, 5])], steps=2, minutes_per_step=10.0)
    assert target.mean_size == pytest.approx((3 + 2) / 2)
    assert target.curve.tolist() == pytest.approx([(1 / 3 + 1 / 2) / 2, (2 / 3 + 1) / 2, 1.0])
    with pytest.raises(ConfigError, match="minutes_per_step"):
        growth_target([C([0])], steps=2, minutes_per_step=0)


def test_fit_ic_recovers_the_probability_that_made_the_cascades():
    adj = random_graph(400, 1600, seed=1)
    real = synthetic_cascades(IndependentCascade(p=0.25), adj, 60, 8, seed=2)
    fit = fit_ic(adj, real, steps=8, minutes_per_step=1.0, p_grid=np.arange(0.05, 0.5, 0.05), replicates=40, seed=3)
    assert fit.model == "independent_cascade"
    assert fit.params["p"] == pytest.approx(0.25, abs=0.051)
    assert fit.diagnostics["loss"] == min(row["loss"] for row in fit.diagnostics["grid"])
    assert fit_ic(adj, real, steps=8, minutes_per_step=1.0, p_grid=[0.1, 0.25], replicates=5, seed=3).params == \
        fit_ic(adj, real, steps=8, minutes_per_step=1.0, p_grid=[0.1, 0.25], replicates=5, seed=3).params


def test_fit_sir_prefers_the_generating_parameters_on_a_small_grid():
    adj = random_graph(400, 1600, seed=4)
    real = synthetic_cascades(SIR(beta=0.3, gamma=0.5), adj, 60, 8, seed=5)
    fit = fit_sir(adj, real, steps=8, minutes_per_step=1.0, beta_grid=[0.1, 0.3, 0.6], gamma_grid=[0.2, 0.5, 1.0],
                  replicates=30, seed=6)
    assert fit.model == "sir" and fit.params["beta"] == 0.3
    assert len(fit.diagnostics["grid"]) == 9


def test_saved_parameters_load_back_and_build_the_model_by_name(tmp_path):
    path = save_fitted(tmp_path / "ic.json", "independent_cascade", {"p": np.float64(0.2)}, {"source": "twitter15"})
    loaded = load_fitted(path)
    assert (loaded.model, loaded.params, loaded.meta) == ("independent_cascade", {"p": 0.2}, {"source": "twitter15"})
    model = loaded.build()
    assert isinstance(model, IndependentCascade) and model.params.p == 0.2
    rng = np.random.default_rng(7)
    hawkes = fit_hawkes_tree([simulate_cascade(0.5, ExponentialKernel(1.0), rng, T=10.0) for _ in range(300)], T=10.0)
    save_fitted(tmp_path / "h.json", hawkes.model, hawkes.params, hawkes.diagnostics)
    process = load_fitted(tmp_path / "h.json").build()
    assert isinstance(process, Hawkes) and process.alpha == pytest.approx(hawkes.params["alpha"])


def test_bad_fitted_files_and_parameters_are_reported(tmp_path):
    with pytest.raises(ConfigError, match="p=2"):
        save_fitted(tmp_path / "x.json", "independent_cascade", {"p": 2})
    with pytest.raises(ConfigError, match="unknown model 'ising'"):
        save_fitted(tmp_path / "x.json", "ising", {})
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(DataError, match="bad.json"):
        load_fitted(bad)
    bad.write_text(json.dumps({"format": "hubbub.fitted/1", "model": "sir", "params": {"beta": 3}}))
    with pytest.raises(DataError, match="bad.json: sir: parameter beta=3"):
        load_fitted(bad)
