"""Population-level checks: simulated cascades vs real Twitter15 cascades, simulated TrendSim visits
vs the life of real Weibo hot-search topics.

**Twitter15** lives in :mod:`.propagation` (its models and anchors in :mod:`.cascade_models`);
``run_twitter15`` here hands over to it.

**Weibo hot-search.** A real topic's curve is the reads it gained since it was first listed,
interpolated hourly over the TrendSim lifecycle (16 h) and divided by the gain at the window's end
(the board shows cumulative read counts; reads before the topic entered the board are unseen). The
simulated curve is the cumulative share of visits (``session_start`` events) of a TrendSim run, or,
without a run, TrendSim's access-time density (its CDF: first visits) with its defaults (A 1.5, T_m 3, alpha 0.5) —
visits do not depend on the LLM unless access feedback is switched on. Baselines: the mean train curve
and the access density fitted to it (A, T_m, alpha by least squares).
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from hubbub.errors import DataError
from hubbub.evaluate import data as ds


def run_twitter15(ctx: Any) -> list[dict[str, Any]]:
    """The Twitter15 propagation task (:func:`hubbub.evaluate.tasks.propagation.run_twitter15`)."""
    from hubbub.evaluate.tasks.propagation import run_twitter15 as run

    return run(ctx)


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
