"""Scores for the evaluation harness: classification figures as S3 reports them, and agreement.

S3's Table 2 reports accuracy, AUC and F1 for each prediction task (Table 4 the same for gender);
TrendSim reports judge scores as mean ± std. Everything here is plain numpy (no scikit-learn), takes
label *indices* (0..k-1) and never silently drops an item: inputs of different lengths are an error.

* ``auc``: binary AUC is the Mann-Whitney probability that a random positive outranks a random
  negative (ties count one half); for k > 2 classes it is the macro mean of one-vs-rest AUCs over the
  classes present in ``y`` with both a positive and a negative example.
* ``binary_f1``: F1 of the positive class (the task says which class is positive).
* ``krippendorff_alpha``: interval-metric alpha for judges x items with NaN for missing scores.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from hubbub.errors import DataError


def _pair(y: Any, pred: Any) -> tuple[np.ndarray, np.ndarray]:
    y, pred = np.asarray(y, dtype=np.int64).ravel(), np.asarray(pred, dtype=np.int64).ravel()
    if y.size != pred.size:
        raise DataError(f"metrics: {y.size} labels but {pred.size} predictions")
    return y, pred


def accuracy(y: Any, pred: Any) -> float:
    """Share of items predicted correctly (NaN when there are none)."""
    y, pred = _pair(y, pred)
    return float(np.mean(y == pred)) if y.size else math.nan


def confusion(y: Any, pred: Any, k: int) -> np.ndarray:
    """``k x k`` counts, rows = true label, columns = predicted label."""
    y, pred = _pair(y, pred)
    bad = (y < 0) | (y >= k) | (pred < 0) | (pred >= k)
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"metrics: item {i} has label {int(y[i])} / prediction {int(pred[i])}; allowed 0..{k - 1}")
    return np.bincount(y * k + pred, minlength=k * k).reshape(k, k)


def f1_per_class(y: Any, pred: Any, k: int) -> np.ndarray:
    """F1 of each class; a class never true nor predicted gets NaN (it has no F1)."""
    m = confusion(y, pred, k).astype(np.float64)
    tp = np.diag(m)
    denom = m.sum(axis=0) + m.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, 2 * tp / denom, math.nan)


def macro_f1(y: Any, pred: Any, k: int) -> float:
    """Unweighted mean of the per-class F1 over classes that occur in ``y`` or ``pred``."""
    f1 = f1_per_class(y, pred, k)
    return float(np.nanmean(f1)) if np.any(~np.isnan(f1)) else math.nan


def binary_f1(y: Any, pred: Any, positive: int = 1) -> float:
    """F1 of the ``positive`` class (0.0 when it is never predicted and never true is NaN)."""
    y, pred = _pair(y, pred)
    tp = np.sum((y == positive) & (pred == positive))
    denom = np.sum(y == positive) + np.sum(pred == positive)
    return float(2 * tp / denom) if denom else math.nan


def _rank_auc(positive: np.ndarray, scores: np.ndarray) -> float:
    """Mann-Whitney AUC with average ranks for ties."""
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return math.nan
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(scores.size, dtype=np.float64)
    sorted_scores = scores[order]
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2.0  # 1-based average rank of each tie block
    ranks[order] = np.repeat(average, counts)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def auc(y: Any, probs: Any) -> float:
    """Binary AUC from ``probs[:, 1]`` (or a 1-d score of the positive class), or the one-vs-rest
    macro AUC over ``probs``' columns for k > 2."""
    y = np.asarray(y, dtype=np.int64).ravel()
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim == 1:
        p = np.column_stack((1 - p, p))
    if p.shape[0] != y.size:
        raise DataError(f"metrics: {y.size} labels but {p.shape[0]} probability rows")
    if p.shape[1] == 2:
        return _rank_auc(y == 1, p[:, 1])
    per_class = [_rank_auc(y == c, p[:, c]) for c in range(p.shape[1])]
    valid = [a for a in per_class if not math.isnan(a)]
    return float(np.mean(valid)) if valid else math.nan


def classification_scores(y: Any, pred: Any, probs: Any, k: int, positive: int | None = None) -> dict[str, float]:
    """The figures a classification task reports: accuracy, macro-F1, AUC and, for a binary task
    with a named positive class, F1 of that class."""
    out = {"accuracy": accuracy(y, pred), "macro_f1": macro_f1(y, pred, k), "auc": auc(y, probs)}
    if positive is not None:
        out["f1"] = binary_f1(y, pred, positive)
    return out


# ---------------------------------------------------------------------------------------------------
# Agreement and summaries


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and population standard deviation of the finite values (NaNs when there are none)."""
    v = np.asarray([x for x in values if x is not None and math.isfinite(x)], dtype=np.float64)
    return (float(v.mean()), float(v.std())) if v.size else (math.nan, math.nan)


def spearman(a: Any, b: Any) -> float:
    """Spearman rank correlation over the pairs where both are finite (NaN if < 3 pairs or a constant)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < 3:
        return math.nan
    ra, rb = _ranks(a[keep]), _ranks(b[keep])
    if ra.std() == 0 or rb.std() == 0:
        return math.nan
    return float(np.corrcoef(ra, rb)[0, 1])


def _ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="mergesort")
    _, first, counts = np.unique(x[order], return_index=True, return_counts=True)
    ranks = np.empty(x.size)
    ranks[order] = np.repeat(first + (counts + 1) / 2.0, counts)
    return ranks


def krippendorff_alpha(scores: Any) -> float:
    """Krippendorff's alpha, interval metric. ``scores`` is judges x items, NaN where a judge gave no
    score. Items scored by fewer than two judges are ignored. 1 = perfect agreement, 0 = chance."""
    m = np.asarray(scores, dtype=np.float64)
    if m.ndim != 2:
        raise DataError(f"krippendorff_alpha: expected judges x items, got shape {m.shape}")
    units = [col[np.isfinite(col)] for col in m.T]
    units = [u for u in units if u.size >= 2]
    if not units:
        return math.nan
    n = sum(u.size for u in units)
    observed = sum(_pair_sq(u, u) / (u.size - 1) for u in units) / n
    values = np.concatenate(units)
    expected = _pair_sq(values, values) / (n * (n - 1))
    return float(1 - observed / expected) if expected > 0 else math.nan


def _pair_sq(a: np.ndarray, b: np.ndarray) -> float:
    """Sum over ordered pairs (i, j) of (a_i - b_j)^2, in O(n) via moments."""
    return float(a.size * np.sum(b**2) + b.size * np.sum(a**2) - 2 * a.sum() * b.sum())
