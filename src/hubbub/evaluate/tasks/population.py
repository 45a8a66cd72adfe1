"""Population-level checks: simulated cascades vs real Twitter15 cascades, simulated TrendSim visits
vs the life of real Weibo hot-search topics.

**Twitter15.** Real trees (Ma et al. 2017) are split by tweet-id hash (the colleague's
:func:`~hubbub.evaluate.data.twitter15.split_cascades`); everything is compared on one observation window
of ``steps`` rounds of ``minutes_per_step`` minutes (the S3 run's own steps and step length, else
24 x 60 min), with each real tree cut to the nodes inside the window. The classical baselines are
fitted on the *train* trees only and scored on the *test* trees, next to the S3 run:

* independent cascade (``p``) and SIR (``beta``, ``gamma``) by :mod:`hubbub.dynamics.fit`'s grid
  search on a real topology (SNAP ego-Facebook, 4,039 users; a Barabasi-Albert graph when absent),
  since Twitter15 has no follow graph;
* linear threshold: hubbub's LT has no free parameter (thresholds U(0,1], weights 1/in-degree), so it
  is run as is on the same graph (nothing to fit: said in the notes);
* Hawkes: branching-form maximum likelihood on the train *trees* (exponential kernel), simulated as
  branching cascades inside the window.

Each model's simulated set (as many single-seed cascades as test trees, at most ``max_sim``) is
compared with the real test trees, pooled and per veracity class: mean size, depth and max breadth,
median time to 50 % / 90 % of the final size, and :func:`~hubbub.metrics.cascade.curve_distance`
(RMSE of the mean normalised growth curve + KS distance of final sizes = ``distance_total``). Fitted
parameters are written with :func:`~hubbub.dynamics.fit.save_fitted` so simulations can load them.

**Weibo hot-search.** A real topic's curve is the reads it gained since it was first listed,
interpolated hourly over the TrendSim lifecycle (16 h) and divided by the gain at the window's end
(the board shows cumulative read counts; reads before the topic entered the board are unseen). The
simulated curve is the cumulative share of visits (``session_start`` events) of a TrendSim run, or,
without a run, TrendSim's access-time density (its CDF: first visits) with the scenario defaults —
visits do not depend on the LLM unless access feedback is switched on. Baselines: the mean train curve
and the access density fitted to it (A, T_m, alpha by least squares).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, NamedTuple, Sequence

import numpy as np

from hubbub.errors import DataError
from hubbub.evaluate import data as ds

GRAPH_FILE = ("snap_ego_facebook", "facebook_combined.txt.gz")
BASELINE_ROUND_MIN = 10.0
"""Minutes per round of the graph baselines: Twitter15 trees reach half their size in ~25 minutes, so
hourly rounds could not show their timing."""


class Tree:
    """A cascade as a parent array and times in minutes (the shape the cascade metrics read)."""

    def __init__(self, parent: np.ndarray, time: np.ndarray, label: str = "") -> None:
        self.parent, self.time, self.label = np.asarray(parent, np.int64), np.asarray(time, np.float64), label


def window_tree(c: Any, window: float) -> Tree:
    """The part of a tree inside ``[0, window]`` minutes (times never decrease along a path, so the
    kept nodes form a tree rooted at node 0)."""
    time = np.asarray(c.time, dtype=np.float64)
    keep = time <= window
    new = np.cumsum(keep) - 1
    par = np.asarray(c.parent)[keep]
    return Tree(np.where(par >= 0, new[np.maximum(par, 0)], -1), time[keep], getattr(c, "label", ""))


# ---------------------------------------------------------------------------------------------------
# Set summaries


def summary(trees: Sequence[Any], grid: np.ndarray) -> dict[str, float]:
    """Mean size, depth and max breadth; median t50 / t90 (minutes) over a set of trees."""
    from hubbub.metrics.cascade import summarize

    stats = [summarize(t.parent, t.time) for t in trees]
    return {"size_mean": float(np.mean([s.size for s in stats])),
            "depth_mean": float(np.mean([s.depth for s in stats])),
            "max_breadth_mean": float(np.mean([s.max_breadth for s in stats])),
            "t50_median_min": float(np.median([s.t50 for s in stats])),
            "t90_median_min": float(np.median([s.t90 for s in stats]))}


def compare(sim: Sequence[Any], real: Sequence[Any], grid: np.ndarray) -> dict[str, float]:
    from hubbub.metrics.cascade import curve_distance

    d = curve_distance(list(sim), list(real), grid)
    return {**summary(sim, grid), "curve_rmse": d.curve_rmse, "size_ks": d.size_ks, "distance_total": d.total}


# ---------------------------------------------------------------------------------------------------
# Graph and baselines


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


def simulate_rule(model: Any, adj: Any, count: int, steps: int, minutes: float, seed: int) -> list[Tree]:
    """``count`` single-seed runs of a rule model; times converted from rounds to minutes."""
    from hubbub.dynamics.base import prepare

    graph, rng = prepare(adj), np.random.default_rng(seed)
    senders = np.flatnonzero(graph.out_degree > 0)
    out = []
    for _ in range(count):
        tree = model.run(graph, [int(senders[rng.integers(senders.size)])], steps, rng).trees()[0]
        out.append(Tree(tree.parent, tree.time * minutes))
    return out


def simulate_hawkes(process: Any, count: int, window: float, seed: int, max_size: int = 5000) -> list[Tree]:
    from hubbub.dynamics.hawkes import simulate_cascade

    rng = np.random.default_rng(seed)
    return [Tree(c.parent, c.time) for c in (simulate_cascade(process.alpha, process.kernel, rng, T=window,
                                                               max_size=max_size) for _ in range(count))]


def fit_baselines(ctx: Any, train: Sequence[Tree], adj: Any, steps: int, minutes: float,
                  collection: str = "twitter15") -> dict[str, Any]:
    """Fit IC, SIR and Hawkes on the train trees; LT as is. Saves each fit under OUT/fitted/."""
    from hubbub.dynamics import make_model
    from hubbub.dynamics.fit import fit_hawkes_tree, fit_ic, fit_sir, save_fitted

    quick = ctx.small
    reps = 4 if quick else 12
    fits = {
        "independent_cascade": fit_ic(adj, train, steps=steps, minutes_per_step=minutes, replicates=reps, seed=ctx.seed,
                                      p_grid=np.geomspace(0.002, 0.2, 6 if quick else 16)),
        "sir": fit_sir(adj, train, steps=steps, minutes_per_step=minutes, replicates=reps, seed=ctx.seed,
                       beta_grid=np.geomspace(0.003, 0.3, 4 if quick else 9),
                       gamma_grid=np.array([0.1, 0.5, 1.0]) if quick else np.linspace(0.1, 1.0, 5)),
        "hawkes": fit_hawkes_tree(train, kernel="exponential", T=steps * minutes),
    }
    models = {name: (make_model(name, **f.params) if name != "hawkes" else None, f) for name, f in fits.items()}
    folder = ctx.out / "fitted"
    folder.mkdir(parents=True, exist_ok=True)
    for name, f in fits.items():
        diag = {k: v for k, v in f.diagnostics.items() if k != "grid"}
        save_fitted(folder / f"{name}.json", name, f.params,
                    {"fitted_on": f"{collection} train split ({len(train)} trees), window {steps} x {minutes:g} min",
                     **diag})
        ctx.artefact(folder / f"{name}.json")
    models["linear_threshold"] = (make_model("linear_threshold"), None)
    return models


# ---------------------------------------------------------------------------------------------------
# S3 run -> cascades


def s3_cascades(run: Any) -> tuple[list[Tree], dict[str, Any]]:
    """One tree per original post of an S3 run (seed, hub or new post) with its reposts; minutes."""
    posts = run.s3_posts
    if len(posts) == 0:
        raise DataError(f"{run.path}: the run has no s3_posts; is it an S3 run?")
    trees = []
    for root, g in posts.sort_values(["time", "post_id"]).groupby("root_id", sort=True):
        g = g[(g["post_id"] == root) | (g["kind"] == "repost")]
        if len(g) == 0 or int(g["post_id"].iloc[0]) != int(root):
            continue
        index = {int(p): i for i, p in enumerate(g["post_id"])}
        parent = [-1] + [index.get(int(p), 0) for p in g["parent_id"].iloc[1:]]
        trees.append(Tree(np.array(parent), (g["time"].to_numpy(dtype=np.float64) - float(g["time"].iloc[0])) / 60.0))
    cfg = run.manifest.get("config", {}).get("s3", {})
    steps = int(run.s3_steps["step"].max()) if len(run.s3_steps) else int(cfg.get("steps", 10))
    return trees, {"steps": max(steps, 1), "minutes": float(cfg.get("step_h", 1.0)) * 60.0,
                   "seed_trees": int((posts["kind"] == "seed").sum())}


def awareness_curve(run: Any, grid: np.ndarray) -> np.ndarray:
    """Share of the finally aware users that are aware at each grid time (minutes)."""
    steps = run.s3_steps
    t = steps["time"].to_numpy(dtype=np.float64) / 60.0
    aware = steps["aware"].to_numpy(dtype=np.float64)
    return np.interp(grid, t, aware / max(aware[-1], 1.0))


# ---------------------------------------------------------------------------------------------------
# Twitter15 task


class CascadeData(NamedTuple):
    """Train and test cascades, where they came from, and the collections' names (rows name them)."""

    train: list[Any]
    test: list[Any]
    source: str
    collection: str
    train_collection: str


