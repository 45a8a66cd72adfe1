"""The ``board_weibo`` task: fit on train weeks, choose ``tau`` per model on validation weeks, score on
test weeks per category, write the rows and the fitted parameters (``OUT/fitted/board_weibo.json``,
reusable by a scenario's board). What is compared and how: :mod:`.board`."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, Callable

import numpy as np

from hubbub.evaluate.data.board import BLOCK_H, Board, load_board
from hubbub.evaluate.tasks import board as B
from hubbub.evaluate.tasks.board_fit import GLOBAL, BoardFit, fit_board
from hubbub.kernel.seeding import SeedTree
from hubbub.platform.board import HeatFormula

ALL = "all"
SMALL_WEEKS = 2
"""Validation and test weeks of a smoke run (``--limit`` below 50)."""


def weeks_of(board: Board, split: str) -> list[float]:
    """The start hours of the weeks whose episodes are in ``split``, in time order."""
    origin = float(board.snapshots.min())
    start = board.split_of(split)["start"].to_numpy()
    return sorted({origin + ((s - origin) // BLOCK_H) * BLOCK_H for s in start})


def run_weeks(board: Board, fit: BoardFit, model: str, weeks: list[float], pools: dict[str, Any], seeds: SeedTree,
              taus: tuple[float, ...]) -> dict[float, tuple[np.ndarray, dict[str, np.ndarray]]]:
    """Per tau, the scored episodes and their simulated measures over ``weeks`` (concatenated)."""
    out: dict[float, list[Any]] = {t: [] for t in taus}
    for week in weeks:
        setup = B.simulate_setup(board, fit, model, week, pools, seeds.rng(model, int(week)))
        for tau in taus:
            out[tau].append(B.simulate_week(board, setup, tau))
    return {t: _concat(parts) for t, parts in out.items()}


def _concat(parts: list[tuple[np.ndarray, dict[str, np.ndarray]]]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    ids = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
    keys = ("on_board", "top1", "top3", "curve")
    return ids, {k: np.concatenate([p[1][k] for p in parts]) if parts else np.zeros(0) for k in keys}


def choose_tau(board: Board, fit: BoardFit, weeks: list[float], pools: dict[str, Any], seeds: SeedTree,
               taus: tuple[float, ...]) -> dict[str, tuple[float, float]]:
    """Per model, the tau with the smallest distance on the validation weeks, and that distance."""
    chosen = {}
    for model in B.MODELS:
        runs = run_weeks(board, fit, model, weeks, pools, seeds.child("validation"), taus)
        scores = {t: B.compare(m, B.real_measures(board, ids))["distance"] for t, (ids, m) in runs.items()}
        best = min(scores, key=lambda t: (scores[t], t))
        chosen[model] = (best, scores[best])
    return chosen


def by_category(board: Board, ids: np.ndarray, m: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """The measures split per category, plus ``all``."""
    cats = board.episodes["category"].to_numpy()[ids]
    out = {ALL: m}
    for c in sorted(set(cats.tolist())):
        out[c] = {k: v[cats == c] for k, v in m.items()}
    return out


def run_board(ctx: Any) -> list[dict[str, Any]]:
    """Fit, choose tau, score the models and the anchor on the test weeks; rows per category."""
    board = load_board(ctx.data_path("board_weibo"), ctx.seed, gap_h=B.HORIZON_H)
    train = np.array(ctx.cap(list(np.flatnonzero(board.episodes["split"].to_numpy() == "train")), ctx.train_limit),
                     dtype=np.int64)
    fit = fit_board(board, B.HORIZON_H, train)
    pools, seeds = B.pools_of(board, fit, train), SeedTree(ctx.seed).child("board_weibo")
    weeks = {s: weeks_of(board, s)[:SMALL_WEEKS] if ctx.small else weeks_of(board, s) for s in ("validation", "test")}
    taus = B.TAUS[1:4:2] if ctx.small else B.TAUS
    chosen = choose_tau(board, fit, weeks["validation"], pools, seeds, taus)
    row = _row_maker(ctx, board)
    test_ids = np.concatenate([B.week_topics(board, w)[_scored(board, w)] for w in weeks["test"]]) \
        if weeks["test"] else np.zeros(0, np.int64)
    real = by_category(board, test_ids, B.real_measures(board, test_ids))
    rows = [row(c, len(m["on_board"]), "real", k, v) for c, m in real.items() for k, v in B.summary(m).items()]
    for model in B.MODELS:
        tau = chosen[model][0]
        ids, sim = run_weeks(board, fit, model, weeks["test"], pools, seeds.child("test"), (tau,))[tau]
        sims = by_category(board, ids, sim)
        rows += [row(c, len(real[c]["on_board"]), model, k, v, _describe(model, tau)) for c in real
                 for k, v in B.compare(sims[c], real[c]).items()]
    anchor = by_category(board, train, B.real_measures(board, train))
    rows += [row(c, len(real[c]["on_board"]), "anchor:train-weeks", k, v, "real train-week episodes") for c in real
             if c in anchor for k, v in B.compare(anchor[c], real[c]).items()]
    rows += _fit_rows(row, fit, chosen)
    rows += _heat_rows(row, board, chosen, test_ids)
    _save(ctx, board, fit, chosen, len(train))
    _notes(ctx, board, weeks, train, test_ids, chosen)
    return rows


def _scored(board: Board, week: float) -> np.ndarray:
    start = board.episodes["start"].to_numpy()[B.week_topics(board, week)]
    return (start >= week) & (start < week + BLOCK_H)


def _describe(model: str, tau: float) -> str:
    return f"{model}: TrendSim P(t) fitted on train weeks, heat formula with tau={tau:g} h (chosen on validation weeks)"


def _row_maker(ctx: Any, board: Board) -> Callable[..., dict[str, Any]]:
    from hubbub.evaluate import data as ds

    name = ds.data_name(ctx.data_path("board_weibo"), ds.default_path("weibo_hot_search_hourly"), "weibo-hot-search")

    def row(category: str, n: int, policy: str, metric: str, value: float, model: str = "real test-week episodes",
            split: str = "test") -> dict[str, Any]:
        return ctx.row("board_weibo", f"{name}:{category}", split, n, policy, metric, value, backend="none", model=model)
    return row


def _fit_rows(row: Callable[..., dict[str, Any]], fit: BoardFit, chosen: dict[str, tuple[float, float]]) -> list[dict[str, Any]]:
    """The fitted access parameters per category (split ``train``) and each model's tau (``validation``)."""
    rows = []
    for cat, params in fit.access.items():
        for name, value in zip(("A", "T_m", "alpha"), params):
            rows.append(row(ALL if cat == GLOBAL else cat, fit.curves[cat], "fit:category-access", name, value,
                            "least squares on the mean train read curve", split="train"))
    for model, (tau, distance) in chosen.items():
        rows += [row(ALL, 0, model, "tau_h", tau, _describe(model, tau), split="validation"),
                 row(ALL, 0, model, "validation_distance", distance, _describe(model, tau), split="validation")]
    return rows


