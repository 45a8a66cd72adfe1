"""The building blocks of the HTML report's data: size limits, cleaning, chart and table specs.

Every module that assembles a section (:mod:`html_data` for one run, :mod:`html_generic`, :mod:`html_s3`,
:mod:`html_compare`) builds on these, so they live apart from any section and import none of them. Every
string passes through :func:`clean` (control characters removed, invalid code points replaced); escaping
for HTML happens in the browser (``textContent``) and for the ``<script>`` block in
:func:`hubbub.report.html.script_json`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
           "#7f7f7f", "#393b79", "#ad494a")
"""Series colours, the same list as ``COLORS`` in assets/report.js; a comparison gives each run one of them."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Limits:
    """How much of a big run goes into the file (the rest is counted, not shown)."""

    comments: int = 300
    replies_per_comment: int = 20
    replies: int = 1500
    text_chars: int = 1200
    agents: int = 3000
    interviews: int = 1000
    curve_points: int = 400


@dataclass
class Options:
    prices: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)


# ---------------------------------------------------------------- cleaning


def clean(value: Any) -> Any:
    """A JSON-safe copy: NaN/NA become None, infinities strings, numpy scalars Python ones, and every
    string loses its control characters (newline and tab kept) and unencodable code points."""
    if isinstance(value, dict):
        return {clean_text(str(k)): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        return [clean(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return None if math.isnan(v) else (("Infinity" if v > 0 else "-Infinity") if math.isinf(v) else round(v, 6))
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    return clean_text(str(value))


def clean_text(text: str, limit: int | None = None) -> str:
    """Text as shown: control characters removed, lone surrogates replaced, clipped to ``limit``."""
    text = _CONTROL.sub("", text).encode("utf-8", "replace").decode("utf-8")
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def plain(value: Any, limit: int) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else clean_text(str(value), limit)


def num(value: Any, digits: int = 4) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) or math.isinf(v) else round(v, digits)


# ---------------------------------------------------------------- chart specs


def downsample(x: np.ndarray, ys: list[np.ndarray], max_points: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Bucket means when a curve has more than ``max_points`` points (the shape survives, the bytes go)."""
    if len(x) <= max_points:
        return x, ys
    buckets = np.array_split(np.arange(len(x)), max_points)
    return _bucket_means(x, buckets), [_bucket_means(y, buckets) for y in ys]


def _bucket_means(a: np.ndarray, buckets: list[np.ndarray]) -> np.ndarray:
    return np.array([np.nanmean(a[b]) if np.isfinite(a[b]).any() else np.nan for b in buckets])


def series(name: str, x: Any, y: Any, half: Any = None, max_points: int = 400, n: Any = None,
           color: str | None = None) -> dict[str, Any]:
    """One line of a chart; ``half`` (the half-width of an interval around y) adds a shaded band, ``n``
    (a count per point) shows in the tooltip. A missing value stays missing: a gap, never 0."""
    xs = np.asarray(x, dtype=float)
    ys = [np.asarray(y, dtype=float)]
    if half is not None:
        ys.append(np.asarray(half, dtype=float))
    if n is not None:
        ys.append(np.broadcast_to(np.asarray(n, dtype=float), xs.shape))
    xs, ys = downsample(xs, ys, max_points)
    out: dict[str, Any] = {"name": name, "x": [num(v) for v in xs], "y": [num(v) for v in ys[0]]}
    if half is not None:
        out["lo"] = [num(m - s) for m, s in zip(ys[0], ys[1])]
        out["hi"] = [num(m + s) for m, s in zip(ys[0], ys[1])]
    if n is not None:
        out["n"] = [num(v, 0) for v in ys[-1]]
    if color:
        out["color"] = color
    return out


def line_chart(cid: str, title: str, lines: list[dict[str, Any]], xlabel: str = "simulated hours",
               ylabel: str = "", ylim: tuple[float, float] | None = None, timeline: bool = True,
               band: str = "", legend: str = "", **extra: Any) -> dict[str, Any]:
    """A line chart spec; ``band`` says what the shaded bands are, ``legend`` titles the legend, and
    ``extra`` passes options to the viewer (``xlog``, ``ylog``, ``points``: markers without lines)."""
    return {"id": cid, "type": "line", "title": title, "xlabel": xlabel, "ylabel": ylabel,
            "ylim": list(ylim) if ylim else None, "timeline": bool(timeline), "series": lines,
            "band": band, "legend": legend, **extra}


def bar_chart(cid: str, title: str, categories: list[str], bars: list[dict[str, Any]], ylabel: str = "",
              ylim: tuple[float, float] | None = None, err: str = "", legend: str = "") -> dict[str, Any]:
    """Grouped bars: one group per category, one bar per series ({name, y, err?, n?, color?}); ``err``
    says what the error bars are, ``legend`` titles the legend."""
    return {"id": cid, "type": "bar", "title": title, "categories": [str(c) for c in categories],
            "ylabel": ylabel, "ylim": list(ylim) if ylim else None, "series": bars, "err": err, "legend": legend}


def table(frame: pd.DataFrame, title: str = "") -> dict[str, Any]:
    """A DataFrame as {title, columns, rows} (values cleaned)."""
    return {"title": title, "columns": [str(c) for c in frame.columns],
            "rows": [[_cell(v) for v in row] for row in frame.itertuples(index=False)]}


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list, tuple)):
        import json

        return clean_text(json.dumps(clean(value), ensure_ascii=False, sort_keys=True), 400)
    if isinstance(value, (float, np.floating)):
        return num(value)
    return clean(value)
