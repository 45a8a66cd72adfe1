"""Opinion dynamics on a follow graph: voter, Deffuant bounded confidence and Hegselmann-Krause.

Opinions are binary int8 (voter) or floats in [0, 1] (Deffuant, Hegselmann-Krause). A node is influenced
by the accounts it follows (its in-neighbours, ``adj[:, j]``). Rounds are synchronous.

``seeds`` for these models means the initial opinions: ``None`` draws them (voter: Bernoulli with
``initial_share``; continuous: U(0, 1)); a float array of shape (n,) gives them directly; node indices or
a boolean mask set those nodes to 1 and draw the rest as for ``None``, except the voter model, where the
rest start at 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hubbub.errors import ConfigError
from hubbub.dynamics.base import BaseRule, State, flag, param, prepare, seed_indices


def positive_share(opinions: np.ndarray, threshold: float = 0.5) -> float:
    """Share of nodes whose opinion is strictly above ``threshold`` (binary 1s count as positive)."""
    opinions = np.asarray(opinions)
    return float(np.count_nonzero(opinions > threshold) / opinions.size) if opinions.size else 0.0


def opinion_clusters(opinions: np.ndarray, tol: float = 1e-3) -> int:
    """Number of opinion groups: sorted opinions split wherever a gap exceeds ``tol``."""
    x = np.sort(np.asarray(opinions, dtype=np.float64))
    return int(x.size > 0) + int(np.count_nonzero(np.diff(x) > tol))


def _initial_opinions(model: str, n: int, seeds: Any, rng: np.random.Generator, draw: Any) -> np.ndarray:
    arr = None if seeds is None else np.asarray(seeds)
    if arr is not None and arr.dtype.kind == "f":
        if arr.shape != (n,) or not np.all((arr >= 0) & (arr <= 1)):
            raise ConfigError(f"{model}: initial opinions must have shape ({n},) with values in [0, 1], "
                              f"got shape {arr.shape}, range [{arr.min():g}, {arr.max():g}]")
        return arr.astype(np.float64)
    x = draw(n)
    x[seed_indices(model, n, seeds)] = 1
    return x


def _continuous_counts(x: np.ndarray) -> dict[str, float]:
    return {"mean": float(x.mean()), "std": float(x.std()), "positive_share": positive_share(x)}


@dataclass(frozen=True)
class VoterParams:
    initial_share: float = param(0.5, 0.0, 1.0, "probability of opinion 1 for nodes whose opinion is drawn")


class Voter(BaseRule):
    """Voter model: every round each node copies the opinion of one in-neighbour drawn uniformly.

    Nodes that follow nobody keep their opinion. Sampling works on the transposed CSR (one uniform draw
    per node indexes straight into its in-neighbour slice).
    """

    name = "voter"
    Params = VoterParams

    def init_state(self, n: int, seeds: Any, rng: np.random.Generator) -> State:
        if seeds is not None and not np.asarray(seeds).dtype.kind == "f":
            draw = lambda k: np.zeros(k, dtype=np.int8)  # noqa: E731
        else:
            draw = lambda k: (rng.random(k) < self.params.initial_share).astype(np.int8)  # noqa: E731
        x = _initial_opinions(self.name, n, seeds, rng, draw)
        if x.dtype.kind == "f" and not np.all((x == 0) | (x == 1)):
            raise ConfigError(f"{self.name}: initial opinions must be 0 or 1")
        return State(x.astype(np.int8))

    def step(self, state: State, adj: Any, rng: np.random.Generator) -> State:
        who, source = _one_in_neighbour(prepare(adj), rng)
        values = state.values.copy()
        values[who] = state.values[source]
        return State(values, state.t + 1)

    def counts(self, state: State) -> dict[str, float]:
        positive = int(np.count_nonzero(state.values))
        return {"positive": positive, "positive_share": positive / max(state.values.size, 1)}


@dataclass(frozen=True)
class DeffuantParams:
    epsilon: float = param(0.2, 0.0, 1.0, "confidence bound: a pair interacts only if |x_i - x_j| < epsilon")
    mu: float = param(0.5, 0.0, 0.5, "convergence rate: each moves mu of the way towards the other",
                      lo_open=True)
    rate: float = param(1.0, 0.0, 1.0, "candidate edges drawn per round, as a share of n/2", lo_open=True)
    directed: bool = flag(False, "only the follower moves: every node that follows someone meets one followed "
                                 "account per round, drawn uniformly (a reader of posts; rate is unused)")


class Deffuant(BaseRule):
    """Deffuant-Weisbuch bounded confidence along follow edges (both ends move).

    A round draws ``ceil(rate * n / 2)`` edges uniformly (with replacement), in draw order. Conflicts
    are resolved deterministically: the pairs that meet are the greedy matching of the drawn edges in
    that order (a node meets at most once per round, in its earliest drawn edge whose other end is still
    free), and all pairs update simultaneously. With ``directed`` the meeting is one-sided, as when a
    user reads a post: each node meets one uniformly drawn followed account and only it moves, so one
    account can move many followers in the same round.
    """

    name = "deffuant"
    Params = DeffuantParams

    def init_state(self, n: int, seeds: Any, rng: np.random.Generator) -> State:
        return State(_initial_opinions(self.name, n, seeds, rng, rng.random))

    def step(self, state: State, adj: Any, rng: np.random.Generator) -> State:
        if self.params.directed:
            return self._reader_step(state, adj, rng)
        graph = prepare(adj)
        x = state.values.copy()
        if graph.nnz == 0 or graph.n == 0:
            return State(x, state.t + 1)
        m = int(np.ceil(self.params.rate * graph.n / 2))
        edge = rng.integers(graph.nnz, size=m)
        u = np.searchsorted(graph.indptr, edge, side="right") - 1
        v = graph.indices[edge].astype(np.int64)
        u, v = _matching(u, v, graph.n)
        close = np.abs(x[u] - x[v]) < self.params.epsilon
        u, v = u[close], v[close]
        shift = self.params.mu * (x[v] - x[u])
        x[u] += shift
        x[v] -= shift
        return State(x, state.t + 1)

    def _reader_step(self, state: State, adj: Any, rng: np.random.Generator) -> State:
        """Directed variant: each follower meets one followed account (drawn as in the voter model)."""
        x = state.values.copy()
        reader, source = _one_in_neighbour(prepare(adj), rng)
        close = np.abs(state.values[source] - state.values[reader]) < self.params.epsilon
        reader, source = reader[close], source[close]
        x[reader] += self.params.mu * (state.values[source] - state.values[reader])
        return State(x, state.t + 1)

    def counts(self, state: State) -> dict[str, float]:
        return _continuous_counts(state.values)


def _one_in_neighbour(graph: Any, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Every node with in-neighbours and one of them drawn uniformly (one draw per node)."""
    inbound = graph.inbound
    indptr = inbound.indptr.astype(np.int64, copy=False)
    deg = np.diff(indptr)
    who = np.flatnonzero(deg)
    pick = indptr[who] + (rng.random(who.size) * deg[who]).astype(np.int64)
    return who, inbound.indices[pick].astype(np.int64)


