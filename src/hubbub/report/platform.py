"""Tables and plots of one living-platform run (kind = "platform"), rebuilt from its run record.

Tables (``tables/NAME.csv`` and ``.md``): see :data:`hubbub.metrics.platform.TABLES`. Plots
(``plots/``): ``platform_graph.png`` (graph metrics over time), ``platform_exposure.png`` (home-feed
exposures by source over time) and ``platform_board_ranks.png`` (each topic's board rank over time).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from hubbub.metrics.figures import pyplot as _pyplot
from hubbub.metrics.figures import save as _save
from hubbub.metrics.platform import TABLES
from hubbub.metrics.trendsim import markdown_table, write_table


def analyse_run(run_dir: str | Path) -> list[Path]:
    """Write the tables and plots of one platform run; return the files written."""
    from hubbub.store import load_run

    run_dir = Path(run_dir)
    run = load_run(run_dir)
    tables, plots = run_dir / "tables", run_dir / "plots"
    tables.mkdir(exist_ok=True)
    plots.mkdir(exist_ok=True)
    frames = {name: make(run) for name, make in TABLES.items()}
    written = [p for name, frame in frames.items() for p in write_table(frame, tables / name)]
    written += [plot_graph(frames["platform_graph_metrics"], plots / "platform_graph.png"),
                plot_exposure(frames["platform_exposure_by_source"], plots / "platform_exposure.png"),
                plot_board(frames["platform_board_ranks"], plots / "platform_board_ranks.png")]
    (run_dir / "summary.md").write_text(summary(run, frames), encoding="utf-8")
    return written + [run_dir / "summary.md"]


def plot_graph(table: pd.DataFrame, path: Path) -> Path:
    """Edges, and the share metrics (reciprocity, clustering, assortativity, cross-camp) over time."""
    fig, axes = _pyplot().subplots(1, 2, figsize=(10, 3.4))
    if len(table):
        axes[0].plot(table["time_h"], table["edges"], marker="o", ms=3)
        for col in ("reciprocity", "clustering", "assortativity", "cross_camp"):
            axes[1].plot(table["time_h"], pd.to_numeric(table[col], errors="coerce"), marker="o", ms=3, label=col)
        axes[1].legend(fontsize=8)
    axes[0].set_title("Follow edges")
    axes[1].set_title("Graph metrics")
    for ax in axes:
        ax.set_xlabel("simulated hour")
    return _save(fig, path)


def plot_exposure(table: pd.DataFrame, path: Path) -> Path:
    """Home-feed exposures per time bin, stacked by source (in-network, recommended)."""
    fig, ax = _pyplot().subplots(figsize=(8, 3.2))
    home = table[table["surface"] == "home"] if len(table) else table
    if len(home):
        wide = home.pivot_table(index="time_h", columns="source", values="exposures", fill_value=0)
        bottom = None
        for source in wide.columns:
            ax.bar(wide.index, wide[source], width=0.4, bottom=bottom, label=source, align="edge")
            bottom = wide[source] if bottom is None else bottom + wide[source]
        ax.legend(fontsize=8)
    ax.set_xlabel("simulated hour")
    ax.set_title("Home-feed exposures by source")
    return _save(fig, path)


def plot_board(table: pd.DataFrame, path: Path) -> Path:
    """Each topic's board rank over time (rank 1 at the top)."""
    fig, ax = _pyplot().subplots(figsize=(9, 4))
    if len(table):
        for topic, rows in table.groupby("topic_id", sort=True):
            ax.plot(rows["time_h"], rows["rank"], marker="o", ms=2, label=str(rows["title"].iloc[0])[:28])
        ax.invert_yaxis()
        ax.legend(fontsize=6, loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.set_xlabel("simulated hour")
    ax.set_ylabel("board rank")
    ax.set_title("Board ranks over time")
    return _save(fig, path)


def summary(run: Any, frames: dict[str, pd.DataFrame]) -> str:
    """A short Markdown summary: the last graph snapshot, exposure by source, actions by policy."""
    graph = frames["platform_graph_metrics"]
    exposure = frames["platform_exposure_by_source"]
    home = exposure[exposure["surface"] == "home"].groupby("source")["exposures"].sum().reset_index() \
        if len(exposure) else exposure
    lines = [f"# {run.name}: living platform", "", "## Follow graph (last snapshot)", "",
             markdown_table(graph.tail(1)), "## Home-feed exposures by source", "", markdown_table(home),
             "## Actions by policy", "", markdown_table(frames["platform_actions"])]
    return "\n".join(lines)
