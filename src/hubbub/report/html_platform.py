"""The living-platform part of a report (kind ``platform``): the follow graph's evolution, feed exposure,
the effect of moderation, the board's ranks and the posts' annotations over time.

The numbers are the tables :mod:`hubbub.metrics.platform` writes to ``tables/`` (rebuilt here from the
run record), drawn as the same line and bar chart specs as every other panel
(:func:`~hubbub.report.html_parts.line_chart`, :func:`~hubbub.report.html_parts.bar_chart`). Each chart
appears only when the run recorded its events; every title says what was counted and how.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hubbub.report.html_parts import Options, bar_chart, line_chart, plain, series

BIN_H = 0.5
"""Width of the time bins of the per-bin charts (the tables' default), in simulated hours."""
GRAPH_SHARES = (("reciprocity", "reciprocity"), ("clustering", "clustering"),
                ("assortativity", "attitude assortativity"), ("cross_camp", "cross-camp share of ties"))
ANNOTATION_SHARES = (("toxic_share", "toxic (toxicity > 0.5)", "toxicity_n"),
                     ("positive_share", "positive sentiment", "sentiment_n"),
                     ("negative_share", "negative sentiment", "sentiment_n"),
                     ("favour_share", "stance in favour", "stance_n"),
                     ("against_share", "stance against", "stance_n"))
PLATFORM_TABLES = frozenset({"platform_graph_metrics", "platform_exposure_by_source", "platform_board_ranks",
                             "platform_actions", "platform_graph_changes", "platform_toxic_exposure",
                             "platform_feed_exposure", "platform_annotations"})
"""The analysis tables of a platform run (shown as tables too, under 'Analysis tables')."""


def platform_charts(run: Any, rows: dict[str, int], name: str, opts: Options) -> list[dict[str, Any]]:
    """The platform panels of a run, or [] for a run that is not a living-platform run."""
    from hubbub.metrics import platform as metrics

    kinds = set(run.events["kind"]) if rows.get("events") else set()
    if "platform_setup" not in kinds:
        return []
    cid, n = f"{name}-platform", opts.limits.curve_points
    charts = graph_charts(metrics.graph_metrics(run), metrics.graph_changes(run, BIN_H), cid, n)
    charts += exposure_charts(metrics.feed_exposure(run, BIN_H), cid, n)
    threshold = metrics.moderation_threshold(run)
    charts += moderation_charts(metrics.toxic_exposure(run, threshold, BIN_H), threshold, cid, n)
    charts += board_charts(metrics.board_ranks(run), cid, n)
    charts += annotation_charts(metrics.annotations(run, BIN_H), _annotator(run), cid, n)
    return charts


def _annotator(run: Any) -> str:
    """What annotated the posts, as the platform_setup event records it."""
    setup = run.events[run.events["kind"] == "platform_setup"]["data"]
    return plain(setup.iloc[0].get("annotator", "?"), 120) if len(setup) else "?"


def _bins(values: pd.Series) -> np.ndarray:
    """Every bin from 0 to the last one seen: a bin without a row counts 0, not a gap."""
    last = float(values.max()) if len(values) else 0.0
    return np.round(np.arange(0.0, last + BIN_H / 2, BIN_H), 6)


def _counts(frame: pd.DataFrame, column: str, value: str) -> pd.DataFrame:
    """A long count table as one column per ``column`` value over every time bin (missing = 0)."""
    wide = frame.pivot_table(index="time_h", columns=column, values=value, aggfunc="sum", fill_value=0)
    return wide.reindex(_bins(frame["time_h"]), fill_value=0)


def graph_charts(graph: pd.DataFrame, changes: pd.DataFrame, cid: str, n: int) -> list[dict[str, Any]]:
    """Edges and users present; the graph's share metrics; follows, unfollows, mutes and blocks per bin."""
    if len(graph) == 0:
        return []
    x = graph["time_h"]
    charts = [line_chart(f"{cid}-edges", "Follow graph: edges and users present (graph snapshots)",
                         [series("follow edges", x, graph["edges"], None, n), series("users present", x, graph["users"], None, n)],
                         ylabel="count"),
              line_chart(f"{cid}-graph", "Follow graph metrics over time (graph snapshots)",
                         [series(label, x, pd.to_numeric(graph[col], errors="coerce"), None, n)
                          for col, label in GRAPH_SHARES], ylabel="value", ylim=(-1, 1))]
    if len(changes):
        wide = _counts(changes, "op", "count")
        charts.append(line_chart(f"{cid}-graph-changes", f"Follow-graph changes per {BIN_H:g} simulated hours",
                                 [series(op, wide.index + BIN_H / 2, wide[op], None, n) for op in wide.columns],
                                 ylabel="changes", legend="operation"))
    return charts


def exposure_charts(feed: pd.DataFrame, cid: str, n: int) -> list[dict[str, Any]]:
    """Home-feed exposures per bin and over the run, by source and the ranker that ranked them."""
    if len(feed) == 0:
        return []
    feed = feed.assign(line=feed["source"].astype(str) + " (" + feed["ranker"].astype(str) + ")")
    wide = _counts(feed, "line", "exposures")
    lines = [series(label, wide.index + BIN_H / 2, wide[label], None, n) for label in wide.columns]
    totals = feed.groupby(["source", "ranker"], sort=True)["exposures"].sum()
    labels = [f"{s} ({r})" for s, r in totals.index]
    return [line_chart(f"{cid}-exposure", f"Home-feed exposures per {BIN_H:g} simulated hours, by source (ranker)",
                       lines, ylabel="posts shown", legend="source (ranker)"),
            bar_chart(f"{cid}-exposure-total", "Home-feed exposures over the run, by source (ranker)", labels,
                      [{"name": "posts shown", "y": [int(v) for v in totals]}], ylabel="posts shown")]


def moderation_charts(toxic: pd.DataFrame, threshold: float, cid: str, n: int) -> list[dict[str, Any]]:
    """The share of exposures that showed posts above the moderation threshold, and where such posts
    were placed: what a down-ranking or hiding rule (marked on the time axis) changes."""
    if len(toxic) == 0:
        return []
    x = toxic["time_h"] + BIN_H / 2
    where = "feeds, topic pages and search"
    return [line_chart(f"{cid}-moderation", f"Share of exposures showing posts with toxicity > {threshold:g} ({where})",
                       [series("toxic share", x, toxic["toxic_share"], None, n, n=toxic["exposures"])],
                       ylabel="share of exposures", ylim=(0, 1)),
            line_chart(f"{cid}-moderation-rank", f"Mean place on the page (0 = top) of posts with toxicity > "
                       f"{threshold:g} and of the others ({where})",
                       [series("toxic posts", x, pd.to_numeric(toxic["toxic_mean_rank"], errors="coerce"), None, n,
                               n=toxic["toxic"]),
                        series("other posts", x, pd.to_numeric(toxic["other_mean_rank"], errors="coerce"), None, n,
                               n=toxic["exposures"] - toxic["toxic"])], ylabel="mean place")]


def board_charts(board: pd.DataFrame, cid: str, n: int) -> list[dict[str, Any]]:
    """Each topic's rank on the board at every recorded ranking (absent from the board: a gap)."""
    if len(board) == 0:
        return []
    lines = [series(plain(rows["title"].iloc[0], 48), rows["time_h"], rows["rank"], None, n)
             for _, rows in board.groupby("topic_id", sort=True)]
    return [line_chart(f"{cid}-board", "Board rank over time per topic (1 = top of the board)", lines,
                       ylabel="rank (1 = top)", legend="topic")]


def annotation_charts(notes: pd.DataFrame, annotator: str, cid: str, n: int) -> list[dict[str, Any]]:
    """Toxic, sentiment and stance shares of the posts written per bin (each over the posts that have
    that annotation; an annotation the run's annotator does not give has no line)."""
    if len(notes) == 0:
        return []
    x = notes["time_h"] + BIN_H / 2
    lines = [series(label, x, pd.to_numeric(notes[col], errors="coerce"), None, n, n=notes[count])
             for col, label, count in ANNOTATION_SHARES if notes[count].sum() > 0]
    note = ", a word-list stand-in, not a measure" if annotator == "lexicon" else ""
    return [line_chart(f"{cid}-annotations", f"Annotations of the posts written per {BIN_H:g} simulated hours "
                       f"(annotator: {annotator}{note}; sentiment and stance count beyond ±1/3)", lines,
                       ylabel="share of posts", ylim=(0, 1))]
