"""PNG figures of an S3 run (matplotlib's Agg backend, chosen inside each function)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubbub.metrics.figures import pyplot as _pyplot
from hubbub.metrics.figures import save as _save


def plot_s3_curves(curves: pd.DataFrame, camps: pd.DataFrame, folder: Path) -> list[Path]:
    """The three population curves of S3 (Figs. 2-3): users aware, emotion density, positive share.
    Means and shares carry their 95 % t-interval over users as a band named in the legend; a value that
    is undefined in a round (no one aware yet) is left out, not drawn as 0."""
    from hubbub.metrics.s3_intervals import curve_intervals

    plt = _pyplot()
    written = []
    bands = curve_intervals(curves) if len(curves) else {}
    fig, ax = plt.subplots(figsize=(6, 3.6))
    if len(curves):
        ax.plot(curves["step"], curves["aware"], marker="o", ms=3, label="users aware")
        ax.legend(fontsize=8)
    ax.set_xlabel("round")
    ax.set_ylabel("users aware (cumulative)")
    ax.set_title("Information propagation")
    written.append(_save(fig, folder / "aware.png"))

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    if len(curves):
        defined = curves[curves[["calm", "moderate", "intense"]].notna().all(axis=1)]
        shares = defined[["calm", "moderate", "intense"]].to_numpy(dtype=float).T
        left.stackplot(defined["step"], shares, labels=["calm", "moderate", "intense"], alpha=0.8)
        left.legend(fontsize=8, loc="lower right")
        for column, label in (("mean_intensity", "aware users"), ("mean_intensity_all", "all users")):
            _with_band(right, curves, column, bands, label)
        _legend_with_band(right)
    left.set_title("Emotion density (aware users)")
    left.set_ylabel("share of aware users")
    right.set_title("Mean emotion intensity")
    right.set_ylabel("intensity (calm 0, moderate 0.5, intense 1)")
    for ax in (left, right):
        ax.set_xlabel("round")
        ax.set_ylim(0, 1)
    written.append(_save(fig, folder / "emotion_density.png"))

    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    if len(curves):
        _with_band(ax, curves, "positive_share", bands, "all users")
        _with_band(ax, curves, "positive_share_aware", bands, "aware users")
    for camp, frame in camps.groupby("camp") if len(camps) else ():
        users = frame["users"].iloc[0] if "users" in frame else None
        ax.plot(frame["step"], frame["positive_share"], ls="--",
                label=f"camp {camp}" + (f" (n={int(users):,})" if users is not None and users == users else ""))
    ax.set_ylim(0, 1)
    ax.set_xlabel("round")
    ax.set_ylabel("share with a positive attitude")
    ax.set_title("Share of positive attitudes")
    _legend_with_band(ax)
    written.append(_save(fig, folder / "positive_share.png"))
    return written


def _with_band(ax: Any, curves: pd.DataFrame, column: str, bands: dict[str, Any], label: str) -> None:
    """A curve with its t-interval band (NaN values and bands stay gaps)."""
    from hubbub.metrics.stats import n_label

    y = curves[column].astype(float)
    half, n = bands.get(column, (np.full(len(y), np.nan), None))
    line, = ax.plot(curves["step"], y, marker="o", ms=3, label=f"{label} ({n_label(n)})" if n is not None else label)
    ax.fill_between(curves["step"], y - half, y + half, color=line.get_color(), alpha=0.15, lw=0)


def _legend_with_band(ax: Any) -> None:
    from matplotlib.patches import Patch

    from hubbub.metrics.stats import METHOD

    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=[*handles, Patch(color="0.6", alpha=0.3, label=f"shaded: {METHOD}")], fontsize=7)


def plot_s3_cascades(table: pd.DataFrame, path: Path) -> Path:
    """Cascade sizes (complementary CDF, log-log) and depth against structural virality."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    if len(table):
        sizes = np.sort(table["size"].to_numpy())[::-1]
        left.loglog(sizes, np.arange(1, sizes.size + 1) / sizes.size, marker=".", ls="none")
        right.scatter(table["depth"], table["structural_virality"], s=10, alpha=0.6)
    left.set_xlabel("cascade size")
    left.set_ylabel("P(size >= x)")
    left.set_title("Cascade sizes")
    right.set_xlabel("depth")
    right.set_ylabel("structural virality")
    right.set_title("Cascade shape")
    return _save(fig, path)


def plot_channels(first: pd.DataFrame, path: Path) -> Path:
    """Users by the channel they first heard of the event through, per step (combined runs)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.4))
    if len(first):
        table = first.groupby(["step", "first_channel"]).size().unstack(fill_value=0).cumsum()
        for column in table.columns:
            ax.plot(table.index, table[column], marker="o", ms=3, label=column)
        ax.legend(fontsize=8)
    ax.set_xlabel("step")
    ax.set_ylabel("users aware (cumulative)")
    ax.set_title("First channel: trending hub vs followees")
    return _save(fig, path)


def plot_hub(conditions: pd.DataFrame, activity: pd.DataFrame, path: Path) -> Path:
    """The trending hub of a combined run: users' mean conditions (with their 95 % t-interval over the
    hub's users) and activity per time bin (``start_h``, ``bin_min``: bins that suit the run's length)."""
    from matplotlib.patches import Patch

    from hubbub.metrics.stats import METHOD, t_halfwidth

    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    if len(conditions):
        for name in ("emotion", "confidence"):
            mean = conditions[f"{name}_mean"]
            half = t_halfwidth(conditions[f"{name}_std"], conditions["users"]) if "users" in conditions else 0 * mean
            line, = left.plot(conditions["hours"], mean, marker=".", label=name)
            left.fill_between(conditions["hours"], mean - half, mean + half, color=line.get_color(), alpha=0.15, lw=0)
        handles, _ = left.get_legend_handles_labels()
        left.legend(handles=[*handles, Patch(color="0.6", alpha=0.3, label=f"shaded: {METHOD}")], fontsize=7)
    minutes = float(activity["bin_min"].iloc[0]) if len(activity) and "bin_min" in activity else 60.0
    if len(activity):
        start = activity["start_h"] if "start_h" in activity else activity["hour"]
        for column in ("sessions", "comments", "replies", "likes"):
            if column in activity:
                right.plot(start + minutes / 120, activity[column], marker="o", ms=3, label=column)
        right.legend(fontsize=8)
    left.set_ylim(0, 1)
    left.set_xlabel("simulated hours")
    left.set_ylabel("mean over the hub's users (0 to 1)")
    left.set_title("Hub users' conditions (mean)")
    right.set_xlabel(f"simulated hours (bins of {minutes:g} minutes)")
    right.set_ylabel("count per bin")
    right.set_title("Activity on the hub")
    return _save(fig, path)
