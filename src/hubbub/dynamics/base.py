"""What every rule-based dynamic shares: the protocol, declared parameters, the graph view and the run loop.

A rule model is a small object chosen by name (DESIGN decision 7). Its parameters live in a frozen
dataclass whose fields declare their allowed range in ``metadata``, so one checker validates every model
and the config reference can be generated from the same declarations. Steps are synchronous rounds
written with numpy / scipy.sparse array operations only: the models must stay usable as rule policies for
millions of agents (decision 8), so no step loops over nodes or edges in Python.

Graph convention: ``adj`` is an ``n x n`` CSR matrix and ``adj[i, j] != 0`` means *j follows i*, i.e. what
``i`` posts is delivered to ``j``. Influence therefore flows along rows: the out-edges of ``i`` reach its
followers, the in-edges of ``j`` come from the accounts ``j`` follows.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, NamedTuple, Protocol, runtime_checkable

import numpy as np
import scipy.sparse as sp

from hubbub.errors import ConfigError

# ---------------------------------------------------------------- parameters


def param(default: float, lo: float, hi: float, doc: str, *, lo_open: bool = False, hi_open: bool = False) -> Any:
    """A dataclass field for a real parameter with an allowed range ``[lo, hi]`` (ends optionally open)."""
    return field(default=default, metadata={"range": (lo, hi, lo_open, hi_open), "doc": doc})


def flag(default: bool, doc: str) -> Any:
    """A dataclass field for a boolean switch."""
    return field(default=default, metadata={"doc": doc, "bool": True})


def _range_text(lo: float, hi: float, lo_open: bool, hi_open: bool) -> str:
    return f"{'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"


def check_params(model: str, params: Any) -> None:
    """Raise ConfigError naming model, parameter, value and allowed range for the first bad field."""
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        value = value.item() if isinstance(value, np.generic) else value
        if f.metadata.get("bool"):
            if not isinstance(value, (bool, np.bool_)):
                raise ConfigError(f"{model}: parameter {f.name}={value!r} is not allowed; allowed: true or false")
            continue
        lo, hi, lo_open, hi_open = f.metadata["range"]
        allowed = _range_text(lo, hi, lo_open, hi_open)
        ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
        ok = ok and math.isfinite(float(value))
        ok = ok and (lo < value if lo_open else lo <= value) and (value < hi if hi_open else value <= hi)
        if not ok:
            raise ConfigError(f"{model}: parameter {f.name}={value!r} is not allowed; allowed range {allowed}")


def describe_params(params_type: type) -> list[dict[str, Any]]:
    """One row per declared parameter (name, default, range, doc): the source of the config reference."""
    rows = []
    for f in dataclasses.fields(params_type):
        rng = f.metadata.get("range")
        rows.append({"name": f.name, "default": f.default, "doc": f.metadata.get("doc", ""),
                     "range": _range_text(*rng) if rng else "true | false"})
    return rows


# ---------------------------------------------------------------- graph view


class SparseGraph:
    """A CSR follow matrix plus the derived arrays some models need, each computed once, lazily.

    Pass one of these (``prepare(adj)``) instead of the bare matrix when calling ``step`` repeatedly:
    the voter model, for example, needs the transpose, which costs a pass over all edges to build.
    The matrix must not be modified while a prepared view of it is in use.
    """

    def __init__(self, adj: Any, inbound: Any = None) -> None:
        """``inbound``, when the caller already holds the transpose (e.g. a follow graph's cached
        ``follows`` matrix), is used instead of building it."""
        if not sp.issparse(adj):
            raise ConfigError(f"adj: expected a scipy.sparse CSR matrix, got {type(adj).__name__}")
        adj = adj.tocsr() if adj.format != "csr" else adj
        if adj.shape[0] != adj.shape[1]:
            raise ConfigError(f"adj: expected a square n x n matrix, got shape {adj.shape}")
        if adj.nnz and not np.all(adj.data != 0):
            adj = adj.copy()
            adj.eliminate_zeros()
        self.adj = adj
        self.n = int(adj.shape[0])
        self.indptr = adj.indptr.astype(np.int64, copy=False)
        self.indices = adj.indices
        self.data = adj.data
        if inbound is not None:
            if not sp.issparse(inbound) or inbound.shape != adj.shape:
                raise ConfigError(f"inbound: expected the transpose of adj, a sparse {adj.shape} matrix")
            self.__dict__["inbound"] = inbound.tocsr()

    @property
    def nnz(self) -> int:
        return int(self.indptr[-1])

    @cached_property
    def out_degree(self) -> np.ndarray:
        """Number of followers of each node."""
        return np.diff(self.indptr)

    @cached_property
    def in_degree(self) -> np.ndarray:
        """Number of accounts each node follows."""
        return np.bincount(self.indices, minlength=self.n)

    @cached_property
    def src(self) -> np.ndarray:
        """The row (poster) of every stored edge, aligned with ``indices`` (the follower)."""
        return np.repeat(np.arange(self.n, dtype=np.int64), self.out_degree)

    @cached_property
    def inbound(self) -> sp.csr_matrix:
        """The transpose as CSR: row ``j`` lists the accounts ``j`` follows (its in-neighbours)."""
        return sp.csr_matrix(self.adj.T)

    def out_edges(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions (into ``indices``/``data``) of all out-edges of ``rows``, and the row of each."""
        return expand_rows(self.indptr, rows)


