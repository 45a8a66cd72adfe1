"""The cascade sets the Twitter15 evaluation compares with real trees: the classical models fitted on
the train trees, and the two anchors every table carries.

* **Anchors.** The *floor* replays the train trees themselves (what a perfect model of the train set
  scores against test: sampling noise plus train/test drift). The *null* is the bar a model must
  clear: one random recursive tree per test tree, with that tree's size (so its size term is 0), each
  new node attached to a uniformly chosen earlier node, arrival times i.i.d. uniform in the window —
  the real sizes and nothing else (no network, no hubs, no timing). A star with the same sizes and
  times (``null_star``) is reported next to it: real trees are nearly stars, so that null is harder.
* **Audience.** Twitter15 has no follower counts, so a tree's audience proxy is its first-level breadth
  (the source's direct retweeters inside the window; a lower bound of the source's followers). A
  graph model's cascade starts at the node whose follower count is nearest to an audience drawn from
  the *train* trees (never the test trees), when fitting and when scoring alike
  (:func:`hubbub.dynamics.fit.pick_sources`).
* **Hawkes.** ``hawkes`` is the plain branching process fitted on all train trees (exponential
  kernel). ``hawkes_audience`` gives the source as many direct children as a drawn train audience
  (delays from a power-law kernel fitted on the sources' children) and lets every later event branch
  with the ``alpha`` and power-law kernel fitted on the non-source events only (both by the trees'
  maximum likelihood; the power law because retweet delays are heavy-tailed).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from hubbub.dynamics.fit import build_fitted
from hubbub.errors import DataError
from hubbub.evaluate import data as ds
from hubbub.kernel.seeding import SeedTree

GRAPH_FILE = ("snap_ego_facebook", "facebook_combined.txt.gz")
MAX_SIZE = 5000


class Tree:
    """A cascade as a parent array and times in minutes (the shape the cascade metrics read)."""

    def __init__(self, parent: np.ndarray, time: np.ndarray, label: str = "") -> None:
        self.parent, self.time, self.label = np.asarray(parent, np.int64), np.asarray(time, np.float64), label


def audience(tree: Any) -> int:
    """The audience proxy of a tree: its source's direct children (first-level breadth)."""
    return int(np.count_nonzero(np.asarray(tree.parent) == 0))


# ---------------------------------------------------------------- anchors


def null_trees(sizes: Sequence[int], window: float, seed: int, star: bool = False) -> list[Tree]:
    """Structureless trees with the given sizes: random recursive trees (or stars), uniform times."""
    rng = SeedTree(seed).rng("null", "star" if star else "rrt")
    out = []
    for n in sizes:
        time = np.r_[0.0, np.sort(rng.uniform(0.0, window, int(n) - 1))]
        parent = np.zeros(int(n), np.int64) if star else np.floor(rng.random(int(n)) * np.arange(int(n))).astype(np.int64)
        parent[0] = -1
        out.append(Tree(parent, time))
    return out


# ---------------------------------------------------------------- graph models


def topology(seed: int) -> tuple[Any, str]:
    """The follow graph the graph-based baselines run on, and its name."""
    import scipy.sparse as sp

    path = ds.default_path(GRAPH_FILE[0]) / GRAPH_FILE[1]
    if path.exists():
        import pandas as pd

        try:
            edges = pd.read_csv(path, sep=r"\s+", header=None, usecols=[0, 1], dtype=np.int64, comment="#").to_numpy()
        except (ValueError, OSError, EOFError) as exc:
            raise DataError(f"{path}: cannot read the edge list: {exc}") from None
        n = int(edges.max()) + 1
        both = np.vstack((edges, edges[:, ::-1]))
        both = both[both[:, 0] != both[:, 1]]
        adj = sp.csr_matrix((np.ones(len(both)), (both[:, 0], both[:, 1])), shape=(n, n))
        adj.data[:] = 1.0
        return adj, f"SNAP ego-Facebook ({n} users, {len(edges)} friendships read as mutual follows)"
    from hubbub.platform.graph_build import barabasi_albert

    graph = barabasi_albert(4000, 10, np.random.default_rng(seed), 1.0)
    return sp.csr_matrix(graph.delivery), "Barabasi-Albert n=4000 m=10 (ego-Facebook absent)"


def simulate_rule(model: Any, adj: Any, count: int, steps: int, minutes: float, seeds: SeedTree,
                  audiences: Sequence[float] | None, draw: bool = True) -> list[Tree]:
    """``count`` single-source runs of a rule model; rounds become minutes. Sources as in the fit
    (audiences drawn at random) or, with ``draw=False``, one per given audience in order (the node whose
    follower count is nearest to it)."""
    from hubbub.dynamics.base import prepare
    from hubbub.dynamics.fit import audience_sources, pick_sources

    graph = prepare(adj)
    if draw or audiences is None:
        starts = pick_sources(graph, count, seeds.rng("seed"), audiences)
    else:
        starts = audience_sources(np.asarray(graph.out_degree), np.asarray(audiences, np.float64)[:count], seeds.rng("seed"))
    out = []
    for r, start in enumerate(starts):
        tree = model.run(graph, [int(start)], steps, seeds.rng("run", r)).trees()[0]
        out.append(Tree(tree.parent, tree.time * minutes))
    return out


