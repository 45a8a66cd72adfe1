"""Experiment-level tables and figures across many runs (TrendSim Table 5, Figures 3-4, Table 9)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hubbub.metrics.experiments import collect, curves_relative_to_se, groups_by_degree, impact_table
from hubbub.metrics.trendsim import markdown_table, write_table


def analyse_experiment(out: Path, index: pd.DataFrame, analysis: str) -> tuple[list[Path], str]:
    """Write per-run and experiment tables and plots under ``out/tables`` and ``out/plots``; return them
    and the Markdown sections summary.md shows (``index``: one row per run with its ``run`` folder)."""
    from hubbub.report.plots import plot_conditions_relative_to_se, plot_groups_by_degree

    per_run, runs = collect(out, index)
    tables, plots = out / "tables", out / "plots"
    tables.mkdir(parents=True, exist_ok=True)
    plots.mkdir(parents=True, exist_ok=True)
    written = list(write_table(per_run, tables / "per_run"))
    impact = impact_table(per_run)
    written += write_table(impact, tables / ("censorship" if analysis == "censorship" else "attack_impact"))
    curves = curves_relative_to_se(per_run, runs)
    if curves:
        written.append(plot_conditions_relative_to_se(curves, plots / "conditions_relative_to_SE.png",
                                                      "Change relative to SE (mean over topics)"))
    groups = groups_by_degree(per_run, runs)
    if len(groups):
        written += write_table(groups, tables / "groups_by_degree")
        written.append(plot_groups_by_degree(groups, plots / "groups_by_degree.png"))
    sections = (f"\n## Experiment analysis ({analysis}): conditions at the end by group and attack degree\n\n"
                f"{markdown_table(impact)}\n## Per run\n\n{markdown_table(per_run)}")
    return written, sections
