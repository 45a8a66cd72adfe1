"""Notebook API: load runs, get their tables as DataFrames, draw them as matplotlib figures.

    from hubbub.report.api import load_runs, plot_conditions, plot_activity
    runs = load_runs("runs/se", "runs/pa-30")          # {name: Run}
    fig = plot_conditions(runs)                          # one line per run, mean ± std band
    fig.savefig("conditions.png")

Every ``plot_*`` function takes one run, a run folder, a list of them or a ``{name: run}`` dict and
returns a :class:`matplotlib.figure.Figure` built without pyplot (nothing global changes, no window
opens; Jupyter displays the returned figure). Interventions and interviews are drawn as dashed vertical
lines on the time axes. The table functions (re-exported from :mod:`hubbub.report.html_frames`)
document their columns in their docstrings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

from hubbub.report.html_frames import (
    ACTIVITY_COLUMNS,
    activity,
    agent_table,
    conditions,
    conditions_by_group_over_time,
    events_by_kind,
    final_by_group,
    final_conditions,
    interventions,
    llm_calls,
    parse_prices,
    replies,
    telemetry,
    threads,
    timeline,
)
from hubbub.report.interviews import interviews
from hubbub.metrics.surveys import survey_summary

__all__ = [
    "load_runs", "conditions", "conditions_by_group_over_time", "final_conditions", "final_by_group",
    "activity", "events_by_kind", "timeline", "interventions", "interviews", "threads", "replies",
    "agent_table", "llm_calls", "telemetry", "parse_prices", "compare", "plot_conditions",
    "plot_conditions_by_group", "plot_final_by_group", "plot_activity", "plot_telemetry", "report",
    "surveys", "survey_summary",
]

MARKER_COLORS = {"intervention": "#c0392b", "interview": "#8e44ad"}
RunsLike = Any  # a Run, a folder, a list of either, or {name: Run}


def load_runs(*paths: str | Path | Iterable[str | Path]) -> dict[str, Any]:
    """Runs by name (folder name, lengthened with parents where two collide): ``load_runs("a", "b")``
    or ``load_runs(["a", "b"])`` or ``load_runs(*Path("runs").glob("*/"))``."""
    from hubbub.store import load_runs as store_load_runs

    flat: list[str | Path] = []
    for p in paths:
        flat.extend([p] if isinstance(p, (str, Path)) else list(p))
    return store_load_runs(flat)


def as_runs(runs: RunsLike) -> dict[str, Any]:
    """Normalise the ``runs`` argument of the plot functions to ``{name: Run}``."""
    if isinstance(runs, Mapping):
        return dict(runs)
    if isinstance(runs, (str, Path)):
        return load_runs(runs)
    if hasattr(runs, "path") and hasattr(runs, "manifest"):
        return {runs.name: runs}
    items = list(runs)
    if all(isinstance(r, (str, Path)) for r in items):
        return load_runs(items)
    return {r.name: r for r in items}


def surveys(run: Any) -> pd.DataFrame:
    """Survey answers, one row per respondent and item (:attr:`hubbub.store.api.Run.surveys`): survey, at_h,
    agent_id, group, item, kind, question, answer, answer_index, score, expected_score, method, post_run,
    p_1, p_2, ..."""
    return run.surveys


def compare(runs: RunsLike) -> pd.DataFrame:
    """One row per run: run, backend, model, seed, emotion_avg, emotion_div, confidence_avg,
    confidence_div, users, comments, llm_calls, llm_failures."""
    rows = []
    for name, run in as_runs(runs).items():
        backend = run.manifest.get("backend", {})
        tele = telemetry(run)
        total = tele[tele["kind"] == "all"]
        rows.append({"run": name, "backend": backend.get("backend"), "model": backend.get("model"),
                     "seed": run.manifest.get("seed"), **final_conditions(run), "comments": len(run.comments),
                     "llm_calls": int(total["calls"].iloc[0]) if len(total) else 0,
                     "llm_failures": int(total["failures"].iloc[0]) if len(total) else 0})
    return pd.DataFrame(rows)


def report(paths: Iterable[str | Path] | str | Path, out: str | Path, **options: Any) -> Path:
    """Write the interactive HTML report of ``paths`` to ``out`` (see :func:`hubbub.report.html.write_report`)."""
    from hubbub.report.html import write_report

    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    return write_report(items, out, **options)


# ---------------------------------------------------------------- figures


def _figure(ncols: int, width: float = 5.2, height: float = 3.4) -> tuple[Any, list[Any]]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, height), layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, list(axes)


def _mark(ax: Any, run: Any) -> None:
    """Dashed vertical lines at interventions and interviews (one per distinct time and kind)."""
    tl = timeline(run)
    for hours, kind in sorted(set(zip(tl["hours"].round(6), tl["kind"]))):
        ax.axvline(hours, color=MARKER_COLORS.get(kind, "#555"), linestyle="--", linewidth=1, alpha=0.8)


def plot_conditions(runs: RunsLike, *, band: bool = True) -> Any:
    """Users' emotion and social confidence over time, mean ± std, one line per run (Figure 3)."""
    fig, axes = _figure(2)
    many = as_runs(runs)
    for name, run in many.items():
        frame = conditions(run)
        for ax, measure in zip(axes, ("emotion", "confidence")):
            mean, std = frame[f"{measure}_mean"].astype(float), frame[f"{measure}_std"].astype(float).fillna(0)
            line = ax.plot(frame["hours"], mean, marker="o", ms=3, label=name)[0]
            if band:
                ax.fill_between(frame["hours"], mean - std, mean + std, alpha=0.15, color=line.get_color())
        for ax in axes:
            _mark(ax, run)
    _style(axes, ("Emotion (positiveness)", "Social confidence"), "simulated hours", (0, 1))
    if len(many) > 1:
        axes[1].legend(fontsize=8)
    return fig


