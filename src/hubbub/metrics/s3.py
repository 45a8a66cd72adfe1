"""S3 metrics as projections of the run record: the population curves (users aware, emotion density,
positive-attitude share) per step, cascade structure from the repost tree, and the channels through
which users first heard of the event; written as CSV + Markdown tables, PNG plots and summary.md.

Cascade statistics are computed for the whole repost forest at once (depths by pointer jumping,
subtree sizes level by level, structural virality from ``sum s (n - s)`` per tree), so runs with tens
of thousands of posts analyse in well under a second.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubbub.metrics.cascade import depths, subtree_sizes
from hubbub.metrics.trendsim import markdown_table, provenance, write_table

HOUR = 3600.0
CURVE_COLUMNS = ["step", "hours", "users", "aware", "aware_share", "new_aware", "calm", "moderate", "intense",
                 "mean_intensity", "mean_intensity_all", "positive_share", "positive_share_aware", "posts",
                 "reposts", "deliveries", "recommended", "llm_asked", "llm_failures"]


def curves(run: Any) -> pd.DataFrame:
    """One row per step: cumulative awareness, emotion density and positive share (S3 Figs. 2-3)."""
    steps = run.s3_steps
    if len(steps) == 0:
        return pd.DataFrame(columns=CURVE_COLUMNS)
    frame = steps.copy()
    frame["hours"] = frame["time"] / HOUR
    frame["aware_share"] = frame["aware"].astype(float) / frame["users"].astype(float)
    return frame[CURVE_COLUMNS].reset_index(drop=True)


def camp_curves(run: Any) -> pd.DataFrame:
    """Positive-attitude share per camp and step (from the ``s3_step`` events), with the camp's users."""
    events = run.events
    sizes = _setup(run).get("camps") or []
    rows = []
    for data in events.loc[events["kind"] == "s3_step", "data"]:
        for camp, share in enumerate(data.get("by_camp") or []):
            users = sizes[camp] if camp < len(sizes) else None
            rows.append({"step": data["step"], "camp": camp, "users": users, "positive_share": share})
    return pd.DataFrame(rows, columns=["step", "camp", "users", "positive_share"])


# ---------------------------------------------------------------- cascades


def cascades(run: Any) -> pd.DataFrame:
    """One row per original post with its repost tree's size, depth, max breadth and structural
    virality (Goel et al. 2016), largest first."""
    posts = run.s3_posts
    columns = ["root_id", "agent_id", "kind", "policy", "size", "depth", "max_breadth", "structural_virality",
               "first_step", "last_step"]
    if len(posts) == 0:
        return pd.DataFrame(columns=columns)
    stats = forest_stats(posts["post_id"].to_numpy(np.int64), posts["parent_id"].fillna(-1).to_numpy(np.int64),
                         posts["root_id"].to_numpy(np.int64), posts["step"].to_numpy(np.int64))
    roots = posts.set_index("post_id").loc[stats["root_id"], ["agent_id", "kind", "policy"]].reset_index(drop=True)
    table = pd.concat([stats.reset_index(drop=True), roots], axis=1)[columns]
    return table.sort_values(["size", "root_id"], ascending=[False, True]).reset_index(drop=True)


