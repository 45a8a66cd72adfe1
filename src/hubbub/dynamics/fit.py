"""Fit classical dynamics to real cascades and keep the result as JSON that simulations load by name.

IC and SIR have no event times of their own, only rounds, so they are fitted on a given follow graph
by matching two things measured on the window ``[0, steps * minutes_per_step]`` minutes:

* the mean of ``log(1 + size)`` at the end of the window. Not the mean size: on a real graph a
  supercritical cascade either dies at once or takes over the graph, so the mean size of a few runs is
  a coin count (12 runs of IC at p = 0.043 on ego-Facebook gave a mean of 363 where 80 gave 703; the
  median run has 10 nodes). The log mean is bounded by ``log n`` per run and has a small standard error;
* the mean normalised growth curve (cumulative size each round / size at the window end), by RMSE.

``loss = (mean log1p size_sim - mean log1p size_real)^2 + curve_weight * rmse^2``, minimised by grid
search over the candidates whose log size is within 2 standard errors of the target (all candidates when
none is), so the size target is met before the curve is traded against it (``refine`` adds points between the best grid value's neighbours on the first parameter). Each
candidate is simulated from the same sources with the same random streams (common random numbers), so
the loss is smooth across the grid and the result reproducible. A simulated cascade starts from one
source: with ``audiences`` (one per real cascade, e.g. its first-level breadth), the node whose follower
count is nearest to an audience drawn from them (:func:`audience_sources`), else a node drawn uniformly
among nodes that have followers. :func:`check_fit` re-simulates the fitted parameters on fresh random
streams and reports target vs achieved with the standard error (``diagnostics["fit_error"]``).

The Hawkes process is fitted by maximum likelihood, on event times alone (``fit_hawkes``) or, when the
parents are known as in Twitter15, on the trees (``fit_hawkes_tree``, exact and O(n)).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from hubbub.errors import ConfigError, DataError
from hubbub.kernel.seeding import SeedTree
from hubbub.metrics.cascade import cumulative_size
from hubbub.dynamics import REGISTRY, make_model
from hubbub.dynamics.base import prepare
from hubbub.dynamics.hawkes import ExponentialKernel, Hawkes, Pairs, PowerLawKernel, make_kernel

FORMAT = "hubbub.fitted/1"


@dataclass(frozen=True)
class FitResult:
    """Fitted parameters (ready for ``make_model``) and how the fit went."""

    model: str
    params: dict[str, Any]
    diagnostics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GrowthTarget:
    """What a diffusion fit matches: mean size and mean normalised curve on a round grid."""

    minutes_per_step: float
    mean_size: float
    curve: np.ndarray
    n_cascades: int
    mean_log_size: float = 0.0
    log_size_sd: float = 0.0

    @property
    def steps(self) -> int:
        return self.curve.size - 1


def growth_target(cascades: Sequence[Any], steps: int, minutes_per_step: float) -> GrowthTarget:
    """The target from real cascades (objects with ``.time`` in minutes, root at 0)."""
    if not cascades or steps < 1 or not minutes_per_step > 0:
        raise ConfigError(f"fit: need cascades, steps >= 1 and minutes_per_step > 0; got {len(cascades)} "
                          f"cascades, steps={steps!r}, minutes_per_step={minutes_per_step!r}")
    grid = np.arange(steps + 1) * float(minutes_per_step)
    counts = np.array([cumulative_size(c.time, grid) for c in cascades], dtype=np.float64)
    logs = np.log1p(counts[:, -1])
    return GrowthTarget(float(minutes_per_step), float(counts[:, -1].mean()),
                        (counts / counts[:, -1:]).mean(axis=0), len(cascades), float(logs.mean()), float(logs.std()))


def audience_sources(out_degree: np.ndarray, audiences: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each audience size, a node whose follower count (out-degree) is nearest to it, ties broken
    at random; audiences beyond the largest follower count get one of the best-followed nodes."""
    senders = np.flatnonzero(out_degree > 0)
    if senders.size == 0:
        raise ConfigError("fit: the graph has no edges, nothing can spread")
    order = senders[np.lexsort((rng.random(senders.size), out_degree[senders]))]
    deg = out_degree[order].astype(np.float64)
    hi = np.searchsorted(deg, audiences, "left").clip(0, deg.size - 1)
    lo = (hi - 1).clip(0)
    pick = np.where(np.abs(deg[lo] - audiences) < np.abs(deg[hi] - audiences), lo, hi)
    same = np.searchsorted(deg, deg[pick], "left"), np.searchsorted(deg, deg[pick], "right")
    return order[same[0] + (rng.random(pick.size) * (same[1] - same[0])).astype(np.int64)]