def _matching(u: np.ndarray, v: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The greedy matching of edges ``(u[k], v[k])`` taken in order k (self-loops dropped).

    Computed in vectorised rounds: an edge whose ends are both still free and which is the earliest
    remaining edge at both ends joins the matching; edges touching a matched node leave. Every round
    keeps at least the earliest remaining edge, and the result equals the sequential greedy one.
    """
    k = np.arange(u.size)
    alive, keep, matched = u != v, np.zeros(u.size, dtype=bool), np.zeros(n, dtype=bool)
    while alive.any():
        idx = k[alive]
        first = np.full(n, u.size, dtype=np.int64)
        np.minimum.at(first, u[idx], idx)
        np.minimum.at(first, v[idx], idx)
        win = idx[(first[u[idx]] == idx) & (first[v[idx]] == idx)]
        keep[win] = True
        matched[u[win]] = matched[v[win]] = True
        alive &= ~matched[u] & ~matched[v]
    return u[keep], v[keep]


@dataclass(frozen=True)
class HKParams:
    epsilon: float = param(0.2, 0.0, 1.0,
                           "confidence bound: average over followed accounts with |x_j - x_i| <= epsilon")


class HegselmannKrause(BaseRule):
    """Hegselmann-Krause: each node moves to the mean of itself and the in-neighbours within epsilon."""

    name = "hegselmann_krause"
    Params = HKParams

    def init_state(self, n: int, seeds: Any, rng: np.random.Generator) -> State:
        return State(_initial_opinions(self.name, n, seeds, rng, rng.random))

    def step(self, state: State, adj: Any, rng: np.random.Generator) -> State:
        graph, x = prepare(adj), state.values
        src, dst = graph.src, graph.indices
        near = np.abs(x[src] - x[dst]) <= self.params.epsilon
        total = np.bincount(dst[near], weights=x[src[near]], minlength=graph.n) + x
        count = np.bincount(dst[near], minlength=graph.n) + 1
        return State(total / count, state.t + 1)

    def counts(self, state: State) -> dict[str, float]:
        return _continuous_counts(state.values)
