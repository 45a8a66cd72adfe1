"""``board_weibo``: a simulated hot-search board against the real one, week by week, per category.

**Real side** (:mod:`hubbub.evaluate.data.board`): episodes of topics on the hourly Weibo board; per
episode, within ``HORIZON_H`` hours of its first listing, the number of snapshots it was listed in
(*time on board*), ranked 1 (*time at the top*) and ranked 1-3 (*time in the top 3*), and its rank by
hour since first listing (*rank trajectory*).

**Simulated side** (:mod:`hubbub.platform.board`): every real episode of a week (and of the
``HORIZON_H`` hours around it, as competitors) becomes a topic whose access clock starts ``LEAD_H``
before its real first listing, with TrendSim's access density P(t) over ``HORIZON_H`` hours and
comments / reposts per visit; its size (expected visits) is set so that its heat at its first listing
equals an *entry heat* (the board's ``hot`` score at a first listing), so the models differ in how heat
evolves after entry, not in how topics enter. Heat by the board's formula (module default weights;
``tau`` chosen per model on the validation weeks); ranks at the real snapshot hours with the real
board's length; the same measures as on the real side. Expected counts are used (no Poisson draws);
what is random is which entry heat and parameters a topic draws. Because sizes are set from entry
heat, a topic's engagement rates scale its visits but cancel in its heat.

**Models** (fitted on train weeks, :mod:`.board_fit`):

* ``global`` (the null): one P(t) for every topic, entry heat drawn from all train episodes;
* ``category``: P(t), entry heat and engagement of the episode's category;
* ``per-topic-draw``: as ``category``, but P(t) drawn from the per-topic fits of the category's train
  episodes (the spread of topic shapes within a category);
* ``per-topic-own`` (in-sample anchor): each episode's own fitted P(t) (its category's where it has no
  curve) and its own entry heat; it uses the scored weeks' own data, so it is not a prediction.

**Anchor** ``train-weeks``: the real train weeks' episodes against the real test weeks' (how far two
real periods are apart). **Distance**: per measure, the two-sample Kolmogorov-Smirnov statistic
(``ks_*``, the largest gap between the cumulative distributions, 0..1) and the 1-Wasserstein distance
in snapshots (``w1_*``); ``distance`` = the mean of the three KS statistics; ``rank_curve_rmse`` = the
RMSE between the mean rank by hour since first listing (hours 0-11, listed topics only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hubbub.evaluate.data.board import BLOCK_H, Board
from hubbub.evaluate.tasks.board_fit import GLOBAL, BoardFit
from hubbub.platform.board import BoardTopic, Engagement, HeatFormula, board_ranks, expected_counts, heat_series

HORIZON_H = 48.0
LEAD_H = 1.0
"""A simulated topic's access clock starts this long before its real first listing (the board lists a
topic within the hour its attention takes off); its size makes its heat at the first listing equal its
entry heat."""
TAUS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
MODELS = ("global", "category", "per-topic-draw", "per-topic-own")
CURVE_HOURS = 12
MEASURES = ("on_board", "top1", "top3")


# ---------------------------------------------------------------------------------------------------
# Measures


def measure(episode: np.ndarray, rel: np.ndarray, rank: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """Per-episode counts (``n`` episodes, indices 0..n-1) from listings ``(episode, hours since start,
    rank >= 1)`` inside the window, and each episode's rank by hour since start (0 = not listed / no
    snapshot) for the first :data:`CURVE_HOURS` hours."""
    out = {"on_board": np.bincount(episode, minlength=n), "top1": np.bincount(episode[rank == 1], minlength=n),
           "top3": np.bincount(episode[rank <= 3], minlength=n)}
    early = rel < CURVE_HOURS
    curve = np.zeros((n, CURVE_HOURS), dtype=np.int64)
    curve[episode[early], rel[early].astype(np.int64)] = rank[early]
    return {**out, "curve": curve}


def real_measures(board: Board, ids: np.ndarray) -> dict[str, np.ndarray]:
    """The measures of the real episodes ``ids``."""
    rows = board.listings
    pos = np.full(len(board.episodes), -1)
    pos[ids] = np.arange(ids.size)
    ep = pos[rows["episode"].to_numpy()]
    rel = rows["hour"].to_numpy() - board.episodes["start"].to_numpy()[rows["episode"].to_numpy()]
    keep = (ep >= 0) & (rel < HORIZON_H)
    return measure(ep[keep], rel[keep], rows["rank"].to_numpy()[keep], ids.size)


def _ks(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import ks_2samp

    return float(ks_2samp(a, b, method="asymp").statistic) if a.size and b.size else float("nan")


def _w1(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import wasserstein_distance

    return float(wasserstein_distance(a, b)) if a.size and b.size else float("nan")


def rank_curve(curve: np.ndarray, min_listed: int = 5) -> np.ndarray:
    """Mean rank of the listed episodes by hour since first listing (NaN with fewer than ``min_listed``)."""
    listed = curve > 0
    count = listed.sum(axis=0)
    mean = np.where(listed, curve, 0).sum(axis=0) / np.maximum(count, 1)
    return np.where(count >= min_listed, mean, np.nan)


def compare(sim: dict[str, np.ndarray], real: dict[str, np.ndarray]) -> dict[str, float]:
    """The distance terms and the simulated set's summary."""
    out = {f"ks_{m}": _ks(sim[m], real[m]) for m in MEASURES}
    out["distance"] = float(np.mean([out[f"ks_{m}"] for m in MEASURES]))
    out.update({f"w1_{m}": _w1(sim[m], real[m]) for m in MEASURES})
    gap = rank_curve(sim["curve"]) - rank_curve(real["curve"])
    out["rank_curve_rmse"] = float(np.sqrt(np.nanmean(gap**2))) if np.isfinite(gap).any() else float("nan")
    return {**out, **summary(sim)}


