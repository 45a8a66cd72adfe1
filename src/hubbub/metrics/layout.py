"""Positions for drawing graphs and trees, in plain numpy (no graph library needed at run time).

* :func:`force_layout`: Fruchterman-Reingold (1991) spring layout of an undirected graph, with a weak
  pull to the centre so that small components and isolated users stay in the picture. O(n^2) per
  iteration, meant for the few hundred users of a drawing; deterministic for a given ``seed``.
* :func:`tree_layout`: a tidy top-down layout of a rooted tree: leaves side by side in depth-first
  order, a parent centred over its children, depth as the row.

Both return coordinates scaled into the unit square [0, 1] x [0, 1].
"""

from __future__ import annotations

import numpy as np


def force_layout(n: int, edges: np.ndarray, *, iterations: int = 80, seed: int = 0,
                 gravity: float = 0.08) -> np.ndarray:
    """An ``(n, 2)`` array of positions for ``n`` nodes joined by ``edges`` (pairs of indices)."""
    if n == 0:
        return np.zeros((0, 2))
    rng = np.random.default_rng(seed)
    pos = rng.uniform(-1.0, 1.0, size=(n, 2)).astype(np.float32)
    pairs = _undirected(np.asarray(edges, dtype=np.int64).reshape(-1, 2), n)
    k = np.sqrt(4.0 / n)  # ideal edge length for an area of 4 (the [-1, 1] square)
    step = 0.2
    for _ in range(iterations):
        pos += _limited(_forces(pos, pairs, k, gravity), step)
        step = max(step * 0.94, 0.002)
    return unit_square(pos.astype(np.float64))


def _undirected(pairs: np.ndarray, n: int) -> np.ndarray:
    """Each unordered pair once, self-loops and out-of-range pairs dropped."""
    ok = (pairs[:, 0] != pairs[:, 1]) & (pairs.min(axis=1, initial=0) >= 0) & (pairs.max(axis=1, initial=0) < n)
    lo, hi = np.minimum(pairs[ok, 0], pairs[ok, 1]), np.maximum(pairs[ok, 0], pairs[ok, 1])
    return np.unique(np.stack([lo, hi], axis=1), axis=0) if lo.size else np.zeros((0, 2), dtype=np.int64)


def _forces(pos: np.ndarray, pairs: np.ndarray, k: float, gravity: float) -> np.ndarray:
    """Repulsion k^2/d between every pair, attraction d^2/k along edges, and the pull to the centre."""
    dx = pos[:, 0:1] - pos[:, 0]
    dy = pos[:, 1:2] - pos[:, 1]
    scale = dx * dx
    scale += dy * dy
    np.maximum(scale, 1e-6, out=scale)
    np.divide(k * k, scale, out=scale)
    disp = np.stack([(dx * scale).sum(axis=1), (dy * scale).sum(axis=1)], axis=1)
    if pairs.size:
        d = pos[pairs[:, 0]] - pos[pairs[:, 1]]
        pull = d * (np.sqrt((d ** 2).sum(axis=1)) / k)[:, None]
        np.add.at(disp, pairs[:, 0], -pull)
        np.add.at(disp, pairs[:, 1], pull)
    return disp - gravity * pos * len(pos) ** 0.5


def _limited(disp: np.ndarray, step: float) -> np.ndarray:
    """Each displacement cut to length ``step`` (the cooling schedule's temperature)."""
    length = np.maximum(np.sqrt((disp ** 2).sum(axis=1)), 1e-9)
    return disp * (np.minimum(length, step) / length)[:, None]


def unit_square(pos: np.ndarray) -> np.ndarray:
    """Positions shifted and scaled (one factor for both axes) into [0, 1] x [0, 1], centred."""
    if len(pos) == 0:
        return pos
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    span = float(max((hi - lo).max(), 1e-9))
    return (pos - lo) / span + (1.0 - (hi - lo) / span) / 2.0


def tree_layout(parent: np.ndarray) -> np.ndarray:
    """An ``(n, 2)`` array: x in [0, 1] (leaves in depth-first order), y = depth / max depth (0 at the
    root). ``parent[i]`` is the index of i's parent, -1 at the root; children keep their index order."""
    parent = np.asarray(parent, dtype=np.int64)
    n = parent.size
    children: list[list[int]] = [[] for _ in range(n)]
    for i, p in enumerate(parent.tolist()):
        if p >= 0:
            children[p].append(i)
    x, depth = np.zeros(n), np.zeros(n)
    leaves = 0
    for root in np.flatnonzero(parent < 0).tolist():
        leaves = _place(root, children, x, depth, leaves)
    pos = np.stack([x / max(leaves - 1, 1), depth / max(depth.max(initial=0), 1)], axis=1)
    if leaves == 1:
        pos[:, 0] = 0.5
    return pos


def _place(root: int, children: list[list[int]], x: np.ndarray, depth: np.ndarray, leaves: int) -> int:
    """Depth-first without recursion: leaves take the next slot, parents the mean of their children."""
    stack: list[tuple[int, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        kids = children[node]
        if done:
            x[node] = x[kids].mean()
        elif not kids:
            x[node], leaves = leaves, leaves + 1
        else:
            stack.append((node, True))
            for kid in reversed(kids):
                depth[kid] = depth[node] + 1
                stack.append((kid, False))
    return leaves
