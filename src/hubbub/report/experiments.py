"""The TrendSim experiments' outputs (exp1-exp4): CSV tables and PNG figures in the experiment folder,
and the Markdown sections of its summary.md. :data:`OUTPUTS` lists every file, which paper table or
figure it is and which analyses guarantee it (docs/guide-trendsim.md, "Experiment outputs", says the
same for readers; the tests check it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hubbub.metrics import experiment_tables as T
from hubbub.metrics.experiments import collect
from hubbub.metrics.trendsim import conditions_by_group, conditions_over_time, markdown_table, write_table

ANALYSES = ("attack_impact", "psychology_over_time", "susceptibility", "censorship")


@dataclass(frozen=True)
class Output:
    """One file an experiment writes: its path in the experiment folder, the paper's table or figure,
    whether it is an interval table (mean, ci_low, ci_high, n), and the analyses that always write it."""

    path: str
    paper: str
    intervals: bool = True
    analyses: tuple[str, ...] = ANALYSES


_GROUP_FIGS = tuple(Output(f"plots/conditions_relative_to_SE_{g}.png", f"Figure {k} ({g} topics)", False,
                           ("psychology_over_time",)) for k, g in ((6, "positive"), (7, "negative"), (8, "neutral")))
OUTPUTS: tuple[Output, ...] = (
    Output("tables/per_run.csv", "one row per run (the data of every table)", intervals=False),
    Output("tables/attack_impact.csv", "Table 5", analyses=("attack_impact", "psychology_over_time", "susceptibility")),
    Output("tables/censorship.csv", "Table 9", analyses=("censorship",)),
    Output("tables/discussion_quality.csv", "Table 3", analyses=("attack_impact",)),
    Output("tables/discussion_quality_per_run.csv", "Table 3, one row per run", False, ("attack_impact",)),
    Output("tables/time_cost.csv", "Table 4"),
    Output("tables/conditions_relative_to_SE.csv", "Figures 3 and 6-8"),
    Output("plots/conditions_relative_to_SE.png", "Figure 3 (all topics)", intervals=False),
    *_GROUP_FIGS,
    Output("tables/groups_by_degree.csv", "Figure 4a (share) and 4b/c as levels"),
    Output("plots/groups_by_degree.png", "Figure 4b/c as levels", intervals=False),
    Output("tables/groups_drop_vs_SE.csv", "Figure 4b/c (change relative to SE)"),
    Output("plots/groups_drop_vs_SE.png", "Figure 4b/c (change relative to SE)", intervals=False),
)
"""Every output of an experiment folder."""


def outputs_for(analysis: str) -> list[Output]:
    """The outputs an experiment with this ``analysis`` always writes (given its full grid)."""
    return [o for o in OUTPUTS if analysis in o.analyses]


def analyse_experiment(out: Path, index: pd.DataFrame, analysis: str,
                       judged: pd.DataFrame | None = None) -> tuple[list[Path], str]:
    """Write the experiment's tables and figures under ``out/tables`` and ``out/plots``; return them and
    the Markdown sections summary.md shows. ``index``: one row per run with its ``run`` folder (and
    ``wall_s`` / ``llm_calls`` for Table 4); ``judged``: Table 3 scores per run, when judged."""
    per_run, runs = collect(out, index)
    tables, plots = out / "tables", out / "plots"
    tables.mkdir(parents=True, exist_ok=True)
    plots.mkdir(parents=True, exist_ok=True)
    note = figure_note(per_run, runs)
    conditions = T.conditions_table(per_run)
    stem = "censorship" if analysis == "censorship" else "attack_impact"
    written = [*write_table(per_run, tables / "per_run"), *write_table(conditions, tables / stem)]
    md = [f"\n## Experiment analysis ({analysis})\n\n{T.METHOD_NOTE}\n",
          _section(f"{'Table 9' if stem == 'censorship' else 'Table 5'}: conditions at the end by sentiment "
                   "group and attack degree", conditions, ["group", "degree"])]
    if judged is not None:
        written += write_table(judged, tables / "discussion_quality_per_run")
        quality = T.discussion_table(per_run, judged)
        written += write_table(quality, tables / "discussion_quality")
        md.append(_section("Table 3: judged rationality and diversity of the discussions", quality, ["group", "degree"]))
    cost = T.time_cost_table(per_run)
    written += write_table(cost, tables / "time_cost")
    md.append(_section("Table 4: time cost per run (wall seconds with this backend) and LLM calls", cost,
                       ["agents", "degree"]) + _paper_grid(cost))
    paths, text = _curves(per_run, runs, out, note)
    groups_paths, groups_text = _groups(per_run, runs, out, note)
    return written + paths + groups_paths, "\n".join([*md, text, groups_text, "## Per run\n", markdown_table(per_run)])


def _curves(per_run: pd.DataFrame, runs: dict[str, Any], out: Path, note: str) -> tuple[list[Path], str]:
    """Figure 3 (All) and Figures 6-8 (per sentiment group): table, figures, Markdown."""
    from hubbub.report.experiment_plots import plot_relative_curves

    table = T.relative_curves_table(per_run, T.per_run_tables(runs, conditions_over_time))
    written = list(write_table(table, out / "tables" / "conditions_relative_to_SE"))
    figures = {"All": ("conditions_relative_to_SE.png", "Figure 3")}
    figures.update({g.capitalize(): (f"conditions_relative_to_SE_{g}.png", f"Figure {k}")
                    for k, g in ((6, "positive"), (7, "negative"), (8, "neutral"))})
    md = ["## Figures 3 and 6-8: conditions over time relative to SE\n"]
    for group, (name, fig) in figures.items():
        if (table["group"] == group).any():
            title = f"{fig}: change relative to SE over time, {group.lower()} topics"
            written.append(plot_relative_curves(table, group, out / "plots" / name, title, note))
            md.append(f"![{title}](plots/{name})\n")
    last = table[table["hours"] == table["hours"].max()] if len(table) else table
    md.append(_section("At the last snapshot", last, ["group", "degree"]))
    return written, "\n".join(md)


def _groups(per_run: pd.DataFrame, runs: dict[str, Any], out: Path, note: str) -> tuple[list[Path], str]:
    """Figure 4: the preference groups' levels and shares, and their drop relative to SE."""
    from hubbub.report.experiment_plots import plot_group_bars

    groups = T.per_run_tables(runs, conditions_by_group)
    levels, drops = T.group_levels_table(per_run, groups), T.group_drops_table(per_run, groups)
    written = [*write_table(levels, out / "tables" / "groups_by_degree"),
               *write_table(drops, out / "tables" / "groups_drop_vs_SE")]
    md = []
    for table, name, title, relative in (
            (levels, "groups_by_degree.png", "Figure 4b/c: conditions at the end by preference group", False),
            (drops, "groups_drop_vs_SE.png", "Figure 4b/c: change relative to SE by preference group", True)):
        if len(table):
            plotted = table[table["measure"].isin(["emotion", "confidence"])]
            written.append(plot_group_bars(plotted, out / "plots" / name, title, note, relative=relative))
            md += [f"## {title}\n", f"![{title}](plots/{name})\n", _section("", table, ["grp", "degree"])]
    return written, "\n".join(md)


