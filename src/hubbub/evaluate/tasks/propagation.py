"""Twitter15: simulated cascades vs real held-out propagation trees.

Real trees (Ma et al. 2017) are split by tweet-id hash (:func:`~hubbub.evaluate.data.twitter15.split_cascades`);
test trees whose content also appears in the train collection are left out and counted
(:func:`~hubbub.evaluate.data.twitter15.drop_duplicates`). Everything is compared on one observation
window of ``steps`` rounds of ``minutes_per_step`` minutes (the S3 run's own steps and step length, else
24 x 60 min), each real tree cut to the nodes inside the window. The classical baselines are fitted on the
*train* trees only (:mod:`.cascade_models`: IC and SIR by :mod:`hubbub.dynamics.fit` on SNAP
ego-Facebook with audience-matched sources, LT as is, Hawkes plain and audience-seeded) and scored on
the *test* trees, next to the S3 run and two anchors: the train trees replayed (the floor) and a
structureless null with the test trees' own sizes (the bar; see :mod:`.cascade_models`). The graph
models are fitted and scored a second time on a generated follow graph with heavy-tailed follower
counts calibrated on the train trees (:mod:`.follower_graph`; rows ``<model>@heavy-tail``), and scored
once more with one cascade per test tree seeded at the node whose follower count is nearest to that
tree's own audience (rows ``<model>@heavy-tail+test-sources``).

The score is :func:`~hubbub.metrics.cascade.distribution_distance`: one term per feature (final size,
depth, maximum breadth, structural virality, t50, t90), each the 1-Wasserstein distance of the
``log1p`` distributions, and their mean ``distance`` (equal weights). Every fitted model is also
re-simulated on fresh random streams and its train-set target compared with what it achieves
(``fit_*`` rows on ``<collection>:train``): a fit that cannot reproduce its own target says so there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple, Sequence

import numpy as np

from hubbub.errors import DataError
from hubbub.evaluate import data as ds
from hubbub.evaluate.tasks.cascade_models import (Tree, audience, fit_hawkes_audience, null_trees, simulate_hawkes,
                                                  simulate_hawkes_audience, simulate_rule, topology)
from hubbub.kernel.seeding import SeedTree

BASELINE_ROUND_MIN = 10.0
"""Minutes per round of the graph baselines: Twitter15 trees reach half their size in ~25 minutes, so
hourly rounds could not show their timing."""
FLOOR, NULL, STAR = "anchor:train-replay", "anchor:null-rrt", "anchor:null-star"
HEAVY, TEST_SOURCES = "@heavy-tail", "+test-sources"
"""Suffixes of the graph models' names: run on the generated heavy-tailed graph
(:mod:`.follower_graph`); and, scoring only, each test tree's source matched to a node by its audience."""


def window_tree(c: Any, window: float) -> Tree:
    """The part of a tree inside ``[0, window]`` minutes (times never decrease along a path, so the
    kept nodes form a tree rooted at node 0)."""
    time = np.asarray(c.time, dtype=np.float64)
    keep = time <= window
    new = np.cumsum(keep) - 1
    par = np.asarray(c.parent)[keep]
    return Tree(np.where(par >= 0, new[np.maximum(par, 0)], -1), time[keep], getattr(c, "label", ""))


def summary(trees: Sequence[Any]) -> dict[str, float]:
    """Mean size, depth and max breadth; median structural virality, t50 / t90 (minutes)."""
    from hubbub.metrics.cascade import cascade_features

    f = cascade_features(list(trees))
    return {"size_mean": float(f["size"].mean()), "depth_mean": float(f["depth"].mean()),
            "max_breadth_mean": float(f["max_breadth"].mean()),
            "virality_median": float(np.median(f["structural_virality"])),
            "t50_median_min": float(np.median(f["t50"])), "t90_median_min": float(np.median(f["t90"]))}


