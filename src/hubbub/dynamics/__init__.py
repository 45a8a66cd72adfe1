"""Classical dynamics, used as rule policies inside simulations and as baselines.

Rule models are chosen by name from ``REGISTRY`` (an explicit list, no ``if kind == ...`` chains) and
built with ``make_model(name, **params)``; each validates its parameters and raises ConfigError naming the
model, the parameter, the value and the allowed range. The Hawkes process (continuous time, no graph)
lives in :mod:`hubbub.dynamics.hawkes`, fitting in :mod:`hubbub.dynamics.fit`.
"""

from __future__ import annotations

from typing import Any

from hubbub.errors import ConfigError
from hubbub.dynamics.base import RuleModel, SparseGraph, State, Trajectory, Tree, describe_params, prepare
from hubbub.dynamics.diffusion import SIR, IndependentCascade, LinearThreshold
from hubbub.dynamics.opinion import Deffuant, HegselmannKrause, Voter, opinion_clusters, positive_share

_MODELS: tuple[type, ...] = (IndependentCascade, LinearThreshold, SIR, Voter, Deffuant, HegselmannKrause)

REGISTRY: dict[str, type] = {cls.name: cls for cls in _MODELS}
"""Rule models by scenario name."""


def make_model(name: str, **params: Any) -> RuleModel:
    """The rule model registered as ``name``, built with ``params`` (validated)."""
    if name not in REGISTRY:
        raise ConfigError(f"dynamics: unknown model {name!r}; known: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name](**params)


__all__ = [
    "REGISTRY", "make_model", "RuleModel", "SparseGraph", "State", "Trajectory", "Tree", "describe_params",
    "prepare", "IndependentCascade", "LinearThreshold", "SIR", "Voter", "Deffuant", "HegselmannKrause",
    "positive_share", "opinion_clusters",
]
