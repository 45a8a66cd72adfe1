"""The TrendSim experiments' tables with intervals across replicate seeds (Tables 3, 4, 5 and 9, the data
of Figures 3, 4 and 6-8).

Every table is tidy: its key columns (sentiment group or preference group, attack degree, hours, ...),
then ``measure`` and one estimate per row: ``mean`` (over replicate seeds of the mean over the cell's
topics), ``ci_low`` / ``ci_high`` (a seeded percentile bootstrap 95 % interval over the seeds, so a
rerun gives the same bounds), ``n`` (seeds), ``runs``, ``topics``, ``sd_topics`` (the standard deviation
across topics, ddof 0: the paper's ``±``) and ``estimate`` (the text the summaries show). With one seed
the interval is empty and ``estimate`` says ``n=1, no interval``; it is never ``±0``.

Differences "relative to SE" pair each run with the SE run that shares its topic, seed and every other
grid value (``trendsim.attack.share`` and ``trendsim.censorship.enabled`` are what the degree names).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import pandas as pd

from hubbub.metrics.paired import bootstrap_mean

GROUP_ORDER = ("Positive", "Negative", "Neutral", "All")
"""Sentiment groups of topics, in the paper's order (Tables 3 and 5)."""
DEGREE_KEYS = ("trendsim.attack.share", "trendsim.censorship.enabled")
ESTIMATE_COLUMNS = ("measure", "mean", "ci_low", "ci_high", "n", "runs", "topics", "sd_topics", "estimate")
"""The columns every experiment table ends with."""
METHOD_NOTE = ("Each cell: the mean over replicate seeds of the mean over the cell's topics, the 95 % "
               "percentile bootstrap interval across seeds (seeded) and n = seeds; `sd_topics` is the "
               "standard deviation across topics (the paper's ±). One seed: no interval.")
"""How the tables' estimates are made, as the summaries say it."""
BOOTSTRAP_SEED = 20240601
"""Seed of every bootstrap resampling of these tables (fixed: the same runs give the same interval)."""


def estimate(cell: pd.DataFrame, measure: str) -> dict[str, Any]:
    """One cell's estimate of ``measure``: per seed the mean over the cell's rows (its topics), then the
    mean and bootstrap interval over seeds; NaN values (a failed judge, a missing group) are left out."""
    rows = cell.dropna(subset=[measure])
    per_seed = rows.groupby("seed")[measure].mean()
    per_topic = rows.groupby("topic")[measure].mean() if "topic" in rows else pd.Series(dtype=float)
    spread = float(per_topic.std(ddof=0)) if len(per_topic) > 1 else math.nan
    base = {"runs": len(rows), "topics": len(per_topic), "sd_topics": spread}
    if per_seed.empty:
        return {"mean": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": 0, **base,
                "estimate": "no data (n=0)"}
    iv = bootstrap_mean(per_seed.to_numpy(dtype=float), seed=BOOTSTRAP_SEED)
    return {"mean": iv.mean, "ci_low": iv.low, "ci_high": iv.high, "n": iv.n, **base, "estimate": iv.text()}


def interval_table(frame: pd.DataFrame, keys: list[str], measures: tuple[str, ...]) -> pd.DataFrame:
    """Per combination of ``keys`` and per measure, :func:`estimate`; rows ordered by group and degree
    (``frame`` needs ``seed`` and, for ``topics``/``sd_topics``, ``topic``)."""
    rows = []
    if len(frame):
        for values, cell in frame.groupby(keys, sort=False, dropna=False):
            values = values if isinstance(values, tuple) else (values,)
            for measure in measures:
                rows.append({**dict(zip(keys, values)), "measure": measure, **estimate(cell, measure)})
    return ordered(pd.DataFrame(rows, columns=[*keys, *ESTIMATE_COLUMNS]))


