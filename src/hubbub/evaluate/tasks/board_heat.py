"""Does the heat formula track the real board's own heat? A check on the observed counts.

For every listed topic the board shows cumulative reads, discussion posts and original posts; between
two listings of one episode their increments are visits (reads), comments (original posts) and reposts
(other discussion posts). Fed through :class:`~hubbub.platform.board.HeatFormula` (each increment
credited at the middle of its interval) they give a heat per listing; its Spearman correlation with
the board's ``hot`` score is taken within each snapshot (listings whose episode has at least one
earlier listing, snapshots with at least ``MIN_ROWS`` of them) and the median over snapshots reported.
Reads before a topic's first listing are unseen, so its heat counts only what came after.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hubbub.platform.board import HeatFormula

MIN_ROWS = 8


def observed_heat(rows: Any, formula: HeatFormula) -> np.ndarray:
    """Heat per listing (rows sorted by episode then hour) from the increments since the episode's first
    listing; NaN on first listings and where a count is missing."""
    ep = rows["episode"].to_numpy()
    hour = rows["hour"].to_numpy(dtype=np.float64)
    first = np.r_[True, ep[1:] != ep[:-1]]
    group = np.cumsum(first)
    rel = hour - hour[np.flatnonzero(first)][group - 1]  # hours since the episode's first listing
    inc = {}
    for name in ("reads", "discussions", "origin"):
        v = rows[name].to_numpy(dtype=np.float64)
        inc[name] = np.where(first, 0.0, np.diff(v, prepend=np.nan))
    gain = (formula.visit * inc["reads"] + formula.comment * inc["origin"]
            + formula.repost * (inc["discussions"] - inc["origin"]))
    dt = np.where(first, 0.0, np.diff(hour, prepend=hour[0]))
    return np.where(first, np.nan, _decayed_sum(gain, dt, first, formula.decay_h))


def _decayed_sum(gain: np.ndarray, dt: np.ndarray, first: np.ndarray, tau: float) -> np.ndarray:
    """h_j = h_{j-1} exp(-dt_j / tau) + gain_j exp(-dt_j / (2 tau)), restarting at each episode; a
    missing gain poisons the rest of its episode (NaN)."""
    out = np.empty(gain.size)
    carry = 0.0
    decay, half = np.exp(-dt / tau), np.exp(-0.5 * dt / tau)
    for j in range(gain.size):  # ~0.8 M listings: a plain loop is exact and takes about a second
        carry = (0.0 if first[j] else carry * decay[j]) + gain[j] * half[j]
        out[j] = carry
    return out


def median_spearman(rows: Any, heat: np.ndarray) -> tuple[float, int]:
    """Median within-snapshot Spearman of ``heat`` with ``hot`` and the number of snapshots it covers."""
    import pandas as pd

    frame = pd.DataFrame({"hour": rows["hour"].to_numpy(), "a": heat, "b": rows["hot"].to_numpy()})
    frame = frame[np.isfinite(frame["a"]) & np.isfinite(frame["b"])]
    frame = frame[frame.groupby("hour")["a"].transform("size") >= MIN_ROWS]
    if frame.empty:
        return float("nan"), 0
    r = frame.groupby("hour")[["a", "b"]].rank()
    r["hour"], r["ab"], r["aa"], r["bb"] = frame["hour"], r["a"] * r["b"], r["a"] ** 2, r["b"] ** 2
    s = r.groupby("hour").agg(n=("a", "size"), a=("a", "sum"), b=("b", "sum"), ab=("ab", "sum"), aa=("aa", "sum"),
                              bb=("bb", "sum"))
    cov = s["ab"] - s["a"] * s["b"] / s["n"]
    var = (s["aa"] - s["a"] ** 2 / s["n"]) * (s["bb"] - s["b"] ** 2 / s["n"])
    rho = (cov / np.sqrt(var)).replace([np.inf, -np.inf], np.nan)
    return float(rho.median()), int(rho.notna().sum())


def heat_check(board: Any, horizon: float, taus: dict[str, float], episodes: np.ndarray) -> dict[str, tuple[float, int]]:
    """Median Spearman with ``hot`` of the formula's heat (per named tau) and of the last interval's
    reads, over the listings of ``episodes`` inside their windows."""
    from hubbub.evaluate.tasks.board_fit import within

    rows = within(board, horizon)
    rows = rows[np.isin(rows["episode"].to_numpy(), episodes)]
    out = {name: median_spearman(rows, observed_heat(rows, HeatFormula(decay_h=tau))) for name, tau in taus.items()}
    last = np.diff(rows["reads"].to_numpy(dtype=np.float64), prepend=np.nan)
    last[np.r_[True, rows["episode"].to_numpy()[1:] != rows["episode"].to_numpy()[:-1]]] = np.nan
    out["reads in the last interval"] = median_spearman(rows, last)
    return out