def compare(sim: Sequence[Any], real: Sequence[Any]) -> dict[str, float]:
    """The distance (total first, then each term) and the simulated set's summary."""
    from hubbub.metrics.cascade import distribution_distance

    d = distribution_distance(list(sim), list(real))
    return {"distance": d.total, **{f"d_{k}": v for k, v in d.terms.items()}, **summary(sim)}


# ---------------------------------------------------------------------------------------------------
# Fitting


GRIDS = {"": {"p": (0.002, 0.2), "beta": (0.003, 0.3)}, HEAVY: {"p": (0.01, 1.0), "beta": (0.01, 1.0)}}
"""Fitting ranges (log-spaced) per graph: on ego-Facebook every follower is reachable, so small
probabilities; on the generated graph a follow link is an *effective* follower (calibrated to the
retweeters seen in the trees), so the range reaches 1."""


def fit_baselines(ctx: Any, train: Sequence[Tree], adj: Any, steps: int, minutes: float,
                  collection: str = "twitter15") -> dict[str, tuple[Any, Any]]:
    """Fit IC, SIR (on ``adj``) and both Hawkes variants on the train trees; LT as is. Saves each fit
    under OUT/fitted/."""
    from hubbub.dynamics.fit import fit_hawkes_tree

    window = steps * minutes
    where = f"{collection} train split ({len(train)} trees), window {steps} x {minutes:g} min"
    models = fit_graph_models(ctx, train, adj, steps, minutes, where)
    fits = {"hawkes": fit_hawkes_tree(train, kernel="exponential", T=window)}
    audience_fit = fit_hawkes_audience(train, window)
    for name, f in list(fits.items()) + [("hawkes_audience.source", audience_fit["source"]),
                                         ("hawkes_audience.later", audience_fit["later"])]:
        _save(ctx, name, f, where)
    models["hawkes"] = (None, fits["hawkes"])
    models["hawkes_audience"] = (None, audience_fit)
    return models


def fit_graph_models(ctx: Any, train: Sequence[Tree], adj: Any, steps: int, minutes: float, where: str,
                     graph: str = "") -> dict[str, tuple[Any, Any]]:
    """IC and SIR fitted on ``adj`` (grids from :data:`GRIDS`), LT as is; names carry the graph's suffix."""
    from hubbub.dynamics import make_model
    from hubbub.dynamics.fit import fit_ic, fit_sir

    quick, grid = ctx.small, GRIDS[graph]
    common = {"steps": steps, "minutes_per_step": minutes, "seed": ctx.seed, "audiences": [audience(t) for t in train],
              "replicates": 24 if quick else 200, "refine": 2 if quick else 6}
    fits = {"independent_cascade": fit_ic(adj, train, p_grid=np.geomspace(*grid["p"], 6 if quick else 16), **common),
            "sir": fit_sir(adj, train, beta_grid=np.geomspace(*grid["beta"], 4 if quick else 9),
                           gamma_grid=np.array([0.1, 0.5, 1.0]) if quick else np.linspace(0.1, 1.0, 5), **common)}
    for name, f in fits.items():
        _save(ctx, name + graph, f, where + (f" on the {graph[1:]} graph" if graph else ""))
    models: dict[str, tuple[Any, Any]] = {name + graph: (make_model(name, **f.params), f) for name, f in fits.items()}
    models["linear_threshold" + graph] = (make_model("linear_threshold"), None)
    return models


def _save(ctx: Any, name: str, fit: Any, where: str) -> None:
    from hubbub.dynamics.fit import save_fitted

    folder = ctx.out / "fitted"
    folder.mkdir(parents=True, exist_ok=True)
    diag = {k: v for k, v in fit.diagnostics.items() if k != "grid"}
    save_fitted(folder / f"{name}.json", fit.model, fit.params, {"fitted_on": where, **diag})
    ctx.artefact(folder / f"{name}.json")


