"""Metrics of the living follow graph, and the graph at any past time rebuilt from the run record.

A platform run records its initial follow edges and users in its ``platform_setup`` event, every later
change of the graph as a ``graph_change`` event (``at``, ``source``, ``target``, ``op``), attitude
changes as ``state`` events and users joining or leaving as ``user_join`` / ``user_leave`` events. So
the graph at any time ``t`` is the setup's edges with every change effective at or before ``t``
applied in (effective time, commit order) — :func:`graph_at` — and the run's own ``graph_snapshot``
events, computed during the run with :func:`graph_metrics`, can be checked against it.

Metrics (on the users present at ``t`` and the follow edges among them):

* ``edges``: follow edges;
* ``reciprocity``: share of edges whose reverse edge exists too;
* ``clustering``: mean local clustering coefficient of the undirected graph (a user with fewer than two
  neighbours counts 0, as in networkx's ``average_clustering``);
* ``assortativity``: Pearson correlation of follower and followee attitude over the edges (None when
  fewer than two edges or no variance);
* ``cross_camp``: share of edges between users on different sides of the attitude midpoint 0.5.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np
from scipy import sparse

METRICS = ("users", "edges", "reciprocity", "clustering", "assortativity", "cross_camp")
_FOLLOW = {"follow": True, "unfollow": False}


@dataclass(frozen=True)
class GraphAt:
    """The follow graph at one time: users present, edges among them and every user's attitude."""

    time: float
    users: tuple[str, ...]
    edges: tuple[tuple[str, str], ...]
    attitude: Mapping[str, float]

    def metrics(self) -> dict[str, Any]:
        return graph_metrics(self.users, self.edges, self.attitude)


def graph_metrics(users: Any, edges: Any, attitude: Mapping[str, float]) -> dict[str, Any]:
    """The metrics of the module docstring for ``edges`` (follower, followee) among ``users``."""
    index = {u: i for i, u in enumerate(users)}
    pairs = [(index[a], index[b]) for a, b in edges if a in index and b in index and a != b]
    n, m = len(index), len(pairs)
    out: dict[str, Any] = {"users": n, "edges": m, "reciprocity": 0.0, "clustering": 0.0,
                           "assortativity": None, "cross_camp": 0.0}
    if m == 0:
        return out
    src = np.array([p[0] for p in pairs], dtype=np.int64)
    dst = np.array([p[1] for p in pairs], dtype=np.int64)
    keys = set(zip(src.tolist(), dst.tolist()))
    out["reciprocity"] = _r(sum((b, a) in keys for a, b in keys) / m)
    out["clustering"] = _r(_clustering(n, src, dst))
    att = np.array([float(attitude.get(u, 0.5)) for u in index], dtype=np.float64)
    out["assortativity"] = _pearson(att[src], att[dst])
    out["cross_camp"] = _r(float(np.mean((att[src] >= 0.5) != (att[dst] >= 0.5))))
    return out


def _clustering(n: int, src: np.ndarray, dst: np.ndarray) -> float:
    """Mean local clustering of the undirected simple graph: triangles / possible pairs per node."""
    a = sparse.coo_array((np.ones(src.size), (src, dst)), shape=(n, n)).tocsr()
    a = ((a + a.T) > 0).astype(np.float64)
    a.setdiag(0)
    a.eliminate_zeros()
    degree = np.asarray(a.sum(axis=1)).ravel()
    triangles = np.asarray((a @ a).multiply(a).sum(axis=1)).ravel() / 2.0
    possible = degree * (degree - 1) / 2.0
    local = np.divide(triangles, possible, out=np.zeros(n), where=possible > 0)
    return float(local.mean()) if n else 0.0


def _pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    if x.size < 2 or float(np.std(x)) == 0.0 or float(np.std(y)) == 0.0:
        return None
    return _r(float(np.corrcoef(x, y)[0, 1]))


def _r(value: float) -> float:
    return round(float(value), 9)


