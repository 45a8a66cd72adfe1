"""Report sections of a grid folder (``hubbub sweep`` or ``hubbub run`` of an ``[experiment]``): the
summary table of :mod:`hubbub.metrics.grid` and one bar chart per key outcome, each variant's
mean over its seeds with the standard deviation as error bars and the number of runs.

Both commands write ``runs.csv`` (one row per run with its outcome metrics); a folder written before
they shared that layout has only the run names and grid values there, and gets no such sections.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from hubbub.report.html_parts import bar_chart, num, table

CHART_METRICS = ("emotion_avg", "confidence_avg", "attack_comment_share", "aware_share", "positive_share",
                 "mean_intensity")
"""Outcomes drawn as bars by variant, where the runs have them."""


def grid_keys(index: pd.DataFrame) -> list[str]:
    """The grid's columns of runs.csv: dotted scenario field names (``trendsim.attack.share``)."""
    return [c for c in index.columns if "." in str(c)]


def grid_tables(index: pd.DataFrame) -> list[dict[str, Any]]:
    """The summary table (each run, then mean ± std per variant), as summary.md shows it."""
    from hubbub.metrics.grid import summary_rows

    if "status" not in index.columns or "variant" not in index.columns:
        return []
    rows = summary_rows(index, grid_keys(index))
    return [table(pd.DataFrame(rows), "runs, then mean ± std over seeds per variant")] if rows else []


def grid_charts(index: pd.DataFrame, name: str) -> list[dict[str, Any]]:
    """One bar chart per outcome in :data:`CHART_METRICS` that the completed runs have."""
    from hubbub.metrics.grid import aggregate, heading

    if "status" not in index.columns or "variant" not in index.columns:
        return []
    agg = aggregate(index, grid_keys(index))
    charts = []
    for metric in (m for m in CHART_METRICS if f"{m}_mean" in agg.columns):
        if agg[f"{metric}_mean"].isna().all():
            continue
        bars = [{"name": heading(metric), "y": [num(v) for v in agg[f"{metric}_mean"]],
                 "err": [num(v) for v in agg[f"{metric}_std"]], "n": [int(n) for n in agg["runs"]]}]
        charts.append(bar_chart(f"{name}-grid-{metric}", f"{heading(metric).capitalize()} by variant "
                                "(mean ± std over seeds)", [str(v) for v in agg["variant"]], bars,
                                err="± one standard deviation over seeds"))
    return charts


def member_kind(path: Path, index: pd.DataFrame) -> str | None:
    """The scenario kind of the grid's first run, from its manifest (None if it cannot be read)."""
    for run in index.get("run", pd.Series(dtype=object)):
        try:
            manifest = json.loads((path / str(run) / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        return str((manifest.get("config") or {}).get("kind", "trendsim"))
    return None


def first_run(path: Path, index: pd.DataFrame) -> dict[str, Any]:
    """``{name: Run}`` of the grid's first run (its manifest gives the report's provenance line)."""
    from hubbub.store import load_run

    runs = [str(r) for r in index.get("run", pd.Series(dtype=object))]
    return {runs[0]: load_run(path / runs[0])} if runs else {}
