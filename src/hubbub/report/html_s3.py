"""The S3 part of a report (kinds ``s3`` and ``combined``): spreading on the follow graph.

The numbers come from :mod:`hubbub.metrics.s3` (the same projections its analysis writes to
``tables/``): the population curves per round (awareness, emotion density and intensity, positive
attitude, overall and per camp, posting activity), the channels through which users first heard of the
event, and the repost cascades with their size, depth, breadth and structural virality. Each part
appears only when the run record holds its table.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from hubbub.report import html_frames as frames
from hubbub.report.html_network import network_section
from hubbub.report.html_parts import Options, bar_chart, line_chart, num, plain, series, table

S3_TABLES = ("s3_steps", "s3_posts", "s3_awareness")
S3_ANALYSIS_TABLES = frozenset({"curves", "camp_curves", "cascades", "cascade_summary", "channels", "first_channel",
                                "degree_distribution",
                                "hub_final_conditions", "hub_conditions_over_time", "hub_activity_by_hour"})
"""Tables metrics.s3 writes that this section (or the TrendSim one, for the hub) already shows."""
CURVES = (
    ("awareness", "Users aware of the event", ("aware", "new_aware"), None, "users"),
    ("aware-share", "Share of users aware", ("aware_share",), (0, 1), "share"),
    ("emotion-shares", "Emotion density of aware users", ("calm", "moderate", "intense"), (0, 1), "share"),
    ("intensity", "Mean emotion intensity", ("mean_intensity", "mean_intensity_all"), (0, 1), "intensity"),
    ("attitude", "Share of positive attitudes", ("positive_share", "positive_share_aware"), (0, 1), "share"),
    ("posting", "Posts, reposts and deliveries per round", ("posts", "reposts", "deliveries", "recommended"), None,
     "count"),
    ("llm", "LLM users asked per round", ("llm_asked", "llm_failures"), None, "count"),
)
NAMES = {"positive_share": "all users", "positive_share_aware": "aware users", "mean_intensity": "aware users",
         "mean_intensity_all": "all users"}


def s3_section(run: Any, rows: dict[str, int], name: str, opts: Options) -> dict[str, Any] | None:
    """Charts and tables of an S3 run, or None when the run has none of the S3 tables filled."""
    from hubbub.metrics import s3 as metrics

    if not any(rows.get(t) for t in S3_TABLES):
        return None
    charts: list[dict[str, Any]] = []
    if rows.get("s3_steps"):
        curves = metrics.curves(run)
        charts += _step_curves(curves, name, opts)
        charts += _camp_curves(metrics.camp_curves(run), curves, name, opts)
    if rows.get("s3_awareness"):
        charts += _channels(metrics.channels(run), name)
    out: dict[str, Any] = {"charts": charts}
    if rows.get("s3_posts"):
        cascades = metrics.cascades(run)
        out["cascade_summary"] = table(metrics.cascade_summary(cascades), "Repost cascades")
        out["cascades"] = _top_cascades(run, cascades, opts)
    network = network_section(run, rows, name, opts)
    if network:
        out["network"] = network
    return out


def _step_curves(curves: pd.DataFrame, name: str, opts: Options) -> list[dict[str, Any]]:
    """One chart per CURVES entry; means and shares carry their n and a 95 % t-interval band."""
    from hubbub.metrics.s3_intervals import curve_intervals
    from hubbub.metrics.stats import METHOD, n_label

    by_time = bool(curves["hours"].notna().all())
    x = curves["hours"] if by_time else curves["step"]
    intervals = curve_intervals(curves)
    charts = []
    for key, title, columns, ylim, ylabel in CURVES:
        present = [c for c in columns if c in curves and curves[c].notna().any()]
        if not present:
            continue
        lines = []
        for c in present:
            half, n = intervals.get(c, (None, None))
            label = NAMES.get(c, c.replace("_", " "))
            label = f"{label} ({n_label(n)})" if n is not None else label
            lines.append(series(label, x, curves[c], half, opts.limits.curve_points, n=n))
        band = f"shaded: {METHOD} over users" if any(c in intervals for c in present) else ""
        charts.append(line_chart(f"{name}-s3-{key}", title, lines, xlabel="simulated hours" if by_time else "round",
                                 ylabel=ylabel, ylim=ylim, timeline=by_time, band=band))
    return charts


def _camp_curves(camps: pd.DataFrame, curves: pd.DataFrame, name: str, opts: Options) -> list[dict[str, Any]]:
    """Positive-attitude share per camp (S3's opposing groups), on the same time axis as the other curves."""
    from hubbub.metrics.stats import METHOD, share_halfwidth

    if len(camps) == 0:
        return []
    hours = dict(zip(curves["step"], curves["hours"]))
    lines = []
    for camp, sub in camps.groupby("camp"):
        users = sub["users"].astype(float)
        label = f"camp {camp}" + (f" (n={int(users.iloc[0]):,})" if users.notna().all() else "")
        lines.append(series(label, sub["step"].map(hours), sub["positive_share"],
                            share_halfwidth(sub["positive_share"], users), opts.limits.curve_points, n=users))
    return [line_chart(f"{name}-s3-camps", "Share of positive attitudes per camp", lines, ylabel="share",
                       ylim=(0, 1), band=f"shaded: {METHOD} over the camp's users", legend="camp (users)")]


def _channels(table_: pd.DataFrame, name: str) -> list[dict[str, Any]]:
    if len(table_) == 0:
        return []
    wide = table_.pivot_table(index="channel", columns="policy", values="users", aggfunc="sum", fill_value=0)
    wide = wide.loc[wide.sum(axis=1).sort_values(ascending=False).index]
    bars = [{"name": f"{policy} users", "y": [int(v) for v in wide[policy]]} for policy in wide.columns]
    labels = [plain(c, 40) for c in wide.index]
    return [bar_chart(f"{name}-s3-channels", "How users first heard of the event", labels, bars, ylabel="users",
                      legend="S3 users by policy")]


def _top_cascades(run: Any, cascades: pd.DataFrame, opts: Options) -> dict[str, Any]:
    """The largest cascades with the text of the post that started each."""
    top = cascades.head(opts.limits.comments)
    texts = frames.query(run, "SELECT post_id, text FROM s3_posts WHERE kind != 'repost'").set_index("post_id")["text"]
    top = top.assign(text=top["root_id"].map(texts).map(lambda v: plain(v, opts.limits.text_chars)))
    out = table(top, "Largest repost cascades")
    out.update({"total": int(len(cascades)), "shown": int(len(top))})
    return out


def s3_glance(run: Any, rows: dict[str, int]) -> dict[str, Any]:
    """Headline numbers of an S3 run for the 'At a glance' cards."""
    glance: dict[str, Any] = {}
    if rows.get("s3_awareness"):
        glance["aware users"] = rows["s3_awareness"]
    if rows.get("s3_posts"):
        glance["S3 posts"] = rows["s3_posts"]
    if rows.get("s3_steps"):
        glance["S3 rounds"] = rows["s3_steps"]
        last = frames.query(run, "SELECT users, aware FROM s3_steps ORDER BY step DESC LIMIT 1").iloc[0]
        if last["users"]:
            glance["aware at end (share)"] = num(float(last["aware"] or 0) / float(last["users"]), 3)
    return glance
