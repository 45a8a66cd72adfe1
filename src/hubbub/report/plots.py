"""Matplotlib figures (Agg backend, chosen inside each function: importing does nothing).

Every figure labels its axes; shaded bands and error bars are named in the legend (a 95 % t-interval of
the mean where the table says over how many users or runs, see :mod:`hubbub.metrics.stats`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from hubbub.metrics.figures import pyplot as _pyplot
from hubbub.metrics.figures import save as _save


def plot_conditions_over_time(curves: dict[str, pd.DataFrame], path: Path, title: str = "") -> Path:
    """Mean ± std of emotion and social confidence over time, one line per label (levels in [0, 1])."""
    return _save(conditions_figure(curves, title, relative=False), path)


def plot_conditions_relative_to_se(curves: dict[str, pd.DataFrame], path: Path, title: str = "") -> Path:
    """Figure 3: change relative to SE, on a y axis symmetric around 0 so a decrease shows."""
    return _save(conditions_figure(curves, title, relative=True), path)


def conditions_figure(curves: dict[str, pd.DataFrame], title: str = "", *, relative: bool = False) -> Any:
    """The two-panel conditions figure; ``relative`` curves are differences, drawn around a zero line.

    The band is the 95 % t-interval of the mean when a frame says over how many users (``users``) or
    runs (``runs``) its means are taken, else ± one standard deviation; the legend says which."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharex=True)
    bands = set()
    for label, frame in curves.items():
        if frame is None or len(frame) == 0:
            continue
        for ax, name in zip(axes, ("emotion", "confidence")):
            mean, half, band = _band(frame, name)
            bands.add(band)
            line, = ax.plot(frame["hours"], mean, label=label)
            ax.fill_between(frame["hours"], mean - half, mean + half, alpha=0.15, color=line.get_color(), lw=0)
    for ax, name, measure in zip(axes, ("Emotion (positiveness)", "Social confidence"), ("emotion", "confidence")):
        ax.set_xlabel("simulated hours")
        ax.set_ylabel(f"Δ {measure} vs SE" if relative else f"{measure} (0 to 1)")
        ax.set_title(f"Δ {name.lower()} vs SE" if relative else name)
        _set_limits(ax, curves, measure, relative)
    _band_legend(axes[1], bands)
    if title:
        fig.suptitle(title)
    return fig


def _band(frame: pd.DataFrame, measure: str) -> tuple[pd.Series, Any, str]:
    """(mean, half-width of the band, what the band is) of one measure of a curve frame."""
    from hubbub.metrics.stats import n_label, t_halfwidth

    mean, std = frame[f"{measure}_mean"], frame[f"{measure}_std"]
    count = next((c for c in ("users", "runs") if c in frame), None)
    if count is None:
        return mean, std, "± 1 std"
    return mean, t_halfwidth(std, frame[count]), f"95% t-interval ({n_label(frame[count])} {count})"


def _band_legend(ax: Any, bands: set[str]) -> None:
    """The legend: one entry per curve and one per kind of shaded band."""
    from matplotlib.patches import Patch

    handles, labels = ax.get_legend_handles_labels()
    handles += [Patch(color="0.6", alpha=0.3, label=f"shaded: {b}") for b in sorted(bands)]
    ax.legend(handles=handles, fontsize=8)


def _set_limits(ax: Any, curves: dict[str, pd.DataFrame], measure: str, relative: bool) -> None:
    """Levels live in [0, 1]; differences get a symmetric axis holding all data and a zero line."""
    if not relative:
        ax.set_ylim(0, 1)
        return
    from hubbub.metrics.experiments import symmetric_span

    span = symmetric_span(curves, measure)
    ax.axhline(0, color="0.4", lw=0.8, ls="--")
    ax.set_ylim(-span, span)


def plot_groups(table: pd.DataFrame, path: Path, word: str = "preference group") -> Path:
    """User groups: share of users and final conditions per group (Figure 4), means with their 95 %
    t-interval over the group's users as error bars and n in the labels."""
    from hubbub.metrics.stats import t_halfwidth

    plt = _pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8))
    if table is not None and len(table):
        labels = [f"{g} (n={int(u)})" for g, u in zip(table["grp"], table["users"])]
        axes[0].pie(table["share"], labels=labels, autopct="%1.0f%%", textprops={"fontsize": 8})
        for ax, measure in zip(axes[1:], ("emotion", "confidence")):
            err = t_halfwidth(table[f"{measure}_std"], table["users"]) if f"{measure}_std" in table else None
            ax.bar(labels, table[measure], yerr=err, capsize=3, label=f"mean {measure}")
            ax.legend(handles=[*ax.get_legend_handles_labels()[0], _err_proxy("95% t-interval over the group's users")],
                      fontsize=7, loc="upper right")
    axes[0].set_title(f"Users by {word}")
    axes[1].set_title("Emotion at end")
    axes[2].set_title("Social confidence at end")
    for ax, measure in zip(axes[1:], ("emotion", "confidence")):
        ax.set_ylim(0, 1)
        ax.set_xlabel(word)
        ax.set_ylabel(f"{measure} (0 to 1)")
        ax.tick_params(axis="x", rotation=40, labelsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _err_proxy(label: str) -> Any:
    """A legend entry for error bars."""
    from matplotlib.lines import Line2D

    return Line2D([], [], color="k", marker="|", ls="none", ms=10, label=label)


def plot_activity(table: pd.DataFrame, path: Path) -> Path:
    """Sessions, comments, attack comments and censored items per time bin (``start_h``, ``bin_min``
    columns, as :func:`hubbub.report.html_frames.activity` bins them for the run's length; a table with
    an ``hour`` column is read as hourly bins)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.4))
    minutes = float(table["bin_min"].iloc[0]) if table is not None and len(table) and "bin_min" in table else 60.0
    if table is not None and len(table):
        start = table["start_h"] if "start_h" in table else table["hour"]
        for col in ("sessions", "comments", "attack_comments", "censored"):
            if col in table:
                ax.plot(start + minutes / 120, table[col], marker="o", ms=3, label=col.replace("_", " "))
        ax.legend(fontsize=8)
    ax.set_xlabel(f"simulated hours (bins of {minutes:g} minutes, plotted at their middle)")
    ax.set_ylabel("count per bin")
    ax.set_title("Activity on the topic")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_groups_by_degree(table: pd.DataFrame, path: Path) -> Path:
    """Final emotion and confidence per user group, one bar per attack degree (Figure 4b/c): the mean
    over runs with its 95 % t-interval (when the table has ``runs`` and the ``_std`` columns)."""
    from hubbub.metrics.stats import t_halfwidth

    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    degrees = list(dict.fromkeys(table["degree"]))
    groups = sorted(table["grp"].unique())
    width = 0.8 / max(1, len(degrees))
    for k, degree in enumerate(degrees):
        sub = table[table["degree"] == degree].set_index("grp").reindex(groups)
        xs = [i + k * width for i in range(len(groups))]
        for ax, measure in zip(axes, ("emotion", "confidence")):
            err = t_halfwidth(sub[f"{measure}_std"], sub["runs"]) if "runs" in sub and f"{measure}_std" in sub else None
            ax.bar(xs, sub[measure], width, yerr=err, capsize=2, label=degree)
    for ax, name, measure in zip(axes, ("Emotion at end", "Social confidence at end"), ("emotion", "confidence")):
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(groups))], groups, rotation=30, fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_title(name)
        ax.set_xlabel("preference group")
        ax.set_ylabel(f"{measure} (0 to 1), mean over runs")
    axes[1].legend(fontsize=8, title="attack degree (error bars: 95% t-interval over runs)", title_fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