def expand_rows(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edge positions of the CSR rows ``rows`` and the owning row of each, without a Python loop."""
    rows = np.asarray(rows, dtype=np.int64)
    starts = indptr[rows]
    lens = indptr[rows + 1] - starts
    total = int(lens.sum())
    if total == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    shift = np.repeat(starts - (np.cumsum(lens) - lens), lens)
    return np.arange(total, dtype=np.int64) + shift, np.repeat(rows, lens)


def prepare(adj: Any, inbound: Any = None) -> SparseGraph:
    """The graph view used by ``step``; a SparseGraph is returned unchanged."""
    return adj if isinstance(adj, SparseGraph) else SparseGraph(adj, inbound)


def pick_uniform_claim(targets: np.ndarray, sources: np.ndarray,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """For each distinct target, one of its claiming sources chosen uniformly at random.

    Used to name the parent of an activation when several active in-neighbours succeeded in the same
    round: shuffling the claims and keeping each target's first one is uniform among them.
    """
    if targets.size == 0:
        return targets.astype(np.int64), sources.astype(np.int64)
    order = rng.permutation(targets.size)
    shuffled = targets[order]
    uniq, first = np.unique(shuffled, return_index=True)
    return uniq.astype(np.int64), sources[order][first].astype(np.int64)


# ---------------------------------------------------------------- state, trajectory, protocol


@dataclass
class State:
    """The population at one round. ``values`` holds int8 compartments or float opinions.

    ``parent`` and ``time`` exist for diffusion models: the node that passed the item on (-1 for seeds and
    for nodes never reached) and the round of activation (-1 when never activated). ``aux`` holds
    per-node model extras such as Linear Threshold thresholds.
    """

    values: np.ndarray
    t: int = 0
    parent: np.ndarray | None = None
    time: np.ndarray | None = None
    aux: dict[str, np.ndarray] = field(default_factory=dict)

    def copy(self) -> "State":
        """A deep copy of the arrays, so that ``step`` never changes its input."""
        return State(self.values.copy(), self.t, _copy(self.parent), _copy(self.time),
                     {k: v.copy() for k, v in self.aux.items()})


def _copy(a: np.ndarray | None) -> np.ndarray | None:
    return None if a is None else a.copy()


class Tree(NamedTuple):
    """One cascade as a parent array (-1 at the root) with activation times; ``nodes`` are graph ids."""

    parent: np.ndarray
    time: np.ndarray
    nodes: np.ndarray


@dataclass(frozen=True)
class Trajectory:
    """Per-round counts (index 0 is the initial state) and the final state of one run."""

    model: str
    params: dict[str, Any]
    counts: dict[str, np.ndarray]
    state: State

    @property
    def steps(self) -> int:
        return len(next(iter(self.counts.values()))) - 1

    def trees(self) -> list[Tree]:
        """One cascade tree per seed, for the cascade metrics (diffusion models only)."""
        if self.state.parent is None or self.state.time is None:
            raise ConfigError(f"{self.model}: this model records no parents, so it has no cascade trees")
        return cascade_trees(self.state.parent, self.state.time)


def cascade_trees(parent: np.ndarray, time: np.ndarray) -> list[Tree]:
    """Split the activation forest (``time >= 0``) into one tree per root, nodes in time order."""
    active = np.flatnonzero(time >= 0)
    roots_of = _roots(parent, active)
    order = np.lexsort((active, time[active], roots_of))
    active, roots_of = active[order], roots_of[order]
    bounds = np.flatnonzero(np.diff(roots_of)) + 1
    starts = np.concatenate(([0], bounds))
    local = np.full(parent.shape[0], -1, dtype=np.int64)
    sizes = np.diff(np.concatenate((starts, [active.size])))
    local[active] = np.arange(active.size) - np.repeat(starts, sizes)
    trees = []
    for nodes in np.split(active, bounds) if active.size else []:
        up = parent[nodes]
        par = np.where(up >= 0, local[np.maximum(up, 0)], -1)
        trees.append(Tree(par, time[nodes].astype(np.float64), nodes))
    return trees


def _roots(parent: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Root of each of ``nodes`` by pointer jumping (O(n log depth), no per-node loop)."""
    up = parent.astype(np.int64).copy()
    up[up < 0] = np.flatnonzero(up < 0)
    for _ in range(64):
        nxt = up[up]
        if np.array_equal(nxt, up):
            break
        up = nxt
    return up[nodes]


@runtime_checkable
class RuleModel(Protocol):
    """A classical dynamic usable as a rule policy and as a baseline."""

    name: ClassVar[str]
    params: Any

    def init_state(self, n: int, seeds: Any, rng: np.random.Generator) -> State: ...

    def step(self, state: State, adj: Any, rng: np.random.Generator) -> State: ...

    def counts(self, state: State) -> dict[str, float]: ...

    def run(self, adj: Any, seeds: Any, steps: int, rng: Any) -> Trajectory: ...


class BaseRule:
    """Shared constructor (keyword parameters validated into ``Params``) and the ``run`` loop."""

    name: ClassVar[str] = "rule"
    Params: ClassVar[type]

    def __init__(self, **params: Any) -> None:
        allowed = [f.name for f in dataclasses.fields(self.Params)]
        unknown = sorted(set(params) - set(allowed))
        if unknown:
            raise ConfigError(f"{self.name}: unknown parameter(s) {', '.join(unknown)}; "
                              f"allowed: {', '.join(allowed)}")
        self.params = self.Params(**params)
        check_params(self.name, self.params)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in dataclasses.asdict(self.params).items())
        return f"{type(self).__name__}({args})"

    def run(self, adj: Any, seeds: Any, steps: int, rng: np.random.Generator | int) -> Trajectory:
        """Initialise from ``seeds`` and advance ``steps`` synchronous rounds, recording counts each round."""
        if not isinstance(steps, (int, np.integer)) or steps < 0:
            raise ConfigError(f"{self.name}: steps={steps!r} is not allowed; allowed: an integer >= 0")
        rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(int(rng))
        graph = prepare(adj)
        state = self.init_state(graph.n, seeds, rng)
        rows = [self.counts(state)]
        for _ in range(int(steps)):
            state = self.step(state, graph, rng)
            rows.append(self.counts(state))
        counts = {k: np.array([r[k] for r in rows]) for k in rows[0]}
        return Trajectory(self.name, dataclasses.asdict(self.params), counts, state)


def seed_indices(model: str, n: int, seeds: Any) -> np.ndarray:
    """Seed nodes as sorted unique int64 indices from an index list or a boolean mask of length n."""
    if seeds is None:
        return np.empty(0, np.int64)
    arr = np.asarray(seeds)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise ConfigError(f"{model}: seeds mask has shape {arr.shape}; allowed: a boolean mask of shape ({n},)")
        return np.flatnonzero(arr).astype(np.int64)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ConfigError(f"{model}: seeds must be node indices or a boolean mask, got dtype {arr.dtype}")
    arr = arr.astype(np.int64).ravel()
    bad = arr[(arr < 0) | (arr >= n)]
    if bad.size:
        raise ConfigError(f"{model}: seed node {int(bad[0])} is not allowed; allowed range [0, {n - 1}]")
    return np.unique(arr)
