"""The survey answers of a run as one tidy table: one row per respondent and item.

Built from the ``survey_answer`` events alone (each carries its item, options and distribution), so
scheduled and post-run surveys, and runs of every kind, give the same columns. The probability of
option k (1-based, in the item's own order: for a likert item point k of its scale) is ``p_k``; an
item with fewer options leaves the higher ``p_`` columns empty.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

import pandas as pd

COLUMNS = ("survey", "at_h", "agent_id", "group", "item", "kind", "question", "answer", "answer_index", "score",
           "expected_score", "method", "post_run")
"""The fixed columns, before ``p_1``, ``p_2``, ...; see :func:`survey_frame`."""


def answer_rows(conn: Any) -> list[tuple[float, Any, Any]]:
    """(time, agent, data) of every ``survey_answer`` event of an open run record, in log order."""
    return conn.execute("SELECT time, agent, data FROM events WHERE kind = 'survey_answer' ORDER BY seq").fetchall()


def survey_frame(rows: Iterable[tuple[float, Any, Any]]) -> pd.DataFrame:
    """(time, agent, data) of ``survey_answer`` events, in log order, as the survey table.

    survey: index of the survey (scheduled ones in scenario order; post-run ones after them)
    at_h: simulated hour whose state the respondent answered from
    agent_id, group: the respondent and their preference group
    item, kind, question: the item's id, likert or choice, and its wording
    answer, answer_index: the option picked (English scale label for likert) and its 0-based position
    score: the likert point picked (1 = strongly disagree); empty for choice items
    expected_score: the mean likert point under the answer's distribution; empty for choice items
    method: how the distribution was obtained (logprobs; schema = a constrained pick, probability 1)
    post_run: asked after the run by ``hubbub survey`` / ``survey_run``
    p_1, p_2, ...: the distribution over the item's options, in the item's order
    """
    records = [_row(time, agent, json.loads(data) if isinstance(data, str) else data) for time, agent, data in rows]
    width = max((len(r["probs"]) for r in records), default=0)
    table = [{**{c: r.get(c) for c in COLUMNS}, **{f"p_{k + 1}": _prob(r["probs"], k) for k in range(width)}}
             for r in records]
    frame = pd.DataFrame(table, columns=[*COLUMNS, *(f"p_{k + 1}" for k in range(width))])
    for column in ("survey", "answer_index", "score"):
        frame[column] = frame[column].astype("Int64")
    for column in ("at_h", "expected_score", *(f"p_{k + 1}" for k in range(width))):
        frame[column] = frame[column].astype("float64")
    frame["post_run"] = frame["post_run"].astype("boolean")
    return frame


def _row(time: float, agent: Any, data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "agent_id": agent, "at_h": data.get("at_h", time / 3600.0),
            "post_run": bool(data.get("post_run", False)), "probs": data.get("probs") or []}


def _prob(probs: list[float], k: int) -> float | None:
    return float(probs[k]) if k < len(probs) else None


def option_labels(rows: Iterable[tuple[float, Any, Any]]) -> dict[tuple[int, str], list[str]]:
    """The options of every (survey, item), as recorded with its answers (for legends and reports)."""
    labels: dict[tuple[int, str], list[str]] = {}
    for _, _, data in rows:
        d = json.loads(data) if isinstance(data, str) else data
        labels.setdefault((int(d["survey"]), str(d["item"])), list(d.get("options") or []))
    return labels