def _heat_rows(row: Callable[..., dict[str, Any]], board: Board, chosen: dict[str, tuple[float, float]],
               test_ids: np.ndarray) -> list[dict[str, Any]]:
    """The heat formula on the real counts of the test episodes vs the board's own heat score."""
    from hubbub.evaluate.tasks.board_heat import heat_check

    taus = {f"heat formula, tau={t:g} h": t for t in sorted({t for t, _ in chosen.values()} | {HeatFormula().decay_h})}
    out = []
    for name, (rho, snaps) in heat_check(board, B.HORIZON_H, taus, test_ids).items():
        out.append(row(ALL, snaps, name, "spearman_vs_board_hot (median over snapshots)", rho,
                       "observed reads / discussions / original posts of the test-week episodes"))
    return out


def _save(ctx: Any, board: Board, fit: BoardFit, chosen: dict[str, tuple[float, float]], n_train: int) -> None:
    folder = ctx.out / "fitted"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "board_weibo.json"
    own = fit.own[np.isfinite(fit.own[:, 0])]
    doc = {"format": "hubbub.board-fit/1", "horizon_h": fit.horizon, "lead_h": B.LEAD_H, "source": board.source,
           "n_train_episodes": n_train, "heat_formula": {**asdict(HeatFormula()), "decay_h_by_model": {m: t for m, (t, _) in chosen.items()}},
           "access_by_category": {c: dict(zip(("A", "T_m", "alpha"), p)) for c, p in fit.access.items()},
           "curves_by_category": fit.curves,
           "engagement_by_category": {c: asdict(e) for c, e in fit.engagement.items()},
           "per_topic_median": dict(zip(("A", "T_m", "alpha"), np.median(own, axis=0).tolist())) if len(own) else {}}
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    ctx.artefact(path)


def _notes(ctx: Any, board: Board, weeks: dict[str, list[float]], train: np.ndarray, test_ids: np.ndarray,
           chosen: dict[str, tuple[float, float]]) -> None:
    ctx.note("board_weibo", f"data: {board.source}; {len(board.snapshots)} snapshots, {len(board.episodes)} episodes; "
             f"fitted on {len(train)} train episodes; tau chosen on {len(weeks['validation'])} validation weeks; "
             f"scored on {len(test_ids)} episodes of {len(weeks['test'])} test weeks")
    ctx.note("board_weibo", "tau per model: " + ", ".join(f"{m} {t:g} h" for m, (t, _) in chosen.items()))
    ctx.note("board_weibo", "distance = mean of the KS statistics of time on board, time at rank 1 and time in the "
             "top 3 (snapshots within 48 h of first listing); 0 = identical distributions, 1 = disjoint. "
             "Real episodes are listed at least once by construction; share_never_listed says how many "
             "simulated ones were not.")
