"""Report data spanning several runs: the side-by-side comparison and experiment folders.

The comparison is assembled from the per-run payloads (nothing is read twice); an experiment folder
(``runs.csv``, written by ``hubbub sweep`` and by ``hubbub run`` for a scenario with an ``[experiment]``
grid) is summarised with :mod:`hubbub.report.html_grid` and, for TrendSim, :mod:`hubbub.metrics.experiments`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubbub.errors import HubbubError
from hubbub.report.html_data import provenance
from hubbub.metrics.stats import METHOD
from hubbub.report.html_parts import PALETTE, Options, bar_chart, clean, clean_text, line_chart, num, series, table
from hubbub.report.html_generic import extra_curves

CONDITION_COLUMNS = ("emotion_avg", "emotion_div", "confidence_avg", "confidence_div")


# ---------------------------------------------------------------- several runs side by side


def comparison_payload(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """Overlay charts and one summary table for two or more runs (or experiments); every run keeps one
    colour (``colors``, in the order the runs were given) in every chart."""
    runs = [p for p in payloads if "experiment" not in p]
    colors = {p["name"]: PALETTE[i % len(PALETTE)] for i, p in enumerate(payloads)}
    charts = []
    for k, (measure, label) in enumerate((("emotion", "Emotion"), ("confidence", "Social confidence"))):
        lines = [{**p["conditions"][k]["series"][0], "name": _with_n(p["name"], p["conditions"][k]["series"][0]),
                  "color": colors[p["name"]]} for p in runs if p.get("conditions")]
        if lines:
            charts.append(line_chart(f"cmp-{measure}", f"{label} of users by run: mean and 95% t-interval", lines,
                                     ylabel=measure, ylim=(0, 1), band=f"shaded: {METHOD} over the run's users",
                                     legend="run"))
    for column in ("sessions", "comments", "attack comments", "censored"):
        lines = [{**s, "name": p["name"], "color": colors[p["name"]]} for p in runs if p.get("activity")
                 for s in p["activity"]["chart"]["series"] if s["name"] == column]
        if lines:
            charts.append(line_chart(f"cmp-{column.replace(' ', '-')}", f"{column.capitalize()} per time bin by run",
                                     lines, ylabel="count", legend="run"))
    charts += _group_bars(runs, colors)
    return {"charts": charts, "markers": _merged_markers(runs), "summary": _summary_table(payloads),
            "colors": colors}


def _with_n(name: str, line: dict[str, Any]) -> str:
    """A run's name with the users its means are taken over (``run (n=30)``)."""
    from hubbub.metrics.stats import n_label

    label = n_label([v for v in line.get("n") or [] if v is not None])
    return f"{name} ({label})" if label else name


def _merged_markers(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every run's timeline markers, one per (time, kind, label), naming the runs that have it."""
    merged: dict[tuple[Any, str, str], list[str]] = {}
    for p in runs:
        for m in p.get("markers", []):
            merged.setdefault((m["x"], m["kind"], m["label"]), []).append(p["name"])
    return [{"x": x, "kind": kind, "label": f"{label} ({', '.join(names)})"}  # what first: the chart clips labels
            for (x, kind, label), names in sorted(merged.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2]))]


def _group_bars(runs: list[dict[str, Any]], colors: dict[str, str]) -> list[dict[str, Any]]:
    with_groups = [p for p in runs if p.get("groups")]
    if not with_groups:
        return []
    names = [_group_of(c) for p in with_groups for c in p["groups"]["categories"]]
    cats = sorted(set(names))
    charts = []
    for k, measure in enumerate(("emotion", "confidence")):
        bars = []
        for p in with_groups:
            spec = p["groups"]["series"][k]
            by_group = {_group_of(c): i for i, c in enumerate(p["groups"]["categories"])}
            pick = [by_group.get(c) for c in cats]
            bars.append({"name": p["name"], "color": colors[p["name"]],
                         "y": [spec["y"][i] if i is not None else None for i in pick],
                         "err": [(spec.get("err") or [None] * len(spec["y"]))[i] if i is not None else None
                                 for i in pick]})
        charts.append(bar_chart(f"cmp-groups-{measure}", f"{measure.capitalize()} at the end by group and run "
                                "(mean per group)", cats, bars, ylim=(0, 1),
                                err=f"error bars: {METHOD} over the group's users", legend="run"))
    return charts


