"""The network view of an S3 (or combined) run: the follow graph at chosen times, degree distributions
and the largest repost cascades as trees, all projections of the run record.

* The graph comes from the ``graph_sample`` of the ``s3_setup`` event (every user of a small graph, else a
  breadth-first sample of at most ``s3.record.graph_sample`` users around the seed posts' authors) and the
  sampled users' emotion, attitude and awareness from the ``sample`` of each ``s3_step`` event; follow
  edges blocked by a ``block_edge`` intervention are dropped from the drawings after their time.
* Degree distributions use every user's follower and followee counts (``agents.profile``), not the sample.
* Cascade trees are the repost trees of ``s3_posts`` (``parent_id``), largest first.

Records written before the sample was recorded have no graph (``network_sample`` returns None); the
degree distributions and cascade trees still work for them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hubbub.metrics.layout import force_layout, tree_layout
from hubbub.store.api import open_readonly

HOUR = 3600.0
DRAW_USERS = 500
"""At most this many sampled users are drawn (the first ones of the sample: the seeds' neighbourhood)."""
TREE_NODES = 300
"""At most this many posts of one cascade are drawn (the earliest, so the tree stays connected)."""
EMOTIONS = ("calm", "moderate", "intense")
ATTITUDES = ("negative", "positive")


@dataclass
class NetworkSample:
    """The recorded part of the follow graph and its users' states per round."""

    users: list[str]
    follows: np.ndarray  # (m, 2) positions in ``users``: [follower, followee]
    sample: str  # how the users were chosen, as recorded
    graph_users: int
    graph_edges: int
    steps: list[int] = field(default_factory=list)
    hours: list[float] = field(default_factory=list)
    states: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)  # step -> emotion, attitude, aware


def _events(run: Any, kinds: tuple[str, ...]) -> list[tuple[float, str, dict[str, Any]]]:
    """(time, kind, data) of the events of ``kinds`` in commit order, read with SQL (no texts loaded)."""
    marks = ",".join("?" for _ in kinds)
    conn = open_readonly(run.path)
    try:
        rows = conn.execute(f"SELECT time, kind, data FROM events WHERE kind IN ({marks}) ORDER BY seq", kinds).fetchall()
    finally:
        conn.close()
    return [(float(t), str(k), json.loads(d) if isinstance(d, str) else {}) for t, k, d in rows]


def network_sample(run: Any) -> NetworkSample | None:
    """The sampled follow graph with every round's states; None when the record holds no sample."""
    setup = next((d for _, k, d in _events(run, ("s3_setup",))), None)
    recorded = (setup or {}).get("graph_sample") or {}
    if not recorded.get("users"):
        return None
    out = NetworkSample(users=[str(u) for u in recorded["users"]],
                        follows=np.asarray(recorded.get("follows") or [], dtype=np.int64).reshape(-1, 2),
                        sample=str(recorded.get("sample", "")), graph_users=int(recorded.get("graph_users", 0)),
                        graph_edges=int(recorded.get("graph_edges", 0)))
    for t, _, data in _events(run, ("s3_step",)):
        sample = data.get("sample") or {}
        if len(sample.get("emotion") or []) == len(out.users):
            step = int(data.get("step", len(out.steps)))
            out.steps.append(step)
            out.hours.append(t / HOUR)
            out.states[step] = {k: np.asarray(sample[k], dtype=np.int64) for k in ("emotion", "attitude", "aware")}
    return out