def _load_twitter15(ctx: Any) -> CascadeData:
    from hubbub.evaluate.data.twitter15 import find_release, load_cascades, split_cascades

    default = ds.default_path("twitter15_propagation_trees")
    path = ctx.data_path("propagation_twitter15")
    limit = max(4 * ctx.limit, 40) if ctx.small else None  # a smoke run reads only the first trees
    if path is not None and Path(path).resolve() != default.resolve():
        release = find_release(path)
        test = load_cascades(release, limit)
        if default.exists():
            base = find_release(default)
            train, train_name = split_cascades(load_cascades(base, limit), ctx.seed).train, base.name
            where = f"default {base.name} train split ({default})"
        else:
            train, train_name = split_cascades(test, ctx.seed).train, release.name
            where = f"the {release.name} hash split (no default data)"
        return CascadeData(train, test, f"test: {release.name} ({release.trees}; user cascades); train: {where}",
                           release.name, train_name)
    release = find_release(default)
    parts = split_cascades(load_cascades(release, limit), ctx.seed)
    return CascadeData(parts.train, parts.test, f"{release.name} ({default}; hash split 60/20/20 by tweet id)",
                       release.name, release.name)


def run_twitter15(ctx: Any) -> list[dict[str, Any]]:
    data = _load_twitter15(ctx)
    train_all, test_all, source, collection = data.train, data.test, data.source, data.collection
    run = ctx.s3_run()
    sim_trees, timing = s3_cascades(run) if run is not None else ([], {"steps": 24, "minutes": 60.0})
    window = timing["steps"] * timing["minutes"]
    steps = max(int(round(window / BASELINE_ROUND_MIN)), 1)  # the baselines' rounds: finer than S3's hours
    minutes = window / steps
    grid = np.linspace(0.0, window, timing["steps"] + 1)
    train = ctx.cap([window_tree(c, window) for c in train_all], ctx.train_limit)
    test = ctx.cap([window_tree(c, window) for c in test_all], ctx.limit)
    adj, graph_name = topology(ctx.seed)
    ctx.note("propagation_twitter15", f"data: {source}; window {window:g} min (curves compared every "
             f"{timing['minutes']:g} min; IC/LT/SIR run in rounds of {minutes:g} min); graph for IC/LT/SIR: "
             f"{graph_name}; LT has no free parameter in hubbub (run as is); IC/SIR/Hawkes fitted on "
             f"{len(train)} train trees, scored on {len(test)} test trees.")
    count = min(len(test), ctx.max_sim)
    sets: dict[str, tuple[list[Tree], str, str]] = {}
    for name, (model, fit) in fit_baselines(ctx, train, adj, steps, minutes, data.train_collection).items():
        trees = simulate_hawkes(_hawkes(fit), count, window, ctx.seed) if name == "hawkes" \
            else simulate_rule(model, adj, count, steps, minutes, ctx.seed)
        params = ", ".join(f"{k}={v:.4g}" for k, v in (fit.params.items() if fit else []) if isinstance(v, float))
        sets[name] = (trees, "none", f"{name}({params or 'no parameters'}) fitted on train" if fit else f"{name} (not fitted)")
    if sim_trees:
        sets["s3-simulation"] = (sim_trees, run.manifest.get("backend", {}).get("backend", "?"),
                                 run.manifest.get("backend", {}).get("model", "?"))
    rows = _rows_by_class(ctx, test, sets, grid, collection)
    if run is not None:
        real_curve = np.mean([np.searchsorted(np.sort(t.time), grid, "right") / t.parent.size for t in test], axis=0)
        rmse = float(np.sqrt(np.mean((awareness_curve(run, grid) - real_curve) ** 2)))
        backend, model = sets.get("s3-simulation", (None, "?", "?"))[1:]
        rows.append(ctx.row("propagation_twitter15", f"{collection}:all", "test", len(test), "s3-simulation",
                            "awareness_curve_rmse (population vs mean real tree)", rmse, backend=backend, model=model))
    return rows


