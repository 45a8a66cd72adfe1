"""A generated follow graph with heavy-tailed follower counts calibrated to real cascades.

Twitter15 has no follower counts, so the calibration reads what the train trees do show: how many
direct retweeters each node got inside the window (its out-degree in the tree, a lower bound of its
*effective* followers, the followers who pass a post on). Two distributions are fitted, each as an
empirical body below ``xmin`` and a discrete power law ``P(k) ~ k^-alpha`` from ``xmin`` up, with
``alpha`` by maximum likelihood (Clauset, Shalizi & Newman 2009, the discrete approximation) and
``xmin`` the candidate with the smallest Kolmogorov-Smirnov distance among those with at least
:data:`MIN_TAIL` values at or above it (the smallest positive value when no candidate has as many):

* **population** (the people a post reaches): the retweeters' out-degrees (every tree node but the source);
* **broadcasters** (the accounts cascades start from): the sources' out-degrees, i.e. their audiences.

Counts that are all 0 (pure star trees) fit the law "always 0", with no tail.

The graph (:func:`calibrated_graph`) has ``n_population`` population nodes and ``n_broadcasters``
broadcaster nodes, each with a follower count drawn from its fitted law; every follower is a population
node, wired by a configuration model (stub matching; the population's followee counts are spread
uniformly), so a cascade reaches mostly nodes with few followers and sometimes a hub, as in the real
trees. A cascade is seeded at the node whose follower count is nearest to a given audience
(:func:`hubbub.dynamics.fit.audience_sources`): a train tree's audience when fitting, each test
tree's own audience when scoring.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from hubbub.errors import DataError

N_POPULATION = 20000
"""Population nodes of the generated graph (10x the largest Twitter15 audience; cascades stay far from
saturating it)."""
N_BROADCASTERS = 2000
"""Broadcaster nodes: enough that every audience in the data has a node of similar follower count."""
MIN_TAIL = 30
"""A power-law tail is fitted only on candidates ``xmin`` with at least this many values at or above it."""


@dataclass(frozen=True)
class PowerLawFit:
    """A count distribution: empirical shares below ``xmin``, a discrete power law from ``xmin`` up."""

    alpha: float
    xmin: int
    ks: float
    n_tail: int
    n: int
    xmax: int
    """The largest value seen: draws are truncated there (a finite sample shows no larger account)."""
    body: tuple[float, ...]
    """Shares of the values 0 .. xmin-1 among all values (the rest, ``tail_share``, is the tail)."""

    @property
    def tail_share(self) -> float:
        """Share of the values at or above ``xmin``."""
        return 1.0 - float(sum(self.body))

    def describe(self) -> str:
        """One line: the law, its exponent and scale, and the fit's KS distance."""
        if self.n_tail == 0:
            return f"all {self.n} values 0 (no tail)"
        return (f"P(k) ~ k^-{self.alpha:.3f} for {self.xmin} <= k <= {self.xmax} ({self.tail_share:.1%} of "
                f"{self.n} values, KS {self.ks:.3f}), empirical below {self.xmin}")

    def sample(self, rng: np.random.Generator, size: int, cap: int) -> np.ndarray:
        """``size`` counts from the fitted law (tail by inverse CDF, truncated at ``xmax``), capped at
        ``cap`` (a node cannot have more followers than there are nodes)."""
        body = np.asarray(self.body + (self.tail_share,))
        kind = rng.choice(body.size, size=size, p=body / body.sum())
        if self.n_tail == 0:
            return np.minimum(kind, cap).astype(np.int64)
        lo, top = self.xmin - 0.5, min(self.xmax, cap) + 0.5
        kept = 1.0 - (top / lo) ** (1.0 - self.alpha)  # P(tail draw <= top)
        tail = np.floor(lo * (1.0 - rng.random(size) * kept) ** (-1.0 / (self.alpha - 1.0)) + 0.5)
        return np.minimum(np.where(kind < self.xmin, kind, tail), cap).astype(np.int64)


def tail_alpha(values: np.ndarray, xmin: int) -> float:
    """Discrete power-law exponent of the values ``>= xmin`` by maximum likelihood (continuous
    approximation with the half-integer shift)."""
    tail = values[values >= xmin].astype(np.float64)
    return 1.0 + tail.size / float(np.sum(np.log(tail / (xmin - 0.5))))


def _ks(values: np.ndarray, xmin: int, alpha: float) -> float:
    tail = np.sort(values[values >= xmin]).astype(np.float64)
    points = np.unique(tail)
    empirical = 1.0 - np.searchsorted(tail, points, "left") / tail.size  # P(X >= k)
    model = ((points - 0.5) / (xmin - 0.5)) ** (1.0 - alpha)
    return float(np.max(np.abs(empirical - model)))