# ---------------------------------------------------------------- Hawkes


def simulate_hawkes(process: Any, count: int, window: float, seeds: SeedTree) -> list[Tree]:
    from hubbub.dynamics.hawkes import simulate_cascade

    rng = seeds.rng("hawkes")
    return [Tree(c.parent, c.time) for c in (simulate_cascade(process.alpha, process.kernel, rng, T=window,
                                                               max_size=MAX_SIZE) for _ in range(count))]


def split_at_source(trees: Sequence[Any]) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[tuple[np.ndarray, np.ndarray]]]:
    """Each tree as (source + its children) and as the forest below the source (children become roots)."""
    stars, forests = [], []
    for t in trees:
        parent, time = np.asarray(t.parent), np.asarray(t.time, dtype=np.float64)
        kids = np.flatnonzero(parent == 0)
        stars.append((np.r_[-1, np.zeros(kids.size, np.int64)], np.r_[0.0, time[kids]]))
        below = np.where(parent[1:] <= 0, -1, parent[1:] - 1)
        if below.size:
            forests.append((below, time[1:]))
    return stars, forests


def fit_hawkes_audience(train: Sequence[Any], window: float) -> dict[str, Any]:
    """Source kernel (from the sources' children) and branching of the later events, by tree MLE."""
    from hubbub.dynamics.fit import FitResult, fit_hawkes_tree
    from hubbub.dynamics.hawkes import Hawkes

    stars, forests = split_at_source(train)
    stars = [s for s in stars if s[0].size > 1]
    if not stars:
        raise DataError("hawkes_audience: the train trees have no retweets to fit on")
    source = fit_hawkes_tree(stars, kernel="power_law", T=window)
    if any(np.any(p >= 0) for p, _ in forests):
        later = fit_hawkes_tree(forests, kernel="power_law", T=window)
    else:  # no retweet of a retweet in train: later events have no children
        later = FitResult("hawkes", Hawkes(0.0, 0.0, build_fitted("hawkes", source.params).kernel).as_dict(),
                          {"note": "no retweet of a retweet in the train trees: alpha = 0"})
    return {"source": source, "later": later, "audiences": np.array([audience(t) for t in train])}


def _conditioned_delays(kernel: Any, k: int, window: float, rng: np.random.Generator) -> np.ndarray:
    """``k`` kernel delays conditioned to fall inside the window (rejection, vectorised)."""
    got: list[np.ndarray] = []
    need, share = k, max(float(kernel.cdf(np.array([window]))[0]), 1e-3)
    while need > 0:
        draw = kernel.sample(rng, int(need / share * 1.2) + 8)
        draw = draw[draw <= window][:need]
        got.append(draw)
        need -= draw.size
    return np.sort(np.concatenate(got)) if got else np.empty(0)


def simulate_hawkes_audience(fits: dict[str, Any], count: int, window: float, seeds: SeedTree) -> list[Tree]:
    """Sources with a drawn train audience of direct children; later events branch as fitted."""
    src, later = fits["source"].params, fits["later"].params
    source_kernel, process = build_fitted("hawkes", src).kernel, build_fitted("hawkes", later)
    rng = seeds.rng("hawkes_audience")
    drawn = fits["audiences"][rng.integers(fits["audiences"].size, size=count)]
    return [_grow(process, _conditioned_delays(source_kernel, int(k), window, rng), window, rng) for k in drawn]


def _grow(process: Any, first: np.ndarray, window: float, rng: np.random.Generator) -> Tree:
    """The source, its children at ``first``, and generation after generation of Poisson(alpha) kids."""
    parent, time = [np.array([-1]), np.zeros(first.size, np.int64)], [np.zeros(1), first]
    frontier, size = np.arange(1, first.size + 1), 1 + first.size
    while frontier.size and size < MAX_SIZE:
        kids = rng.poisson(process.alpha, frontier.size)
        child_parent = np.repeat(frontier, kids)
        child_time = np.repeat(np.concatenate(time)[frontier], kids) + process.kernel.sample(rng, int(kids.sum()))
        seen = child_time <= window
        parent.append(child_parent[seen])
        time.append(child_time[seen])
        frontier, size = size + np.arange(int(seen.sum())), size + int(seen.sum())
    p, t = np.concatenate(parent), np.concatenate(time)
    order = np.argsort(t, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return Tree(np.where(p[order] >= 0, rank[np.maximum(p[order], 0)], -1), t[order])
