"""The follow graph: who receives whose posts, held as one sparse matrix so it scales to millions of edges.

S3 (Section 4.1) models the platform as a directed graph in which a node's out-degree is the number of
people it follows and its in-degree the number of followers it has. Posts travel the other way, from a
followee to its followers, so the graph is stored as a *delivery* matrix ``D`` in CSR form:
``D[i, j] = 1`` when ``j`` follows ``i``, i.e. row ``i`` lists the users who receive ``i``'s posts.
Indices are int32 and sorted; there are no Python objects per edge (10M edges take ~55 MB).
Nodes are 0..n-1; the original ids (str or int) are kept in ``node_ids``.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
from scipy import sparse

from hubbub.errors import ConfigError

USER_CLASSES = ("influential", "regular", "low_impact")
"""S3's three kinds of users, in the order ``classify_users`` prefers them."""


def compile_follows(follower: Any, followee: Any, n_nodes: int) -> tuple[sparse.csr_array, dict[str, int]]:
    """Turn parallel arrays of follow pairs (``follower`` follows ``followee``) into the delivery CSR.

    Self-loops and repeated pairs are dropped and counted: a follow graph is a set of relations."""
    follower = np.asarray(follower, dtype=np.int64).ravel()
    followee = np.asarray(followee, dtype=np.int64).ravel()
    if follower.shape != followee.shape:
        raise ConfigError(f"follower and followee arrays differ in length ({follower.size} vs {followee.size})")
    for name, arr in (("follower", follower), ("followee", followee)):
        if arr.size and (arr.min() < 0 or arr.max() >= n_nodes):
            raise ConfigError(f"{name} index {int(arr.min() if arr.min() < 0 else arr.max())} is outside 0..{n_nodes - 1}")
    loops = follower == followee
    n_loops = int(np.count_nonzero(loops))
    if n_loops:
        follower, followee = follower[~loops], followee[~loops]
    keys = _sorted_unique(followee * np.int64(n_nodes) + follower)  # by (row = followee, col = follower)
    n_dupes = int(follower.size - keys.size)
    del follower, followee, loops
    rows = keys // n_nodes
    cols = (keys - rows * n_nodes).astype(np.int32)
    del keys
    index_dtype = np.int32 if cols.size < 2**31 - 1 else np.int64
    indptr = np.zeros(n_nodes + 1, dtype=index_dtype)
    np.cumsum(np.bincount(rows, minlength=n_nodes), out=indptr[1:])
    del rows
    data = np.ones(cols.size, dtype=np.bool_)
    matrix = sparse.csr_array((data, cols.astype(index_dtype, copy=False), indptr), shape=(n_nodes, n_nodes))
    return matrix, {"self_loops": n_loops, "duplicate_edges": n_dupes}


def _sorted_unique(keys: np.ndarray) -> np.ndarray:
    """Sorted distinct values. An in-place sort and a mask: numpy 2's hash-based ``np.unique`` was
    ~80x slower on 1M int64 keys."""
    keys.sort()
    if keys.size < 2:
        return keys
    distinct = np.empty(keys.size, dtype=bool)
    distinct[0] = True
    np.not_equal(keys[1:], keys[:-1], out=distinct[1:])
    return keys[distinct]


