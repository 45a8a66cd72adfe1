"""Experiment-level data across many runs: the per-run table and the curves and group tables the
experiment tables (:mod:`hubbub.metrics.experiment_tables`) and the report's charts are built from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubbub.metrics.trendsim import (
    conditions_by_group,
    conditions_over_time,
    final_conditions,
)


def degree_label(share: float, censored: bool = False) -> str:
    """SE, PA-10, PA-30, PA-50 (+ -CS when censorship is on), as in the paper."""
    label = "SE" if share == 0 else f"PA-{round(share * 100)}"
    return f"{label}-CS" if censored else label


def collect(out: Path, index: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One row per run: grid values, topic sentiment, degree label, number of users (``agents``) and
    final conditions."""
    from hubbub.store import load_run

    rows, runs = [], {}
    for record in index.to_dict("records"):
        run = load_run(out / record["run"])
        runs[record["run"]] = run
        cfg = run.manifest["config"]["trendsim"]
        share, censored = cfg["attack"]["share"], cfg["censorship"]["enabled"]
        sentiment = run.topics["sentiment"].iloc[0] if len(run.topics) else "?"
        rows.append({**record, "topic": cfg["topic"], "sentiment": sentiment, "share": share,
                     "degree": degree_label(share, censored),
                     "agents": cfg["population"]["size"], **final_conditions(run)})
    return pd.DataFrame(rows), runs


def curves_relative_to_se(per_run: pd.DataFrame, runs: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """Figure 3: each degree's mean curve minus the SE curve of the same topic, averaged over topics."""
    return relative_to_se(per_run, {name: conditions_over_time(run) for name, run in runs.items()})


def relative_to_se(per_run: pd.DataFrame, curves: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Figure 3 from per-run curves (``hours``, ``emotion_mean``, ``confidence_mean``), keyed by run name:
    per degree, the mean and standard deviation (ddof 0) of the differences over runs, and ``runs`` (their n).

    Kept apart from loading so the differences (which can be negative: a decrease under attack) can be
    built and checked from plain tables."""
    out: dict[str, pd.DataFrame] = {}
    for degree, g in per_run.groupby("degree"):
        diffs = [d for d in (_difference(per_run, record, curves) for record in g.to_dict("records"))
                 if d is not None]
        if diffs:
            stacked = pd.concat(diffs).groupby("hours")
            out[str(degree)] = pd.DataFrame({
                "emotion_mean": stacked["emotion"].mean(), "emotion_std": stacked["emotion"].std(ddof=0),
                "confidence_mean": stacked["confidence"].mean(),
                "confidence_std": stacked["confidence"].std(ddof=0), "runs": stacked["emotion"].count()}).reset_index()
    return out


def _difference(per_run: pd.DataFrame, record: dict[str, Any],
                curves: dict[str, pd.DataFrame]) -> pd.DataFrame | None:
    """One run's curve minus the SE run's curve of the same topic (and seed, where runs have one); None
    when there is no such SE run."""
    base = per_run[(per_run["topic"] == record["topic"]) & (per_run["degree"] == "SE")]
    if "seed" in per_run:
        base = base[base["seed"] == record["seed"]]
    if base.empty:
        return None
    merged = curves[record["run"]].merge(curves[base.iloc[0]["run"]], on="hours", suffixes=("", "_se"))
    return pd.DataFrame({"hours": merged["hours"],
                         "emotion": merged["emotion_mean"] - merged["emotion_mean_se"],
                         "confidence": merged["confidence_mean"] - merged["confidence_mean_se"]})


def symmetric_span(curves: dict[str, pd.DataFrame], measure: str, floor: float = 0.05) -> float:
    """Half-height of a y axis symmetric around 0 that holds every mean ± std of ``measure``.

    Difference plots must show a decrease as clearly as an increase, so the axis is never clipped to
    [0, 1]; ``floor`` keeps an all-zero plot readable, and 5 % padding keeps the extremes off the frame."""
    peak = 0.0
    for frame in curves.values():
        if frame is None or len(frame) == 0:
            continue
        mean = frame[f"{measure}_mean"].astype(float)
        std = frame[f"{measure}_std"].astype(float).fillna(0).abs()
        extremes = np.abs(np.concatenate([(mean - std).to_numpy(), (mean + std).to_numpy()]))
        extremes = extremes[np.isfinite(extremes)]
        peak = max(peak, float(extremes.max())) if extremes.size else peak
    return max(floor, peak * 1.05)


def groups_by_degree(per_run: pd.DataFrame, runs: dict[str, Any]) -> pd.DataFrame:
    """Figure 4: final conditions per user group and degree, averaged over runs (topics and seeds): users
    (summed), runs, the mean of the runs' group means and their standard deviation (ddof 0)."""
    frames = []
    for record in per_run.to_dict("records"):
        table = conditions_by_group(runs[record["run"]])
        if len(table):
            frames.append(table.assign(degree=record["degree"]))
    if not frames:
        return pd.DataFrame()
    both = pd.concat(frames)
    return both.groupby(["grp", "degree"]).agg(users=("users", "sum"), runs=("emotion", "count"),
                                                 emotion=("emotion", "mean"), confidence=("confidence", "mean"),
                                                 emotion_std=("emotion", lambda v: v.std(ddof=0)),
                                                 confidence_std=("confidence", lambda v: v.std(ddof=0))).reset_index()