def pick_sources(graph: Any, count: int, rng: np.random.Generator, audiences: Sequence[float] | None = None) -> np.ndarray:
    """``count`` cascade sources: audience-matched when ``audiences`` is given, else uniform among
    nodes with followers. The one rule for fitting and evaluation alike, so a fit is scored on the same
    kind of cascades it was fitted on."""
    out_degree = np.asarray(graph.out_degree)
    if audiences is None or len(audiences) == 0:
        senders = np.flatnonzero(out_degree > 0)
        if senders.size == 0:
            raise ConfigError("fit: the graph has no edges, nothing can spread")
        return senders[rng.integers(senders.size, size=count)]
    drawn = np.asarray(audiences, dtype=np.float64)[rng.integers(len(audiences), size=count)]
    return audience_sources(out_degree, drawn, rng)


def simulate_sizes(name: str, params: dict[str, Any], graph: Any, steps: int, replicates: int, seeds: SeedTree,
                   audiences: Sequence[float] | None = None) -> np.ndarray:
    """Cumulative size per round (replicates x steps + 1) of single-source runs."""
    model = make_model(name, **params)
    starts = pick_sources(graph, replicates, seeds.rng("seed"), audiences)
    return np.array([model.run(graph, [int(start)], steps, seeds.rng("run", r)).counts["aware"]
                     for r, start in enumerate(starts)], dtype=np.float64)


def _score(counts: np.ndarray, target: GrowthTarget, curve_weight: float) -> dict[str, float]:
    logs = np.log1p(counts[:, -1])
    rmse = float(np.sqrt(np.mean(((counts / counts[:, -1:]).mean(axis=0) - target.curve) ** 2)))
    return {"mean_size": float(counts[:, -1].mean()), "mean_log_size": float(logs.mean()),
            "log_size_se": float(logs.std(ddof=1) / math.sqrt(logs.size)) if logs.size > 1 else math.inf,
            "curve_rmse": rmse, "loss": (float(logs.mean()) - target.mean_log_size) ** 2 + curve_weight * rmse**2}


def _refined(grid: list[dict[str, Any]], rows: list[dict[str, Any]], refine: int) -> list[dict[str, Any]]:
    """``refine`` points on the first parameter between the best grid value's neighbours (others fixed)."""
    if refine < 1 or len(grid) < 2:
        return []
    key = next(iter(grid[0]))
    best = min(rows, key=lambda row: row["loss"])
    values = sorted({g[key] for g in grid})
    k = values.index(best[key])
    lo, hi = values[max(k - 1, 0)], values[min(k + 1, len(values) - 1)]
    fine = np.geomspace(lo, hi, refine + 2)[1:-1] if lo > 0 else np.linspace(lo, hi, refine + 2)[1:-1]
    return [{**{k2: best[k2] for k2 in grid[0]}, key: float(v)} for v in fine if v not in values]


def _best(rows: list[dict[str, Any]], target: GrowthTarget) -> dict[str, Any]:
    """The lowest loss among candidates whose log size is within 2 standard errors of the target (so the
    fit reproduces its size target within sampling error whenever some candidate can), else overall."""
    ok = [r for r in rows if abs(r["mean_log_size"] - target.mean_log_size) <= 2 * r["log_size_se"]]
    return min(ok or rows, key=lambda row: row["loss"])


def _grid_fit(name: str, grid: list[dict[str, Any]], adj: Any, target: GrowthTarget, replicates: int,
              seed: int, curve_weight: float, audiences: Sequence[float] | None = None, refine: int = 0) -> FitResult:
    graph, seeds = prepare(adj), SeedTree(seed).child("fit", name)
    score = lambda params: {**params, **_score(simulate_sizes(name, params, graph, target.steps, replicates,  # noqa: E731
                                                              seeds, audiences), target, curve_weight)}
    rows = [score(params) for params in grid]
    rows += [score(params) for params in _refined(grid, rows, refine)]
    best = _best(rows, target)
    params = {k: best[k] for k in grid[0]}
    diagnostics = {"loss": best["loss"], "mean_size_sim": best["mean_size"], "mean_size_real": target.mean_size,
                   "mean_log_size_sim": best["mean_log_size"], "mean_log_size_real": target.mean_log_size,
                   "curve_rmse": best["curve_rmse"], "steps": target.steps, "minutes_per_step": target.minutes_per_step,
                   "n_cascades": target.n_cascades, "replicates": replicates, "seed": seed,
                   "sources": "audience-matched" if audiences is not None else "uniform among nodes with followers",
                   "grid": rows}
    diagnostics["fit_error"] = check_fit(name, params, graph, target, replicates, seed, audiences)
    return FitResult(name, params, diagnostics)


