"""The tables behind the HTML report and the notebook API, computed from a run record.

Each function takes a :class:`hubbub.store.Run` and returns a pandas DataFrame whose columns are listed
in its docstring. Big text columns (observations, LLM requests and replies) are never loaded: event and
telemetry queries read only the fields they need straight from SQLite, so a report of a large run
stays cheap. The TrendSim projections themselves come from :mod:`hubbub.metrics.trendsim`.
"""

from __future__ import annotations

import math
import sqlite3
from types import SimpleNamespace
from typing import Any, Mapping

import numpy as np
import pandas as pd

from hubbub.errors import ConfigError
from hubbub.store.api import open_readonly

HOUR = 3600.0
ACTIVITY_COLUMNS = ("sessions", "visitors", "actions", "comments", "replies", "likes", "attack_comments",
                    "censored", "llm_failures")
TIMELINE_KINDS = ("intervention", "interview")


# ---------------------------------------------------------------- raw access


def query(run: Any, sql: str, params: tuple[Any, ...] = ()) -> pd.DataFrame:
    """Rows of a read-only SQL query on the run's file (columns as SQLite returns them)."""
    conn = open_readonly(run.path)
    try:
        return pd.read_sql_query(sql, conn, params=params)
    finally:
        conn.close()


def table_rows(run: Any) -> dict[str, int]:
    """Row count of every table in the run record, including tables added by newer simulations."""
    conn = open_readonly(run.path)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                             "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {name: int(conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]) for name in names}
    except sqlite3.Error:
        return {}
    finally:
        conn.close()


def horizon_h(run: Any) -> float:
    """Simulated length of the run in hours: the scenario's lifecycle, else the last event's time."""
    cfg = (run.manifest.get("config") or {}) if isinstance(run.manifest, dict) else {}
    life = (cfg.get("trendsim") or {}).get("lifecycle_h") if cfg.get("kind", "trendsim") == "trendsim" else None
    if isinstance(life, (int, float)) and life > 0:
        return float(life)
    last = query(run, "SELECT MAX(time) AS t FROM events")["t"].iloc[0]
    return float(last) / HOUR if last is not None and last == last else 0.0


# ---------------------------------------------------------------- psychological conditions


def conditions(run: Any) -> pd.DataFrame:
    """Users' conditions at each snapshot (TrendSim Figure 3).

    hours: simulated hours; emotion_mean, emotion_std, confidence_mean, confidence_std: mean and
    standard deviation (ddof 0) across ordinary users (attackers excluded); users: how many (the n of
    the means)."""
    from hubbub.metrics.trendsim import conditions_over_time

    frame = conditions_over_time(run)
    if len(frame) == 0:
        return pd.DataFrame(columns=["hours", "emotion_mean", "emotion_std", "confidence_mean", "confidence_std",
                                     "users"])
    return frame


def conditions_by_group_over_time(run: Any) -> pd.DataFrame:
    """Conditions at each snapshot per preference group.

    grp: group label; hours: simulated hours; users: users in the group; emotion_mean, emotion_std,
    confidence_mean, confidence_std: across the group's users."""
    from hubbub.metrics.trendsim import user_snapshots

    snap = user_snapshots(run)
    columns = ["grp", "hours", "users", "emotion_mean", "emotion_std", "confidence_mean", "confidence_std"]
    if len(snap) == 0:
        return pd.DataFrame(columns=columns)
    g = snap.groupby(["grp", "hours"])
    frame = pd.DataFrame({"users": g["agent_id"].count(), "emotion_mean": g["emotion"].mean(),
                          "emotion_std": g["emotion"].std(ddof=0), "confidence_mean": g["confidence"].mean(),
                          "confidence_std": g["confidence"].std(ddof=0)}).reset_index()
    return frame[columns]


def final_by_group(run: Any) -> pd.DataFrame:
    """Final conditions per group (TrendSim Figure 4): grp, users, emotion, confidence, share."""
    from hubbub.metrics.trendsim import conditions_by_group

    return conditions_by_group(run)


def final_conditions(run: Any) -> dict[str, float]:
    """emotion_avg, emotion_div, confidence_avg, confidence_div, users at the last snapshot (Table 5)."""
    from hubbub.metrics.trendsim import final_conditions as final

    return final(run)


# ---------------------------------------------------------------- activity


def activity_bin_s(hours: float) -> int:
    """The widest bin that still gives at least 12 bins over ``hours`` (:func:`hubbub.metrics.trendsim.bin_width_s`)."""
    from hubbub.metrics.trendsim import bin_width_s

    return bin_width_s(hours)


