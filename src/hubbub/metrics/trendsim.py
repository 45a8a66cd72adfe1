"""TrendSim metrics as projections of the run record: the paper's Table 5 row, Figure 3 curves,
Figure 4 group comparison and activity over time, written as CSV + Markdown tables and PNG plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HOUR = 3600.0


def user_snapshots(run: Any) -> pd.DataFrame:
    """Snapshot rows of ordinary users: agent_id, hours, emotion, confidence, grp."""
    states = run.agent_states
    if len(states) == 0:
        return pd.DataFrame(columns=["agent_id", "hours", "emotion", "confidence", "grp"])
    snap = states[states["extra"].fillna("").astype(str).str.contains("snapshot")].copy()
    agents = run.agents[run.agents["role"] == "user"][["agent_id", "grp"]]
    snap = snap.merge(agents, on="agent_id")
    snap["hours"] = snap["time"] / HOUR
    return snap[["agent_id", "hours", "emotion", "confidence", "grp"]]


def final_conditions(run: Any) -> dict[str, float]:
    """Average and divergence (standard deviation across users) of emotion and social confidence at the
    end of the run (the paper's Table 5 for one topic)."""
    snap = user_snapshots(run)
    if len(snap) == 0:
        return {}
    last = snap[snap["hours"] == snap["hours"].max()]
    return {"emotion_avg": float(last["emotion"].mean()), "emotion_div": float(last["emotion"].std(ddof=0)),
            "confidence_avg": float(last["confidence"].mean()),
            "confidence_div": float(last["confidence"].std(ddof=0)), "users": int(len(last))}


def conditions_over_time(run: Any) -> pd.DataFrame:
    """Mean and standard deviation (ddof 0) of the users' conditions at each snapshot (Figure 3), and the
    number of users the snapshot holds."""
    snap = user_snapshots(run)
    grouped = snap.groupby("hours")
    return pd.DataFrame({
        "emotion_mean": grouped["emotion"].mean(), "emotion_std": grouped["emotion"].std(ddof=0),
        "confidence_mean": grouped["confidence"].mean(), "confidence_std": grouped["confidence"].std(ddof=0),
        "users": grouped["agent_id"].count(),
    }).reset_index()


def conditions_by_group(run: Any) -> pd.DataFrame:
    """Final conditions per preference group (Figure 4b/c: mean, and standard deviation with ddof 0, over
    the group's users) with each group's share (Figure 4a)."""
    snap = user_snapshots(run)
    if len(snap) == 0:
        return pd.DataFrame()
    last = snap[snap["hours"] == snap["hours"].max()]
    table = last.groupby("grp").agg(users=("agent_id", "count"), emotion=("emotion", "mean"),
                                    confidence=("confidence", "mean"),
                                    emotion_std=("emotion", lambda v: v.std(ddof=0)),
                                    confidence_std=("confidence", lambda v: v.std(ddof=0))).reset_index()
    table["share"] = table["users"] / table["users"].sum()
    return table


def activity_by_hour(run: Any) -> pd.DataFrame:
    """Sessions, actions, comments, attack comments and censored items per simulated hour, then one
    column per registered custom action the run took (:func:`custom_actions`)."""
    events = run.events
    if len(events) == 0:
        return pd.DataFrame()
    ev = events.copy()
    ev["hour"] = (ev["time"] // HOUR).astype(int)
    data = ev["data"].apply(lambda d: d if isinstance(d, dict) else json.loads(d))
    ev["action"] = data.apply(lambda d: d.get("action"))
    ev["role"] = data.apply(lambda d: d.get("role"))
    ev["flagged"] = data.apply(lambda d: bool(d.get("flagged")))
    custom = custom_actions(ev.loc[ev["kind"] == "action", "action"])
    rows = ev.groupby("hour").apply(lambda g: _hour_counts(g, custom), include_groups=False)
    return rows.reset_index()


def custom_actions(names: pd.Series) -> list[str]:
    """The action names in ``names`` that are not built in (registered with ``hubbub.register_action``),
    sorted: each gets its own count column in the activity tables, after the built-in counts."""
    from hubbub.registry import ACTIONS

    return sorted({str(n) for n in names.dropna()} - ACTIONS.builtins)


BIN_CHOICES_S = (60, 300, 600, 900, 1800, 3600, 7200, 21600, 86400)


def bin_width_s(hours: float) -> int:
    """The widest bin from BIN_CHOICES_S that still gives at least 12 bins over ``hours`` (10 minutes
    for a 2-hour run, an hour for a 16-hour one), so activity plots suit the run's length."""
    fitting = [b for b in BIN_CHOICES_S if hours * HOUR / b >= 12]
    return fitting[-1] if fitting else BIN_CHOICES_S[0]


def activity_in_bins(run: Any, bin_s: float) -> pd.DataFrame:
    """:func:`activity_by_hour` counted in bins of ``bin_s`` seconds: start_h (bin start in simulated
    hours), bin_min, then the counts (a bin without events counts 0)."""
    from types import SimpleNamespace

    events = run.events
    if len(events) == 0:
        return pd.DataFrame()
    table = activity_by_hour(SimpleNamespace(events=events.assign(time=events["time"] * (HOUR / bin_s))))
    table = table.set_index("hour").reindex(range(int(table["hour"].max()) + 1)).fillna(0).astype(int)
    table = table.rename_axis("hour").reset_index()
    table.insert(0, "bin_min", bin_s / 60)
    table.insert(0, "start_h", table.pop("hour") * bin_s / HOUR)
    return table


def _hour_counts(g: pd.DataFrame, custom: list[str]) -> pd.Series:
    actions = g[g["kind"] == "action"]
    counts = pd.Series({
        "sessions": int((g["kind"] == "session_start").sum()),
        "actions": int(len(actions)),
        "comments": int((actions["action"] == "comment").sum()),
        "replies": int((actions["action"] == "reply").sum()),
        "likes": int(actions["action"].isin(["like", "like_comment"]).sum()),
        "attack_comments": int(((actions["action"] == "comment") & (actions["role"] == "attacker")).sum()),
        "censored": int(actions["flagged"].sum() + (g["kind"] == "censored").sum()),
        "llm_failures": int((g["kind"] == "llm_failure").sum()),
    })
    for name in custom:
        counts[name if name not in counts.index else f"action_{name}"] = int((actions["action"] == name).sum())
    return counts


def provenance(run: Any) -> str:
    """One line saying which backend and model produced the figures (always printed with them)."""
    backend = run.manifest.get("backend", {})
    name, model = backend.get("backend", "?"), backend.get("model", "?")
    warning = ""
    if name in ("scripted", "embedded") or str(model).startswith("scripted"):
        warning = " — NOT a research result (demo/test backend whose choices carry no persona signal)"
    line = f"Produced by backend `{name}`, model `{model}`, seed {run.manifest.get('seed')}{warning}."
    note = failure_note(run.manifest)
    return f"{note}\n\n{line}" if note else line


def failure_note(manifest: dict[str, Any]) -> str:
    """A bold warning when LLM calls of the run failed (count and share), '' for a clean run: figures
    built on fewer answers than the run asked for must say so where they are read."""
    counts = manifest.get("counts") or {}
    calls, failed = int(counts.get("llm_calls") or 0), int(counts.get("llm_failures") or 0)
    if not failed:
        return ""
    share = failed / calls if calls else 1.0
    return (f"**⚠ {failed} of {calls} LLM calls failed ({share:.1%}).** The agents whose call failed skipped that "
            "step (`llm_failure` events), so these figures rest on fewer answers than the run asked for.")


def write_table(frame: pd.DataFrame, stem: Path) -> tuple[Path, Path]:
    csv, md = stem.with_suffix(".csv"), stem.with_suffix(".md")
    frame.to_csv(csv, index=False)
    md.write_text(markdown_table(frame), encoding="utf-8")
    return csv, md


def markdown_table(frame: pd.DataFrame, digits: int = 3) -> str:
    """A plain Markdown table (no extra dependency); texts are escaped for Markdown."""
    if frame is None or len(frame.columns) == 0:
        return "(no data)\n"
    head = "| " + " | ".join(_md(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(_md(_cell(v, digits)) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *rows]) + "\n"


def _cell(value: Any, digits: int) -> str:
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else f"{value:.{digits}f}"
    return str(value)


_MD_ESCAPES = str.maketrans({"\\": "\\\\", "|": "\\|", "[": "\\[", "]": "\\]", "<": "&lt;", ">": "&gt;"})


def _md(text: Any) -> str:
    """One table cell or heading: line breaks and control characters become spaces (a value cannot
    end the row or the heading), pipes and brackets are escaped (no extra columns, no links), and
    ``<``/``>`` become entities (no raw HTML, which Markdown renderers pass through)."""
    one_line = "".join(ch if ch.isprintable() else " " for ch in str(text))
    return one_line.translate(_MD_ESCAPES)


def summary_markdown(run: Any, frames: dict[str, pd.DataFrame]) -> str:
    topics = run.topics
    title = topics["title"].iloc[0] if len(topics) else "?"
    parts = [f"# Run summary: {_md(title)}", "", provenance(run), "",
             "## Users' psychological conditions at the end (TrendSim Table 5, one topic)", "",
             markdown_table(frames["final_conditions"]),
             "## Conditions by preference group (Figure 4)", "", markdown_table(frames["conditions_by_group"]),
             "## Activity by simulated hour", "", markdown_table(frames["activity_by_hour"])]
    return "\n".join(parts)