def _paper_grid(cost: pd.DataFrame) -> str:
    """Table 4 as the paper lays it out (degrees down, numbers of users across), when users vary."""
    wall = cost[cost["measure"] == "wall_s"] if len(cost) else cost
    if not len(wall) or wall["agents"].nunique() < 2:
        return ""
    grid = wall.pivot_table(index="degree", columns="agents", values="estimate", aggfunc="first", sort=False)
    return ("\nWall seconds per run, degrees down and users across (as the paper's Table 4):\n\n"
            + markdown_table(grid.reset_index().rename_axis(columns=None)))


def _section(title: str, table: pd.DataFrame, keys: list[str]) -> str:
    """A Markdown table of the estimates: one row per key combination, one column per measure."""
    head = f"## {title}\n\n" if title else ""
    if not len(table):
        return f"{head}(no data: the grid has no runs this table needs, e.g. no SE runs)\n"
    wide = table.pivot_table(index=keys, columns="measure", values="estimate", aggfunc="first", sort=False)
    return head + markdown_table(wide.reset_index())


def figure_note(per_run: pd.DataFrame, runs: dict[str, Any]) -> str:
    """How the figures were produced: backend, model, seeds, runs (and the demo-backend warning)."""
    manifest = next(iter(runs.values())).manifest if runs else {}
    backend = manifest.get("backend", {})
    name, model = backend.get("backend", "?"), backend.get("model", "?")
    seeds = sorted({int(s) for s in per_run["seed"]}) if len(per_run) else []
    span = f"seeds {seeds[0]}-{seeds[-1]}" if len(seeds) > 1 else f"seed {seeds[0] if seeds else '?'}"
    warning = " - NOT a research result (demo/test backend)" if name in ("scripted", "embedded") else ""
    return f"Produced by hubbub, backend {name}, model {model}, {span}, {len(per_run)} runs{warning}."