def plot_conditions_by_group(run: Any) -> Any:
    """Mean emotion and social confidence per preference group over time (one run)."""
    name, run = next(iter(as_runs(run).items()))
    fig, axes = _figure(2)
    frame = conditions_by_group_over_time(run)
    for grp, sub in frame.groupby("grp"):
        for ax, measure in zip(axes, ("emotion", "confidence")):
            ax.plot(sub["hours"], sub[f"{measure}_mean"], marker="o", ms=3, label=str(grp))
    for ax in axes:
        _mark(ax, run)
    _style(axes, ("Emotion by group", "Social confidence by group"), "simulated hours", (0, 1))
    axes[1].legend(fontsize=8)
    fig.suptitle(name)
    return fig


def plot_final_by_group(runs: RunsLike) -> Any:
    """Final emotion and confidence per preference group, one bar per run (Figure 4b/c)."""
    many = as_runs(runs)
    tables = {name: final_by_group(run) for name, run in many.items()}
    groups = sorted({g for t in tables.values() if len(t) for g in t["grp"]})
    fig, axes = _figure(2, width=6)
    width = 0.8 / max(1, len(tables))
    for k, (name, t) in enumerate(tables.items()):
        sub = t.set_index("grp").reindex(groups) if len(t) else pd.DataFrame(index=groups, columns=["emotion", "confidence"])
        xs = [i + k * width for i in range(len(groups))]
        for ax, measure in zip(axes, ("emotion", "confidence")):
            ax.bar(xs, sub[measure].astype(float), width, label=name)
    for ax in axes:
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(groups))], groups, rotation=30, fontsize=8)
    _style(axes, ("Emotion at end", "Social confidence at end"), "", (0, 1))
    if len(tables) > 1:
        axes[1].legend(fontsize=8)
    return fig


def plot_activity(runs: RunsLike, columns: Iterable[str] = ("sessions", "comments", "attack_comments", "censored"),
                  *, bin_minutes: float | None = None) -> Any:
    """Counts per time bin, one panel per column and one line per run."""
    columns = list(columns)
    unknown = [c for c in columns if c not in ACTIVITY_COLUMNS]
    if unknown:
        from hubbub.errors import ConfigError

        raise ConfigError(f"plot_activity columns {unknown}: not activity columns; choose from {list(ACTIVITY_COLUMNS)}")
    fig, axes = _figure(len(columns), width=4.2)
    many = as_runs(runs)
    for name, run in many.items():
        act = activity(run, bin_s=bin_minutes * 60 if bin_minutes else None)
        for ax, col in zip(axes, columns):
            if len(act):
                ax.plot(act["start_h"] + act["bin_min"] / 120, act[col], marker="o", ms=2.5, label=name)
        for ax in axes:
            _mark(ax, run)
    _style(axes, [c.replace("_", " ") for c in columns], "simulated hours", None)
    if len(many) > 1:
        axes[-1].legend(fontsize=8)
    return fig


def plot_telemetry(runs: RunsLike) -> Any:
    """LLM calls and latency (p50 and p95 of calls that reached the backend) per call kind and run."""
    many = as_runs(runs)
    tables = {name: telemetry(run) for name, run in many.items()}
    kinds = sorted({k for t in tables.values() if len(t) for k in t["kind"] if k != "all"})
    fig, axes = _figure(2, width=6, height=3.8)
    width = 0.8 / max(1, len(tables))
    for k, (name, t) in enumerate(tables.items()):
        columns = ["calls", "latency_p50_s", "latency_p95_s"]
        sub = t.set_index("kind").reindex(kinds) if len(t) else pd.DataFrame(index=kinds, columns=columns)
        ys = [i + k * width for i in range(len(kinds))]
        axes[0].barh(ys, sub["calls"].astype(float), width, label=name)
        axes[1].barh(ys, sub["latency_p95_s"].astype(float), width, alpha=0.35, color=f"C{k}")
        axes[1].barh(ys, sub["latency_p50_s"].astype(float), width, color=f"C{k}", label=f"{name} p50 (light: p95)")
    for ax in axes:
        ax.set_yticks([i + 0.4 - width / 2 for i in range(len(kinds))], kinds, fontsize=7)
    axes[1].set_yticklabels([])
    _style(axes, ("LLM calls per kind", "Latency per call, seconds"), "", None)
    axes[1].legend(fontsize=7)
    return fig


def _style(axes: list[Any], titles: Iterable[str], xlabel: str, ylim: tuple[float, float] | None) -> None:
    for ax, title in zip(axes, titles):
        ax.set_title(title, fontsize=10)
        if xlabel:
            ax.set_xlabel(xlabel)
        if ylim:
            ax.set_ylim(*ylim)
        ax.grid(alpha=0.3)