def chosen_steps(steps: list[int]) -> list[tuple[str, int]]:
    """Start, middle and end of the recorded rounds (fewer when the run has fewer rounds)."""
    if not steps:
        return []
    picks = [("start", steps[0]), ("middle", steps[len(steps) // 2]), ("end", steps[-1])]
    seen: set[int] = set()
    return [(label, s) for label, s in picks if not (s in seen or seen.add(s))]


def blocked_follows(run: Any) -> list[tuple[float, str, str]]:
    """(hours, follower, followee) of every follow edge a ``block_edge`` intervention blocked (its
    ``target`` is the follower, its ``source`` the followee whose posts no longer reach them)."""
    out = []
    for t, _, data in _events(run, ("intervention",)):
        if data.get("type") == "block_edge" and data.get("source") and data.get("target"):
            out.append((t / HOUR, str(data["target"]), str(data["source"])))
    return out


def followers(run: Any) -> pd.DataFrame:
    """agent_id, followers, followees of every user from ``agents.profile`` (empty when not recorded)."""
    conn = open_readonly(run.path)
    try:
        frame = pd.read_sql_query("SELECT agent_id, json_extract(profile, '$.followers') AS followers, "
                                  "json_extract(profile, '$.followees') AS followees FROM agents", conn)
    finally:
        conn.close()
    return frame.dropna(subset=["followers", "followees"]).astype({"followers": "int64", "followees": "int64"})


def degree_distribution(run: Any) -> pd.DataFrame:
    """degree, followers_users, followees_users, followers_share, followees_share: how many users (and
    which share of all users) have exactly ``degree`` followers (in-degree) and followees (out-degree)."""
    degrees = followers(run)
    columns = ["degree", "followers_users", "followees_users", "followers_share", "followees_share"]
    if len(degrees) == 0:
        return pd.DataFrame(columns=columns)
    counts = pd.DataFrame({"followers_users": degrees["followers"].value_counts(),
                           "followees_users": degrees["followees"].value_counts()}).fillna(0).astype("int64")
    counts = counts.sort_index().rename_axis("degree").reset_index()
    counts["followers_share"] = counts["followers_users"] / len(degrees)
    counts["followees_share"] = counts["followees_users"] / len(degrees)
    return counts[columns]


# ---------------------------------------------------------------- drawings


def graph_drawing(run: Any, sample: NetworkSample, limit: int = DRAW_USERS) -> dict[str, Any]:
    """Positions, sizes, edges and the states at the chosen times of (at most ``limit``) sampled users."""
    n = min(len(sample.users), limit)
    users = sample.users[:n]
    keep = (sample.follows < n).all(axis=1) if sample.follows.size else np.zeros(0, dtype=bool)
    follows = sample.follows[keep]
    pos = force_layout(n, follows)
    degree = followers(run).set_index("agent_id")["followers"]
    blocked = blocked_follows(run)
    panels = [_panel(label, step, sample, users, blocked) for label, step in chosen_steps(sample.steps)]
    return {"users": users, "x": pos[:, 0].round(4).tolist(), "y": pos[:, 1].round(4).tolist(),
            "followers": [int(degree.get(u, 0)) for u in users], "follows": follows.tolist(),
            "panels": panels, "drawn": n, "sampled": len(sample.users), "sample": sample.sample,
            "graph_users": sample.graph_users, "graph_edges": sample.graph_edges}


def _panel(label: str, step: int, sample: NetworkSample, users: list[str],
           blocked: list[tuple[float, str, str]]) -> dict[str, Any]:
    """The states of the drawn users after round ``step`` and the follow edges blocked by then."""
    n = len(users)
    hours = sample.hours[sample.steps.index(step)]
    states = {k: v[:n].tolist() for k, v in sample.states[step].items()}
    position = {u: i for i, u in enumerate(users)}
    cut = [[position[a], position[b]] for h, a, b in blocked if h <= hours + 1e-9 and a in position and b in position]
    return {"label": label, "step": step, "hours": round(hours, 4), **states, "blocked": cut}


def cascade_trees(run: Any, top: int = 3, limit: int = TREE_NODES) -> list[dict[str, Any]]:
    """The ``top`` largest repost cascades that spread (size > 1) as drawable trees: per post its parent
    (position, -1 at the root), author, step, the author's attitude and emotion when posting, and x / y."""
    conn = open_readonly(run.path)
    try:
        posts = pd.read_sql_query("SELECT post_id, author, kind, parent_id, root_id, step, emotion, attitude "
                                  "FROM s3_posts ORDER BY post_id", conn)
    finally:
        conn.close()
    if len(posts) == 0:
        return []
    sizes = posts.groupby("root_id").size()
    roots = sizes[sizes > 1].sort_values(ascending=False, kind="stable").index[:top]
    return [_tree(posts[posts["root_id"] == root], int(root), int(sizes[root]), limit) for root in roots]


def _tree(posts: pd.DataFrame, root: int, size: int, limit: int) -> dict[str, Any]:
    """One cascade's first ``limit`` posts (by post id: publication order keeps parents before children)."""
    shown = posts.sort_values("post_id").head(limit)
    index = {int(p): i for i, p in enumerate(shown["post_id"])}
    parent = np.array([index.get(int(p), -1) if pd.notna(p) else -1 for p in shown["parent_id"]], dtype=np.int64)
    pos = tree_layout(parent)
    return {"root_id": root, "size": size, "drawn": int(len(shown)), "parent": parent.tolist(),
            "author": shown["author"].astype(str).tolist(), "step": shown["step"].astype(int).tolist(),
            "attitude": shown["attitude"].astype(str).tolist(), "emotion": shown["emotion"].astype(str).tolist(),
            "x": pos[:, 0].round(4).tolist(), "y": pos[:, 1].round(4).tolist(), "depth": _depth(parent)}


def _depth(parent: np.ndarray) -> int:
    from hubbub.metrics.cascade import depths

    return int(depths(parent).max(initial=0))