def forest_stats(post_id: np.ndarray, parent_id: np.ndarray, root_id: np.ndarray, step: np.ndarray) -> pd.DataFrame:
    """Size, depth, max breadth and structural virality of every tree of a repost forest."""
    local = np.full(int(post_id.max()) + 1, -1, dtype=np.int64)
    local[post_id] = np.arange(post_id.size)
    parent = np.where(parent_id >= 0, local[np.maximum(parent_id, 0)], -1)
    root = local[root_id]
    depth = depths(parent)
    sub = subtree_sizes(parent)
    roots, tree = np.unique(root, return_inverse=True)
    size = np.bincount(tree)
    max_depth = np.zeros(roots.size, dtype=np.int64)
    np.maximum.at(max_depth, tree, depth)
    level_keys = tree * (int(depth.max()) + 1) + depth
    per_level = np.bincount(level_keys)
    breadth = np.zeros(roots.size, dtype=np.int64)
    used = np.flatnonzero(per_level)
    np.maximum.at(breadth, used // (int(depth.max()) + 1), per_level[used])
    edge = parent >= 0
    wiener = np.bincount(tree[edge], weights=(sub[edge] * (size[tree[edge]] - sub[edge])).astype(float),
                         minlength=roots.size)
    virality = np.where(size > 1, 2.0 * wiener / np.maximum(size * (size - 1), 1), 0.0)
    first = np.full(roots.size, np.iinfo(np.int64).max)
    last = np.full(roots.size, -1)
    np.minimum.at(first, tree, step)
    np.maximum.at(last, tree, step)
    return pd.DataFrame({"root_id": post_id[roots], "size": size, "depth": max_depth, "max_breadth": breadth,
                         "structural_virality": virality, "first_step": first, "last_step": last})


def cascade_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Whole-run cascade statistics: counts, the largest tree, means over trees with reposts."""
    if len(table) == 0:
        return pd.DataFrame([{"cascades": 0}])
    spread = table[table["size"] > 1]
    largest = table.iloc[0]
    return pd.DataFrame([{
        "cascades": int(len(table)), "with_reposts": int(len(spread)), "posts": int(table["size"].sum()),
        "largest_size": int(largest["size"]), "largest_depth": int(largest["depth"]),
        "largest_max_breadth": int(largest["max_breadth"]),
        "largest_structural_virality": float(largest["structural_virality"]),
        "max_depth": int(table["depth"].max()), "max_breadth": int(table["max_breadth"].max()),
        "mean_size_spread": float(spread["size"].mean()) if len(spread) else float("nan"),
        "mean_structural_virality_spread": float(spread["structural_virality"].mean()) if len(spread) else float("nan"),
    }])


# ---------------------------------------------------------------- channels


def channels(run: Any) -> pd.DataFrame:
    """How users first heard of the event: users per channel and policy (llm / rule)."""
    aware = run.s3_awareness
    if len(aware) == 0:
        return pd.DataFrame(columns=["channel", "policy", "users", "share"])
    policy = run.agents.set_index("agent_id")["profile"].map(lambda p: (p or {}).get("policy", "?"))
    frame = aware.assign(policy=aware["agent_id"].map(policy).fillna("?"))
    table = frame.groupby(["channel", "policy"]).size().rename("users").reset_index()
    table["share"] = table["users"] / table["users"].sum()
    return table.sort_values(["channel", "policy"]).reset_index(drop=True)


def first_channel(run: Any) -> pd.DataFrame:
    """Per aware user: the channel family they came through first (hub, followees, recommended, seed)."""
    aware = run.s3_awareness
    family = {"mutual": "followee", "followee": "followee", "hub": "hub", "recommended": "recommended", "seed": "seed"}
    return pd.DataFrame({"agent_id": aware["agent_id"], "first_channel": aware["channel"].map(family),
                         "channel": aware["channel"], "step": aware["step"], "hours": aware["time"] / HOUR,
                         "via_agent_id": aware["via_agent_id"]})


def feed_actions(run: Any) -> pd.DataFrame:
    """LLM users' follow-feed decisions per action (``s3_decision`` events): built-in ones (repost,
    post, none; failed when a call failed) and every registered one of ``s3.extra_actions``, with the
    decisions that took it and the distinct users; most taken first."""
    events = run.events
    decisions = events[events["kind"] == "s3_decision"]
    if len(decisions) == 0:
        return pd.DataFrame(columns=["action", "decisions", "users"])
    frame = pd.DataFrame({"action": decisions["data"].map(lambda d: d.get("action")),
                          "agent_id": decisions["agent_id"]})
    table = frame.groupby("action").agg(decisions=("agent_id", "size"), users=("agent_id", "nunique")).reset_index()
    return table.sort_values(["decisions", "action"], ascending=[False, True]).reset_index(drop=True)


# ---------------------------------------------------------------- writing


def _setup(run: Any) -> dict[str, Any]:
    events = run.events
    rows = events.loc[events["kind"] == "s3_setup", "data"]
    return rows.iloc[0] if len(rows) else {}


def s3_frames(run: Any) -> dict[str, pd.DataFrame]:
    cas = cascades(run)
    return {"curves": curves(run), "cascades": cas, "cascade_summary": cascade_summary(cas),
            "channels": channels(run), "camp_curves": camp_curves(run), "feed_actions": feed_actions(run)}


def write_s3(run_dir: Path, run: Any, frames: dict[str, pd.DataFrame]) -> list[Path]:
    from hubbub.metrics.s3_plots import plot_s3_cascades, plot_s3_curves

    tables, plots = run_dir / "tables", run_dir / "plots"
    tables.mkdir(exist_ok=True)
    plots.mkdir(exist_ok=True)
    written = [p for name, frame in frames.items() for p in write_table(frame, tables / name)]
    written += plot_s3_curves(frames["curves"], frames["camp_curves"], plots)
    written.append(plot_s3_cascades(frames["cascades"], plots / "cascade_sizes.png"))
    return written + write_network(run, tables, plots)


def write_network(run: Any, tables: Path, plots: Path) -> list[Path]:
    """The network view as files: the degree distribution table, and network.png (the follow graph at
    start / middle / end), degree_distribution.png and cascade_trees.png."""
    from hubbub.metrics import network
    from hubbub.metrics.network_plots import plot_cascade_trees, plot_degrees, plot_network

    degrees = network.degree_distribution(run)
    written = list(write_table(degrees, tables / "degree_distribution"))
    if len(degrees):
        written.append(plot_degrees(degrees, plots / "degree_distribution.png"))
    sample = network.network_sample(run)
    if sample is not None and sample.steps:
        written.append(plot_network(network.graph_drawing(run, sample), plots / "network.png"))
    written.append(plot_cascade_trees(network.cascade_trees(run), plots / "cascade_trees.png"))
    return written


def analyse_run(run_dir: str | Path) -> list[Path]:
    """Write the tables and plots of one S3 run; return the files written."""
    from hubbub.store import load_run

    run_dir = Path(run_dir)
    run = load_run(run_dir)
    frames = s3_frames(run)
    written = write_s3(run_dir, run, frames)
    (run_dir / "summary.md").write_text(summary_markdown(run, frames), encoding="utf-8")
    return written + [run_dir / "summary.md"]


def analyse_combined(run_dir: str | Path) -> list[Path]:
    """Write the S3 tables and plots, the hub's (TrendSim) tables, and who came through which channel."""
    from hubbub.metrics import trendsim as ts
    from hubbub.metrics.s3_plots import plot_channels, plot_hub
    from hubbub.store import load_run

    run_dir = Path(run_dir)
    run = load_run(run_dir)
    frames = s3_frames(run)
    frames["first_channel"] = first_channel(run)
    written = write_s3(run_dir, run, frames)
    hub = {"hub_final_conditions": pd.DataFrame([ts.final_conditions(run)]),
           "hub_conditions_over_time": ts.conditions_over_time(run), "hub_activity_by_hour": ts.activity_by_hour(run)}
    written += [p for name, frame in hub.items() for p in write_table(frame, run_dir / "tables" / name)]
    binned = ts.activity_in_bins(run, ts.bin_width_s(float(run.events["time"].max() or 0) / HOUR))
    written.append(plot_hub(hub["hub_conditions_over_time"], binned, run_dir / "plots" / "hub.png"))
    written.append(plot_channels(frames["first_channel"], run_dir / "plots" / "first_channel.png"))
    text = summary_markdown(run, frames) + _combined_section(frames["first_channel"], hub)
    (run_dir / "summary.md").write_text(text, encoding="utf-8")
    return written + [run_dir / "summary.md"]


