"""The network view of an S3 or combined run in the HTML report: the follow graph drawn at the start,
middle and end of the run, the degree distributions (log-log) and the largest cascades as trees.

The numbers and positions come from :mod:`hubbub.metrics.network` (the same the PNGs in ``plots/`` are
drawn from); the viewer draws them as SVG (``assets/network.js``). Every caption says what is drawn: how
many users of how many, how they were sampled, what colour and size mean.
"""

from __future__ import annotations

from typing import Any

from hubbub.report.html_parts import Options, clean_text, line_chart, series


def network_section(run: Any, rows: dict[str, int], name: str, opts: Options) -> dict[str, Any] | None:
    """{graph?, degrees?, trees?} for a run with S3 tables, or None when it has none of them."""
    from hubbub.metrics import network

    out: dict[str, Any] = {}
    sample = network.network_sample(run) if rows.get("s3_steps") else None
    if sample is not None and sample.steps:
        drawing = network.graph_drawing(run, sample)
        drawing["caption"] = graph_caption(drawing)
        out["graph"] = drawing
    elif rows.get("s3_steps"):
        out["graph_note"] = ("This run's record holds no sample of the follow graph (it was written before "
                             "hubbub recorded one, or with s3.record.graph_sample = 0), so the graph is not drawn.")
    if rows.get("agents"):
        degrees = _degree_chart(network.degree_distribution(run), name)
        if degrees is not None:
            out["degrees"] = degrees
    if rows.get("s3_posts"):
        out["trees"] = network.cascade_trees(run)
    return out or None


def graph_caption(drawing: dict[str, Any]) -> str:
    """What the drawing shows, how the users were chosen, and what colour and size mean."""
    from hubbub.metrics.network_plots import network_caption

    return clean_text(network_caption(drawing) + ". Colour: attitude or emotion after the round (users not yet "
                      "aware of the event faded or grey); dashed red: follow edges blocked by an intervention.")


def _degree_chart(table: Any, name: str) -> dict[str, Any] | None:
    """Share of users per degree, log-log, followers and followees; users with degree 0 noted."""
    if len(table) == 0:
        return None
    users = int(table["followers_users"].sum())
    lines = []
    for column, label in (("followers", "followers (in-degree)"), ("followees", "followees (out-degree)")):
        rows = table[(table["degree"] > 0) & (table[f"{column}_users"] > 0)]
        lines.append(series(label, rows["degree"], rows[f"{column}_share"], None, 10_000, n=rows[f"{column}_users"]))
    zero = {c: int(table.loc[table["degree"] == 0, f"{c}_users"].sum()) for c in ("followers", "followees")}
    note = "" if not any(zero.values()) else (f"; users with 0 followers: {zero['followers']:,}, with 0 followees: "
                                              f"{zero['followees']:,} (not on a log axis)")
    return line_chart(f"{name}-degrees", f"Degree distributions, all {users:,} users (log-log){note}", lines,
                      xlabel="degree (number of users followed or following)", ylabel="share of users",
                      timeline=False, xlog=True, ylog=True, points=True)
