"""PNG figures of the TrendSim experiments from their interval tables
(:mod:`hubbub.metrics.experiment_tables`): Figure 3 and Figures 6-8 (change relative to SE over time, per
sentiment group) and Figure 4 b/c (preference groups, as levels and as the drop relative to SE).

Lines and bars are means over replicate seeds; the shading and error bars are the tables' bootstrap 95 %
intervals across seeds, and a figure made from one seed says that it has no interval. Differences are
drawn on a y axis symmetric around 0, so a decrease shows as clearly as an increase. Every figure carries
a footnote saying how it was produced (backend, model, seeds)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubbub.metrics.experiment_tables import degree_rank
from hubbub.metrics.figures import pyplot as _pyplot

MEASURES = (("emotion", "Emotion (positiveness)"), ("confidence", "Social confidence"))


def band_text(table: pd.DataFrame) -> str:
    """What the shading or error bars are, with the number of seeds."""
    seeds = sorted({int(v) for v in table["n"].dropna()}) if len(table) else []
    if not seeds or max(seeds) < 2:
        return "n=1 seed: no interval"
    n = f"n={seeds[0]}" if len(seeds) == 1 else f"n={seeds[0]}-{seeds[-1]}"
    return f"95% bootstrap interval across seeds ({n})"


def symmetric_limit(table: pd.DataFrame, floor: float = 0.05) -> float:
    """Half-height of a y axis around 0 holding every mean and interval bound, 5 % padded."""
    values = table[["mean", "ci_low", "ci_high"]].to_numpy(dtype=float).ravel() if len(table) else np.array([])
    values = np.abs(values[np.isfinite(values)])
    return max(floor, float(values.max()) * 1.05) if values.size else floor


def plot_relative_curves(table: pd.DataFrame, group: str, path: Path, title: str, note: str) -> Path:
    """Figure 3 / 6-8: per attack degree, the change of mean emotion and confidence against SE over
    simulated time for one sentiment group (``table``: the relative-curves table)."""
    plt = _pyplot()
    rows = table[table["group"] == group]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharex=True)
    for ax, (measure, name) in zip(axes, MEASURES):
        sub = rows[rows["measure"] == measure]
        for degree in sorted(sub["degree"].unique(), key=degree_rank):
            line = sub[sub["degree"] == degree].sort_values("hours")
            drawn, = ax.plot(line["hours"], line["mean"], label=str(degree))
            ax.fill_between(line["hours"], line["ci_low"], line["ci_high"], alpha=0.18, lw=0,
                            color=drawn.get_color())
        span = symmetric_limit(sub)
        ax.axhline(0, color="0.4", lw=0.8, ls="--")
        ax.set_ylim(-span, span)
        ax.set_xlabel("simulated hours")
        ax.set_ylabel(f"Δ {measure} vs SE (mean over seeds)")
        ax.set_title(f"Δ {name.lower()} vs SE")
    axes[1].legend(fontsize=8, title=f"attack degree\nshaded: {band_text(rows)}", title_fontsize=7)
    return _save(fig, path, title, note)


def plot_group_bars(table: pd.DataFrame, path: Path, title: str, note: str, *, relative: bool) -> Path:
    """Figure 4 b/c: per preference group one bar per degree with its interval; ``relative`` bars are
    drops against SE on an axis symmetric around 0, others levels on [0, 1]."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    groups = sorted(table["grp"].astype(str).unique()) if len(table) else []
    degrees = sorted(table["degree"].unique(), key=degree_rank) if len(table) else []
    width = 0.8 / max(1, len(degrees))
    for ax, (measure, name) in zip(axes, MEASURES):
        sub = table[table["measure"] == measure]
        for k, degree in enumerate(degrees):
            cell = sub[sub["degree"] == degree].assign(grp=lambda f: f["grp"].astype(str)).set_index("grp").reindex(groups)
            _bars(ax, cell, np.arange(len(groups)) + k * width, width, str(degree), f"C{k}")
        ax.set_xticks(np.arange(len(groups)) + 0.4 - width / 2, groups, rotation=30, fontsize=8)
        ax.set_xlabel("preference group")
        if relative:
            span = symmetric_limit(sub)
            ax.axhline(0, color="0.4", lw=0.8, ls="--")
            ax.set_ylim(-span, span)
            ax.set_ylabel(f"Δ {measure} vs SE (mean over seeds)")
        else:
            ax.set_ylim(0, 1)
            ax.set_ylabel(f"{measure} at end (0 to 1), mean over seeds")
        ax.set_title(f"{name}{' change vs SE' if relative else ' at end'}")
    _bar_legend(axes[1], [str(d) for d in degrees], band_text(table))
    return _save(fig, path, title, note)


def _bars(ax: Any, cell: pd.DataFrame, xs: np.ndarray, width: float, label: str, color: str) -> None:
    """One degree's bars; error bars only where there is an interval, hatched bars where n = 1."""
    mean = cell["mean"].to_numpy(dtype=float)
    low, high = cell["ci_low"].to_numpy(dtype=float), cell["ci_high"].to_numpy(dtype=float)
    single = (cell["n"].fillna(0).to_numpy(dtype=float) < 2).tolist()
    bars = ax.bar(xs, mean, width, label=label, color=color)
    for bar, alone in zip(bars, single):
        bar.set_hatch("//" if alone else "")
    ok = np.isfinite(low) & np.isfinite(high) & np.isfinite(mean)
    ax.errorbar(xs[ok], mean[ok], yerr=np.vstack([mean[ok] - low[ok], high[ok] - mean[ok]]), fmt="none",
                ecolor="k", capsize=2, lw=1)


def _bar_legend(ax: Any, degrees: list[str], band: str) -> None:
    """One plain patch per degree (a hatched n=1 bar must not stand for its degree) and the hatch's key."""
    from matplotlib.patches import Patch

    colors = [f"C{k}" for k in range(len(degrees))]
    handles = [Patch(facecolor=c, label=d) for c, d in zip(colors, degrees)]
    handles.append(Patch(facecolor="white", edgecolor="k", hatch="//", label="n=1: no interval"))
    ax.legend(handles=handles, fontsize=8, title=f"attack degree\nerror bars: {band}", title_fontsize=7)


def _save(fig: Any, path: Path, title: str, note: str) -> Path:
    """Title on top, the how-it-was-produced note at the bottom, then write and close."""
    fig.suptitle(title, fontsize=10)
    fig.text(0.01, 0.005, note, fontsize=7, color="0.3", ha="left", va="bottom", wrap=True)
    fig.tight_layout(rect=(0, 0.05, 1, 0.97))
    fig.savefig(path, dpi=110)
    _pyplot().close(fig)
    return path
