"""Report charts of the TrendSim experiments' interval tables (written by
:mod:`hubbub.report.experiments`): Figure 3 and Figures 6-8 (change relative to SE over time per sentiment
group) and Figure 4 b/c (drop relative to SE per preference group), with the bootstrap intervals across
replicate seeds the tables hold. The tables themselves are shown with the folder's other tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from hubbub.metrics.experiment_tables import GROUP_ORDER, degree_rank
from hubbub.report.html_parts import bar_chart, line_chart, num

FIGURES = {"All": "Figure 3", "Positive": "Figure 6", "Negative": "Figure 7", "Neutral": "Figure 8"}


def interval_charts(folder: Path, name: str) -> list[dict[str, Any]]:
    """The charts of ``folder/tables``' relative-curves and group-drop tables, where they exist."""
    tables = folder / "tables"
    charts: list[dict[str, Any]] = []
    curves, drops = tables / "conditions_relative_to_SE.csv", tables / "groups_drop_vs_SE.csv"
    if curves.is_file():
        charts += relative_curve_charts(pd.read_csv(curves), name)
    if drops.is_file():
        charts += drop_charts(pd.read_csv(drops), name)
    return charts


def _band(table: pd.DataFrame) -> str:
    n = sorted({int(v) for v in table["n"].dropna()})
    if not n or n[-1] < 2:
        return "n=1 seed: no interval"
    return f"shaded: 95% bootstrap interval across seeds (n={n[0]}{'' if len(n) == 1 else f'-{n[-1]}'})"


def relative_curve_charts(table: pd.DataFrame, name: str) -> list[dict[str, Any]]:
    """Per sentiment group and measure, one line per attack degree with its interval as the band."""
    charts = []
    for group in (g for g in GROUP_ORDER if (table["group"] == g).any()):
        for measure in ("emotion", "confidence"):
            rows = table[(table["group"] == group) & (table["measure"] == measure)]
            lines = [_line(str(d), rows[rows["degree"] == d].sort_values("hours"))
                     for d in sorted(rows["degree"].unique(), key=degree_rank)]
            span = _span(rows)
            charts.append(line_chart(f"{name}-fig-{group.lower()}-{measure}",
                                     f"{FIGURES[group]}: {measure} change relative to SE, {group.lower()} topics "
                                     "(mean over seeds)", lines, ylabel=f"Δ {measure}", ylim=(-span, span),
                                     timeline=False, band=_band(rows), legend="attack degree"))
    return charts


def _line(label: str, rows: pd.DataFrame) -> dict[str, Any]:
    return {"name": label, "x": [num(v) for v in rows["hours"]], "y": [num(v) for v in rows["mean"]],
            "lo": [num(v) for v in rows["ci_low"]], "hi": [num(v) for v in rows["ci_high"]],
            "n": [num(v, 0) for v in rows["n"]]}


def _span(rows: pd.DataFrame) -> float:
    values = rows[["mean", "ci_low", "ci_high"]].abs().max().max() if len(rows) else 0.0
    return max(0.05, float(values) * 1.05) if pd.notna(values) else 0.05


def drop_charts(table: pd.DataFrame, name: str) -> list[dict[str, Any]]:
    """Figure 4 b/c: per preference group one bar per attack degree; the error bar is half the width of
    the bootstrap interval (the exact bounds are in the table)."""
    charts = []
    groups = sorted(table["grp"].astype(str).unique())
    for measure in ("emotion", "confidence"):
        rows = table[table["measure"] == measure].assign(grp=lambda f: f["grp"].astype(str))
        bars = []
        for degree in sorted(rows["degree"].unique(), key=degree_rank):
            cell = rows[rows["degree"] == degree].set_index("grp").reindex(groups)
            half = (cell["ci_high"] - cell["ci_low"]) / 2
            bars.append({"name": str(degree), "y": [num(v) for v in cell["mean"]], "err": [num(v) for v in half],
                         "n": [num(v, 0) for v in cell["n"]]})
        span = _span(rows)
        charts.append(bar_chart(f"{name}-fig4-drop-{measure}", f"Figure 4b/c: {measure} at the end relative to SE "
                                "by preference group (mean over seeds)", groups, bars, ylabel=f"Δ {measure}",
                                ylim=(-span, span), err="error bars: half the 95% bootstrap interval across seeds "
                                "(bounds in the table); none where n=1", legend="attack degree"))
    return charts
