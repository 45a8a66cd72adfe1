"""Shape and growth of cascade trees, real or simulated, from parent arrays and event times.

A cascade is a parent array (``parent[i]`` is the node that passed the item to ``i``; -1 at the root)
with optional times (minutes for real data, rounds for simulations). Everything is vectorised: depths by
pointer jumping, subtree sizes level by level.

Structural virality (Goel, Anderson, Hofman & Watts 2016) is the mean shortest-path distance over all
node pairs. For a tree it equals ``2 / (n (n - 1)) * sum over edges of s (n - s)``, where ``s`` is the
size of the subtree below the edge (each edge lies on the path of exactly ``s (n - s)`` pairs), which
gives it in O(n). A star has about 2, a chain ``(n + 1) / 3``.

Comparing a simulated with a real set of cascades (``curve_distance``): each cascade's cumulative size
on a common time grid is divided by its final size; the two sets' mean normalised curves are compared by
RMSE (in [0, 1]), and the final-size distributions by the two-sample Kolmogorov-Smirnov statistic (in
[0, 1]). ``total`` is their sum: 0 means same mean growth shape and same size distribution.

``distribution_distance`` is the finer comparison the propagation evaluation reports: one term per
feature of a cascade (final size, depth, maximum breadth, structural virality, and the normalised growth
curve through t50 and t90, the times to 50 % / 90 % of the final size), each the 1-Wasserstein distance
between the two sets' distributions of ``log1p(feature)``. On that scale a term is the typical log-ratio
between matched quantiles (0.69 = off by a factor of 2 at a typical quantile), whatever the feature's
unit, so no term dominates by its unit and every term is invariant to rescaling sizes or the clock
(up to the ``+1``). ``total`` is the weighted mean of the terms (``DISTANCE_WEIGHTS``: equal, 1/6 each).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from hubbub.errors import DataError


def as_parent(parent: Any) -> np.ndarray:
    """Check a parent array (entries -1 or a node index, not itself) and return it as int64."""
    p = np.asarray(parent, dtype=np.int64).ravel()
    bad = (p < -1) | (p >= p.size) | (p == np.arange(p.size))
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"parent array: entry {i} is {int(p[i])}; "
                        f"allowed: -1 (root) or another index in [0, {p.size - 1}]")
    return p


def depths(parent: Any) -> np.ndarray:
    """Depth of every node (root 0) by pointer jumping: O(n log depth), raises DataError on a cycle."""
    p = as_parent(parent)
    dist = (p >= 0).astype(np.int64)
    up = p.copy()
    for _ in range(int(np.ceil(np.log2(max(p.size, 2)))) + 2):
        live = up >= 0
        if not live.any():
            return dist
        hop = np.where(live, up, 0)
        dist = dist + np.where(live, dist[hop], 0)
        up = np.where(live, up[hop], -1)
    if np.all(up < 0):
        return dist
    raise DataError("parent array contains a cycle (some node never reaches a root)")


def size(parent: Any) -> int:
    return int(np.asarray(parent).size)


def depth(parent: Any) -> int:
    """Longest root-to-node path length (0 for a lone root)."""
    d = depths(parent)
    return int(d.max()) if d.size else 0


def breadth_per_depth(parent: Any) -> np.ndarray:
    """Number of nodes at each depth 0, 1, ..., depth."""
    return np.bincount(depths(parent))


def max_breadth(parent: Any) -> int:
    b = breadth_per_depth(parent)
    return int(b.max()) if b.size else 0


def subtree_sizes(parent: Any) -> np.ndarray:
    """Nodes in each node's subtree (itself included), accumulated one depth level at a time."""
    p = as_parent(parent)
    d = depths(p)
    sizes = np.ones(p.size, dtype=np.int64)
    order = np.argsort(-d, kind="stable")
    bounds = np.flatnonzero(np.diff(d[order])) + 1
    for level in np.split(order, bounds):
        level = level[p[level] >= 0]
        if level.size:
            sizes += np.bincount(p[level], weights=sizes[level], minlength=p.size).astype(np.int64)
    return sizes


