"""The part of the follow graph an S3 record keeps for the report's network view.

The whole graph lives in memory during a run (a sparse matrix) and is not written to the record: a
network of millions of users would swamp it, and a drawing of more than a few hundred users is a blot.
So the ``s3_setup`` event keeps the follow edges among at most ``s3.record.graph_sample`` users, and every
``s3_step`` event the emotion, attitude and awareness of those users after the round. When the graph has
at most that many users the sample is the whole graph; otherwise it is breadth-first from the seed posts'
authors over follow edges in both directions (each layer taken by most followers first, then by index),
topped up with the most-followed remaining users if the seeds' component is smaller. No random draw is
involved, so the sample does not change the run.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def sample_users(graph: Any, seeds: np.ndarray, cap: int) -> tuple[np.ndarray, str]:
    """Indices of the sampled users (seed authors first) and a sentence saying how they were chosen."""
    n = graph.n_nodes
    if cap <= 0:
        return np.zeros(0, dtype=np.int64), "none (s3.record.graph_sample = 0)"
    if n <= cap:
        return np.arange(n, dtype=np.int64), f"every user ({n:,})"
    followers = graph.in_degree()
    chosen = np.zeros(n, dtype=bool)
    picked: list[np.ndarray] = []
    count = 0
    frontier = _by_followers(np.unique(np.asarray(seeds, dtype=np.int64)), followers)
    while frontier.size and count < cap:
        take = frontier[: cap - count]
        chosen[take] = True
        picked.append(take)
        count += take.size
        frontier = _by_followers(_neighbours(graph, take, chosen), followers)
    if count < cap:
        picked.append(_by_followers(np.flatnonzero(~chosen), followers)[: cap - count])
    users = np.concatenate(picked) if picked else np.zeros(0, dtype=np.int64)
    return users, (f"{users.size:,} of {n:,} users, breadth-first from the seed posts' authors over follow edges "
                   "(most-followed first in each layer)")


def _by_followers(nodes: np.ndarray, followers: np.ndarray) -> np.ndarray:
    """``nodes`` ordered by most followers first, then by index (a deterministic order)."""
    return nodes[np.lexsort((nodes, -followers[nodes]))]


def _neighbours(graph: Any, nodes: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Followers and followees of ``nodes`` not chosen yet."""
    _, receivers = graph.delivery_edges(nodes)
    follows = graph.follows
    followees = np.concatenate([follows.indices[follows.indptr[i]:follows.indptr[i + 1]] for i in nodes.tolist()]
                               or [np.zeros(0, dtype=np.int64)])
    found = np.unique(np.concatenate([receivers.astype(np.int64), followees.astype(np.int64)]))
    return found[~chosen[found]]


def follow_pairs(graph: Any, users: np.ndarray) -> list[list[int]]:
    """Follow edges among ``users`` as ``[follower, followee]`` positions in ``users``, sorted."""
    if users.size == 0:
        return []
    position = np.full(graph.n_nodes, -1, dtype=np.int64)
    position[users] = np.arange(users.size)
    posters, receivers = graph.delivery_edges(users)
    inside = position[receivers] >= 0
    pairs = np.stack([position[receivers[inside]], position[posters[inside]]], axis=1)
    order = np.lexsort((pairs[:, 1], pairs[:, 0])) if pairs.size else np.zeros(0, dtype=np.int64)
    return pairs[order].tolist()


def setup_data(world: Any) -> dict[str, Any]:
    """The ``graph_sample`` field of the ``s3_setup`` event (users as agent ids, edges as positions)."""
    users, how = sample_users(world.graph, world.inp.seed_authors, world.cfg.record.graph_sample)
    world.sample_users = users
    return {"users": [world.ids[i] for i in users.tolist()], "follows": follow_pairs(world.graph, users),
            "sample": how, "graph_users": int(world.graph.n_nodes), "graph_edges": int(world.graph.n_edges)}


def step_data(world: Any) -> dict[str, list[int]]:
    """The sampled users' state after a round: emotion level (0 calm .. 2 intense), attitude (1 positive),
    aware (1 once they know of the event), in the order of the setup's ``users``."""
    users = getattr(world, "sample_users", np.zeros(0, dtype=np.int64))
    return {"emotion": world.emotion[users].astype(int).tolist(), "attitude": world.attitude[users].astype(int).tolist(),
            "aware": world.aware[users].astype(int).tolist()}