def _hawkes(fit: Any) -> Any:
    from hubbub.dynamics.fit import build_fitted

    return build_fitted("hawkes", fit.params)


def _rows_by_class(ctx: Any, test: Sequence[Tree], sets: dict[str, tuple[list[Tree], str, str]],
                   grid: np.ndarray, collection: str) -> list[dict[str, Any]]:
    rows = []
    classes = [("all", list(test))] + [(c, [t for t in test if t.label == c]) for c in sorted({t.label for t in test})]
    for cls, real in classes:
        if not real:
            continue
        dataset = f"{collection}:{cls}"
        for metric, value in summary(real, grid).items():
            rows.append(ctx.row("propagation_twitter15", dataset, "test", len(real), "real", metric, value,
                                backend="none", model="real test trees"))
        for policy, (trees, backend, model) in sets.items():
            for metric, value in compare(trees, real, grid).items():
                rows.append(ctx.row("propagation_twitter15", dataset, "test", len(real), policy, metric, value,
                                    backend=backend, model=f"{model}; {len(trees)} simulated cascades"))
    return rows


# ---------------------------------------------------------------------------------------------------
# Weibo hot-search lifecycle task


def read_curve(c: ds.Lifecycle, grid: np.ndarray, values: str = "reads") -> np.ndarray | None:
    """Gain since first listing, interpolated on ``grid`` (hours), divided by the gain at the last
    snapshot inside the window; None when the topic gained nothing."""
    v = getattr(c, values)
    keep = np.isfinite(v)
    hours, v = c.hours[keep], v[keep]
    if v.size < 2 or v[-1] <= v[0]:
        return None
    gain = np.interp(grid, hours, v - v[0])
    return np.clip(gain / (v[-1] - v[0]), 0.0, 1.0)


