"""Tables of a living-platform run (kind = "platform"), rebuilt from its event log.

* ``graph_metrics``: the graph snapshots recorded during the run (edges, reciprocity, clustering,
  attitude assortativity, cross-camp share, users present), one row per snapshot;
* ``exposure_by_source``: per time bin and surface, how many post exposures came from each source
  (in_network / recommended on the home feed, topic, search; board lines are counted as ``board``);
* ``board_ranks``: every board ranking recorded: time, topic, title, rank, heat;
* ``actions``: how often each action was taken, by policy (llm, learned, or the rule's name);
* ``graph_changes``: follows, unfollows, mutes and blocks per time bin;
* ``toxic_exposure``: per time bin, exposures to posts whose toxicity is above a threshold.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from hubbub.metrics.social_graph import metrics_over_time

HOUR = 3600.0


def _events(run: Any, kind: str) -> pd.DataFrame:
    events = run.events
    return events[events["kind"] == kind]


def _bin(seconds: float, width_h: float) -> float:
    return round(math.floor(seconds / HOUR / width_h) * width_h, 6)


def graph_metrics(run: Any) -> pd.DataFrame:
    return metrics_over_time(run)


def exposure_by_source(run: Any, width_h: float = 0.5) -> pd.DataFrame:
    """Exposures per time bin, surface and source, with each source's share."""
    rows = []
    for t, data in zip(_events(run, "exposure")["time"], _events(run, "exposure")["data"]):
        surface = data["surface"]
        for item in data["items"]:
            rows.append({"time_h": _bin(t, width_h), "surface": surface,
                         "source": "board" if surface == "board" else item[1]})
    columns = ["time_h", "surface", "source", "exposures", "share"]
    if not rows:
        return pd.DataFrame(columns=columns)
    counts = pd.DataFrame(rows).groupby(["time_h", "surface", "source"]).size().rename("exposures").reset_index()
    totals = counts.groupby(["time_h", "surface"])["exposures"].transform("sum")
    counts["share"] = (counts["exposures"] / totals).round(6)
    return counts[columns]


def board_ranks(run: Any) -> pd.DataFrame:
    """Every recorded board ranking, one row per listed topic."""
    titles = dict(zip(run.topics["topic_id"], run.topics["title"])) if len(run.topics) else {}
    titles.update((d["topic_id"], d["title"]) for d in _events(run, "news")["data"] if d["as"] == "topic")
    rows = [{"time_h": round(t / HOUR, 6), "topic_id": k, "title": titles.get(k, k), "rank": rank, "heat": heat}
            for t, data in zip(_events(run, "board_ranks")["time"], _events(run, "board_ranks")["data"])
            for k, rank, heat in data["ranks"]]
    return pd.DataFrame(rows, columns=["time_h", "topic_id", "title", "rank", "heat"])


def actions(run: Any) -> pd.DataFrame:
    data = _events(run, "action")["data"]
    rows = [{"policy": d["policy"], "action": d["action"]} for d in data]
    if not rows:
        return pd.DataFrame(columns=["policy", "action", "count"])
    return pd.DataFrame(rows).groupby(["policy", "action"]).size().rename("count").reset_index()


def graph_changes(run: Any, width_h: float = 0.5) -> pd.DataFrame:
    changes = _events(run, "graph_change")
    rows = [{"time_h": _bin(d["at"], width_h), "op": d["op"]} for d in changes["data"]]
    if not rows:
        return pd.DataFrame(columns=["time_h", "op", "count"])
    return pd.DataFrame(rows).groupby(["time_h", "op"]).size().rename("count").reset_index()


def post_toxicity(run: Any) -> dict[int, float]:
    """Each post's toxicity, from the events that made it (actions that write, news, injected posts)."""
    out: dict[int, float] = {}
    for kind in ("action", "news"):
        for d in _events(run, kind)["data"]:
            if "post_id" in d:
                out[int(d["post_id"])] = float(d.get("toxicity") or 0.0)
    for d in _events(run, "intervention")["data"]:
        effect = d.get("effect") or {}
        if "post_id" in effect:
            out[int(effect["post_id"])] = float(effect.get("toxicity") or 0.0)
    return out


def toxic_exposure(run: Any, threshold: float = 0.5, width_h: float = 0.5) -> pd.DataFrame:
    """Per time bin: post exposures on feeds, topic pages and search, and those of posts above
    ``threshold`` toxicity (the quantity a moderation rule is meant to lower)."""
    toxicity = post_toxicity(run)
    rows = []
    for t, data in zip(_events(run, "exposure")["time"], _events(run, "exposure")["data"]):
        if data["surface"] != "board":
            for item in data["items"]:
                rows.append({"time_h": _bin(t, width_h), "toxic": toxicity.get(int(item[0]), 0.0) > threshold})
    if not rows:
        return pd.DataFrame(columns=["time_h", "exposures", "toxic", "toxic_share"])
    frame = pd.DataFrame(rows).groupby("time_h").agg(exposures=("toxic", "size"), toxic=("toxic", "sum")).reset_index()
    frame["toxic_share"] = (frame["toxic"] / frame["exposures"]).round(6)
    return frame


TABLES = {"platform_graph_metrics": graph_metrics, "platform_exposure_by_source": exposure_by_source,
          "platform_board_ranks": board_ranks, "platform_actions": actions, "platform_graph_changes": graph_changes,
          "platform_toxic_exposure": toxic_exposure}
"""The tables ``analyse`` writes for a platform run, by file name."""