def check_fit(name: str, params: dict[str, Any], adj: Any, target: GrowthTarget, replicates: int, seed: int,
              audiences: Sequence[float] | None = None) -> dict[str, float]:
    """Target vs achieved on fresh random streams (not the ones the fit saw): a fit that reproduces its
    own target has ``|z| = |achieved - target| / se`` of order 1 on the log size."""
    counts = simulate_sizes(name, params, prepare(adj), target.steps, replicates,
                            SeedTree(seed).child("check", name), audiences)
    got = _score(counts, target, 0.0)
    se = math.hypot(got["log_size_se"], target.log_size_sd / math.sqrt(max(target.n_cascades, 1)))
    return {"target_mean_log_size": target.mean_log_size, "achieved_mean_log_size": got["mean_log_size"],
            "se": se, "z": (got["mean_log_size"] - target.mean_log_size) / se if se > 0 else math.inf,
            "target_mean_size": target.mean_size, "achieved_mean_size": got["mean_size"],
            "curve_rmse": got["curve_rmse"], "runs": replicates}


def fit_ic(adj: Any, cascades: Sequence[Any], *, steps: int = 24, minutes_per_step: float = 60.0,
           p_grid: Sequence[float] | None = None, replicates: int = 32, seed: int = 0,
           curve_weight: float = 1.0, audiences: Sequence[float] | None = None, refine: int = 0) -> FitResult:
    """Independent-cascade ``p`` on ``adj`` matching the cascades' log size and growth curve."""
    p_grid = np.linspace(0.01, 0.5, 50) if p_grid is None else p_grid
    grid = [{"p": float(p)} for p in p_grid]
    return _grid_fit("independent_cascade", grid, adj, growth_target(cascades, steps, minutes_per_step),
                     replicates, seed, curve_weight, audiences, refine)


def fit_sir(adj: Any, cascades: Sequence[Any], *, steps: int = 24, minutes_per_step: float = 60.0,
            beta_grid: Sequence[float] | None = None, gamma_grid: Sequence[float] | None = None,
            replicates: int = 32, seed: int = 0, curve_weight: float = 1.0,
            audiences: Sequence[float] | None = None, refine: int = 0) -> FitResult:
    """SIR ``(beta, gamma)`` on ``adj`` matching the cascades' log size and growth curve."""
    beta_grid = np.linspace(0.02, 0.4, 12) if beta_grid is None else beta_grid
    gamma_grid = np.linspace(0.1, 1.0, 10) if gamma_grid is None else gamma_grid
    grid = [{"beta": float(b), "gamma": float(g)} for b in beta_grid for g in gamma_grid]
    return _grid_fit("sir", grid, adj, growth_target(cascades, steps, minutes_per_step),
                     replicates, seed, curve_weight, audiences, refine)


# ---------------------------------------------------------------- Hawkes maximum likelihood


def _hawkes_result(process: Hawkes, ll: float, n_events: int, n_sequences: int, res: Any, **extra: Any) -> FitResult:
    diagnostics = {"log_likelihood": ll, "log_likelihood_per_event": ll / max(n_events, 1), "n_events": n_events,
                   "n_sequences": n_sequences, "converged": bool(res.success), "message": str(res.message), **extra}
    return FitResult("hawkes", process.as_dict(), diagnostics)


def _unpack(z: np.ndarray, kernel: str, fix_mu: float | None) -> Hawkes:
    v = [float(x) for x in np.exp(np.clip(z, -30, 30))]
    k = 0 if fix_mu is not None else 1
    mu = fix_mu if fix_mu is not None else v[0]
    kern = ExponentialKernel(v[k + 1]) if kernel == "exponential" else PowerLawKernel(v[k + 1], v[k + 2])
    return Hawkes(float(mu), float(v[k]), kern)


def _start_points(seqs: list[np.ndarray], T: list[float], kernel: str, fix_mu: float | None) -> list[np.ndarray]:
    """Background at (1 - alpha) of the event rate, alpha 0.3 / 0.7, kernel time scale 1x / 10x the median gap."""
    n = sum(s.size for s in seqs)
    span = sum(max(t - (s[0] if s.size else 0.0), 1e-9) for s, t in zip(seqs, T))
    gaps = np.concatenate([np.diff(s) for s in seqs] + [np.empty(0)])
    scale = float(np.median(gaps[gaps > 0])) if np.any(gaps > 0) else span / max(n, 1)
    starts = []
    for alpha in (0.3, 0.7):
        for mult in (1.0, 10.0):
            z = [] if fix_mu is not None else [math.log(max((1 - alpha) * n / span, 1e-9))]
            z.append(math.log(alpha))
            z += [math.log(1 / (mult * scale))] if kernel == "exponential" else [math.log(mult * scale), 0.0]
            starts.append(np.array(z))
    return starts