def _combined_section(first: pd.DataFrame, hub: dict[str, pd.DataFrame]) -> str:
    counts = first.groupby("first_channel").size().rename("users").reset_index() if len(first) else pd.DataFrame()
    return "\n".join(["", "## First channel per user (trending hub vs followees)", "",
                      markdown_table(counts), "## The trending hub (TrendSim)", "",
                      markdown_table(hub["hub_final_conditions"]), ""])


def summary_markdown(run: Any, frames: dict[str, pd.DataFrame]) -> str:
    setup = _setup(run)
    prov = setup.get("provenance", {})
    lines = [f"# S3 run summary: {run.manifest.get('config', {}).get('run', {}).get('name', run.name)}", "",
             provenance(run), "",
             f"{setup.get('users', '?')} users ({setup.get('llm_users', '?')} LLM-driven, the rest rule-based: "
             f"{setup.get('rule_model', '?')}), {setup.get('edges', '?')} follow edges, mutual share "
             f"{setup.get('mutual_share', float('nan')):.3f}; user classes {setup.get('classes', {})}.", "",
             "## What is real and what is generated", ""]
    lines += [f"* **{k}**: {v}" for k, v in prov.items()]
    lines += ["", "## Population curves per step", "", markdown_table(frames["curves"]),
              "## Cascade structure (repost trees)", "", markdown_table(frames["cascade_summary"]),
              "Largest cascades:", "", markdown_table(frames["cascades"].head(10)),
              "## How users first heard of the event", "", markdown_table(frames["channels"]),
              "## LLM users' follow-feed actions (registered ones included)", "", markdown_table(frames["feed_actions"])]
    return "\n".join(lines)
