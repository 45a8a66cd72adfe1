"""The surveys part of a report: how the respondents' answers are distributed, per item and time.

For each item (one chart per item id and option list, so the same question asked in several waves
shares a chart) a stacked bar per administration shows the mean probability the respondents'
distributions gave each option: the expected share of the surveyed users choosing it. The summary
table beside it adds n and the share who actually picked each option (one draw per respondent). The
numbers are :func:`hubbub.metrics.surveys.survey_summary`'s, the same as ``tables/survey_summary.csv``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from hubbub.report.html_parts import Options, bar_chart, clean_text, num, table

SURVEY_TABLES = frozenset({"surveys", "survey_summary"})
"""Analysis tables this section already shows."""


def survey_section(run: Any, name: str, opts: Options) -> dict[str, Any]:
    """``{"surveys": {charts, summary, answers}}`` for a run with survey answers, else ``{}``."""
    from hubbub.metrics.surveys import survey_summary

    summary = survey_summary(run)
    if len(summary) == 0:
        return {}
    charts = [_chart(f"{name}-survey-{k}", item, group) for k, (item, group) in enumerate(_by_item(summary))]
    shown = summary.assign(at_h=summary["at_h"].round(4), mean_probability=summary["mean_probability"].round(4),
                           picked_share=summary["picked_share"].round(4))
    respondents = int(run.surveys["agent_id"].nunique())
    return {"surveys": {"charts": charts, "summary": table(shown), "respondents": respondents,
                        "answers": int(len(run.surveys))}}


def _by_item(summary: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """Rows of each item id with one option list, in order of first appearance."""
    key = summary["item"].astype(str) + "\x00" + summary.groupby(["survey", "item"])["option"].transform(
        lambda s: "\x1f".join(map(str, s)))
    return [(str(group["item"].iloc[0]), group) for _, group in summary.groupby(key, sort=False)]


def _chart(cid: str, item: str, rows: pd.DataFrame) -> dict[str, Any]:
    """A stacked bar per administration (survey, hour); one segment per option."""
    waves = rows.drop_duplicates(["survey", "at_h", "post_run"])[["survey", "at_h", "post_run"]]
    labels = [f"#{int(s)} · {h:g} h" + (" (post-run)" if bool(p) else "") for s, h, p in waves.itertuples(index=False)]
    options = list(dict.fromkeys(rows.sort_values("option_index")["option"]))
    bars = []
    for option in options:
        sub = rows[rows["option"] == option].set_index(["survey", "at_h"])["mean_probability"]
        bars.append({"name": clean_text(str(option), 80),
                     "y": [num(sub.get((s, h))) for s, h, _ in waves.itertuples(index=False)]})
    question = clean_text(str(rows["question"].iloc[0]), 120)
    spec = bar_chart(cid, f"{item}: {question}", labels, bars, ylabel="mean probability", ylim=(0, 1))
    spec["stacked"] = True
    return spec
