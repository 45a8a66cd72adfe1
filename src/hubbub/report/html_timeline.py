"""Interventions as a table a reader can scan: one row each, with its time, type, whom or what it
targets, its settings and what it did, written as ``name: value`` text instead of raw JSON."""

from __future__ import annotations

from typing import Any

import pandas as pd

from hubbub.report.html_parts import clean_text, num, table

TARGET_KEYS = ("agent", "source", "target", "post_id", "topic_id", "user", "group")
"""Fields naming whom or what an intervention acts on (shown in the 'target' column)."""
HIDDEN_KEYS = ("index", "world", "at_h")
"""Bookkeeping fields of the recorded event that say nothing to a reader (at_h: the time column has it)."""


def readable(value: Any, limit: int = 300) -> str:
    """A value as short text: dicts as ``a: 1; b: yes``, lists comma-separated, booleans yes / no."""
    if isinstance(value, dict):
        text = "; ".join(f"{k}: {readable(v, limit)}" for k, v in value.items() if v not in (None, "", [], {}))
    elif isinstance(value, (list, tuple)):
        text = ", ".join(readable(v, limit) for v in value)
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, float):
        text = f"{num(value, 4):g}" if num(value, 4) is not None else ""
    else:
        text = "" if value is None else str(value)
    return clean_text(text, limit)


def interventions_table(frame: pd.DataFrame) -> dict[str, Any]:
    """``hubbub.report.html_frames.interventions`` as rows: time (h), type, target, settings, effect."""
    rows = []
    for hours, kind, agent, details in zip(frame["hours"], frame["type"], frame["agent_id"], frame["details"]):
        d = dict(details) if isinstance(details, dict) else {}
        effect = d.pop("effect", None)
        target = {k: d.pop(k) for k in TARGET_KEYS if k in d}
        if agent and "agent" not in target:
            target["agent"] = agent
        settings = {k: v for k, v in d.items() if k not in HIDDEN_KEYS}
        rows.append({"time (h)": num(hours, 4), "type": clean_text(str(kind), 300), "target": readable(target),
                     "settings": readable(settings), "effect": readable(effect)})
    out = table(pd.DataFrame(rows, columns=["time (h)", "type", "target", "settings", "effect"]))
    out["title"] = "Interventions"
    return out