# ---------------------------------------------------------------------------------------------------
# Rebuilding the graph from the record


def graph_at(run: Any, t_h: float) -> GraphAt:
    """The follow graph at ``t_h`` simulated hours, rebuilt from a run's record: ``run`` is a run folder,
    a :class:`hubbub.store.Run` or its ``events`` frame (columns seq, time, kind, agent or agent_id, data)."""
    events = _events(run)
    t = float(t_h) * 3600.0
    setup = _setup(events)
    follow: dict[tuple[str, str], list[tuple[float, int, bool]]] = {}
    for a, b in setup["edges"]:
        follow[(a, b)] = [(0.0, -1, True)]
    order = 0
    for kind, data in zip(events["kind"], events["data"]):
        if kind == "graph_change" and data["op"] in _FOLLOW:
            follow.setdefault((data["source"], data["target"]), []).append((float(data["at"]), order, _FOLLOW[data["op"]]))
        order += kind == "graph_change"
    edges = tuple(sorted(pair for pair, changes in follow.items() if _state_at(changes, t)))
    return GraphAt(t, _present(events, setup, t), edges, _attitudes(events, setup, t))


def _state_at(changes: list[tuple[float, int, bool]], t: float) -> bool:
    before = sorted(c for c in changes if c[0] <= t)
    return before[-1][2] if before else False


def _events(run: Any) -> Any:
    """The events frame of a run folder, a Run or an events frame, in seq order."""
    if isinstance(run, (str, Path)):
        from hubbub.store import load_run

        run = load_run(run)
    frame = run.events if hasattr(run, "events") else run
    return frame.sort_values("seq") if "seq" in frame else frame


def _agent(events: Any) -> str:
    """The events frame's agent column (``agent_id`` in a loaded run, ``agent`` as stored)."""
    return "agent_id" if "agent_id" in events else "agent"


def _setup(events: Any) -> dict[str, Any]:
    """The data of the run's platform_setup event."""
    rows = events[events["kind"] == "platform_setup"]
    if rows.empty:
        from hubbub.errors import DataError

        raise DataError("graph_at: the record has no platform_setup event (is it a kind = 'platform' run?)")
    data = rows["data"].iloc[0]
    return json.loads(data) if isinstance(data, str) else data


def _present(events: Any, setup: dict[str, Any], t: float) -> tuple[str, ...]:
    present = {u["agent_id"] for u in setup["users"] if u["active"]}
    mask = events["kind"].isin(["user_join", "user_leave"]) & (events["time"] <= t)
    for kind, agent in zip(events.loc[mask, "kind"], events.loc[mask, _agent(events)]):
        (present.add if kind == "user_join" else present.discard)(agent)
    return tuple(sorted(present))


def _attitudes(events: Any, setup: dict[str, Any], t: float) -> dict[str, float]:
    """Each user's attitude at ``t``: the initial one, then the state events up to ``t``."""
    attitude = {u["agent_id"]: float(u["attitude"]) for u in setup["users"]}
    mask = (events["kind"] == "state") & (events["time"] <= t)
    for agent, data in zip(events.loc[mask, _agent(events)], events.loc[mask, "data"]):
        if isinstance(data, dict) and "attitude" in data:
            attitude[agent] = float(data["attitude"])
    return attitude


def metrics_over_time(run: Any) -> Any:
    """The ``graph_snapshot`` events of a run as a table: one row per snapshot (hours, metrics)."""
    import pandas as pd

    events = _events(run)
    rows = events[events["kind"] == "graph_snapshot"]
    table = pd.DataFrame([{"time_h": t / 3600.0, **{k: d.get(k) for k in METRICS}}
                          for t, d in zip(rows["time"], rows["data"])], columns=["time_h", *METRICS])
    return table


def close(a: Any, b: Any, tol: float = 1e-9) -> bool:
    """Two metric values equal up to ``tol`` (None only equals None)."""
    if a is None or b is None:
        return a is b
    return math.isclose(float(a), float(b), abs_tol=tol)
