"""Information diffusion on a follow graph: Independent Cascade, Linear Threshold and SIR.

Every model spreads along follow edges (``adj[i, j] != 0``: what ``i`` posts reaches follower ``j``) in
synchronous rounds, touching only the out-edges of the nodes that can transmit this round. Each
activation records its parent, one transmitting in-neighbour chosen uniformly among those that succeeded
in that round, and its round, so that ``Trajectory.trees()`` yields cascade trees for the cascade metrics.

States are int8 arrays. IC and LT: 0 inactive, 1 activated in the last round (will transmit now),
2 active (spent). SIR: 0 susceptible, 1 infectious, 2 recovered. Every model counts ``new`` (activated
this round) and ``aware`` (cumulative reach) per round; SIR adds ``S``, ``I`` and ``R``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hubbub.errors import ConfigError
from hubbub.dynamics.base import (BaseRule, SparseGraph, State, flag, param, pick_uniform_claim, prepare,
                                  seed_indices)

INACTIVE, FRESH, SPENT = 0, 1, 2
SUSCEPTIBLE, INFECTIOUS, RECOVERED = 0, 1, 2


def _activation_state(n: int, seeds: np.ndarray, code: int) -> State:
    values = np.zeros(n, dtype=np.int8)
    values[seeds] = code
    time = np.full(n, -1, dtype=np.int32)
    time[seeds] = 0
    return State(values, 0, np.full(n, -1, dtype=np.int64), time)


def _edge_probability(model: str, graph: SparseGraph, pos: np.ndarray, p: float, per_edge: bool) -> np.ndarray | float:
    """The transmission probability of each edge: the scalar ``p`` or ``adj.data`` when ``per_edge``."""
    if not per_edge:
        return p
    prob = graph.data[pos]
    if prob.size and (prob.min() < 0 or prob.max() > 1):
        bad = float(prob[(prob < 0) | (prob > 1)][0])
        raise ConfigError(f"{model}: per-edge probability adj.data={bad!r} is not allowed; allowed range [0, 1]")
    return prob


def _activation_counts(state: State) -> dict[str, float]:
    """Newly activated this round and cumulative reach (every node ever activated)."""
    return {"new": int(np.count_nonzero(state.values == FRESH)), "aware": int(np.count_nonzero(state.values))}


def _activate(state: State, new: np.ndarray, parents: np.ndarray, code: int) -> None:
    state.values[new] = code
    state.parent[new] = parents
    state.time[new] = state.t


@dataclass(frozen=True)
class ICParams:
    p: float = param(0.1, 0.0, 1.0, "probability that a newly active node activates each follower (its one chance)")
    per_edge: bool = flag(False, "use adj.data as per-edge probabilities instead of p")


class IndependentCascade(BaseRule):
    """Kempe-Kleinberg-Tardos independent cascade: each activation gets one chance per follower."""

    name = "independent_cascade"
    Params = ICParams

    def init_state(self, n: int, seeds: Any, rng: np.random.Generator) -> State:
        return _activation_state(n, seed_indices(self.name, n, seeds), FRESH)

    def step(self, state: State, adj: Any, rng: np.random.Generator) -> State:
        graph, nxt = prepare(adj), state.copy()
        nxt.t += 1
        frontier = np.flatnonzero(state.values == FRESH)
        nxt.values[frontier] = SPENT
        pos, src = graph.out_edges(frontier)
        hit = rng.random(pos.size) < _edge_probability(self.name, graph, pos, self.params.p, self.params.per_edge)
        tgt, src = graph.indices[pos[hit]], src[hit]
        fresh = state.values[tgt] == INACTIVE
        new, parents = pick_uniform_claim(tgt[fresh], src[fresh], rng)
        _activate(nxt, new, parents, FRESH)
        return nxt

    def counts(self, state: State) -> dict[str, float]:
        return _activation_counts(state)


@dataclass(frozen=True)
class LTParams:
    per_edge: bool = flag(False, "use adj.data as influence weights (a node's in-weights should sum to <= 1) "
                                 "instead of 1 / in-degree")


class LinearThreshold(BaseRule):
    """Linear threshold: a node activates once the summed weight of its active in-neighbours reaches its
    threshold, drawn once per node from U(0, 1] with the run's generator."""

    name = "linear_threshold"
    Params = LTParams

    def init_state(self, n: int, seeds: Any, rng: np.random.Generator,
                   thresholds: np.ndarray | None = None) -> State:
        """``thresholds`` (shape (n,), values in (0, 1]) overrides the random draw, e.g. in tests."""
        state = _activation_state(n, seed_indices(self.name, n, seeds), FRESH)
        theta = 1.0 - rng.random(n) if thresholds is None else np.asarray(thresholds, dtype=np.float64)
        if theta.shape != (n,):
            raise ConfigError(f"{self.name}: thresholds have shape {theta.shape}; allowed: shape ({n},)")
        state.aux = {"threshold": theta, "influence": np.zeros(n)}
        return state

    def step(self, state: State, adj: Any, rng: np.random.Generator) -> State:
        graph, nxt = prepare(adj), state.copy()
        nxt.t += 1
        frontier = np.flatnonzero(state.values == FRESH)
        nxt.values[frontier] = SPENT
        pos, src = graph.out_edges(frontier)
        tgt = graph.indices[pos]
        weight = graph.data[pos] if self.params.per_edge else 1.0 / graph.in_degree[tgt]
        nxt.aux["influence"] += np.bincount(tgt, weights=weight, minlength=graph.n)
        reached = (state.values == INACTIVE) & (nxt.aux["influence"] >= nxt.aux["threshold"] - 1e-12)
        claims = reached[tgt]
        new, parents = pick_uniform_claim(tgt[claims], src[claims], rng)
        _activate(nxt, new, parents, FRESH)
        return nxt

    def counts(self, state: State) -> dict[str, float]:
        return _activation_counts(state)


