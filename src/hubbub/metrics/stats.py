"""Intervals for the means the tables, charts and reports show.

Every mean over users or runs comes with its ``n`` and, where ``n > 1``, a two-sided 95 % Student-t
interval of the mean: ``mean ± t(0.975, n - 1) · s / √n`` with ``s`` the sample standard deviation
(``ddof = 1``). The tables of this package keep the population standard deviation (``ddof = 0``: the
"divergence" of TrendSim's Table 5), so the helpers take that and convert: ``s / √n = sd0 / √(n - 1)``.
Where ``n < 2`` the interval is undefined (NaN: a gap in a chart, an empty cell in a table), never 0.

A share is the mean of a 0/1 value, so its interval is the same t-interval with ``sd0 = √(p (1 - p))``
(for shares near 0 or 1 and small ``n`` it is narrow; that is the price of one method for every mean).
"""

from __future__ import annotations

from typing import Any

import numpy as np

LEVEL = 0.95
METHOD = "95% t-interval of the mean"
"""How every interval in the reports is computed, as the charts and tables name it."""


def t_halfwidth(sd0: Any, n: Any, level: float = LEVEL) -> np.ndarray:
    """Half-width of the t-interval of a mean, from the population standard deviation ``sd0`` (ddof = 0)
    of ``n`` values; NaN where ``n < 2`` or a value is missing."""
    from scipy import stats

    sd0 = np.asarray(sd0, dtype=float)
    n = np.asarray(n, dtype=float)
    ok = n >= 2
    safe = np.where(ok, n, 2.0)
    half = stats.t.ppf(0.5 + level / 2, safe - 1) * sd0 / np.sqrt(safe - 1)
    return np.where(ok, half, np.nan)


def share_halfwidth(p: Any, n: Any, level: float = LEVEL) -> np.ndarray:
    """Half-width of the t-interval of a share ``p`` of ``n`` users (the mean of their 0/1 values)."""
    p = np.asarray(p, dtype=float)
    return t_halfwidth(np.sqrt(np.clip(p * (1 - p), 0, None)), n, level)


def levels_halfwidth(shares: Any, values: Any, n: Any, level: float = LEVEL) -> np.ndarray:
    """Half-width of the t-interval of a mean over users who each hold one of ``values`` (e.g. emotion
    intensity 0, 0.5, 1), given per row the ``shares`` of users at each value (rows sum to 1)."""
    shares = np.asarray(shares, dtype=float)
    values = np.asarray(values, dtype=float)
    mean = shares @ values
    var = shares @ (values ** 2) - mean ** 2
    return t_halfwidth(np.sqrt(np.clip(var, 0, None)), n, level)


def mean_interval(values: Any, level: float = LEVEL) -> tuple[float, float, int]:
    """(mean, half-width, n) of the finite ``values``; half-width NaN when fewer than two."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return float("nan"), float("nan"), 0
    return float(v.mean()), float(t_halfwidth(v.std(), v.size, level)), int(v.size)


def n_label(n: Any) -> str:
    """``n=24`` for a constant count, ``n=3–200`` for one that changes over time, '' when unknown."""
    values = np.asarray(n, dtype=float).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        return ""
    lo, hi = int(values.min()), int(values.max())
    return f"n={lo:,}" if lo == hi else f"n={lo:,}–{hi:,}"