def ordered(table: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by sentiment group (paper order) and attack degree (SE, PA-10, ..., -CS after)."""
    rank = {}
    if "group" in table:
        rank["_g"] = table["group"].map({g: k for k, g in enumerate(GROUP_ORDER)}).fillna(len(GROUP_ORDER))
    if "degree" in table:
        rank["_d"] = table["degree"].map(degree_rank)
    if not rank:
        return table.reset_index(drop=True)
    keyed = table.assign(**rank)
    return keyed.sort_values(list(rank), kind="stable").drop(columns=list(rank)).reset_index(drop=True)


def degree_rank(label: Any) -> float:
    """SE first, then by attacker share; a censored degree right after its uncensored one."""
    text = str(label)
    digits = "".join(ch for ch in text if ch.isdigit())
    return (0 if text.startswith("SE") else int(digits or 0)) + (0.5 if text.endswith("-CS") else 0)


def with_all_group(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows once under their topic's sentiment group (``Positive`` ...) and once under ``All``."""
    named = frame.assign(group=frame["sentiment"].astype(str).str.capitalize())
    return pd.concat([named, frame.assign(group="All")], ignore_index=True)


def context_columns(per_run: pd.DataFrame) -> list[str]:
    """What a run shares with its SE baseline: the seed and every grid value but the degree's."""
    return [c for c in per_run.columns if "." in c and c not in DEGREE_KEYS] + ["seed"]


def baseline_pairs(per_run: pd.DataFrame) -> list[tuple[dict[str, Any], str]]:
    """Each run (SE runs included) with the folder of its SE baseline; runs without one are left out."""
    context = context_columns(per_run)
    se = per_run[per_run["degree"] == "SE"]
    lookup = {tuple(str(r[c]) for c in context): r["run"] for r in se.to_dict("records")}
    pairs = []
    for record in per_run.to_dict("records"):
        base = lookup.get(tuple(str(record[c]) for c in context))
        if base is not None:
            pairs.append((record, base))
    return pairs


def relative_frames(per_run: pd.DataFrame, tables: dict[str, pd.DataFrame], on: list[str],
                    measures: tuple[str, ...]) -> pd.DataFrame:
    """Per run, its table (from ``tables``, keyed by run folder) minus its SE baseline's, matched on the
    ``on`` columns, with the run's topic, sentiment, seed and degree."""
    frames = []
    for record, base in baseline_pairs(per_run):
        mine, theirs = tables.get(record["run"]), tables.get(base)
        if mine is None or theirs is None or not len(mine) or not len(theirs):
            continue
        merged = mine.merge(theirs, on=on, suffixes=("", "_se"))
        diff = merged[on].assign(**{m: merged[m] - merged[f"{m}_se"] for m in measures})
        frames.append(diff.assign(**{k: record[k] for k in ("topic", "sentiment", "seed", "degree")}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def stacked(per_run: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every run's table under its topic, sentiment, seed and degree (runs without a table left out)."""
    frames = [tables[r["run"]].assign(**{k: r[k] for k in ("topic", "sentiment", "seed", "degree")})
              for r in per_run.to_dict("records") if r["run"] in tables and len(tables[r["run"]])]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


CONDITIONS = ("emotion_avg", "emotion_div", "confidence_avg", "confidence_div")


def conditions_table(per_run: pd.DataFrame) -> pd.DataFrame:
    """Table 5 / Table 9: the final conditions per sentiment group (and All) and degree."""
    return interval_table(with_all_group(per_run), ["group", "degree"], CONDITIONS)


def relative_curves_table(per_run: pd.DataFrame, curves: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Figure 3 (All) and Figures 6-8 (per sentiment group): per group, degree and snapshot hour, the
    change of the mean emotion and confidence against the paired SE run."""
    renamed = {k: v.rename(columns={"emotion_mean": "emotion", "confidence_mean": "confidence"})
               for k, v in curves.items()}
    diffs = relative_frames(per_run, renamed, ["hours"], ("emotion", "confidence"))
    diffs = diffs[diffs["degree"] != "SE"] if len(diffs) else diffs  # SE against itself: 0 by definition
    if not len(diffs):
        return pd.DataFrame(columns=["group", "degree", "hours", *ESTIMATE_COLUMNS])
    return interval_table(with_all_group(diffs), ["group", "degree", "hours"], ("emotion", "confidence"))


def group_levels_table(per_run: pd.DataFrame, groups: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Figure 4 b/c as levels, and 4a: per preference group and degree the final emotion, confidence and
    the group's share of the users."""
    rows = stacked(per_run, groups)
    if not len(rows):
        return pd.DataFrame(columns=["grp", "degree", *ESTIMATE_COLUMNS])
    return interval_table(rows, ["grp", "degree"], ("emotion", "confidence", "share"))


def group_drops_table(per_run: pd.DataFrame, groups: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Figure 4 b/c as in the paper: per preference group and attack degree, the final emotion and
    confidence minus those of the same group in the paired SE run (negative: the group lost)."""
    diffs = relative_frames(per_run, groups, ["grp"], ("emotion", "confidence"))
    if not len(diffs):
        return pd.DataFrame(columns=["grp", "degree", *ESTIMATE_COLUMNS])
    return interval_table(diffs[diffs["degree"] != "SE"], ["grp", "degree"], ("emotion", "confidence"))


TIME_MEASURES = ("wall_s", "llm_calls")


def time_cost_table(per_run: pd.DataFrame) -> pd.DataFrame:
    """Table 4: per number of users (``agents``) and degree, the wall-clock seconds a run took with the
    backend it ran on and its LLM calls."""
    present = tuple(m for m in TIME_MEASURES if m in per_run)
    return interval_table(per_run, ["agents", "degree"], present)


def discussion_table(per_run: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """Table 3: judged rationality and diversity of the discussions per sentiment group (and All) and
    degree (``scores``: one row per run with ``run``, ``rationality``, ``diversity``)."""
    if scores is None or not len(scores):
        return pd.DataFrame(columns=["group", "degree", *ESTIMATE_COLUMNS])
    merged = per_run.merge(scores, on="run")
    return interval_table(with_all_group(merged), ["group", "degree"], ("rationality", "diversity"))


def per_run_tables(runs: dict[str, Any], make: Callable[[Any], pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """``make(run)`` for every loaded run, keyed by run folder."""
    return {name: make(run) for name, run in runs.items()}