def _light_events(run: Any) -> pd.DataFrame:
    """The event log without its texts: seq, time, kind, agent_id and a small JSON ``data``."""
    return query(run, "SELECT seq, time, kind, agent AS agent_id, json_object("
                      "'action', json_extract(data, '$.action'), 'role', json_extract(data, '$.role'), "
                      "'flagged', json_extract(data, '$.flagged')) AS data FROM events ORDER BY seq")


def activity(run: Any, bin_s: float | None = None) -> pd.DataFrame:
    """Counts per time bin (every bin of the run, empty ones as 0).

    start_h: bin start in simulated hours; bin_min: bin width in minutes; sessions: sessions started;
    visitors: distinct agents starting a session; actions, comments, replies, likes: actions taken;
    attack_comments: comments by attackers; censored: items flagged or hidden by the censor;
    llm_failures: steps that ended with a failed LLM call. Counting is
    :func:`hubbub.metrics.trendsim.activity_by_hour` applied to bins of ``bin_s`` seconds."""
    from hubbub.metrics.trendsim import activity_by_hour

    hours = horizon_h(run)
    bin_s = float(bin_s or activity_bin_s(hours))
    events = _light_events(run)
    columns = ["start_h", "bin_min", *ACTIVITY_COLUMNS]
    if len(events) == 0:
        return pd.DataFrame(columns=columns)
    end = hours * HOUR  # an event exactly at the end (the last snapshot) counts in the last bin
    inside = events["time"].where((events["time"] < end) | (events["time"] > end), end - 1e-6 * bin_s)
    scaled = events.assign(time=inside * (HOUR / bin_s))  # activity_by_hour bins by the hour
    counts = activity_by_hour(SimpleNamespace(events=scaled)).set_index("hour")
    starts = events[events["kind"] == "session_start"]
    counts["visitors"] = starts.groupby((inside[starts.index] // bin_s).astype(int))["agent_id"].nunique()
    last = max(int(math.ceil(hours * HOUR / bin_s)), int(counts.index.max()) + 1)
    counts = counts.reindex(range(last)).fillna(0).astype(int)
    counts.insert(0, "bin_min", bin_s / 60)
    counts.insert(0, "start_h", counts.index * bin_s / HOUR)
    return counts.reset_index(drop=True)[columns]


def events_by_kind(run: Any) -> dict[str, int]:
    """How many events of each kind the log holds."""
    frame = query(run, "SELECT kind, COUNT(*) AS n FROM events GROUP BY kind ORDER BY kind")
    return {str(k): int(n) for k, n in zip(frame["kind"], frame["n"])}


# ---------------------------------------------------------------- timeline: interventions, interviews


def timeline(run: Any, kinds: tuple[str, ...] = TIMELINE_KINDS) -> pd.DataFrame:
    """Events of the given kinds: seq, hours, kind, agent_id, data (dict)."""
    import json

    marks = ",".join("?" for _ in kinds)
    frame = query(run, f"SELECT seq, time, kind, agent AS agent_id, data FROM events WHERE kind IN ({marks}) "
                       "ORDER BY seq",
                  tuple(kinds))
    frame["data"] = frame["data"].map(lambda t: json.loads(t) if isinstance(t, str) else {})
    frame.insert(1, "hours", frame.pop("time") / HOUR)
    return frame


def interventions(run: Any) -> pd.DataFrame:
    """Interventions applied: hours, type, agent_id, details (the remaining fields, as a dict)."""
    frame = timeline(run, ("intervention",))
    types = frame["data"].map(lambda d: str(d.get("type", "?")) if isinstance(d, dict) else "?")
    details = frame["data"].map(lambda d: {k: v for k, v in d.items() if k != "type"} if isinstance(d, dict) else {})
    return pd.DataFrame({"hours": frame["hours"], "type": types, "agent_id": frame["agent_id"], "details": details})


# ---------------------------------------------------------------- threads and agents


def like_counts(run: Any, target_type: str) -> pd.Series:
    """Likes per target id (as text) for one target type."""
    frame = query(run, "SELECT target_id, COUNT(*) AS n FROM likes WHERE target_type = ? GROUP BY target_id",
                  (target_type,))
    return pd.Series(frame["n"].to_numpy(), index=frame["target_id"].astype(str), dtype="int64")


def threads(run: Any) -> pd.DataFrame:
    """Comments ranked by likes (then by time): comment_id, topic_id, agent_id, role, text, created_h,
    likes, replies, is_attack, hidden, hidden_reason."""
    comments = run.comments
    columns = ["comment_id", "topic_id", "agent_id", "role", "text", "created_h", "likes", "replies", "is_attack",
               "hidden", "hidden_reason"]
    if len(comments) == 0:
        return pd.DataFrame(columns=columns)
    likes = like_counts(run, "comment")
    frame = comments.assign(
        created_h=comments["created_at"] / HOUR,
        likes=comments["comment_id"].astype(str).map(likes).fillna(0).astype(int),
        replies=comments["comment_id"].map(run.replies.groupby("comment_id").size()).fillna(0).astype(int),
        role=comments["agent_id"].map(_roles(run)).fillna("?"))
    frame = frame.sort_values(["likes", "created_at"], ascending=[False, True], kind="stable")
    return frame[columns].reset_index(drop=True)


def replies(run: Any) -> pd.DataFrame:
    """Replies in time order: reply_id, comment_id, agent_id, role, text, created_h, likes, is_attack,
    hidden, hidden_reason."""
    rep = run.replies
    columns = ["reply_id", "comment_id", "agent_id", "role", "text", "created_h", "likes", "is_attack", "hidden",
               "hidden_reason"]
    if len(rep) == 0:
        return pd.DataFrame(columns=columns)
    likes = like_counts(run, "reply")
    frame = rep.assign(created_h=rep["created_at"] / HOUR,
                       likes=rep["reply_id"].astype(str).map(likes).fillna(0).astype(int),
                       role=rep["agent_id"].map(_roles(run)).fillna("?"))
    return frame.sort_values("created_at", kind="stable")[columns].reset_index(drop=True)


def _roles(run: Any) -> pd.Series:
    """Role of every author of a comment or reply (read without loading the whole population)."""
    frame = query(run, "SELECT agent_id, role FROM agents WHERE agent_id IN "
                       "(SELECT author FROM comments UNION SELECT author FROM replies)")
    return pd.Series(frame["role"].to_numpy(), index=frame["agent_id"], dtype=object)


def agent_counts(run: Any) -> dict[str, int]:
    """Agents per role."""
    frame = query(run, "SELECT role, COUNT(*) AS n FROM agents GROUP BY role ORDER BY role")
    return {str(r): int(n) for r, n in zip(frame["role"], frame["n"])}


def agent_table(run: Any, limit: int | None = None) -> pd.DataFrame:
    """One row per agent: agent_id, role, grp, description, prototype (TrendSim attackers), policy,
    followers, followees (S3), emotion_start, emotion_end, confidence_start, confidence_end, opinion_end,
    sessions, comments, replies (the _end values come from the agent's last recorded state; attackers
    have none; a field the run does not have is empty). With ``limit``, every non-user comes first,
    then users in recording order, so a population of millions is never loaded whole."""
    import json

    order = "ORDER BY (role = 'user'), rowid LIMIT ?" if limit is not None else "ORDER BY rowid"
    agents = query(run, f"SELECT agent_id, role, grp, profile FROM agents {order}",
                   (limit,) if limit is not None else ())
    profile = agents["profile"].map(lambda p: json.loads(p) if isinstance(p, str) else {})
    profile = profile.map(lambda p: p if isinstance(p, dict) else {})
    frame = pd.DataFrame({"agent_id": agents["agent_id"], "role": agents["role"], "grp": agents["grp"],
                          "description": profile.map(lambda p: p.get("description", "")),
                          "prototype": profile.map(lambda p: p.get("prototype")),
                          **{k: profile.map(lambda p, k=k: p.get(k)) for k in ("policy", "followers", "followees")},
                          "emotion_start": profile.map(lambda p: p.get("emotion")),
                          "confidence_start": profile.map(lambda p: p.get("confidence"))})
    last = query(run, "SELECT agent, emotion, confidence, opinion FROM (SELECT agent, emotion, confidence, opinion, "
                      "ROW_NUMBER() OVER (PARTITION BY agent ORDER BY time DESC, seq DESC, rowid DESC) AS k "
                      "FROM agent_states) WHERE k = 1").set_index("agent")
    for column in ("emotion", "confidence", "opinion"):
        frame[f"{column}_end"] = frame["agent_id"].map(last[column])
    counts = query(run, "SELECT agent, COUNT(*) AS n FROM events WHERE kind = 'session_start' GROUP BY agent")
    frame["sessions"] = frame["agent_id"].map(counts.set_index("agent")["n"]).fillna(0).astype(int)
    for table in ("comments", "replies"):
        per = query(run, f"SELECT author, COUNT(*) AS n FROM {table} GROUP BY author").set_index("author")["n"]
        frame[table] = frame["agent_id"].map(per).fillna(0).astype(int)
    columns = ["agent_id", "role", "grp", "description", "prototype", "policy", "followers", "followees",
               "emotion_start", "emotion_end", "confidence_start", "confidence_end", "opinion_end", "sessions",
               "comments", "replies"]
    return frame[columns]


# ---------------------------------------------------------------- LLM telemetry


def parse_prices(items: list[str] | tuple[str, ...] | None) -> dict[str, tuple[float, float]]:
    """``MODEL=IN_PER_1K:OUT_PER_1K`` strings as {model: (input, output) price per 1,000 tokens}.

    The model name is everything before the last ``=`` (so ``qwen2.5:7b=0.1:0.2`` works); ``*`` prices
    every model without a price of its own."""
    prices: dict[str, tuple[float, float]] = {}
    for item in items or ():
        model, eq, rates = str(item).rpartition("=")
        parts = rates.split(":")
        try:
            if not eq or not model.strip() or len(parts) != 2:
                raise ValueError
            pin, pout = float(parts[0]), float(parts[1])
            if not (pin >= 0 and pout >= 0 and math.isfinite(pin) and math.isfinite(pout)):
                raise ValueError
        except ValueError:
            raise ConfigError(f"--price {item!r}: expected MODEL=IN_PER_1K:OUT_PER_1K with two prices >= 0 "
                              f"per 1,000 tokens, e.g. --price gpt-4o-mini=0.00015:0.0006 or --price '*=0.1:0.2'") from None
        prices[model.strip()] = (pin, pout)
    return prices


def llm_calls(run: Any) -> pd.DataFrame:
    """LLM call telemetry without requests and replies: kind, type, model, prompt_tokens,
    completion_tokens, cached_tokens, latency_s, attempts, cache_hit, failed."""
    frame = query(run, "SELECT kind, type, model, prompt_tokens, completion_tokens, cached_tokens, latency_s, "
                       "attempts, cache_hit, outcome FROM llm_calls ORDER BY call_id")
    frame["cache_hit"] = frame["cache_hit"].fillna(0).astype(bool)
    frame["failed"] = frame.pop("outcome").fillna("").astype(str).str.startswith("error")
    return frame


def telemetry(run: Any, prices: Mapping[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """Per call kind, plus an ``all`` row: kind, calls, failures, cache_hits, prompt_tokens,
    completion_tokens, cached_tokens, latency_p50_s, latency_p95_s, latency_mean_s, retries, cost.

    Latencies and cost count only calls that reached the backend (cache hits cost nothing and take no
    time); cost is NaN when no price covers a model that was called."""
    calls = llm_calls(run)
    columns = ["kind", "calls", "failures", "cache_hits", "prompt_tokens", "completion_tokens", "cached_tokens",
               "latency_p50_s", "latency_p95_s", "latency_mean_s", "retries", "cost"]
    if len(calls) == 0:
        return pd.DataFrame(columns=columns)
    rows = [_telemetry_row(str(kind), g, prices or {}) for kind, g in calls.groupby("kind", sort=True)]
    rows.append(_telemetry_row("all", calls, prices or {}))
    return pd.DataFrame(rows, columns=columns)


def _telemetry_row(kind: str, g: pd.DataFrame, prices: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
    served = g[~g["cache_hit"]]
    lat = served["latency_s"].dropna()
    return {"kind": kind, "calls": int(len(g)), "failures": int(g["failed"].sum()),
            "cache_hits": int(g["cache_hit"].sum()),
            "prompt_tokens": int(g["prompt_tokens"].fillna(0).sum()),
            "completion_tokens": int(g["completion_tokens"].fillna(0).sum()),
            "cached_tokens": int(g["cached_tokens"].fillna(0).sum()),
            "latency_p50_s": float(lat.quantile(0.5)) if len(lat) else np.nan,
            "latency_p95_s": float(lat.quantile(0.95)) if len(lat) else np.nan,
            "latency_mean_s": float(lat.mean()) if len(lat) else np.nan,
            "retries": int((g["attempts"].fillna(1) - 1).clip(lower=0).sum()),
            "cost": _cost(served, prices)}


def _cost(served: pd.DataFrame, prices: Mapping[str, tuple[float, float]]) -> float:
    if not prices:
        return np.nan
    total = 0.0
    for model, g in served.groupby(served["model"].fillna(""), sort=False):
        price = prices.get(str(model), prices.get("*"))
        if price is None:
            return np.nan
        total += g["prompt_tokens"].fillna(0).sum() / 1000 * price[0]
        total += g["completion_tokens"].fillna(0).sum() / 1000 * price[1]
    return float(total)
