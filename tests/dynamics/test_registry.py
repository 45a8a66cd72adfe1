"""Rule models are chosen by name from an explicit registry; parameters are declared and checked."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from hubbub.dynamics import REGISTRY, RuleModel, describe_params, make_model, prepare
from hubbub.errors import ConfigError


def test_registry_lists_every_classical_model_by_name():
    assert sorted(REGISTRY) == ["deffuant", "hegselmann_krause", "independent_cascade", "linear_threshold",
                                "sir", "voter"]


def test_every_registered_model_satisfies_the_protocol_and_runs():
    adj = sp.csr_matrix(np.ones((6, 6)) - np.eye(6))
    for name in REGISTRY:
        model = make_model(name)
        assert isinstance(model, RuleModel) and model.name == name
        traj = model.run(adj, [0, 1], 3, np.random.default_rng(0))
        assert traj.steps == 3 and traj.model == name
        assert all(len(v) == 4 for v in traj.counts.values())


def test_unknown_model_lists_the_known_names():
    with pytest.raises(ConfigError) as err:
        make_model("cascade")
    assert "'cascade'" in str(err.value)
    assert "independent_cascade" in str(err.value) and "voter" in str(err.value)


def test_invalid_parameter_names_model_parameter_value_and_range():
    with pytest.raises(ConfigError, match=r"independent_cascade: parameter p=1.5 .* allowed range \[0, 1\]"):
        make_model("independent_cascade", p=1.5)
    with pytest.raises(ConfigError, match=r"deffuant: parameter mu=0 .* allowed range \(0, 0.5\]"):
        make_model("deffuant", mu=0)
    with pytest.raises(ConfigError, match="sir: parameter beta=nan"):
        make_model("sir", beta=float("nan"))
    with pytest.raises(ConfigError, match="per_edge='yes'.*true or false"):
        make_model("independent_cascade", per_edge="yes")


def test_unknown_parameter_lists_the_allowed_ones():
    with pytest.raises(ConfigError, match="sir: unknown parameter\\(s\\) p; allowed: beta, gamma"):
        make_model("sir", p=0.1)


def test_parameters_are_frozen_and_documented():
    model = make_model("sir", beta=0.2, gamma=0.5)
    with pytest.raises(AttributeError):
        model.params.beta = 0.9  # type: ignore[misc]
    rows = {r["name"]: r for r in describe_params(REGISTRY["sir"].Params)}
    assert rows["beta"]["range"] == "[0, 1]" and rows["beta"]["doc"]


def test_models_accept_a_csr_array_with_boolean_data_and_a_given_transpose():
    n = 50
    rng = np.random.default_rng(1)
    dense = rng.random((n, n)) < 0.1
    np.fill_diagonal(dense, False)
    adj = sp.csr_array(dense)  # the follow graph's delivery matrix stores booleans
    graph = prepare(adj, inbound=sp.csr_array(dense.T))
    for name in REGISTRY:
        extra = {"per_edge": True} if name in ("independent_cascade", "linear_threshold") else {}
        a = make_model(name, **extra).run(adj, [0, 1, 2], 4, np.random.default_rng(2))
        b = make_model(name, **extra).run(graph, [0, 1, 2], 4, np.random.default_rng(2))
        assert all(np.array_equal(a.counts[k], b.counts[k]) for k in a.counts), name
