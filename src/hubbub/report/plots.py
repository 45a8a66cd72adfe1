"""Matplotlib figures (Agg backend, chosen inside each function: importing does nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def plot_conditions_over_time(curves: dict[str, pd.DataFrame], path: Path, title: str = "") -> Path:
    """Mean ± std of emotion and social confidence over time, one line per label (levels in [0, 1])."""
    return _save(conditions_figure(curves, title, relative=False), path)


def plot_conditions_relative_to_se(curves: dict[str, pd.DataFrame], path: Path, title: str = "") -> Path:
    """Figure 3: change relative to SE, on a y axis symmetric around 0 so a decrease shows."""
    return _save(conditions_figure(curves, title, relative=True), path)


def conditions_figure(curves: dict[str, pd.DataFrame], title: str = "", *, relative: bool = False) -> Any:
    """The two-panel conditions figure; ``relative`` curves are differences, drawn around a zero line."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharex=True)
    for label, frame in curves.items():
        if frame is None or len(frame) == 0:
            continue
        for ax, name in zip(axes, ("emotion", "confidence")):
            mean, std = frame[f"{name}_mean"], frame[f"{name}_std"].fillna(0)
            ax.plot(frame["hours"], mean, label=label)
            ax.fill_between(frame["hours"], mean - std, mean + std, alpha=0.15)
    for ax, name, measure in zip(axes, ("Emotion (positiveness)", "Social confidence"), ("emotion", "confidence")):
        ax.set_xlabel("simulated hours")
        ax.set_title(f"Δ {name.lower()} vs SE" if relative else name)
        _set_limits(ax, curves, measure, relative)
    if len(curves) > 1:
        axes[1].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def _set_limits(ax: Any, curves: dict[str, pd.DataFrame], measure: str, relative: bool) -> None:
    """Levels live in [0, 1]; differences get a symmetric axis holding all data and a zero line."""
    if not relative:
        ax.set_ylim(0, 1)
        return
    from hubbub.metrics.experiments import symmetric_span

    span = symmetric_span(curves, measure)
    ax.axhline(0, color="0.4", lw=0.8, ls="--")
    ax.set_ylim(-span, span)


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    _pyplot().close(fig)
    return path


def plot_groups(table: pd.DataFrame, path: Path) -> Path:
    """User groups: share of users and final conditions per group (Figure 4)."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    if table is not None and len(table):
        axes[0].pie(table["share"], labels=table["grp"], autopct="%1.0f%%", textprops={"fontsize": 8})
        axes[1].bar(table["grp"], table["emotion"])
        axes[2].bar(table["grp"], table["confidence"])
    axes[0].set_title("Users by group")
    axes[1].set_title("Emotion at end")
    axes[2].set_title("Social confidence at end")
    for ax in axes[1:]:
        ax.set_ylim(0, 1)
        ax.tick_params(axis="x", rotation=40, labelsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_activity(table: pd.DataFrame, path: Path) -> Path:
    """Sessions, comments and attack comments per simulated hour."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.2))
    if table is not None and len(table):
        for col in ("sessions", "comments", "attack_comments", "censored"):
            if col in table:
                ax.plot(table["hour"], table[col], marker="o", ms=3, label=col)
        ax.legend(fontsize=8)
    ax.set_xlabel("simulated hour")
    ax.set_title("Activity on the topic")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_groups_by_degree(table: pd.DataFrame, path: Path) -> Path:
    """Final emotion and confidence per user group, one bar per attack degree (Figure 4b/c)."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    degrees = list(dict.fromkeys(table["degree"]))
    groups = sorted(table["grp"].unique())
    width = 0.8 / max(1, len(degrees))
    for k, degree in enumerate(degrees):
        sub = table[table["degree"] == degree].set_index("grp").reindex(groups)
        xs = [i + k * width for i in range(len(groups))]
        axes[0].bar(xs, sub["emotion"], width, label=degree)
        axes[1].bar(xs, sub["confidence"], width, label=degree)
    for ax, name in zip(axes, ("Emotion at end", "Social confidence at end")):
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(groups))], groups, rotation=30, fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_title(name)
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
