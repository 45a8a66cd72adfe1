"""What ``board_weibo`` fits on the train weeks of the real board: TrendSim's access density P(t) per
category and per topic, the heat topics enter the board with, and engagement per visit.

* **Read curves.** An episode's curve is the reads it gained since its first listing, interpolated
  hourly over ``[0, horizon]`` and divided by the gain at its last listing inside the window (as in
  ``lifecycle_weibo``); episodes with fewer than ``min_points`` read counts there, or no gain, have none.
  Reads are only seen while a topic is listed, so a curve is flat after the topic drops off.
* **Per category**: (A, T_m, alpha) fitted to the category's mean train curve by least squares
  (:func:`~hubbub.evaluate.tasks.population.fit_access`); **global**: the same on all train curves.
* **Per topic**: for every episode with a curve (train, validation and test), the (A, T_m, alpha) of
  :data:`GRID` closest to its own curve (least squares over the whole grid at once).
* **Entry heat** of an episode: the board's own heat score (``hot``) at its first listing; a simulated
  topic's size is set so that its heat one hour after its access clock starts equals it.
* **Engagement per visit**, per category, from train gains: comments = original posts (``origin``) per
  read, reposts = other discussion posts (``discussCount - origin``) per read. The board has no likes,
  so likes per visit are 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hubbub.errors import DataError
from hubbub.platform.access import AccessDensity
from hubbub.platform.board import Engagement

GLOBAL = "*"
A_GRID = np.geomspace(0.1, 10.0, 15)
TM_GRID = np.array([0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0])
ALPHA_GRID = np.geomspace(0.05, 100.0, 10)
GRID = np.array(np.meshgrid(A_GRID, TM_GRID, ALPHA_GRID, indexing="ij")).reshape(3, -1).T
"""The per-topic search grid: 15 x 14 x 10 = 2,100 (A, T_m, alpha) triples."""


@dataclass
class BoardFit:
    """Everything fitted: access parameters per category (and ``*``), per-topic parameters and entry heat
    per episode (NaN where the episode has none), engagement per category, and how many curves each used."""

    horizon: float
    access: dict[str, tuple[float, float, float]]
    own: np.ndarray
    entry: np.ndarray
    engagement: dict[str, Engagement]
    curves: dict[str, int] = field(default_factory=dict)

    def density(self, params: Any) -> AccessDensity:
        A, tm, al = (float(v) for v in params)
        return AccessDensity(A=A, T_m=tm, alpha=al, horizon=self.horizon)


def within(board: Any, horizon: float) -> Any:
    """Listings inside each episode's window ``[start, start + horizon)``, with ``rel`` = hours since start."""
    rows = board.listings.merge(board.episodes[["start"]], left_on="episode", right_index=True)
    rows["rel"] = rows["hour"] - rows["start"]
    return rows[rows["rel"] < horizon].sort_values(["episode", "hour"], kind="stable")


def read_curves(rows: Any, grid: np.ndarray, min_points: int) -> tuple[np.ndarray, np.ndarray]:
    """(episode ids, curves) of the episodes with a read curve (see the module docstring)."""
    rows = rows[np.isfinite(rows["reads"].to_numpy())]
    ep, rel, reads = (rows[c].to_numpy() for c in ("episode", "rel", "reads"))
    bounds = np.flatnonzero(ep[1:] != ep[:-1]) + 1
    ids, out = [], []
    for idx in np.split(np.arange(ep.size), bounds) if ep.size else []:
        gain = reads[idx] - reads[idx[0]]
        if idx.size >= min_points and gain[-1] > 0:
            ids.append(ep[idx[0]])
            out.append(np.clip(np.interp(grid, rel[idx], gain) / gain[-1], 0.0, 1.0))
    return np.array(ids, dtype=np.int64), np.array(out).reshape(len(out), grid.size)


def grid_fit(curves: np.ndarray, grid: np.ndarray, horizon: float, chunk: int = 4096) -> np.ndarray:
    """Per curve, the :data:`GRID` triple whose CDF is closest in squared error (shape ``(n, 3)``)."""
    cdfs = np.array([AccessDensity(A=a, T_m=t, alpha=al, horizon=horizon).cdf(grid) for a, t, al in GRID])
    norms = (cdfs**2).sum(axis=1)
    best = np.empty(len(curves), dtype=np.int64)
    for lo in range(0, len(curves), chunk):
        best[lo:lo + chunk] = np.argmin(norms[None, :] - 2.0 * curves[lo:lo + chunk] @ cdfs.T, axis=1)
    return GRID[best]


def entry_heat(rows: Any, n_episodes: int) -> np.ndarray:
    """Each episode's ``hot`` at its first listing (NaN where the board gave none or 0)."""
    first = rows[rows["rel"] == 0]
    hot = first["hot"].to_numpy()
    keep = np.isfinite(hot) & (hot > 0)
    out = np.full(n_episodes, np.nan)
    out[first["episode"].to_numpy()[keep]] = hot[keep]
    return out


def engagement(rows: Any, category: Any) -> dict[str, Engagement]:
    """Comments and reposts per read per category (and ``*``) from the train episodes' gains."""
    g = rows.groupby("episode")[["reads", "discussions", "origin"]].agg(["first", "last"])
    gain = {c: (g[(c, "last")] - g[(c, "first")]).to_numpy() for c in ("reads", "discussions", "origin")}
    ok = (gain["reads"] > 0) & (gain["discussions"] >= gain["origin"]) & (gain["origin"] >= 0)
    cats = category.reindex(g.index).to_numpy()
    out = {GLOBAL: Engagement()}  # no usable gains at all: no comments or reposts
    for name in [GLOBAL, *sorted(set(cats[ok]))]:
        pick = ok & ((cats == name) | (name == GLOBAL))
        reads = gain["reads"][pick].sum()
        if reads > 0:
                out[name] = Engagement(comment=float(gain["origin"][pick].sum() / reads),
                                   repost=float((gain["discussions"] - gain["origin"])[pick].sum() / reads))
    return out


def fit_board(board: Any, horizon: float, train: np.ndarray, min_points: int = 4,
              min_curves: int = 30) -> BoardFit:
    """Fit on the episodes ``train`` (ids); categories with fewer than ``min_curves`` train curves use
    the global parameters (listed in ``curves`` with their count)."""
    from hubbub.evaluate.tasks.population import fit_access

    rows = within(board, horizon)
    grid = np.arange(0.0, horizon + 1e-9, 1.0)
    ids, curves = read_curves(rows, grid, min_points)
    own = np.full((len(board.episodes), 3), np.nan)
    if len(ids):
        own[ids] = grid_fit(curves, grid, horizon)
    is_train = np.isin(ids, train)
    if is_train.sum() < min_curves:
        raise DataError(f"board: {int(is_train.sum())} train episodes with a read curve; at least {min_curves} "
                        f"needed (episodes with >= {min_points} read counts in the first {horizon:g} h)")
    cats = board.episodes["category"].to_numpy()[ids]
    access, used = {}, {}
    for name in [GLOBAL, *sorted(set(cats[is_train]))]:
        pick = is_train & ((cats == name) | (name == GLOBAL))
        used[name] = int(pick.sum())
        if used[name] >= min_curves:
            access[name] = tuple(fit_access(curves[pick].mean(axis=0), grid, horizon)[1].values())
    train_rows = rows[np.isin(rows["episode"].to_numpy(), train)]
    return BoardFit(horizon, access, own, entry_heat(rows, len(board.episodes)),
                    engagement(train_rows, board.episodes["category"]), used)
