"""Tables of a living-platform run (kind = "platform"), rebuilt from its event log.

* ``graph_metrics``: the graph snapshots recorded during the run (edges, reciprocity, clustering,
  attitude assortativity, cross-camp share, users present), one row per snapshot;
* ``exposure_by_source``: per time bin and surface, how many post exposures came from each source
  (in_network / recommended on the home feed, topic, search; board lines are counted as ``board``);
* ``board_ranks``: every board ranking recorded: time, topic, title, rank, heat;
* ``actions``: how often each action was taken, by policy (llm, learned, or the rule's name);
* ``graph_changes``: follows, unfollows, mutes and blocks per time bin;
* ``toxic_exposure``: per time bin, exposures to posts whose toxicity is above a threshold, and the mean
  place (0 = top) of those posts and of the others on the pages that showed them;
* ``feed_exposure``: per time bin, home-feed exposures by source and by the ranker in effect then
  (in-network posts by ``feed.in_network_ranker``, recommended ones by ``feed.recommender`` as set by the
  scenario and its ``feed`` interventions);
* ``annotations``: per time bin, the posts written (posts, quotes, replies, news and injected posts) and
  their annotations: mean toxicity and the share above 0.5; the shares of positive / negative sentiment and
  of stances in favour / against (a score above 1/3 or below -1/3 on the [-1, 1] scale), each over the
  posts that have that annotation (``*_n``).
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
    """Per time bin: post exposures on feeds, topic pages and search, those of posts above ``threshold``
    toxicity (the quantity a moderation rule is meant to lower), and the mean place (0 = top) of the
    toxic and of the other posts shown (what down-ranking moves)."""
    toxicity = post_toxicity(run)
    rows = []
    for t, data in zip(_events(run, "exposure")["time"], _events(run, "exposure")["data"]):
        if data["surface"] != "board":
            for item in data["items"]:
                toxic = toxicity.get(int(item[0]), 0.0) > threshold
                rows.append({"time_h": _bin(t, width_h), "toxic": toxic, "toxic_rank": item[2] if toxic else None,
                             "other_rank": None if toxic else item[2]})
    columns = ["time_h", "exposures", "toxic", "toxic_share", "toxic_mean_rank", "other_mean_rank"]
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(rows).groupby("time_h").agg(
        exposures=("toxic", "size"), toxic=("toxic", "sum"), toxic_mean_rank=("toxic_rank", "mean"),
        other_mean_rank=("other_rank", "mean")).reset_index()
    frame["toxic_share"] = (frame["toxic"] / frame["exposures"]).round(6)
    return frame[columns].round({"toxic_mean_rank": 4, "other_mean_rank": 4})


def moderation_threshold(run: Any) -> float:
    """The toxicity threshold of the run's moderation rule: the scenario's, else the first one a
    ``moderation`` intervention set, else 0.5 (the threshold the tables use when the run has none)."""
    config = (run.manifest.get("config") or {}).get("platform") or {}
    found = [(config.get("moderation") or {}).get("toxicity_threshold")]
    found += [(d.get("effect") or {}).get("toxicity_threshold") for d in _events(run, "intervention")["data"]
              if d.get("type") == "moderation"]
    return next((float(v) for v in found if v is not None), 0.5)


def _rankers(run: Any) -> list[tuple[float, str]]:
    """(time in seconds, recommender) from the start and at every ``feed`` intervention."""
    feed = ((run.manifest.get("config") or {}).get("platform") or {}).get("feed") or {}
    out = [(0.0, str(feed.get("recommender", "?")))]
    ivs = _events(run, "intervention")
    for t, d in zip(ivs["time"], ivs["data"]):
        if d.get("type") == "feed" and (d.get("effect") or {}).get("recommender"):
            out.append((float(t), str(d["effect"]["recommender"])))
    return out


def feed_exposure(run: Any, width_h: float = 0.5) -> pd.DataFrame:
    """Home-feed exposures per time bin, source and the ranker that ranked them."""
    in_network = str((((run.manifest.get("config") or {}).get("platform") or {}).get("feed") or {})
                     .get("in_network_ranker", "?"))
    changes = _rankers(run)
    rows = []
    home = _events(run, "exposure")
    for t, data in zip(home["time"], home["data"]):
        if data["surface"] == "home":
            recommender = [name for at, name in changes if at <= t][-1]
            rows += [{"time_h": _bin(t, width_h), "source": item[1],
                      "ranker": in_network if item[1] == "in_network" else recommender} for item in data["items"]]
    columns = ["time_h", "source", "ranker", "exposures"]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(rows).groupby(columns[:3]).size().rename("exposures").reset_index()[columns]


def written_posts(run: Any) -> pd.DataFrame:
    """Every text put on the platform with its annotation: time, kind, toxicity, sentiment, stance."""
    rows = [{"time": t, "kind": d["action"], **_note(d)} for t, d in zip(_events(run, "action")["time"],
                                                                       _events(run, "action")["data"])
            if d["action"] in ("post", "quote", "reply") and d.get("text")]
    rows += [{"time": t, "kind": "news", **_note(d)} for t, d in zip(_events(run, "news")["time"],
                                                                   _events(run, "news")["data"]) if d["as"] == "post"]
    ivs = _events(run, "intervention")
    rows += [{"time": t, "kind": "injected", **_note(d["effect"])} for t, d in zip(ivs["time"], ivs["data"])
             if d.get("type") == "inject_post"]
    return pd.DataFrame(rows, columns=["time", "kind", "toxicity", "sentiment", "stance"])


def _note(d: dict[str, Any]) -> dict[str, Any]:
    return {k: d.get(k) for k in ("toxicity", "sentiment", "stance")}


LEAN = 1 / 3
"""A sentiment or stance score above LEAN (below -LEAN) counts as positive / in favour (negative / against)."""


def annotations(run: Any, width_h: float = 0.5) -> pd.DataFrame:
    """Per time bin: posts written and the shares of their annotations (see the module docstring)."""
    posts = written_posts(run)
    columns = ["time_h", "posts", "toxicity_n", "mean_toxicity", "toxic_share", "sentiment_n", "positive_share",
               "negative_share", "stance_n", "favour_share", "against_share"]
    if len(posts) == 0:
        return pd.DataFrame(columns=columns)
    posts = posts.assign(time_h=[_bin(t, width_h) for t in posts["time"]])
    for col in ("toxicity", "sentiment", "stance"):
        posts[col] = pd.to_numeric(posts[col], errors="coerce")
    rows = [{"time_h": b, "posts": len(g), **_shares(g)} for b, g in posts.groupby("time_h", sort=True)]
    return pd.DataFrame(rows, columns=columns).round(6)


def _shares(g: pd.DataFrame) -> dict[str, Any]:
    """The annotation shares of one bin's posts (None where no post has the annotation)."""
    tox, sen, sta = g["toxicity"].dropna(), g["sentiment"].dropna(), g["stance"].dropna()
    return {"toxicity_n": len(tox), "mean_toxicity": float(tox.mean()) if len(tox) else None,
            "toxic_share": _share(tox, tox > 0.5), "sentiment_n": len(sen), "positive_share": _share(sen, sen > LEAN),
            "negative_share": _share(sen, sen < -LEAN), "stance_n": len(sta), "favour_share": _share(sta, sta > LEAN),
            "against_share": _share(sta, sta < -LEAN)}


def _share(values: pd.Series, hit: pd.Series) -> float | None:
    return float(hit.sum() / len(values)) if len(values) else None


TABLES = {"platform_graph_metrics": graph_metrics, "platform_exposure_by_source": exposure_by_source,
          "platform_board_ranks": board_ranks, "platform_actions": actions, "platform_graph_changes": graph_changes,
          "platform_toxic_exposure": toxic_exposure, "platform_feed_exposure": feed_exposure,
          "platform_annotations": annotations}
"""The tables ``analyse`` writes for a platform run, by file name."""
