"""PNG figures of an S3 run (matplotlib's Agg backend, chosen inside each function)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    _pyplot().close(fig)
    return path


def plot_s3_curves(curves: pd.DataFrame, camps: pd.DataFrame, folder: Path) -> list[Path]:
    """The three population curves of S3 (Figs. 2-3): users aware, emotion density, positive share."""
    plt = _pyplot()
    written = []
    fig, ax = plt.subplots(figsize=(6, 3.4))
    if len(curves):
        ax.plot(curves["step"], curves["aware"], marker="o", ms=3)
    ax.set_xlabel("step")
    ax.set_ylabel("users aware (cumulative)")
    ax.set_title("Information propagation")
    written.append(_save(fig, folder / "aware.png"))

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    if len(curves):
        shares = curves[["calm", "moderate", "intense"]].fillna(0).to_numpy().T
        left.stackplot(curves["step"], shares, labels=["calm", "moderate", "intense"], alpha=0.8)
        left.legend(fontsize=8, loc="lower right")
        right.plot(curves["step"], curves["mean_intensity"], marker="o", ms=3, label="aware users")
        right.plot(curves["step"], curves["mean_intensity_all"], marker=".", ms=3, label="all users")
        right.legend(fontsize=8)
    left.set_title("Emotion density (aware users)")
    right.set_title("Mean emotion intensity")
    for ax in (left, right):
        ax.set_xlabel("step")
        ax.set_ylim(0, 1)
    written.append(_save(fig, folder / "emotion_density.png"))

    fig, ax = plt.subplots(figsize=(6, 3.4))
    if len(curves):
        ax.plot(curves["step"], curves["positive_share"], marker="o", ms=3, label="all users")
        ax.plot(curves["step"], curves["positive_share_aware"], marker=".", ms=3, label="aware users")
    for camp, frame in camps.groupby("camp") if len(camps) else ():
        ax.plot(frame["step"], frame["positive_share"], ls="--", label=f"camp {camp}")
    ax.set_ylim(0, 1)
    ax.set_xlabel("step")
    ax.set_title("Share of positive attitudes")
    ax.legend(fontsize=8)
    written.append(_save(fig, folder / "positive_share.png"))
    return written


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
    """The trending hub of a combined run: users' mean conditions and activity per simulated hour."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    if len(conditions):
        for name in ("emotion", "confidence"):
            left.plot(conditions["hours"], conditions[f"{name}_mean"], marker=".", label=name)
        left.legend(fontsize=8)
    if len(activity):
        for column in ("sessions", "comments", "replies", "likes"):
            if column in activity:
                right.plot(activity["hour"], activity[column], marker="o", ms=3, label=column)
        right.legend(fontsize=8)
    left.set_ylim(0, 1)
    left.set_xlabel("simulated hours")
    left.set_title("Hub users' conditions (mean)")
    right.set_xlabel("simulated hour")
    right.set_title("Activity on the hub")
    return _save(fig, path)
