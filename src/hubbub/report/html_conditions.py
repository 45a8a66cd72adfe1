"""Users' psychological conditions in the HTML report (TrendSim Figures 3 and 4, and the hub of a combined run).

Every mean says over how many users it is taken (``n`` in the legend or the category label) and carries
a 95 % t-interval of the mean (:mod:`hubbub.metrics.stats`) as a band or an error bar; the standard
deviation across users (TrendSim's "divergence") stays in the tables. Groups are named for what they are:
TrendSim's preference groups, or S3's user classes in a combined run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hubbub.report import html_frames as frames
from hubbub.report.html_parts import Options, bar_chart, clean, line_chart, num, series

MEASURES = (("emotion", "Emotion (positiveness)"), ("confidence", "Social confidence"))


def group_word(manifest: Any) -> str:
    """What the ``grp`` column means in this run: S3 user classes in a combined run, else preference groups."""
    kind = ((manifest or {}).get("config") or {}).get("kind") if isinstance(manifest, dict) else None
    return "S3 user class" if kind in ("s3", "combined") else "preference group"


def conditions_section(run: Any, name: str, opts: Options) -> dict[str, Any]:
    """{conditions: [charts], final, groups?}: over time for all users and per group, and at the end."""
    from hubbub.metrics.stats import METHOD, n_label, t_halfwidth

    curve = frames.conditions(run)
    if len(curve) == 0:
        return {}
    n, users = opts.limits.curve_points, curve["users"] if "users" in curve else None
    band = f"shaded: {METHOD} over users"
    charts = [line_chart(f"{name}-{m}", f"{label} of users: mean and 95% t-interval",
                         [series(f"all users ({n_label(users)})", curve["hours"], curve[f"{m}_mean"],
                                 t_halfwidth(curve[f"{m}_std"], users), n, n=users)],
                         ylabel=m, ylim=(0, 1), band=band) for m, label in MEASURES]
    word = group_word(run.manifest)
    charts += _group_curves(frames.conditions_by_group_over_time(run), name, word, n)
    out: dict[str, Any] = {"conditions": charts, "final": clean(frames.final_conditions(run))}
    final = frames.final_by_group(run)
    if len(final):
        out["groups"] = _final_bars(final, name, word)
    return out


def _group_curves(groups: Any, name: str, word: str, n: int) -> list[dict[str, Any]]:
    """Mean per group over time, one line per group with its users in the legend and a t-interval band."""
    from hubbub.metrics.stats import METHOD, n_label, t_halfwidth

    charts = []
    for measure, label in MEASURES:
        lines = [series(f"{g} ({n_label(sub['users'])})", sub["hours"], sub[f"{measure}_mean"],
                        t_halfwidth(sub[f"{measure}_std"], sub["users"]), n, n=sub["users"])
                 for g, sub in groups.groupby("grp")]
        if lines:
            charts.append(line_chart(f"{name}-{measure}-groups", f"{label} by {word}: mean and 95% t-interval",
                                     lines, ylabel=measure, ylim=(0, 1), band=f"shaded: {METHOD} over the group's users",
                                     legend=f"{word} (users)"))
    return charts


def _final_bars(final: Any, name: str, word: str) -> dict[str, Any]:
    """Conditions at the end per group: mean with t-interval error bars, and the group's share of users."""
    from hubbub.metrics.stats import METHOD, t_halfwidth

    cats = [f"{g} (n={int(u)})" for g, u in zip(final["grp"], final["users"])]
    bars = []
    for measure in ("emotion", "confidence"):
        std = final[f"{measure}_std"] if f"{measure}_std" in final else np.full(len(final), np.nan)
        bars.append({"name": f"{measure} (mean)", "y": [num(v) for v in final[measure]],
                     "err": [num(v) for v in t_halfwidth(std, final["users"])]})
    bars.append({"name": "share of users", "y": [num(v) for v in final["share"]]})
    return bar_chart(f"{name}-groups-final", f"Conditions at the end by {word}", cats, bars, ylim=(0, 1),
                     err=f"error bars: {METHOD} over the group's users", legend="measure")