def simulate(name: str, model: Any, fit: Any, count: int, adj: Any, steps: int, minutes: float,
             seeds: SeedTree, audiences: Sequence[float], draw: bool = True) -> list[Tree]:
    """``count`` cascades of one baseline, the same way for fitting checks and for scoring."""
    from hubbub.dynamics.fit import build_fitted

    window = steps * minutes
    if name == "hawkes":
        return simulate_hawkes(build_fitted("hawkes", fit.params), count, window, seeds)
    if name == "hawkes_audience":
        return simulate_hawkes_audience(fit, count, window, seeds)
    return simulate_rule(model, adj, count, steps, minutes, seeds, audiences, draw)


def matched_to_test(test: Sequence[Tree], most: int) -> list[Tree]:
    """The test trees whose sources the ``+test-sources`` rows match: all, or ``most`` evenly spaced."""
    pick = np.unique(np.linspace(0, len(test) - 1, min(len(test), most)).round().astype(np.int64))
    return [test[int(i)] for i in pick]


def describe(name: str, fit: Any) -> str:
    if fit is None:
        return f"{name} (not fitted; audience-matched sources" + ("; generated heavy-tailed graph)" if HEAVY in name else ")")
    if name == "hawkes_audience":
        kern = lambda p: ", ".join(f"{k}={v:.4g}" for k, v in p.items() if k not in ("mu", "alpha", "kernel"))  # noqa: E731
        s, later = fit["source"].params, fit["later"].params
        return (f"hawkes_audience(source children = a train audience, source {s['kernel']} kernel {kern(s)}; "
                f"later alpha={later['alpha']:.4g}, {later['kernel']} kernel {kern(later)}) fitted on train")
    params = ", ".join(f"{k}={v:.4g}" for k, v in fit.params.items() if isinstance(v, float))
    where = "; on the generated heavy-tailed graph" if HEAVY in name else ""
    return f"{name}({params}) fitted on train" + ("" if name == "hawkes" else f"; audience-matched sources{where}")


def fit_check_rows(ctx: Any, sets: dict[str, tuple[Any, Any]], train: Sequence[Tree], sim: Any,
                   collection: str) -> list[dict[str, Any]]:
    """Each fitted model re-simulated on fresh streams vs its own train target (mean log1p size)."""
    logs = np.log1p([t.parent.size for t in train])
    rows = []
    for name, (model, fit) in sets.items():
        if fit is None:
            continue
        got = np.log1p([t.parent.size for t in sim(name, model, fit, SeedTree(ctx.seed).child("check", name))])
        se = float(np.hypot(logs.std(ddof=1) / np.sqrt(logs.size), got.std(ddof=1) / np.sqrt(got.size)))
        values = {"fit_target_mean_log1p_size": float(logs.mean()), "fit_achieved_mean_log1p_size": float(got.mean()),
                  "fit_se": se, "fit_z": float((got.mean() - logs.mean()) / se),
                  "fit_target_mean_size": float(np.expm1(logs).mean()), "fit_achieved_mean_size": float(np.expm1(got).mean())}
        rows += [ctx.row("propagation_twitter15", f"{collection}:train", "train", len(train), name, metric, value,
                         backend="none", model=f"{describe(name, fit)}; {got.size} fresh runs") for metric, value in values.items()]
    return rows


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
# The task


class CascadeData(NamedTuple):
    """Train and test cascades, where they came from, the collections' names (rows name them) and how
    many test trees were left out as duplicates of train trees."""

    train: list[Any]
    test: list[Any]
    source: str
    collection: str
    train_collection: str
    duplicates: int = 0


def _load_twitter15(ctx: Any) -> CascadeData:
    from hubbub.evaluate.data.twitter15 import drop_duplicates, find_release, load_cascades, split_cascades

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
            where = f"the {release.name} hash split (no default data; its train trees leave the test set as duplicates)"
        test, dups = drop_duplicates(test, train)
        return CascadeData(train, test, f"test: {release.name} ({release.trees}; user cascades); train: {where}",
                           release.name, train_name, dups)
    release = find_release(default)
    parts = split_cascades(load_cascades(release, limit), ctx.seed)
    test, dups = drop_duplicates(parts.test, parts.train)
    return CascadeData(parts.train, test, f"{release.name} ({default}; hash split 60/20/20 by tweet id)",
                       release.name, release.name, dups)


