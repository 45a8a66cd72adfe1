"""The tidy face of a run's tables: one agent id column name, simulated hours, calendar times, persona
columns.

The record stores each table as its world wrote it (``agent``, ``author``, seconds since the start).
Analysis wants one join key and one time axis everywhere, so :class:`hubbub.store.Run` passes every
table through :func:`tidy`:

* the acting or owning agent's id is ``agent_id`` in every table (``events.agent``, ``comments.author``,
  ``likes.agent``, ``s3_posts.author`` ...); ``s3_awareness.via`` becomes ``via_agent_id``;
* next to each simulated time in seconds (``time``, or ``created_at`` for comments and replies) come
  ``t_h`` (simulated hours) and, where the scenario has a ``run.start_time``, ``timestamp`` (calendar
  time, no zone);
* ``agents`` gets one column per persona attribute (the keys of ``profile``; nested ones such as
  ``demographics`` flattened to ``demographics_age``), ``profile`` itself kept last.

:data:`RENAMED` is also what ``hubbub export`` applies, so exported files use the same names.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from hubbub.errors import DataError
from hubbub.store import schema

HOUR = 3600.0

RENAMED: dict[str, dict[str, str]] = {
    "events": {"agent": "agent_id"},
    "comments": {"author": "agent_id"},
    "replies": {"author": "agent_id"},
    "likes": {"agent": "agent_id"},
    "reposts": {"agent": "agent_id"},
    "agent_states": {"agent": "agent_id"},
    "s3_posts": {"author": "agent_id"},
    "s3_awareness": {"agent": "agent_id", "via": "via_agent_id"},
    "s3_user_states": {"agent": "agent_id"},
}
"""Stored column name -> name in the loaded (and exported) tables, per table."""

SECONDS_COLUMN: dict[str, str] = {"comments": "created_at", "replies": "created_at"}
"""The column holding a row's simulated time in seconds where it is not called ``time``."""

PROFILE_COLUMN = "profile"


def tidy(table: str, frame: pd.DataFrame, start: pd.Timestamp | None) -> pd.DataFrame:
    """``frame`` (a stored table with typed columns) with the names and extra columns described above."""
    frame = frame.rename(columns=RENAMED.get(table, {}))
    frame = with_hours(frame, SECONDS_COLUMN.get(table, "time"), start)
    return persona_columns(frame) if table == "agents" else frame


def with_hours(frame: pd.DataFrame, seconds: str, start: pd.Timestamp | None) -> pd.DataFrame:
    """``t_h`` (and ``timestamp`` when ``start`` is known) inserted right after the ``seconds`` column."""
    if seconds not in frame.columns:
        return frame
    at = frame.columns.get_loc(seconds) + 1
    values = frame[seconds].astype("float64")
    frame.insert(at, "t_h", values / HOUR)
    if start is not None:
        frame.insert(at + 1, "timestamp", start + pd.to_timedelta(values, unit="s"))
    return frame


def persona_columns(agents: pd.DataFrame) -> pd.DataFrame:
    """One column per persona attribute, in first-seen order; a key that clashes with a column of the
    table (``role``, ``grp``, ``agent_id``) is named ``profile_<key>``."""
    profiles = [p if isinstance(p, dict) else {} for p in agents[PROFILE_COLUMN]]
    flat = [_flatten(p) for p in profiles]
    keys = list(dict.fromkeys(k for p in flat for k in p))
    taken = set(agents.columns)
    front = agents.drop(columns=[PROFILE_COLUMN])
    extra = pd.DataFrame({(f"profile_{k}" if k in taken else k): [p.get(k) for p in flat] for k in keys},
                         index=agents.index)
    return pd.concat([front, extra, agents[[PROFILE_COLUMN]]], axis=1)


def _flatten(profile: dict[str, Any]) -> dict[str, Any]:
    """One level of nesting unfolded: ``{"demographics": {"age": 30}}`` -> ``{"demographics_age": 30}``."""
    out: dict[str, Any] = {}
    for key, value in profile.items():
        if isinstance(value, dict) and value:
            out.update({f"{key}_{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out


def data_columns(events: pd.DataFrame) -> pd.DataFrame:
    """Events with their ``data`` fields as columns instead of the ``data`` dict (a field named like an
    envelope column, ``time`` say, becomes ``data_time``)."""
    records = [d if isinstance(d, dict) else {} for d in events["data"]]
    envelope = events.drop(columns=["data"])
    keys = list(dict.fromkeys(k for d in records for k in d))
    fields = pd.DataFrame({(f"data_{k}" if k in envelope.columns else k): _column([d.get(k) for d in records])
                           for k in keys}, index=events.index)
    return pd.concat([envelope, fields], axis=1).reset_index(drop=True)


def _column(values: list[Any]) -> Any:
    """A field's values with a nullable dtype where they share one (integers with gaps stay integers:
    Int64, boolean, Float64); text and mixed values stay Python objects."""
    try:
        array = pd.array(values)
    except (TypeError, ValueError):
        return pd.Series(values, dtype=object).array
    return pd.Series(values, dtype=object).array if isinstance(array.dtype, pd.StringDtype) else array


def start_time(manifest: dict[str, Any]) -> pd.Timestamp | None:
    """The calendar time of simulated t=0 from the manifest's ``run.start_time``, None if it has none."""
    text = ((manifest.get("config") or {}).get("run") or {}).get("start_time")
    if text is None:
        return None
    try:
        return pd.Timestamp(str(text))
    except ValueError:
        raise DataError(f"manifest config run.start_time {text!r}: not a calendar date-time; expected ISO 8601 "
                        f"such as 2024-06-01T08:00:00") from None


def typed(table: str, frame: pd.DataFrame, columns: list[tuple[str, str]]) -> pd.DataFrame:
    """Give every column its dtype from the schema, so empty and full tables look alike."""
    flags = schema.BOOL_COLUMNS.get(table, ())
    json_columns = schema.JSON_COLUMNS.get(table, ())
    for name, decl in columns:
        if name in json_columns:
            frame[name] = frame[name].map(_parse_json).astype(object)
        elif name in flags:
            frame[name] = frame[name].astype("Int64").astype("boolean")
        elif decl.upper() == "INTEGER":
            frame[name] = frame[name].astype("Int64")
        elif decl.upper() == "REAL":
            frame[name] = frame[name].astype("float64")
        else:
            frame[name] = frame[name].astype(object)
    return frame


def _parse_json(text: Any) -> Any:
    return None if text is None or (isinstance(text, float) and text != text) else json.loads(text)
