"""Report sections for data this report has no dedicated view for: S3 and future simulation kinds.

* every ``tables/*_over_time.csv`` an analysis wrote becomes an interactive line chart (so the S3
  curves written by ``hubbub.metrics.s3`` appear without this module naming them);
* every other ``tables/*.csv`` is shown as a table;
* every table of the run record beyond the TrendSim and S3 ones (S3's posts, awareness, ...) is shown as a
  searchable sample of its first rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from hubbub.report import html_frames as frames
from hubbub.report.html_parts import Options, line_chart, plain, series, table

def other_table(run: Any, name: str, total: int, opts: Options) -> dict[str, Any]:
    """The first rows of a table this report has no special view for (e.g. S3's posts or awareness)."""
    frame = frames.query(run, f'SELECT * FROM "{name}" ORDER BY rowid LIMIT ?', (opts.limits.curve_points // 2,))
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = frame[col].map(lambda v: plain(v, 300) if isinstance(v, str) else v)
    out = table(frame, name)
    out.update({"total": total, "shown": len(frame)})
    return out


# ---------------------------------------------------------------- curves written by analyses (S3 and others)


TIME_COLUMNS = ("hours", "hour", "start_h", "time_h", "step", "round", "time", "t")


def extra_curves(run_dir: Path, name: str, opts: Options, skip: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """A line chart for every ``tables/*_over_time.csv`` an analysis wrote (S3 curves and any future
    ones), x being the first time-like column and y every other numeric column."""
    charts = []
    for path in sorted((run_dir / "tables").glob("*_over_time.csv")):
        stem = path.stem
        if stem in skip:
            continue
        try:
            frame = pd.read_csv(path)
        except (OSError, ValueError, pd.errors.ParserError):
            continue
        chart = curve_chart(frame, f"{name}-{stem}", stem.replace("_", " ").capitalize(), opts)
        if chart is not None:
            charts.append(chart)
    return charts


def curve_chart(frame: pd.DataFrame, cid: str, title: str, opts: Options) -> dict[str, Any] | None:
    """Line chart of a wide table (x = first time-like column); long tables with a text column become one
    line per label and value column."""
    if len(frame) == 0:
        return None
    xcol = next((c for c in TIME_COLUMNS if c in frame.columns), frame.columns[0])
    numeric = [c for c in frame.columns if c != xcol and pd.api.types.is_numeric_dtype(frame[c])]
    labels = [c for c in frame.columns if c != xcol and c not in numeric]
    n, lines = opts.limits.curve_points, []
    if labels:
        for key, sub in frame.groupby(labels[0], sort=True):
            lines += [series(f"{key} {c}".strip(), sub[xcol], sub[c], None, n) for c in numeric]
    else:
        for c in numeric:
            std = f"{c[:-5]}_std" if c.endswith("_mean") else None
            if c.endswith("_std") and f"{c[:-4]}_mean" in frame.columns:
                continue
            lines.append(series(c, frame[xcol], frame[c], frame[std] if std in frame.columns else None, n))
    if not lines or not pd.api.types.is_numeric_dtype(frame[xcol]):
        return None
    xlabel = "simulated hours" if xcol in ("hours", "hour", "start_h", "time_h") else xcol
    return line_chart(cid, title, lines[:24], xlabel=xlabel, timeline=xlabel == "simulated hours")


def analysis_tables(run_dir: Path, skip: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """Every ``tables/*.csv`` an analysis wrote that is neither a curve nor in ``skip`` (at most 500 rows each)."""
    out = []
    for path in sorted((run_dir / "tables").glob("*.csv")):
        if path.stem in skip or path.stem.endswith("_over_time"):
            continue
        try:
            frame = pd.read_csv(path, nrows=500)
        except (OSError, ValueError, pd.errors.ParserError):
            continue
        out.append(table(frame, path.stem.replace("_", " ")))
    return out