def run_twitter15(ctx: Any) -> list[dict[str, Any]]:
    data = _load_twitter15(ctx)
    run = ctx.s3_run()
    sim_trees, timing = s3_cascades(run) if run is not None else ([], {"steps": 24, "minutes": 60.0})
    window = timing["steps"] * timing["minutes"]
    steps = max(int(round(window / BASELINE_ROUND_MIN)), 1)  # the baselines' rounds: finer than S3's hours
    minutes = window / steps
    train = ctx.cap([window_tree(c, window) for c in data.train], ctx.train_limit)
    test = ctx.cap([window_tree(c, window) for c in data.test], ctx.limit)
    if not train or not test:
        raise DataError(f"propagation_twitter15: {len(train)} train and {len(test)} test trees; need both")
    adj, graph_name = topology(ctx.seed)
    heavy, heavy_name = heavy_topology(ctx, train)
    audiences = [audience(t) for t in train]
    ctx.note("propagation_twitter15", f"data: {data.source}; {data.duplicates} test trees left out as duplicates of "
             f"train trees (same content hash); window {window:g} min; IC/LT/SIR run in rounds of {minutes:g} min "
             f"on {graph_name}, each cascade from the node whose follower count is nearest to the audience "
             f"(first-level breadth) of a random train tree; LT has no free parameter in hubbub (run as is); "
             f"fitted on {len(train)} train trees, scored on {len(test)} test trees. distance = mean of the "
             f"d_* terms (1-Wasserstein of log1p size, depth, max breadth, structural virality, t50, t90); "
             f"{FLOOR}: the train trees themselves (floor); {NULL}: random recursive trees with the test sizes "
             f"and uniform times (the bar); {STAR}: stars with the test sizes and uniform times.")
    ctx.note("propagation_twitter15", f"*{HEAVY} rows: IC/LT/SIR fitted and run the same way on a {heavy_name}; "
             f"*{HEAVY}{TEST_SOURCES} rows: the same fitted models, one cascade per test tree, seeded at the node "
             f"whose follower count is nearest to that test tree's own audience (its first-level breadth: "
             f"conditioned on it, as the null is on the test sizes).")
    count = min(len(test), ctx.max_sim)
    graph_of = lambda name: heavy if HEAVY in name else adj  # noqa: E731
    sim = lambda name, model, fit, seeds, n=count: simulate(name, model, fit, n, graph_of(name), steps,  # noqa: E731
                                                            minutes, seeds, audiences)
    where = f"{data.train_collection} train split ({len(train)} trees), window {steps} x {minutes:g} min"
    models = {**fit_baselines(ctx, train, adj, steps, minutes, data.train_collection),
              **fit_graph_models(ctx, train, heavy, steps, minutes, where, HEAVY)}
    sets = {name: (sim(name, model, fit, SeedTree(ctx.seed).child("evaluate", name)), "none", describe(name, fit))
            for name, (model, fit) in models.items()}
    sets.update(_test_matched(ctx, models, test, heavy, steps, minutes))
    if sim_trees:
        backend = run.manifest.get("backend", {})
        sets["s3-simulation"] = (sim_trees, backend.get("backend", "?"), backend.get("model", "?"))
    rows = _rows_by_class(ctx, test, train, sets, window, data)
    check = lambda name, model, fit, seeds: sim(name, model, fit, seeds, min(len(train), ctx.max_sim))  # noqa: E731
    rows += fit_check_rows(ctx, models, train, check, data.train_collection)
    if run is not None:
        rows.append(_awareness_row(ctx, run, test, sets, timing, data.collection))
    return rows