def fit_power_law(values: Sequence[int], what: str) -> PowerLawFit:
    """Fit the body-plus-tail law to non-negative counts; ``xmin`` by the smallest KS distance."""
    x = np.asarray(values, dtype=np.int64)
    if x.size == 0 or x.min() < 0:
        raise DataError(f"follower graph: {what}: need non-negative counts, got {x.size} values"
                        + (f" (minimum {x.min()})" if x.size else ""))
    positive = np.unique(x[x >= 1])
    if positive.size == 0:  # e.g. pure star trees: nobody below the source passed a post on
        return PowerLawFit(float("nan"), 1, 0.0, 0, int(x.size), 0, (1.0,))
    candidates = [int(k) for k in positive if np.count_nonzero(x >= k) >= MIN_TAIL][:60] or [int(positive[0])]
    fits = [(_ks(x, k, tail_alpha(x, k)), k) for k in candidates]
    ks, xmin = min(fits)
    body = tuple(float(np.count_nonzero(x == k)) / x.size for k in range(xmin))
    return PowerLawFit(tail_alpha(x, xmin), xmin, ks, int(np.count_nonzero(x >= xmin)), int(x.size), int(x.max()), body)


def tree_out_degrees(trees: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """The sources' out-degrees (audiences) and every other node's out-degree, over all trees."""
    sources, others = [], []
    for t in trees:
        parent = np.asarray(t.parent)
        kids = np.bincount(parent[parent >= 0], minlength=parent.size)
        sources.append(kids[:1])
        others.append(kids[1:])
    return np.concatenate(sources), np.concatenate(others)


@dataclass(frozen=True)
class Calibration:
    """What the generated graph was fitted to."""

    population: PowerLawFit
    broadcasters: PowerLawFit

    def describe(self) -> str:
        """The two fitted laws, for notes and docs."""
        return (f"retweeters' follower counts {self.population.describe()}; sources' follower counts "
                f"{self.broadcasters.describe()}")


def calibration_record(cal: Calibration, report: dict[str, int]) -> dict[str, Any]:
    """The fitted laws and the realised graph as plain JSON values (saved next to the other fits)."""
    law = lambda f: {"alpha": f.alpha if f.n_tail else None, "xmin": f.xmin, "xmax": f.xmax, "ks": f.ks, "n_values": f.n,  # noqa: E731
                     "n_tail": f.n_tail, "body_shares": list(f.body)}
    return {"population": {"fitted_on": "out-degrees of every non-source node of the train trees", **law(cal.population)},
            "broadcasters": {"fitted_on": "out-degrees (audiences) of the train trees' sources", **law(cal.broadcasters)},
            "n_population": N_POPULATION, "n_broadcasters": N_BROADCASTERS, "wiring": report}


def calibrate(train: Sequence[Any]) -> Calibration:
    """Fit both laws on the train trees' out-degrees."""
    sources, others = tree_out_degrees(train)
    return Calibration(fit_power_law(others, "retweeters' out-degrees"), fit_power_law(sources, "sources' audiences"))


def calibrated_graph(cal: Calibration, rng: np.random.Generator, n_population: int = N_POPULATION,
                     n_broadcasters: int = N_BROADCASTERS) -> tuple[Any, dict[str, int]]:
    """The follow matrix (row = followee, columns = followers; ``adj[i].nnz`` = i's followers) and the
    stub-matching report (self-loops and multi-edges dropped)."""
    import scipy.sparse as sp

    from hubbub.platform.graph_build import configuration_model

    followers = np.r_[cal.population.sample(rng, n_population, n_population - 1),
                      cal.broadcasters.sample(rng, n_broadcasters, n_population - 1)]
    followees = np.r_[rng.multinomial(int(followers.sum()), np.full(n_population, 1.0 / n_population)),
                      np.zeros(n_broadcasters, np.int64)]
    graph, report = configuration_model(followers, followees, rng)
    adj = sp.csr_matrix(graph.delivery, dtype=np.float64)
    adj.data[:] = 1.0
    return adj, report


def describe_graph(cal: Calibration, adj: Any, report: dict[str, int]) -> str:
    """The graph's name in notes and rows."""
    return (f"generated heavy-tailed graph ({N_POPULATION} population + {N_BROADCASTERS} broadcaster nodes, "
            f"{report['edges']} follows, {report['multi_edges'] + report['self_loops']} duplicate stubs dropped; "
            f"fitted on the train trees: {cal.describe()})")