class FollowGraph:
    """A directed follow graph over nodes 0..n-1 with delivery from followee to follower.

    Build one with :meth:`from_follows`, :func:`hubbub.platform.graph_build.load_edge_list` or a
    generator in :mod:`hubbub.platform.graph_build`. Degrees follow S3: ``in_degree`` = followers,
    ``out_degree`` = followees (people followed)."""

    def __init__(self, delivery: sparse.csr_array, node_ids: Any = None, dropped: dict[str, int] | None = None) -> None:
        if delivery.shape[0] != delivery.shape[1]:
            raise ConfigError(f"the delivery matrix must be square, got shape {delivery.shape}")
        delivery = sparse.csr_array(delivery)
        if not delivery.has_sorted_indices:
            delivery.sort_indices()
        self._delivery = delivery
        n = delivery.shape[0]
        if node_ids is not None:
            node_ids = np.asarray(node_ids)
            if node_ids.shape != (n,):
                raise ConfigError(f"node_ids must hold one id per node ({n}), got shape {node_ids.shape}")
        self._node_ids = node_ids
        self._index: dict[Any, int] | None = None
        self._follows: sparse.csr_array | None = None
        self._in: np.ndarray | None = None
        self._out: np.ndarray | None = None
        self._mutual: np.ndarray | None = None
        self.dropped: dict[str, int] = dict(dropped or {"self_loops": 0, "duplicate_edges": 0})

    @classmethod
    def from_follows(cls, follower: Any, followee: Any, n_nodes: int | None = None, node_ids: Any = None) -> "FollowGraph":
        """A graph from parallel index arrays, pair k meaning ``follower[k]`` follows ``followee[k]``.

        ``n_nodes`` defaults to ``len(node_ids)`` or 1 + the largest index. Self-loops and repeated
        pairs are dropped; their counts are kept in ``graph.dropped``."""
        if n_nodes is None:
            if node_ids is not None:
                n_nodes = len(node_ids)
            else:
                both = [np.asarray(a).max(initial=-1) for a in (follower, followee)]
                n_nodes = int(max(both)) + 1
        matrix, dropped = compile_follows(follower, followee, int(n_nodes))
        return cls(matrix, node_ids=node_ids, dropped=dropped)

    # ------------------------------------------------------------------ size and ids
    @property
    def n_nodes(self) -> int:
        return int(self._delivery.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self._delivery.nnz)

    @property
    def delivery(self) -> sparse.csr_array:
        """D with ``D[i, j] = 1`` when j follows i: ``x @ D`` counts, per user, the posters in ``x`` it receives."""
        return self._delivery

    @property
    def follows(self) -> sparse.csr_array:
        """The transpose of D as CSR (row j lists whom j follows); built on first use, then cached."""
        if self._follows is None:
            follows = self._delivery.T.tocsr()
            follows.sort_indices()
            self._follows = follows
        return self._follows

    @property
    def node_ids(self) -> np.ndarray:
        """The original id of each node (0..n-1 when the graph was built from indices)."""
        return np.arange(self.n_nodes) if self._node_ids is None else self._node_ids

    def index_of(self, node_id: Any) -> int:
        """The node index of an original id; the id → index dict is built on first use."""
        if self._node_ids is None:
            if isinstance(node_id, (int, np.integer)) and 0 <= node_id < self.n_nodes:
                return int(node_id)
        else:
            if self._index is None:
                self._index = {_plain(v): i for i, v in enumerate(self._node_ids.tolist())}
            found = self._index.get(_plain(node_id))
            if found is not None:
                return found
        raise ConfigError(f"node id {node_id!r} is not in this graph ({self.n_nodes} nodes)")

    def indices_of(self, node_ids: Iterable[Any]) -> np.ndarray:
        """Node indices of many original ids, in order."""
        return np.fromiter((self.index_of(v) for v in node_ids), dtype=np.int64)

    @property
    def nbytes(self) -> int:
        """Bytes held by the delivery CSR (and the cached transpose, once built)."""
        mats = [m for m in (self._delivery, self._follows) if m is not None]
        return sum(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes for m in mats)

    # ------------------------------------------------------------------ neighbourhoods and degrees
    def followers(self, i: int) -> np.ndarray:
        """Who receives i's posts (sorted node indices; a read-only view)."""
        d = self._delivery
        view = d.indices[d.indptr[i] : d.indptr[i + 1]]
        view.flags.writeable = False
        return view

    def followees(self, i: int) -> np.ndarray:
        """Whom i follows, i.e. whose posts i receives (sorted node indices)."""
        f = self.follows
        return f.indices[f.indptr[i] : f.indptr[i + 1]]

    def delivery_edges(self, posters: Any) -> tuple[np.ndarray, np.ndarray]:
        """All (poster, receiver) pairs for a batch of posters, vectorised: the fan-out of one round."""
        posters = np.asarray(posters, dtype=np.int64).ravel()
        d = self._delivery
        starts, stops = d.indptr[posters], d.indptr[posters + 1]
        counts = (stops - starts).astype(np.int64)
        offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        receivers = d.indices[np.arange(counts.sum()) + offsets]
        return np.repeat(posters, counts), receivers

    def in_degree(self) -> np.ndarray:
        """Followers per node (S3: indegree)."""
        if self._in is None:
            self._in = np.diff(self._delivery.indptr).astype(np.int64)
        return self._in

    def out_degree(self) -> np.ndarray:
        """People followed per node (S3: outdegree)."""
        if self._out is None:
            self._out = np.bincount(self._delivery.indices, minlength=self.n_nodes).astype(np.int64)
        return self._out

    def has_follow(self, follower: int, followee: int) -> bool:
        """Whether ``follower`` follows ``followee`` (binary search in a sorted CSR row)."""
        row = self.followers(followee)
        k = int(np.searchsorted(row, follower))
        return k < row.size and int(row[k]) == follower

    def is_mutual(self, i: int, j: int) -> bool:
        """Whether i and j follow each other (S3's friendship-like relation)."""
        return i != j and self.has_follow(i, j) and self.has_follow(j, i)

    def mutual_mask(self) -> np.ndarray:
        """For each stored edge, in CSR order, whether it is reciprocated (read-only, computed once: the
        graph does not change). The edges' 1-based positions are multiplied elementwise with the
        transposed matrix, so the positions of reciprocated edges survive (sparse C++ code, O(edges))."""
        if self._mutual is None:
            self._mutual = _reciprocated(self._delivery)
            self._mutual.flags.writeable = False
        return self._mutual

    # ------------------------------------------------------------------ S3 user classes
    def classify_users(
        self,
        influence_ratio: float = 2.0,
        influential_quantile: float = 0.9,
        low_impact_quantile: float = 0.25,
        low_impact_max_followers: int | None = None,
    ) -> np.ndarray:
        """S3's influential / regular / low-impact split (Section 4.1), from degrees alone.

        * influential: followers >= ``influence_ratio`` x followees, followers at or above the
          ``influential_quantile`` of all follower counts, and above the low-impact cut.
        * low_impact: followers <= the cut, which is the ``low_impact_quantile`` of follower counts
          or, if given, ``low_impact_max_followers``.
        * regular: everyone else (balanced followers and followees, often mutual).

        Defaults: ratio 2, top 10% by followers, bottom 25% by followers. On a friendship graph where
        every edge is mutual (followers == followees) nobody is influential unless the ratio is <= 1."""
        _check_range("influence_ratio", influence_ratio, 0.0, np.inf, low_open=True)
        _check_range("influential_quantile", influential_quantile, 0.0, 1.0)
        _check_range("low_impact_quantile", low_impact_quantile, 0.0, 1.0)
        followers, followees = self.in_degree(), self.out_degree()
        if followers.size == 0:
            return np.zeros(0, dtype="<U11")
        cut = low_impact_max_followers
        if cut is None:
            cut = float(np.quantile(followers, low_impact_quantile))
        top = float(np.quantile(followers, influential_quantile))
        influential = (followers >= influence_ratio * followees) & (followers >= top) & (followers > cut)
        low = followers <= cut
        return np.where(influential, "influential", np.where(low, "low_impact", "regular")).astype("<U11")

    # ------------------------------------------------------------------ views and exports
    def subgraph(self, nodes: Any) -> "FollowGraph":
        """The graph induced on ``nodes`` (indices, or a boolean mask), in the order given."""
        nodes = np.asarray(nodes)
        if nodes.dtype == bool:
            if nodes.shape != (self.n_nodes,):
                raise ConfigError(f"a node mask must have one entry per node ({self.n_nodes}), got {nodes.shape}")
            nodes = np.flatnonzero(nodes)
        nodes = nodes.astype(np.int64).ravel()
        if nodes.size and (nodes.min() < 0 or nodes.max() >= self.n_nodes):
            raise ConfigError(f"subgraph node indices must lie in 0..{self.n_nodes - 1}")
        if np.unique(nodes).size != nodes.size:
            raise ConfigError("subgraph nodes must not repeat")
        sub = sparse.csr_array(self._delivery[nodes][:, nodes])
        sub.sort_indices()
        sub.indices = sub.indices.astype(np.int32, copy=False)
        sub.indptr = sub.indptr.astype(np.int32, copy=False)
        return FollowGraph(sub, node_ids=self.node_ids[nodes])

    def to_networkx(self, max_edges: int = 2_000_000) -> Any:
        """A ``networkx.DiGraph`` with edges follower → followee (so nx's out_degree is S3's outdegree)
        and the original ids as node labels. For small graphs: refuses more than ``max_edges`` edges."""
        if self.n_edges > max_edges:
            raise ConfigError(f"to_networkx: {self.n_edges} edges exceeds max_edges={max_edges}; networkx holds one Python object per edge")
        try:
            import networkx as nx
        except ImportError as exc:  # optional: only this export needs it
            raise ConfigError("to_networkx needs the optional package networkx: pip install networkx") from exc
        ids = self.node_ids.tolist()
        g = nx.DiGraph()
        g.add_nodes_from(ids)
        d = self._delivery
        rows = np.repeat(np.arange(self.n_nodes), self.in_degree())
        g.add_edges_from((ids[f], ids[e]) for e, f in zip(rows.tolist(), d.indices.tolist()))
        return g

    def summary(self) -> dict[str, Any]:
        """Counts, mutual share, degree quantiles and S3 class counts (default thresholds)."""
        qs = (0.0, 0.5, 0.9, 0.99, 1.0)
        classes = self.classify_users() if self.n_nodes else np.zeros(0, dtype="<U11")
        mutual = float(self.mutual_mask().mean()) if self.n_edges else 0.0

        def quantiles(x: np.ndarray) -> dict[str, float]:
            if x.size == 0:
                return {}
            values = np.quantile(x, qs)
            return {"min": float(values[0]), "p50": float(values[1]), "p90": float(values[2]), "p99": float(values[3]), "max": float(values[4]), "mean": float(x.mean())}

        return {
            "nodes": self.n_nodes,
            "edges": self.n_edges,
            "mutual_share": mutual,
            "followers": quantiles(self.in_degree()),
            "followees": quantiles(self.out_degree()),
            "classes": {name: int(np.count_nonzero(classes == name)) for name in USER_CLASSES},
        }

    def __repr__(self) -> str:
        return f"FollowGraph(n_nodes={self.n_nodes}, n_edges={self.n_edges})"


def _reciprocated(d: sparse.csr_array) -> np.ndarray:
    """Per edge of ``d`` in CSR order, whether ``d`` also holds the reversed edge."""
    mask = np.zeros(d.nnz, dtype=bool)
    if d.nnz:
        positions = sparse.csr_array((np.arange(1, d.nnz + 1, dtype=np.int64), d.indices, d.indptr), shape=d.shape)
        both = positions.multiply(sparse.csr_array(d.T)).tocsr()
        mask[both.data - 1] = True
    return mask


def _plain(value: Any) -> Any:
    """numpy scalars and Python scalars hash alike only after .item(); ids are looked up as Python values."""
    return value.item() if isinstance(value, np.generic) else value


def _check_range(name: str, value: float, lo: float, hi: float, low_open: bool = False) -> None:
    ok = (value > lo if low_open else value >= lo) and value <= hi
    if not ok:
        bound = f"{'>' if low_open else '>='} {lo}" + ("" if np.isinf(hi) else f" and <= {hi}")
        raise ConfigError(f"classify_users: {name} = {value!r} is not allowed; it must be {bound}")