def _group_of(category: str) -> str:
    """A group category without its ``(n=...)`` suffix, so the same group of two runs lines up."""
    return str(category).rsplit(" (n=", 1)[0]


def _summary_table(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    rows = []
    for p in payloads:
        prov, glance, final = p["provenance"], p.get("glance", {}), p.get("final") or {}
        tele = _all_row(p.get("telemetry"))
        rows.append({"run": p["name"], "backend": prov.get("backend"), "model": prov.get("model"),
                     "seed": prov.get("seed"), "agents": glance.get("agents"), "comments": glance.get("comments"),
                     "attack comments": glance.get("attack comments"), "hidden comments": glance.get("hidden comments"),
                     **{c: final.get(c) for c in CONDITION_COLUMNS},
                     "LLM calls": tele.get("calls"), "LLM failures": tele.get("failures"),
                     "tokens": (tele.get("prompt_tokens") or 0) + (tele.get("completion_tokens") or 0) if tele else None,
                     "cost": tele.get("cost")})
    return table(pd.DataFrame(rows), "Runs side by side")


def _all_row(tele: dict[str, Any] | None) -> dict[str, Any]:
    if not tele or not tele["rows"]:
        return {}
    return dict(zip(tele["columns"], tele["rows"][-1]))


# ---------------------------------------------------------------- experiment folders


def is_experiment_dir(path: Path) -> bool:
    """An experiment output folder: a runs.csv index and no run record of its own."""
    return (path / "runs.csv").is_file() and not (path / "run.sqlite").is_file()


def experiment_payload(path: Path, name: str, opts: Options) -> dict[str, Any]:
    """The experiment's tables (attack impact or censorship, per run, groups by degree) and charts."""
    from hubbub.metrics.experiments import collect, curves_relative_to_se, groups_by_degree
    from hubbub.report.html_grid import first_run, grid_charts, grid_tables, member_kind

    index = pd.read_csv(path / "runs.csv")
    tables = grid_tables(index) + [table(pd.read_csv(f), f.stem.replace("_", " "))
                                   for f in sorted((path / "tables").glob("*.csv"))]
    out: dict[str, Any] = {"name": clean_text(name), "path": clean_text(str(path)), "tables": {},
                           "events": {}, "markers": [], "glance": {"runs": len(index)}}
    charts: list[dict[str, Any]] = []
    manifest: dict[str, Any] = {}
    trendsim = member_kind(path, index) in (None, "trendsim")  # the paper's charts are TrendSim's
    try:
        per_run, runs = collect(path, index) if trendsim else (None, first_run(path, index))
    except (HubbubError, KeyError, OSError) as exc:
        out["note"] = clean_text(f"member runs could not be read ({exc}); showing the saved tables only")
    else:
        manifest = next(iter(runs.values())).manifest if runs else {}
    if trendsim and "note" not in out:
        charts += _degree_bars(per_run, name)
        charts += _relative_curves(curves_relative_to_se(per_run, runs), name, opts)
        charts += _groups_by_degree(groups_by_degree(per_run, runs), name)
    if trendsim:  # the experiment tables' own charts, with their intervals across seeds
        from hubbub.report.html_experiment import interval_charts

        charts += interval_charts(path, name)
    charts += grid_charts(index, name) + extra_curves(path, name, opts)
    out.update({"provenance": provenance(manifest), "experiment": {"tables": tables, "charts": charts},
                "manifest": clean(manifest)})
    return out


def _degree_order(label: str) -> tuple[float, str]:
    digits = "".join(ch for ch in str(label) if ch.isdigit())
    return (0 if label == "SE" else int(digits or 0)) + (0.5 if str(label).endswith("-CS") else 0), str(label)


def _degree_bars(per_run: pd.DataFrame, name: str) -> list[dict[str, Any]]:
    """Final conditions per attack degree: the mean over runs with its 95 % t-interval as error bars."""
    from hubbub.metrics.stats import mean_interval

    if len(per_run) == 0 or "degree" not in per_run or "emotion_avg" not in per_run:
        return []
    degrees = sorted(per_run["degree"].unique(), key=_degree_order)
    g = per_run.groupby("degree")
    cats = [f"{d} (n={len(g.get_group(d))})" for d in degrees]
    charts = []
    for kind, cols in (("average", ("emotion_avg", "confidence_avg")), ("divergence", ("emotion_div", "confidence_div"))):
        bars = []
        for c in cols:
            stats = [mean_interval(g.get_group(d)[c]) for d in degrees]
            bars.append({"name": c.split("_")[0], "y": [num(m) for m, _, _ in stats],
                         "err": [num(h) for _, h, _ in stats], "n": [k for _, _, k in stats]})
        charts.append(bar_chart(f"{name}-degree-{kind}", f"Users' conditions at the end by attack degree ({kind}): "
                                "mean over runs and 95% t-interval (n runs per degree)", cats, bars,
                                err=f"error bars: {METHOD} over runs", legend="measure"))
    return charts


def _relative_curves(curves: dict[str, pd.DataFrame], name: str, opts: Options) -> list[dict[str, Any]]:
    from hubbub.metrics.experiments import symmetric_span  # differences: an axis symmetric around 0
    from hubbub.metrics.stats import n_label, t_halfwidth

    n, charts = opts.limits.curve_points, []
    ordered = sorted(curves.items(), key=lambda kv: _degree_order(kv[0]))
    for measure in ("emotion", "confidence"):
        lines = []
        for d, c in ordered:
            runs = c["runs"] if "runs" in c else None
            half = t_halfwidth(c[f"{measure}_std"], runs) if runs is not None else c[f"{measure}_std"]
            label = f"{d} ({n_label(runs)} runs)" if runs is not None else str(d)
            lines.append(series(label, c["hours"], c[f"{measure}_mean"], half, n, n=runs))
        if lines:
            span = symmetric_span(curves, measure)
            with_n = all("runs" in c for c in curves.values())
            band = f"shaded: {METHOD} over runs" if with_n else "shaded: ± one standard deviation over runs"
            charts.append(line_chart(f"{name}-rel-{measure}", f"{measure.capitalize()}: change relative to SE "
                                     "(mean over runs)", lines, ylabel=f"Δ {measure}", ylim=(-span, span),
                                     timeline=False, band=band, legend="attack degree"))
    return charts


def _groups_by_degree(groups: pd.DataFrame, name: str) -> list[dict[str, Any]]:
    from hubbub.metrics.stats import t_halfwidth

    if len(groups) == 0:
        return []
    cats = sorted(groups["grp"].unique())
    degrees = sorted(groups["degree"].unique(), key=_degree_order)
    charts = []
    for measure in ("emotion", "confidence"):
        bars = []
        for d in degrees:
            sub = groups[groups["degree"] == d].set_index("grp").reindex(cats)
            half = t_halfwidth(sub[f"{measure}_std"], sub["runs"]) if "runs" in sub else [None] * len(cats)
            bars.append({"name": d, "y": [num(v) for v in sub[measure]], "err": [num(v) for v in half],
                         "n": [num(v, 0) for v in sub["runs"]] if "runs" in sub else None})
        charts.append(bar_chart(f"{name}-groups-{measure}", f"{measure.capitalize()} at the end by group and "
                                "attack degree: mean over runs", cats, bars, ylim=(0, 1),
                                err=f"error bars: {METHOD} over runs", legend="attack degree"))
    return charts