def _check_kernel(kernel: str) -> None:
    if kernel not in ("exponential", "power_law"):
        raise ConfigError(f"hawkes: unknown kernel {kernel!r}; known: exponential, power_law")


def fit_hawkes(sequences: Sequence[np.ndarray], T: float | Sequence[float], *, kernel: str = "exponential",
               condition_on_first: bool = False, fix_mu: float | None = None,
               max_pairs: int = 20_000_000) -> FitResult:
    """Maximum-likelihood ``mu``, ``alpha`` and kernel parameters from event times alone.

    ``T`` is each sequence's observation end (one value for all, or one per sequence). For cascades
    (each sequence starting with its root) use ``condition_on_first=True`` and usually ``fix_mu=0``:
    the root is given and every later event is a descendant. Minimises the negative log-likelihood per
    event in log-parameter space with L-BFGS-B from four starting points and keeps the best. Cost per
    evaluation: O(n) for the exponential kernel, O(n^2) for the power law (pairwise delays computed once
    when there are at most ``max_pairs`` of them, 8 bytes each). With parents known, prefer
    ``fit_hawkes_tree``.
    """
    from scipy.optimize import minimize

    _check_kernel(kernel)
    seqs = [np.sort(np.asarray(s, dtype=np.float64)) for s in sequences]
    ends = [float(T)] * len(seqs) if np.isscalar(T) else [float(x) for x in T]
    if len(ends) != len(seqs) or not seqs:
        raise ConfigError(f"hawkes: got {len(seqs)} sequences and {len(ends)} end times; need one end per sequence")
    n_events = sum(s.size for s in seqs)
    cached = kernel == "power_law" and sum(s.size**2 for s in seqs) <= 2 * max_pairs
    pairs = [Pairs.of(s) if cached else None for s in seqs]

    def loss(z: np.ndarray) -> float:
        proc = _unpack(z, kernel, fix_mu)
        with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
            ll = sum(proc.log_likelihood(s, e, condition_on_first=condition_on_first, pairs=p)
                     for s, e, p in zip(seqs, ends, pairs))
        return -ll / max(n_events, 1) if math.isfinite(ll) else 1e300

    best = min((minimize(loss, z0, method="L-BFGS-B", bounds=[(-25, 25)] * z0.size)
                for z0 in _start_points(seqs, ends, kernel, fix_mu)), key=lambda r: r.fun)
    return _hawkes_result(_unpack(best.x, kernel, fix_mu), float(-best.fun * max(n_events, 1)), n_events,
                          len(seqs), best, condition_on_first=condition_on_first, fix_mu=fix_mu, method="times")


def fit_hawkes_tree(cascades: Sequence[Any], *, kernel: str = "exponential",
                    T: float | Sequence[float] | None = None) -> FitResult:
    """MLE of ``alpha`` and the kernel from cascade *trees* (parents known), in O(total events).

    With each event's parent observed, the branching form's likelihood separates: every non-root event
    contributes ``log alpha + log g(t_i - t_parent)`` and every event minus the expected number of its
    children inside the window, ``alpha * G(T - t_j)``. So ``alpha = (N - K) / sum_j G(T - t_j)`` for
    given kernel parameters (K roots, N events) and only the kernel parameters are optimised. ``T`` is
    each cascade's observation end, by default its last event. Cascades are objects with ``parent`` and
    ``time`` (Twitter15 cascades, simulated trees, ``BranchingCascade``) or ``(parent, time)`` tuples;
    fertility is taken as unmarked. The fitted process has ``mu = 0`` (roots are given).
    """
    from scipy.optimize import minimize

    _check_kernel(kernel)
    delay, age, n_kids, n_events = _tree_delays(cascades, T)
    if n_kids == 0 or not np.all(delay >= 0):
        raise ConfigError("hawkes: fit_hawkes_tree needs cascades with children, none earlier than its parent")

    def profile(z: np.ndarray) -> tuple[float, float, Any]:
        v = [float(x) for x in np.exp(np.clip(z, -30, 30))]
        kern = ExponentialKernel(v[0]) if kernel == "exponential" else PowerLawKernel(v[0], v[1])
        with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
            exposure = float(kern.cdf(age).sum())
            log_g = float(kern.log_density(delay).sum())
        alpha = n_kids / exposure if exposure > 0 else math.inf
        ll = n_kids * math.log(alpha) + log_g - n_kids if math.isfinite(alpha) else -math.inf
        return (ll if math.isfinite(ll) else -1e300), alpha, kern

    scale = math.log(float(np.median(delay[delay > 0])) if np.any(delay > 0) else 1.0)
    if kernel == "exponential":  # log beta within e^14 (about 1e6) of the typical rate
        starts, bounds = [[-scale], [math.log(0.1) - scale]], [(-scale - 14, -scale + 14)]
    else:  # log c around the typical delay, theta in [0.02, 50]
        starts, bounds = [[scale, 0.0], [scale - 2.3, math.log(0.5)]], [(scale - 14, scale + 14), (-4, 4)]
    best = min((minimize(lambda z: -profile(z)[0] / n_kids, np.array(z0), method="L-BFGS-B", bounds=bounds)
                for z0 in starts), key=lambda r: r.fun)
    ll, alpha, kern = profile(best.x)
    return _hawkes_result(Hawkes(0.0, alpha, kern), ll, n_events, len(cascades), best, method="tree")


