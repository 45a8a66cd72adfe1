"""The files of a grid folder (``hubbub sweep`` and ``hubbub run`` of an ``[experiment]`` alike) and the
table printed at the end.

* ``runs.csv``: one row per run (its folder, variant, seed, grid values, status, outcome metrics);
  ``hubbub report`` recognises a grid folder by it;
* ``summary.csv``: one row per variant, mean and sample standard deviation over its seeds;
* ``summary.md``: the whole table (each run, then ``mean ± std`` per variant, every metric) and, for an
  experiment with an ``analysis``, the paper's tables.

The terminal gets the same table with the columns that fit its width; the rest are named under it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

RUNS_NAME, SUMMARY_NAME = "runs", "summary"
ID_COLUMNS = ("run", "variant", "seed", "replicate", "status", "action", "error")
KEY_COLUMNS = ("variant", "seed", "status")

DISPLAY_NAMES = {
    "events": "events", "llm_calls": "LLM calls", "llm_failures": "LLM failures",
    "comments": "comments", "attack_comment_share": "attacker comment share", "likes": "likes",
    "emotion_avg": "emotion mean", "emotion_div": "emotion spread", "confidence_avg": "confidence mean",
    "confidence_div": "confidence spread", "aware_share": "aware share", "positive_share": "positive share",
    "mean_intensity": "emotion intensity", "posts": "posts", "reposts": "reposts", "wall_s": "seconds",
}
"""Column headings of summary.md and the printed table (the CSV files keep the field names)."""

PRINT_FIRST = ("emotion_avg", "confidence_avg", "attack_comment_share", "aware_share", "positive_share",
               "mean_intensity", "llm_failures", "comments", "reposts", "emotion_div", "confidence_div",
               "events", "llm_calls", "wall_s")
"""The order in which metrics get a column of the printed table while its width allows."""


def metric_columns(frame: pd.DataFrame, grid_keys: Iterable[str] = ()) -> list[str]:
    """Numeric outcome columns (grid values and bookkeeping excluded), in first-seen order."""
    skip = {*ID_COLUMNS, *grid_keys}
    return [c for c in frame.columns if c not in skip and pd.api.types.is_numeric_dtype(frame[c])
            and not pd.api.types.is_bool_dtype(frame[c])]


def aggregate(frame: pd.DataFrame, grid_keys: Iterable[str] = ()) -> pd.DataFrame:
    """Per variant (its grid values included): completed runs, and the mean and sample standard deviation
    over seeds of every metric."""
    grid_keys = [k for k in grid_keys if k in frame.columns]
    metrics = metric_columns(frame, grid_keys)
    done = frame[frame["status"] == "completed"]
    out = []
    for cell in dict.fromkeys(frame["variant"]):
        group = done[done["variant"] == cell]
        first = frame[frame["variant"] == cell].iloc[0]
        row: dict[str, Any] = {"variant": cell, **{k: first[k] for k in grid_keys}, "runs": len(group)}
        for col in metrics:
            values = pd.to_numeric(group[col], errors="coerce").dropna()
            row[f"{col}_mean"] = float(values.mean()) if len(values) else math.nan
            row[f"{col}_std"] = float(values.std(ddof=1)) if len(values) > 1 else math.nan
        out.append(row)
    return pd.DataFrame(out)


def summary_rows(frame: pd.DataFrame, grid_keys: Iterable[str] = ()) -> list[dict[str, str]]:
    """The whole table as text cells: each variant's runs, then its ``mean ± std`` row. Columns that are
    zero for every run (no LLM failures, say) are left out."""
    grid_keys = list(grid_keys)
    metrics = [c for c in metric_columns(frame, grid_keys)
               if pd.to_numeric(frame[c], errors="coerce").fillna(0).ne(0).any()]
    agg = aggregate(frame, grid_keys).set_index("variant")
    table: list[dict[str, str]] = []
    for cell in dict.fromkeys(frame["variant"]):
        for _, r in frame[frame["variant"] == cell].iterrows():
            status = "ok" if r["status"] == "completed" else str(r["status"])
            table.append({"variant": str(cell), "seed": str(r["seed"]), "status": status,
                          **{heading(c): _num(r.get(c)) for c in metrics}})
        a = agg.loc[cell]
        table.append({"variant": str(cell), "seed": "mean ± std", "status": f"{int(a['runs'])} ok",
                      **{heading(c): _pm(a[f"{c}_mean"], a[f"{c}_std"]) for c in metrics}})
    return table


def heading(column: str) -> str:
    return DISPLAY_NAMES.get(column, column.replace("_", " "))


def narrow(rows: list[dict[str, str]], width: int) -> tuple[list[dict[str, str]], list[str]]:
    """The rows with the columns that fit ``width`` terminal characters as a boxed table (variant, seed
    and status always; then metrics in :data:`PRINT_FIRST` order), and the headings left out."""
    if not rows:
        return rows, []
    rank = {heading(c): k for k, c in enumerate(PRINT_FIRST)}
    metrics = sorted((c for c in rows[0] if c not in KEY_COLUMNS), key=lambda c: rank.get(c, len(rank)))
    need = {c: max(len(c), *(len(r[c]) for r in rows)) + 3 for c in rows[0]}  # cell, padding, border
    used = 1 + sum(need[c] for c in KEY_COLUMNS)
    kept = []
    for c in metrics:
        if used + need[c] <= width:
            kept.append(c)
            used += need[c]
    columns = [c for c in rows[0] if c in KEY_COLUMNS or c in kept]
    return [{c: r[c] for c in columns} for r in rows], [c for c in metrics if c not in kept]


def _num(value: Any) -> str:
    if value is None or value is pd.NA:
        return "-"
    if pd.api.types.is_integer(value):
        return f"{int(value):,}"
    if pd.api.types.is_float(value):
        v = float(value)
        if math.isnan(v):
            return "-"
        if v.is_integer() and abs(v) >= 10:
            return f"{int(v):,}"
        return f"{v:,.1f}" if abs(v) >= 100 else f"{v:.3g}"
    return str(value)


def _pm(mean: float, std: float) -> str:
    if mean is None or math.isnan(mean):
        return "-"
    return _num(mean) if std is None or math.isnan(std) else f"{_num(mean)} ± {_num(std)}"


def markdown(rows: list[dict[str, str]]) -> str:
    if not rows:
        return ""
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(row[c].replace("|", "\\|") for c in cols) + " |")
    return "\n".join(lines) + "\n"


def write_summary(out: Path, frame: pd.DataFrame, grid_keys: Iterable[str] = (), *, title: str = "",
                  note: str = "", sections: str = "") -> list[Path]:
    """``runs.csv``, ``summary.csv`` and ``summary.md`` in the grid folder ``out``; ``note`` (provenance)
    and ``sections`` (an experiment's analysis, Markdown) go into summary.md."""
    grid_keys = list(grid_keys)
    out = Path(out)
    runs, summary, md = out / f"{RUNS_NAME}.csv", out / f"{SUMMARY_NAME}.csv", out / f"{SUMMARY_NAME}.md"
    frame.drop(columns=[c for c in ("traceback",) if c in frame.columns]).to_csv(runs, index=False)
    aggregate(frame, grid_keys).to_csv(summary, index=False)
    head = f"# {title}\n\n" if title else ""
    body = f"{note}\n\n" if note else ""
    md.write_text(f"{head}{body}## Runs, then mean ± std over seeds per variant\n\n"
                  f"{markdown(summary_rows(frame, grid_keys))}{sections}", encoding="utf-8")
    return [runs, summary, md]