def wiener_index(parent: Any) -> int:
    """Sum of shortest-path distances over all unordered node pairs of a tree."""
    p = as_parent(parent)
    if np.count_nonzero(p < 0) != 1:
        raise DataError(f"Wiener index needs one tree (one root), got {int(np.count_nonzero(p < 0))} roots")
    s = subtree_sizes(p)[p >= 0]
    return int(np.sum(s * (p.size - s)))


def structural_virality(parent: Any) -> float:
    """Mean pairwise distance of the tree (0.0 for a single node)."""
    n = size(parent)
    return 0.0 if n < 2 else 2.0 * wiener_index(parent) / (n * (n - 1))


# ---------------------------------------------------------------- timing


def time_to_fraction(time: Any, q: float) -> float:
    """Earliest time at which the cascade holds ``ceil(q * n)`` nodes (q in (0, 1])."""
    t = np.sort(np.asarray(time, dtype=np.float64))
    if not 0 < q <= 1 or t.size == 0:
        raise DataError(f"time_to_fraction: q={q!r} with {t.size} events; allowed: q in (0, 1], at least one event")
    return float(t[max(math.ceil(q * t.size), 1) - 1])


def cumulative_size(time: Any, grid: Any) -> np.ndarray:
    """Nodes with time <= each grid point."""
    return np.searchsorted(np.sort(np.asarray(time, dtype=np.float64)), np.asarray(grid, dtype=np.float64), "right")


def normalised_curve(time: Any, grid: Any) -> np.ndarray:
    """Cumulative size on ``grid`` divided by the final size (1.0 once every node has appeared)."""
    t = np.asarray(time)
    return cumulative_size(t, grid) / max(t.size, 1)


def depth_over_time(parent: Any, time: Any, grid: Any) -> np.ndarray:
    """Largest depth among nodes with time <= each grid point (0 before the first node)."""
    d, t = depths(parent), np.asarray(time, dtype=np.float64)
    order = np.argsort(t, kind="stable")
    running = np.maximum.accumulate(d[order]) if d.size else d
    k = np.searchsorted(t[order], np.asarray(grid, dtype=np.float64), "right")
    return np.where(k > 0, running[np.maximum(k - 1, 0)] if d.size else 0, 0)


def max_breadth_over_time(parent: Any, time: Any, grid: Any) -> np.ndarray:
    """Largest number of nodes on one depth level among nodes with time <= each grid point."""
    d, t, g = depths(parent), np.asarray(time, dtype=np.float64), np.asarray(grid, dtype=np.float64)
    if d.size == 0:
        return np.zeros(g.size, dtype=np.int64)
    order = np.lexsort((t, d))
    bounds = np.flatnonzero(np.diff(d[order])) + 1
    per_level = [np.searchsorted(t[idx], g, "right") for idx in np.split(order, bounds)]
    return np.max(np.vstack(per_level), axis=0)


@dataclass(frozen=True)
class CascadeStats:
    """Shape (and, with times, speed) of one cascade."""

    size: int
    depth: int
    max_breadth: int
    structural_virality: float
    duration: float | None = None
    t50: float | None = None
    t90: float | None = None


def summarize(parent: Any, time: Any = None) -> CascadeStats:
    """All scalar metrics of one cascade; the timing ones need ``time``."""
    p = as_parent(parent)
    b = breadth_per_depth(p)
    timing: dict[str, float] = {}
    if time is not None and p.size:
        t = np.asarray(time, dtype=np.float64)
        timing = {"duration": float(t.max() - t.min()),
                  "t50": time_to_fraction(t, 0.5), "t90": time_to_fraction(t, 0.9)}
    return CascadeStats(int(p.size), int(b.size - 1), int(b.max()) if b.size else 0, structural_virality(p), **timing)


# ---------------------------------------------------------------- set comparison


def _parts(cascade: Any) -> tuple[np.ndarray, np.ndarray]:
    """(parent, time) from a tuple or from any object with ``parent`` and ``time`` attributes."""
    if isinstance(cascade, tuple) and len(cascade) >= 2 and not hasattr(cascade, "parent"):
        return np.asarray(cascade[0]), np.asarray(cascade[1], dtype=np.float64)
    return np.asarray(cascade.parent), np.asarray(cascade.time, dtype=np.float64)


def mean_curve(cascades: Sequence[Any], grid: Any) -> np.ndarray:
    """Mean over cascades of the normalised cumulative-size curve on ``grid``."""
    return np.mean([normalised_curve(_parts(c)[1], grid) for c in cascades], axis=0)