def _tree_delays(cascades: Sequence[Any], T: float | Sequence[float] | None) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Parent-to-child delays, per-event time left in the window, number of children, number of events."""
    ends = [None] * len(cascades) if T is None else ([T] * len(cascades) if np.isscalar(T) else list(T))
    if len(ends) != len(cascades) or not cascades:
        raise ConfigError(f"hawkes: got {len(cascades)} cascades and {len(ends)} end times; need one end per cascade")
    delays, ages = [], []
    for c, end in zip(cascades, ends):
        parent, time = (c[0], c[1]) if isinstance(c, tuple) else (c.parent, c.time)
        parent, time = np.asarray(parent, dtype=np.int64), np.asarray(time, dtype=np.float64)
        kids = parent >= 0
        delays.append(time[kids] - time[parent[kids]])
        ages.append((time.max() if end is None else float(end)) - time)
    delay, age = np.concatenate(delays), np.concatenate(ages)
    return delay, np.maximum(age, 0.0), int(delay.size), int(age.size)


# ---------------------------------------------------------------- persistence


@dataclass(frozen=True)
class Fitted:
    """Parameters read back from a fitted-parameter file."""

    model: str
    params: dict[str, Any]
    meta: dict[str, Any]

    def build(self) -> Any:
        """The rule model (by registry name) or the Hawkes process these parameters describe."""
        return build_fitted(self.model, self.params)


def build_fitted(model: str, params: dict[str, Any]) -> Any:
    if model == "hawkes":
        kernel_params = {k: v for k, v in params.items() if k not in ("mu", "alpha", "kernel")}
        try:
            return Hawkes(float(params["mu"]), float(params["alpha"]), make_kernel(params["kernel"], **kernel_params))
        except KeyError as exc:
            raise ConfigError(f"hawkes: fitted parameters lack {exc.args[0]!r}; need mu, alpha, kernel") from None
    if model not in REGISTRY:
        raise ConfigError(f"fit: unknown model {model!r}; known: hawkes, {', '.join(sorted(REGISTRY))}")
    return make_model(model, **params)


def _plain(value: Any) -> Any:
    """numpy scalars and arrays as JSON-ready Python values."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def save_fitted(path: str | Path, model_name: str, params: dict[str, Any], meta: dict[str, Any] | None = None) -> Path:
    """Write fitted parameters as JSON after checking that they build a valid model."""
    build_fitted(model_name, params)
    path = Path(path)
    doc = {"format": FORMAT, "model": model_name, "params": _plain(params), "meta": _plain(meta or {})}
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def load_fitted(path: str | Path) -> Fitted:
    """Read a file written by ``save_fitted``; DataError names the file and what is wrong."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: cannot read fitted parameters: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise DataError(f"{path}: not a fitted-parameter file (expected \"format\": \"{FORMAT}\")")
    if not isinstance(doc.get("model"), str) or not isinstance(doc.get("params"), dict):
        raise DataError(f"{path}: needs a string \"model\" and an object \"params\"")
    try:
        build_fitted(doc["model"], doc["params"])
    except ConfigError as exc:
        raise DataError(f"{path}: {exc}") from None
    return Fitted(doc["model"], doc["params"], doc.get("meta") or {})