def summary(m: dict[str, np.ndarray]) -> dict[str, float]:
    """Means and shares of one set of episodes, and its mean rank 0, 1, 3 and 6 h after first listing."""
    on, curve = m["on_board"], rank_curve(m["curve"])
    return {"mean_on_board": float(on.mean()), "p90_on_board": float(np.percentile(on, 90)),
            "share_top1": float((m["top1"] > 0).mean()), "share_top3": float((m["top3"] > 0).mean()),
            "share_never_listed": float((on == 0).mean()),
            **{f"mean_rank_{h}h": float(curve[h]) for h in (0, 1, 3, 6)}}


# ---------------------------------------------------------------------------------------------------
# Simulation


@dataclass
class Week:
    """One simulated week of one model: the topics (episode ids) of its board, their expected events on
    the hourly grid at size 1 (heat scales linearly with size) and the entry heat each must reach."""

    start: float
    ids: np.ndarray
    unit_counts: np.ndarray
    entry: np.ndarray


def week_grid(week_start: float) -> np.ndarray:
    return np.arange(week_start - HORIZON_H, week_start + BLOCK_H + HORIZON_H, 1.0)


def week_topics(board: Board, week_start: float) -> np.ndarray:
    """The episodes a week's board holds: those starting in the week and ``HORIZON_H`` hours around it."""
    start = board.episodes["start"].to_numpy()
    return np.flatnonzero((start >= week_start - HORIZON_H) & (start < week_start + BLOCK_H + HORIZON_H))


def pools_of(board: Board, fit: BoardFit, train: np.ndarray) -> dict[str, Any]:
    """Entry heats and per-topic access parameters of the train episodes, per category and ``*``."""
    cats = board.episodes["category"].to_numpy()[train]
    entry, own = fit.entry[train], fit.own[train]
    out: dict[str, Any] = {"entry": {GLOBAL: entry[np.isfinite(entry)]}, "shapes": {GLOBAL: own[np.isfinite(own[:, 0])]}}
    for c in set(cats.tolist()):
        pick = cats == c
        out["entry"][c] = entry[pick][np.isfinite(entry[pick])]
        out["shapes"][c] = own[pick][np.isfinite(own[pick, 0])]
    return out


def _draw(pool: dict[str, np.ndarray], key: str, rng: np.random.Generator, least: int = 30) -> np.ndarray:
    """One draw from the category's pool (the global one when it holds fewer than ``least``)."""
    values = pool.get(key)
    values = values if values is not None and len(values) >= least else pool[GLOBAL]
    return values[rng.integers(len(values))]


def topic_setup(model: str, fit: BoardFit, ids: np.ndarray, cats: np.ndarray, pools: dict[str, Any],
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[Engagement]]:
    """(access parameters, entry heats, engagement) of the episodes ``ids`` under ``model``."""
    params, entry, engage = np.empty((ids.size, 3)), np.empty(ids.size), []
    for i, (e, c) in enumerate(zip(ids, cats)):
        key = GLOBAL if model == "global" else c
        params[i] = fit.access.get(key, fit.access[GLOBAL])
        entry[i] = _draw(pools["entry"], key, rng)
        if model == "per-topic-draw":
            params[i] = _draw(pools["shapes"], c, rng)
        if model == "per-topic-own":
            params[i] = fit.own[e] if np.isfinite(fit.own[e, 0]) else params[i]
            entry[i] = fit.entry[e] if np.isfinite(fit.entry[e]) else entry[i]
        engage.append(fit.engagement.get(key, fit.engagement[GLOBAL]))
    return params, entry, engage


def simulate_setup(board: Board, fit: BoardFit, model: str, week_start: float, pools: dict[str, Any],
                   rng: np.random.Generator) -> Week:
    """A week's topics under ``model``: each starts its access clock :data:`LEAD_H` before its real first
    listing, with unit size (scaled per ``tau`` in :func:`simulate_week`)."""
    ids = week_topics(board, week_start)
    params, entry, engage = topic_setup(model, fit, ids, board.episodes["category"].to_numpy()[ids], pools, rng)
    starts = board.episodes["start"].to_numpy()[ids] - LEAD_H
    densities = {key: fit.density(key) for key in set(map(tuple, params))}
    topics = [BoardTopic(int(e), float(s), densities[tuple(p)], 1.0, g)
              for e, s, p, g in zip(ids, starts, params, engage)]
    return Week(week_start, ids, expected_counts(topics, week_grid(week_start)), entry)


def simulate_week(board: Board, week: Week, tau: float) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(scored episode ids, their measures): the episodes starting in the week, on the simulated board
    whose topics are scaled to reach their entry heat at their real first listing."""
    grid = week_grid(week.start)
    first = board.episodes["start"].to_numpy()[week.ids]
    unit = heat_series(week.unit_counts, grid, HeatFormula(decay_h=tau))
    at_entry = unit[np.arange(week.ids.size), np.searchsorted(grid, first)]
    heat = unit * np.divide(week.entry, at_entry, out=np.zeros_like(at_entry), where=at_entry > 0)[:, None]
    snap = np.isin(grid, board.snapshots)
    sizes = board.sizes[np.searchsorted(board.snapshots, grid[snap])]
    ranks = board_ranks(heat[:, snap], first - LEAD_H, grid[snap], sizes, ends=first - LEAD_H + HORIZON_H)
    scored = np.flatnonzero((first >= week.start) & (first < week.start + BLOCK_H))
    t, r = np.nonzero(ranks[scored])
    rel = grid[snap][r] - first[scored][t]
    return week.ids[scored], measure(t, rel, ranks[scored][t, r], scored.size)