@dataclass(frozen=True)
class SIRParams:
    beta: float = param(0.1, 0.0, 1.0, "infection probability per contact (infectious -> follower) per round")
    gamma: float = param(0.2, 0.0, 1.0, "probability that an infectious node recovers in a round")


class SIR(BaseRule):
    """Susceptible-infectious-recovered spreading along follow edges, synchronous rounds.

    In a round every infectious node contacts each follower (infecting a susceptible one with probability
    beta) and then recovers with probability gamma; nodes infected this round become infectious next
    round. ``aware`` (infectious + recovered) is the cumulative reach.
    """

    name = "sir"
    Params = SIRParams

    def init_state(self, n: int, seeds: Any, rng: np.random.Generator) -> State:
        return _activation_state(n, seed_indices(self.name, n, seeds), INFECTIOUS)

    def step(self, state: State, adj: Any, rng: np.random.Generator) -> State:
        graph, nxt = prepare(adj), state.copy()
        nxt.t += 1
        infectious = np.flatnonzero(state.values == INFECTIOUS)
        pos, src = graph.out_edges(infectious)
        hit = rng.random(pos.size) < self.params.beta
        tgt, src = graph.indices[pos[hit]], src[hit]
        fresh = state.values[tgt] == SUSCEPTIBLE
        new, parents = pick_uniform_claim(tgt[fresh], src[fresh], rng)
        nxt.values[infectious[rng.random(infectious.size) < self.params.gamma]] = RECOVERED
        _activate(nxt, new, parents, INFECTIOUS)
        return nxt

    def counts(self, state: State) -> dict[str, float]:
        v = state.values
        return {"S": int(np.count_nonzero(v == SUSCEPTIBLE)), "I": int(np.count_nonzero(v == INFECTIOUS)),
                "R": int(np.count_nonzero(v == RECOVERED)), "new": int(np.count_nonzero(state.time == state.t)),
                "aware": int(np.count_nonzero(v))}
