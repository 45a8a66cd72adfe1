"""Survey results: the tidy answer table and its summary per survey, time, item and option.

The answer table is :attr:`hubbub.store.api.Run.surveys` (one row per respondent and item). The summary
says, for every option of every item at every administration, how many answered (n), the mean
probability the respondents' distributions gave the option (the expected share of the population
choosing it) and the share who actually picked it (one draw per respondent). The analysis of every run
kind writes both as ``tables/surveys.csv`` and ``tables/survey_summary.csv`` when the run has answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

SUMMARY_COLUMNS = ("survey", "at_h", "post_run", "item", "kind", "question", "option_index", "option", "n",
                   "mean_probability", "picked_share", "mean_expected_score")


def option_labels(run: Any) -> dict[tuple[int, str], list[str]]:
    """The options of every (survey, item) as its answers recorded them."""
    from hubbub.store.api import open_readonly
    from hubbub.store.surveys import answer_rows, option_labels as labels

    conn = open_readonly(run.path)
    try:
        return labels(answer_rows(conn))
    finally:
        conn.close()


def survey_summary(run: Any) -> pd.DataFrame:
    """One row per survey, item and option: n, mean_probability, picked_share (see the module docstring),
    and the item's mean expected likert point (empty for choice items)."""
    answers = run.surveys
    if len(answers) == 0:
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    labels = option_labels(run)
    rows = []
    keys = ["survey", "at_h", "post_run", "item", "kind", "question"]
    for key, group in answers.groupby(keys, sort=False, dropna=False):
        options = labels.get((int(key[0]), str(key[3])), [])
        mean_score = group["expected_score"].mean()
        for k, option in enumerate(options):
            rows.append({**dict(zip(keys, key)), "option_index": k + 1, "option": option, "n": len(group),
                         "mean_probability": float(group[f"p_{k + 1}"].mean()),
                         "picked_share": float((group["answer_index"] == k).mean()),
                         "mean_expected_score": float(mean_score) if pd.notna(mean_score) else None})
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def write_survey_tables(run_dir: Path | str) -> list[Path]:
    """tables/surveys.csv and tables/survey_summary.csv (with .md twins) when the run has survey answers."""
    from hubbub.metrics.trendsim import write_table
    from hubbub.store import load_run

    run_dir = Path(run_dir)
    run = load_run(run_dir)
    answers = run.surveys
    if len(answers) == 0:
        return []
    tables = run_dir / "tables"
    tables.mkdir(exist_ok=True)
    return [*write_table(answers, tables / "surveys"), *write_table(survey_summary(run), tables / "survey_summary")]
