"""Effects with intervals: the mean of replicate values, and the difference between two conditions,
paired (each fork against its own parent, common random numbers) or independent (two sets of runs
with different seeds), each with a bootstrap 95 % interval over the replicates and their number n.

A paired difference resamples the pairs, so whatever the two branches share (the seed's random
streams, the recorded replies up to the fork) cancels out of it; an independent difference resamples
each condition on its own. One replicate has no interval: it is reported as such, never as ``±0``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from hubbub.errors import DataError

RESAMPLES = 4000
LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    """A mean with a bootstrap interval over ``n`` replicates (``low``/``high`` are NaN when n < 2)."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def width(self) -> float:
        """``high - low``; NaN without an interval."""
        return self.high - self.low

    def text(self, digits: int = 3) -> str:
        """``0.012 [-0.004, 0.030] (n=8)``, or ``0.012 (n=1, no interval)``."""
        if self.n < 2:
            return f"{self.mean:.{digits}f} (n={self.n}, no interval)"
        return f"{self.mean:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}] (n={self.n})"


def _values(values: Sequence[float], what: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or array.size == 0:
        raise DataError(f"{what}: expected at least one value, got {array.size}")
    if not np.isfinite(array).all():
        raise DataError(f"{what}: values must be finite numbers, got {array.tolist()}")
    return array


def _percentile(means: np.ndarray, level: float) -> tuple[float, float]:
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return float(low), float(high)


def _resampled_means(values: np.ndarray, rng: np.random.Generator, resamples: int) -> np.ndarray:
    """Means of ``resamples`` samples of ``values`` drawn with replacement."""
    picks = rng.integers(0, values.size, size=(resamples, values.size))
    return values[picks].mean(axis=1)


def bootstrap_mean(values: Sequence[float], *, level: float = LEVEL, resamples: int = RESAMPLES,
                   seed: int = 0) -> Interval:
    """The mean of replicate values with a percentile bootstrap interval (seeded, so it repeats)."""
    array = _values(values, "bootstrap_mean")
    mean = float(array.mean())
    if array.size < 2:
        return Interval(mean, math.nan, math.nan, 1)
    low, high = _percentile(_resampled_means(array, np.random.default_rng(seed), resamples), level)
    return Interval(mean, low, high, int(array.size))


def paired_difference(parents: Sequence[float], forks: Sequence[float], *, level: float = LEVEL,
                      resamples: int = RESAMPLES, seed: int = 0) -> Interval:
    """Mean of ``fork - parent`` over pairs, the pairs resampled together."""
    a, b = _values(parents, "paired_difference (parents)"), _values(forks, "paired_difference (forks)")
    if a.size != b.size:
        raise DataError(f"paired_difference: {a.size} parent values but {b.size} fork values; each fork needs its parent")
    return bootstrap_mean(b - a, level=level, resamples=resamples, seed=seed)


def independent_difference(control: Sequence[float], treated: Sequence[float], *, level: float = LEVEL,
                           resamples: int = RESAMPLES, seed: int = 0) -> Interval:
    """``mean(treated) - mean(control)`` from two independent sets of runs, each resampled on its own;
    n is the smaller set's size (the interval needs two replicates in each)."""
    a, b = _values(control, "independent_difference (control)"), _values(treated, "independent_difference (treated)")
    mean = float(b.mean() - a.mean())
    n = int(min(a.size, b.size))
    if n < 2:
        return Interval(mean, math.nan, math.nan, n)
    rng = np.random.default_rng(seed)
    diffs = _resampled_means(b, rng, resamples) - _resampled_means(a, rng, resamples)
    low, high = _percentile(diffs, level)
    return Interval(mean, low, high, n)
