"""Interview answers with the interviewee's group and state, scheduled and post-run interviews alike.

Scheduled interviews record the state they were asked in (TrendSim: ``emotion``, ``confidence`` and
``group``; S3: ``emotion_level`` and ``attitude``). ``hubbub interview RUN`` records only the question
and answer (``post_run: true``), so for those the group comes from the population table and the state
from the agent's last recorded state at or before the interview's time.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from hubbub.report.html_frames import HOUR, query, table_rows, timeline

STATE_COLUMNS = ("emotion", "confidence", "emotion_level", "attitude")
COLUMNS = ["hours", "agent_id", "group", "post_run", "question", "answer", *STATE_COLUMNS]


def interviews(run: Any) -> pd.DataFrame:
    """Every interview answer: hours (simulated), agent_id, group (the persona's preference group, else
    the population group), post_run (asked with ``hubbub interview`` after the run), question, answer,
    and the state when asked: emotion and confidence (numbers, hub users), emotion_level and attitude
    (labels, follow-graph users); a state the record does not hold is empty."""
    frame = timeline(run, ("interview",))
    if len(frame) == 0:
        return pd.DataFrame(columns=COLUMNS)
    data = frame["data"].map(lambda d: d if isinstance(d, dict) else {})
    out = pd.DataFrame({"hours": frame["hours"], "agent_id": frame["agent_id"],
                        "group": data.map(lambda d: d.get("group")),
                        "post_run": data.map(lambda d: bool(d.get("post_run"))),
                        "question": data.map(lambda d: d.get("question", "")),
                        "answer": data.map(lambda d: d.get("answer", "")),
                        **{k: data.map(lambda d, k=k: d.get(k)) for k in STATE_COLUMNS}})
    _fill_groups(run, out)
    _fill_states(run, out)
    return out[COLUMNS].reset_index(drop=True)


def _agents(out: pd.DataFrame) -> tuple[str, tuple[str, ...]]:
    """An SQL ``IN (?, ...)`` list and its parameters: the interviewed agents."""
    ids = tuple(dict.fromkeys(str(a) for a in out["agent_id"] if a is not None))
    return ",".join("?" for _ in ids) or "NULL", ids


def _fill_groups(run: Any, out: pd.DataFrame) -> None:
    """Missing groups from the population: the persona's ``group``, else the agent's ``grp``."""
    import json

    missing = out["group"].isna()
    if not missing.any():
        return
    marks, ids = _agents(out[missing])
    rows = query(run, f"SELECT agent_id, grp, profile FROM agents WHERE agent_id IN ({marks})", ids)
    groups = {}
    for agent, grp, profile in zip(rows["agent_id"], rows["grp"], rows["profile"]):
        persona = json.loads(profile) if isinstance(profile, str) else {}
        groups[agent] = (persona.get("group") if isinstance(persona, dict) else None) or grp
    out.loc[missing, "group"] = out.loc[missing, "agent_id"].map(groups)


def _fill_states(run: Any, out: pd.DataFrame) -> None:
    """Rows with no recorded state (post-run interviews) get the agent's last state at or before then."""
    missing = out[list(STATE_COLUMNS)].isna().all(axis=1)
    if not missing.any():
        return
    marks, ids = _agents(out[missing])
    tables = table_rows(run)
    sources = []
    if tables.get("agent_states"):
        sources.append((query(run, "SELECT agent, time, seq, emotion, confidence FROM agent_states "
                                   f"WHERE agent IN ({marks})", ids), {}))
    if tables.get("s3_user_states"):
        sources.append((query(run, "SELECT agent, time, seq, emotion, attitude FROM s3_user_states "
                                   f"WHERE agent IN ({marks})", ids), {"emotion": "emotion_level"}))
    for index in out.index[missing]:
        t = float(out.at[index, "hours"]) * HOUR
        for states, names in sources:
            last = _last(states, out.at[index, "agent_id"], t)
            for column, value in ({} if last is None else last).items():
                out.at[index, names.get(column, column)] = value


def _last(states: pd.DataFrame, agent: Any, t: float) -> dict[str, Any] | None:
    """The agent's state columns in its last row at or before ``t`` (None if it has none)."""
    rows = states[(states["agent"] == agent) & (states["time"] <= t)]
    if len(rows) == 0:
        return None
    last = rows.sort_values(["time", "seq"], kind="stable").iloc[-1]
    return {c: last[c] for c in rows.columns if c not in ("agent", "time", "seq")}