def heavy_topology(ctx: Any, train: Sequence[Tree]) -> tuple[Any, str]:
    """The generated heavy-tailed follow graph calibrated on the train trees, and its description; the
    calibration is saved as OUT/fitted/follower_graph.json."""
    import json

    from hubbub.evaluate.tasks.follower_graph import calibrate, calibrated_graph, calibration_record, describe_graph

    cal = calibrate(train)
    adj, report = calibrated_graph(cal, SeedTree(ctx.seed).rng("graph", "heavy-tail"))
    path = ctx.out / "fitted" / "follower_graph.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(calibration_record(cal, report), indent=1) + "\n", encoding="utf-8")
    ctx.artefact(path)
    return adj, describe_graph(cal, adj, report)


def _test_matched(ctx: Any, models: dict[str, tuple[Any, Any]], test: Sequence[Tree], heavy: Any, steps: int,
                  minutes: float) -> dict[str, tuple[list[Tree], str, str]]:
    """The heavy-tailed graph's models with one cascade per test tree from a node of that tree's audience;
    each simulated tree carries its test tree's label (so a class's rows use its own trees' cascades)."""
    real = matched_to_test(test, ctx.max_sim)
    out = {}
    for name, (model, fit) in models.items():
        if HEAVY not in name:
            continue
        trees = simulate(name, model, fit, len(real), heavy, steps, minutes,
                         SeedTree(ctx.seed).child("evaluate", name + TEST_SOURCES), [audience(t) for t in real], draw=False)
        for tree, source in zip(trees, real):
            tree.label = source.label
        out[name + TEST_SOURCES] = (trees, "none", describe(name, fit) + "; each test tree's source matched by audience")
    return out


def _awareness_row(ctx: Any, run: Any, test: Sequence[Tree], sets: dict[str, Any], timing: dict[str, Any],
                   collection: str) -> dict[str, Any]:
    grid = np.linspace(0.0, timing["steps"] * timing["minutes"], timing["steps"] + 1)
    real_curve = np.mean([np.searchsorted(np.sort(t.time), grid, "right") / t.parent.size for t in test], axis=0)
    rmse = float(np.sqrt(np.mean((awareness_curve(run, grid) - real_curve) ** 2)))
    backend, model = sets.get("s3-simulation", (None, "?", "?"))[1:]
    return ctx.row("propagation_twitter15", f"{collection}:all", "test", len(test), "s3-simulation",
                   "awareness_curve_rmse (population vs mean real tree)", rmse, backend=backend, model=model)


def _rows_by_class(ctx: Any, test: Sequence[Tree], train: Sequence[Tree], sets: dict[str, tuple[list[Tree], str, str]],
                   window: float, data: CascadeData) -> list[dict[str, Any]]:
    rows = []
    classes = [("all", list(test))] + [(c, [t for t in test if t.label == c]) for c in sorted({t.label for t in test})]
    for cls, real in classes:
        if not real:
            continue
        row = lambda policy, metric, value, backend="none", model="real test trees": ctx.row(  # noqa: E731
            "propagation_twitter15", f"{data.collection}:{cls}", "test", len(real), policy, metric, value,
            backend=backend, model=model)
        rows += [row("real", m, v) for m, v in summary(real).items()]
        if cls == "all":
            rows.append(row("real", "test_trees_left_out_as_duplicates", float(data.duplicates)))
        sizes = [t.parent.size for t in real]
        floor = [t for t in train if cls == "all" or t.label == cls] or list(train)
        anchors = {FLOOR: (floor, "none", f"{len(floor)} {data.train_collection} train trees replayed (floor)"),
                   NULL: (null_trees(sizes, window, ctx.seed), "none", "random recursive trees, test sizes, uniform times (the bar)"),
                   STAR: (null_trees(sizes, window, ctx.seed, star=True), "none", "stars, test sizes, uniform times")}
        for policy, (trees, backend, model) in {**anchors, **sets}.items():
            if policy.endswith(TEST_SOURCES) and cls != "all":
                trees = [t for t in trees if t.label == cls]
            if not trees:
                continue
            rows += [row(policy, m, v, backend, f"{model}; {len(trees)} cascades") for m, v in compare(trees, real).items()]
    return rows
