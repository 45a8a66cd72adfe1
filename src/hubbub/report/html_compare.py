"""Report data spanning several runs: the side-by-side comparison and experiment folders.

The comparison is assembled from the per-run payloads (nothing is read twice); an experiment folder
(``runs.csv`` + ``tables/`` written by ``hubbub run`` for a scenario with an ``[experiment]`` grid) is
summarised with :mod:`hubbub.metrics.experiments`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubbub.errors import HubbubError
from hubbub.report.html_data import provenance
from hubbub.report.html_parts import Options, bar_chart, clean, clean_text, line_chart, num, series, table
from hubbub.report.html_generic import extra_curves

CONDITION_COLUMNS = ("emotion_avg", "emotion_div", "confidence_avg", "confidence_div")


# ---------------------------------------------------------------- several runs side by side


def comparison_payload(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """Overlay charts and one summary table for two or more runs (or experiments)."""
    runs = [p for p in payloads if "experiment" not in p]
    charts = []
    for k, (measure, label) in enumerate((("emotion", "Emotion"), ("confidence", "Social confidence"))):
        lines = [{**p["conditions"][k]["series"][0], "name": p["name"]} for p in runs if p.get("conditions")]
        if lines:
            charts.append(line_chart(f"cmp-{measure}", f"{label} of users by run, mean ± std", lines,
                                     ylabel=measure, ylim=(0, 1)))
    for column in ("sessions", "comments", "attack comments", "censored"):
        lines = [{**s, "name": p["name"]} for p in runs if p.get("activity")
                 for s in p["activity"]["chart"]["series"] if s["name"] == column]
        if lines:
            charts.append(line_chart(f"cmp-{column.replace(' ', '-')}", f"{column.capitalize()} per time bin by run",
                                     lines, ylabel="count"))
    charts += _group_bars(runs)
    return {"charts": charts, "markers": _merged_markers(runs), "summary": _summary_table(payloads)}


def _merged_markers(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every run's timeline markers, one per (time, kind, label), naming the runs that have it."""
    merged: dict[tuple[Any, str, str], list[str]] = {}
    for p in runs:
        for m in p.get("markers", []):
            merged.setdefault((m["x"], m["kind"], m["label"]), []).append(p["name"])
    return [{"x": x, "kind": kind, "label": f"{', '.join(names)}: {label}"}
            for (x, kind, label), names in sorted(merged.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2]))]


def _group_bars(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    with_groups = [p for p in runs if p.get("groups")]
    if not with_groups:
        return []
    cats = sorted({c for p in with_groups for c in p["groups"]["categories"]})
    charts = []
    for k, measure in enumerate(("emotion", "confidence")):
        bars = []
        for p in with_groups:
            values = dict(zip(p["groups"]["categories"], p["groups"]["series"][k]["y"]))
            bars.append({"name": p["name"], "y": [values.get(c) for c in cats]})
        charts.append(bar_chart(f"cmp-groups-{measure}", f"{measure.capitalize()} at the end by group and run",
                                cats, bars, ylim=(0, 1)))
    return charts


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

    index = pd.read_csv(path / "runs.csv")
    tables = [table(pd.read_csv(f), f.stem.replace("_", " ")) for f in sorted((path / "tables").glob("*.csv"))]
    out: dict[str, Any] = {"name": clean_text(name), "path": clean_text(str(path)), "tables": {},
                           "events": {}, "markers": [], "glance": {"runs": len(index)}}
    charts: list[dict[str, Any]] = []
    manifest: dict[str, Any] = {}
    try:
        per_run, runs = collect(path, index)
    except (HubbubError, KeyError, OSError) as exc:
        out["note"] = clean_text(f"member runs could not be read ({exc}); showing the saved tables only")
    else:
        manifest = next(iter(runs.values())).manifest if runs else {}
        charts += _degree_bars(per_run, name)
        charts += _relative_curves(curves_relative_to_se(per_run, runs), name, opts)
        charts += _groups_by_degree(groups_by_degree(per_run, runs), name)
    charts += extra_curves(path, name, opts)
    out.update({"provenance": provenance(manifest), "experiment": {"tables": tables, "charts": charts},
                "manifest": clean(manifest)})
    return out


def _degree_order(label: str) -> tuple[float, str]:
    digits = "".join(ch for ch in str(label) if ch.isdigit())
    return (0 if label == "SE" else int(digits or 0)) + (0.5 if str(label).endswith("-CS") else 0), str(label)


def _degree_bars(per_run: pd.DataFrame, name: str) -> list[dict[str, Any]]:
    if len(per_run) == 0 or "degree" not in per_run or "emotion_avg" not in per_run:
        return []
    degrees = sorted(per_run["degree"].unique(), key=_degree_order)
    g = per_run.groupby("degree")
    charts = []
    for kind, cols in (("average", ("emotion_avg", "confidence_avg")), ("divergence", ("emotion_div", "confidence_div"))):
        bars = [{"name": c.split("_")[0], "y": [num(g[c].mean().get(d)) for d in degrees],
                 "err": [num(g[c].std(ddof=0).get(d)) for d in degrees]} for c in cols]
        charts.append(bar_chart(f"{name}-degree-{kind}", f"Users' conditions at the end by attack degree ({kind}, "
                                "mean ± std over runs)", degrees, bars))
    return charts


def _relative_curves(curves: dict[str, pd.DataFrame], name: str, opts: Options) -> list[dict[str, Any]]:
    from hubbub.metrics.experiments import symmetric_span  # differences: an axis symmetric around 0

    n, charts = opts.limits.curve_points, []
    for measure in ("emotion", "confidence"):
        lines = [series(str(d), c["hours"], c[f"{measure}_mean"], c[f"{measure}_std"], n)
                 for d, c in sorted(curves.items(), key=lambda kv: _degree_order(kv[0]))]
        if lines:
            span = symmetric_span(curves, measure)
            charts.append(line_chart(f"{name}-rel-{measure}", f"{measure.capitalize()}: change relative to SE "
                                     "(mean over topics)", lines, ylabel=f"Δ {measure}", ylim=(-span, span),
                                     timeline=False))
    return charts


def _groups_by_degree(groups: pd.DataFrame, name: str) -> list[dict[str, Any]]:
    if len(groups) == 0:
        return []
    cats = sorted(groups["grp"].unique())
    degrees = sorted(groups["degree"].unique(), key=_degree_order)
    charts = []
    for measure in ("emotion", "confidence"):
        wide = groups.pivot_table(index="grp", columns="degree", values=measure).reindex(cats)
        bars = [{"name": d, "y": [num(v) for v in wide.get(d, pd.Series(np.nan, index=cats))]} for d in degrees]
        charts.append(bar_chart(f"{name}-groups-{measure}", f"{measure.capitalize()} at the end by group and "
                                "attack degree", cats, bars, ylim=(0, 1)))
    return charts