def curves(cycles: Sequence[ds.Lifecycle], grid: np.ndarray, values: str = "reads") -> np.ndarray:
    out = [read_curve(c, grid, values) for c in cycles]
    out = [c for c in out if c is not None]
    if not out:
        raise DataError("lifecycle: no topic with a growing count in the window")
    return np.array(out)


def crossing(curve: np.ndarray, grid: np.ndarray, q: float) -> float:
    """First grid time at which a normalised curve reaches ``q``."""
    above = np.flatnonzero(curve >= q - 1e-12)
    return float(grid[above[0]]) if above.size else math.nan


def fit_access(mean_curve: np.ndarray, grid: np.ndarray, horizon: float) -> tuple[Any, dict[str, float]]:
    """TrendSim's access density with (A, T_m, alpha) fitted to a mean curve by least squares."""
    from scipy.optimize import minimize

    from hubbub.platform.access import AccessDensity

    def loss(z: np.ndarray) -> float:
        A, tm, al = np.exp(z[0]), np.exp(z[1]), np.exp(min(z[2], math.log(100.0)))  # alpha <= 100 as in AccessConfig
        try:
            model = AccessDensity(A=A, T_m=tm, alpha=al, horizon=horizon)
        except Exception:  # noqa: BLE001 - an invalid corner of the search space is just a bad point
            return 1e9
        return float(np.mean((np.asarray(model.cdf(grid)) - mean_curve) ** 2))

    best = min((minimize(loss, np.log(z0), method="Nelder-Mead", options={"maxiter": 400})
                for z0 in ([1.5, 3.0, 0.5], [3.0, 0.5, 1.0], [0.8, 1.0, 0.2])), key=lambda r: r.fun)
    A, tm, al = float(np.exp(best.x[0])), float(np.exp(best.x[1])), float(np.exp(min(best.x[2], math.log(100.0))))
    return AccessDensity(A=A, T_m=tm, alpha=al, horizon=horizon), {"A": A, "T_m": tm, "alpha": al}