def ks_statistic(a: Any, b: Any) -> float:
    """Two-sample Kolmogorov-Smirnov statistic: largest gap between the two empirical CDFs."""
    a, b = np.sort(np.asarray(a, dtype=np.float64)), np.sort(np.asarray(b, dtype=np.float64))
    x = np.concatenate((a, b))
    return float(np.max(np.abs(np.searchsorted(a, x, "right") / a.size - np.searchsorted(b, x, "right") / b.size)))


@dataclass(frozen=True)
class CurveDistance:
    """How far a simulated set of cascades is from a real one (see the module docstring)."""

    curve_rmse: float
    size_ks: float
    total: float
    mean_size_sim: float
    mean_size_real: float


def curve_distance(simulated: Sequence[Any], real: Sequence[Any], grid: Any) -> CurveDistance:
    """Mean-normalised-curve RMSE plus final-size KS between two sets, both timed in the grid's unit."""
    if not simulated or not real:
        raise DataError(f"curve_distance: need cascades on both sides, "
                        f"got {len(simulated)} simulated, {len(real)} real")
    rmse = float(np.sqrt(np.mean((mean_curve(simulated, grid) - mean_curve(real, grid)) ** 2)))
    sim_sizes = [_parts(c)[0].size for c in simulated]
    real_sizes = [_parts(c)[0].size for c in real]
    ks = ks_statistic(sim_sizes, real_sizes)
    return CurveDistance(rmse, ks, rmse + ks, float(np.mean(sim_sizes)), float(np.mean(real_sizes)))


# ---------------------------------------------------------------- distribution distance

FEATURES = ("size", "depth", "max_breadth", "structural_virality", "t50", "t90")
DISTANCE_WEIGHTS = {name: 1.0 / len(FEATURES) for name in FEATURES}
"""Equal weights: the four shape features and the two points of the growth curve count alike."""


def cascade_features(cascades: Sequence[Any]) -> dict[str, np.ndarray]:
    """Every feature in ``FEATURES`` for each cascade (times in the cascades' own unit)."""
    stats = [summarize(*_parts(c)) for c in cascades]
    return {name: np.array([float(getattr(s, name) or 0.0) for s in stats]) for name in FEATURES}


def wasserstein_1d(a: Any, b: Any) -> float:
    """1-Wasserstein distance between two empirical distributions (area between their CDFs)."""
    a, b = np.sort(np.asarray(a, dtype=np.float64)), np.sort(np.asarray(b, dtype=np.float64))
    if a.size == 0 or b.size == 0:
        raise DataError(f"wasserstein: need values on both sides, got {a.size} and {b.size}")
    x = np.concatenate((a, b))
    x.sort()
    gaps = np.diff(x)
    cdf_a = np.searchsorted(a, x[:-1], "right") / a.size
    cdf_b = np.searchsorted(b, x[:-1], "right") / b.size
    return float(np.sum(np.abs(cdf_a - cdf_b) * gaps))


@dataclass(frozen=True)
class DistributionDistance:
    """Per-feature distances (log1p scale, 1-Wasserstein) and their weighted mean."""

    terms: dict[str, float]
    total: float


def distribution_distance(simulated: Sequence[Any], real: Sequence[Any],
                          weights: dict[str, float] | None = None) -> DistributionDistance:
    """How far a simulated set of cascades is from a real one, feature by feature (module docstring)."""
    if not simulated or not real:
        raise DataError(f"distribution_distance: need cascades on both sides, "
                        f"got {len(simulated)} simulated, {len(real)} real")
    weights = DISTANCE_WEIGHTS if weights is None else weights
    unknown = sorted(set(weights) - set(FEATURES))
    if unknown or not weights or min(weights.values()) < 0:
        raise DataError(f"distribution_distance: weights {weights!r} not allowed; allowed: non-negative "
                        f"weights for {', '.join(FEATURES)}")
    sim, ref = cascade_features(simulated), cascade_features(real)
    terms = {k: wasserstein_1d(np.log1p(sim[k]), np.log1p(ref[k])) for k in FEATURES}
    total = sum(weights.get(k, 0.0) * v for k, v in terms.items()) / sum(weights.values())
    return DistributionDistance(terms, float(total))
