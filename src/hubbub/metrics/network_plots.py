"""PNG figures of the network view (matplotlib's Agg backend, chosen inside each function).

The colours are the ones the HTML report uses (:data:`COLORS`), so a PNG and the page read alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubbub.metrics.figures import pyplot as _pyplot
from hubbub.metrics.figures import save

COLORS = {"negative": "#c0392b", "positive": "#2471a3", "calm": "#7fb3d5", "moderate": "#f0a030",
          "intense": "#8e1b10", "unaware": "#c8cdd2"}
"""Attitude and emotion colours shared with the HTML report (``assets/report.js`` uses the same)."""
EMOTIONS = ("calm", "moderate", "intense")
ATTITUDES = ("negative", "positive")


def _save(fig: Any, path: Path) -> Path:
    return save(fig, path, dpi=100, tight_box=True)


def node_colors(panel: dict[str, Any], by: str) -> tuple[list[str], np.ndarray]:
    """Per drawn user: the colour of its attitude or emotion (grey emotion while unaware) and an alpha
    (unaware users faded when coloured by attitude)."""
    aware = np.asarray(panel["aware"], dtype=bool)
    if by == "attitude":
        colors = [COLORS[ATTITUDES[a]] for a in panel["attitude"]]
        return colors, np.where(aware, 0.95, 0.35)
    colors = [COLORS[EMOTIONS[e]] if w else COLORS["unaware"] for e, w in zip(panel["emotion"], aware)]
    return colors, np.full(aware.size, 0.95)


def node_sizes(followers: list[int], small: float = 6.0, big: float = 90.0) -> np.ndarray:
    """Marker areas growing with the square root of followers (the most followed user gets ``big``)."""
    f = np.sqrt(np.asarray(followers, dtype=float))
    return small + (big - small) * f / max(float(f.max(initial=0)), 1.0)


def plot_network(drawing: dict[str, Any], path: Path) -> Path:
    """The sampled follow graph at start / middle / end: one row coloured by attitude, one by emotion."""
    plt = _pyplot()
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    panels = drawing["panels"]
    fig, axes = plt.subplots(2, max(len(panels), 1), figsize=(4.2 * max(len(panels), 1), 8.4), squeeze=False)
    x, y = np.asarray(drawing["x"]), 1 - np.asarray(drawing["y"])
    edges = np.asarray(drawing["follows"], dtype=np.int64).reshape(-1, 2)
    sizes = node_sizes(drawing["followers"])
    for col, panel in enumerate(panels):
        cut = {tuple(e) for e in panel["blocked"]}
        kept = np.array([tuple(e) not in cut for e in edges.tolist()], dtype=bool) if len(edges) else np.zeros(0, bool)
        segments = np.stack([np.stack([x[edges[kept, 0]], y[edges[kept, 0]]], 1),
                             np.stack([x[edges[kept, 1]], y[edges[kept, 1]]], 1)], 1) if kept.any() else []
        for row, by in enumerate(("attitude", "emotion")):
            ax = axes[row][col]
            ax.add_collection(LineCollection(segments, colors="#9aa5b1", linewidths=0.3, alpha=0.35, zorder=1))
            colors, alpha = node_colors(panel, by)
            ax.scatter(x, y, s=sizes, c=colors, alpha=alpha, linewidths=0.3, edgecolors="white", zorder=2)
            ax.set_title(f"{panel['label']}: round {panel['step']} ({panel['hours']:g} h), {by}", fontsize=9)
            ax.set_xticks([]), ax.set_yticks([])
            ax.set_xlim(-0.03, 1.03), ax.set_ylim(-0.03, 1.03)
    handles = [Line2D([], [], marker="o", ls="none", color=COLORS[k], label=k) for k in ATTITUDES]
    handles += [Line2D([], [], marker="o", ls="none", color=COLORS[k], label=k) for k in (*EMOTIONS, "unaware")]
    fig.legend(handles=handles, loc="lower center", ncol=6, fontsize=8, frameon=False,
               title="attitude (faded: not yet aware) · emotion (grey: not yet aware)", title_fontsize=8)
    fig.suptitle(network_caption(drawing), fontsize=9)
    fig.tight_layout(rect=(0, 0.05, 1, 0.95))
    return _save(fig, path)


def network_caption(drawing: dict[str, Any]) -> str:
    """What the drawing shows: which users (the recorded sample), how many edges, what size means."""
    drawn, total = drawing["drawn"], drawing["graph_users"]
    which = f"all {total:,} users" if drawn == total else str(drawing["sample"])
    if drawn < drawing["sampled"]:
        which += f" (the first {drawn:,} of them drawn)"
    return (f"Follow graph: {which}, {len(drawing['follows']):,} of {drawing['graph_edges']:,} follow edges; "
            "node size: followers in the whole graph")


def plot_degrees(table: pd.DataFrame, path: Path) -> Path:
    """Share of users per number of followers (in-degree) and followees (out-degree), log-log."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.8))
    zero = {}
    for column, label, marker in (("followers", "followers (in-degree)", "o"), ("followees", "followees (out-degree)", "s")):
        rows = table[(table["degree"] > 0) & (table[f"{column}_users"] > 0)]
        ax.loglog(rows["degree"], rows[f"{column}_share"], marker=marker, ls="none", ms=4, alpha=0.75, label=label)
        zero[column] = int(table.loc[table["degree"] == 0, f"{column}_users"].sum())
    ax.set_xlabel("degree (number of users)")
    ax.set_ylabel("share of users")
    ax.set_title(f"Degree distributions (users with 0 followers: {zero['followers']}, 0 followees: "
                 f"{zero['followees']}; not on a log axis)", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def plot_cascade_trees(trees: list[dict[str, Any]], path: Path) -> Path:
    """The largest repost cascades as top-down trees, posts coloured by their author's attitude."""
    plt = _pyplot()
    from matplotlib.lines import Line2D

    fig, axes = plt.subplots(1, max(len(trees), 1), figsize=(4.2 * max(len(trees), 1), 3.8), squeeze=False)
    for ax, tree in zip(axes[0], trees):
        x, y = np.asarray(tree["x"]), -np.asarray(tree["y"])
        for i, p in enumerate(tree["parent"]):
            if p >= 0:
                ax.plot([x[p], x[i]], [y[p], y[i]], color="#9aa5b1", lw=0.6, zorder=1)
        colors = [COLORS.get(a, COLORS["unaware"]) for a in tree["attitude"]]
        ax.scatter(x, y, s=[60 if p < 0 else 18 for p in tree["parent"]], c=colors, zorder=2, edgecolors="white",
                   linewidths=0.4)
        shown = "" if tree["drawn"] == tree["size"] else f", first {tree['drawn']} drawn"
        ax.set_title(f"post {tree['root_id']}: {tree['size']} posts{shown}, depth {tree['depth']}", fontsize=9)
        ax.set_xticks([])
        ax.set_ylabel("repost depth")
        depth = max(int(tree["depth"]), 1)
        ax.set_yticks([-d / depth for d in range(depth + 1)], [str(d) for d in range(depth + 1)])
    if not trees:
        axes[0][0].text(0.5, 0.5, "no cascade spread beyond its first post", ha="center", va="center")
        axes[0][0].set_axis_off()
    handles = [Line2D([], [], marker="o", ls="none", color=COLORS[k], label=k) for k in ATTITUDES]
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=8, frameon=False, title="author's attitude",
               title_fontsize=8)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return _save(fig, path)