def run_lifecycle(ctx: Any) -> list[dict[str, Any]]:
    from hubbub.platform.access import AccessDensity

    horizon = 16.0
    cycles = ds.load_hot_search(ctx.data_path("lifecycle_weibo"), ctx.seed, window_h=horizon)
    grid = np.arange(0.0, horizon + 1e-9, 1.0)
    train, test = ctx.cap(cycles["train"], ctx.train_limit), ctx.cap(cycles["test"], ctx.limit)
    real, real_disc = curves(test, grid), curves(test, grid, "discussions")
    train_mean = curves(train, grid).mean(axis=0)
    fitted, params = fit_access(train_mean, grid, horizon)
    default = AccessDensity(horizon=horizon)
    models = {"trendsim-access-default": (np.asarray(default.cdf(grid)), "none",
                                          "TrendSim access density A=1.5, T_m=3, alpha=0.5 (first visits)"),
              "train-mean-curve": (train_mean, "none", f"mean of {len(train)} train topics"),
              "access-fitted": (np.asarray(fitted.cdf(grid)), "none",
                                "access density fitted on train: " + ", ".join(f"{k}={v:.3g}" for k, v in params.items()))}
    run = ctx.trendsim_run(required=False)
    if run is not None:
        models["trendsim-run-visits"] = (_visit_curve(run, grid), run.manifest.get("backend", {}).get("backend", "?"),
                                         f"{run.name}: session starts ({run.manifest.get('backend', {}).get('model', '?')})")
    ctx.note("lifecycle_weibo", f"{len(test)} test / {len(train)} train topics with >= 4 hourly snapshots in "
             f"the first {horizon:g} h on the board; curves = reads gained since first listing, normalised. "
             "Visits of a TrendSim run come from its access-time density, not from the LLM (unless access "
             "feedback is on), so this checks the access model.")
    return _lifecycle_rows(ctx, len(test), real, real_disc, grid, models)


def _visit_curve(run: Any, grid: np.ndarray) -> np.ndarray:
    ev = run.events
    t = np.sort(ev.loc[ev["kind"] == "session_start", "time"].to_numpy(dtype=np.float64) / 3600.0)
    if t.size == 0:
        raise DataError(f"{run.path}: no session_start events to build a visit curve from")
    return np.searchsorted(t, grid, "right") / t.size


def _lifecycle_rows(ctx: Any, n: int, real: np.ndarray, real_disc: np.ndarray, grid: np.ndarray,
                    models: dict[str, tuple[np.ndarray, str, str]]) -> list[dict[str, Any]]:
    mean_real, mean_disc = real.mean(axis=0), real_disc.mean(axis=0)
    dataset = ds.data_name(ctx.data_path("lifecycle_weibo"), ds.default_path("weibo_hot_search_hourly"),
                           "weibo-hot-search")
    row = lambda policy, metric, value, backend="none", model="real test topics": ctx.row(  # noqa: E731
        "lifecycle_weibo", dataset, "test", n, policy, metric, value, backend=backend, model=model)
    rows = [row("real", "t50_median_h (reads)", float(np.nanmedian([crossing(c, grid, 0.5) for c in real]))),
            row("real", "t90_median_h (reads)", float(np.nanmedian([crossing(c, grid, 0.9) for c in real]))),
            row("real", "share_of_16h_reads_in_first_4h", float(mean_real[4]))]
    for policy, (curve, backend, model) in models.items():
        rows += [row(policy, "curve_rmse_vs_reads", float(np.sqrt(np.mean((curve - mean_real) ** 2))), backend, model),
                 row(policy, "curve_rmse_vs_discussions", float(np.sqrt(np.mean((curve - mean_disc) ** 2))), backend, model),
                 row(policy, "t50_h", crossing(curve, grid, 0.5), backend, model),
                 row(policy, "t90_h", crossing(curve, grid, 0.9), backend, model),
                 row(policy, "share_in_first_4h", float(curve[4]), backend, model)]
    return rows
