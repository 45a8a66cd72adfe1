"""The data of an HTML report: one JSON-ready dict per run, built from the run record.

Sections are present only when the run has their data, so a TrendSim run, an S3 run, an experiment
folder and an old run all give a sensible report. The limits, cleaning and chart/table specs it builds with
are in :mod:`hubbub.report.html_parts`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from hubbub.report import html_frames as frames
from hubbub.report.html_conditions import conditions_section
from hubbub.report.html_timeline import interventions_table
from hubbub.report.html_surveys import SURVEY_TABLES, survey_section
from hubbub.report.html_parts import (Limits, Options, bar_chart, clean, clean_text, line_chart, num, plain, series,
                                      table)

HOUR = 3600.0
WARN_BACKENDS = ("scripted", "embedded")
KNOWN_TABLES = ("events", "agents", "topics", "comments", "replies", "likes", "reposts", "agent_states",
                "moderation", "llm_calls", "meta", "schema_migrations")
"""Record tables with a view of their own; any other non-empty table is sampled in 'Other tables'."""
TRENDSIM_ANALYSIS_TABLES = frozenset({"final_conditions", "conditions_over_time", "conditions_by_group",
                                      "activity_by_hour"})
"""Analysis tables the TrendSim sections already show."""


def _flag(value: Any) -> bool:
    return False if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) else bool(value)


# ---------------------------------------------------------------- provenance


def provenance(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """Backend, model, seed and status of a run, and whether its figures are only a demo."""
    backend = manifest.get("backend") or {}
    name, model = str(backend.get("backend", "?")), str(backend.get("model", "?") or "?")
    inner = str(backend.get("inner", backend.get("wrapped", "")) or "")
    demo = (name in WARN_BACKENDS or inner in WARN_BACKENDS or model.startswith("scripted")
            or "smollm" in model.lower())
    notes = []
    if demo:
        notes.append(f"Backend '{name}' (model '{model}') is a demo/test model whose choices carry no persona "
                     "signal: these figures show how hubbub works, they are NOT research results.")
    status = manifest.get("status")
    if status not in (None, "completed"):
        notes.append(f"The run's status is '{status}': it did not finish, so the figures cover only part of it "
                     "(continue it with `hubbub resume RUN_DIR`).")
    warning = " ".join(notes)
    return clean({"backend": name, "model": model, "seed": manifest.get("seed"), "status": manifest.get("status"),
                  "hubbub_version": manifest.get("hubbub_version"), "started_at": manifest.get("started_at"),
                  "ended_at": manifest.get("ended_at"), "kind": (manifest.get("config") or {}).get("kind"),
                  "warning": warning})


# ---------------------------------------------------------------- one run


def run_payload(run: Any, name: str, opts: Options) -> dict[str, Any]:
    """Everything the report shows about one run (keys only for sections with data)."""
    rows = frames.table_rows(run)
    manifest = run.manifest
    out: dict[str, Any] = {"name": clean_text(name), "path": clean_text(str(run.path)),
                           "provenance": provenance(manifest), "tables": rows,
                           "events": frames.events_by_kind(run) if rows.get("events") else {},
                           "horizon_h": num(frames.horizon_h(run)) if rows.get("events") else None,
                           "markers": _markers(run) if rows.get("events") else []}
    out["glance"] = _glance(run, rows, out["events"])
    if rows.get("agent_states") and rows.get("agents"):
        out.update(conditions_section(run, name, opts))
    if rows.get("events"):
        activity = _activity_section(run, name, opts)
        if activity:
            out["activity"] = activity
        out.update(_timeline_section(run, opts))
    if rows.get("comments") or rows.get("topics"):
        out["threads"] = _threads_section(run, opts)
    if rows.get("agents"):
        out["agents"] = _agents_section(run, opts)
    if rows.get("llm_calls"):
        out["telemetry"] = table(frames.telemetry(run, opts.prices))
        out["telemetry"]["priced"] = bool(opts.prices)
    if rows.get("events"):
        out.update(survey_section(run, name, opts))
    out.update(_generic_sections(run, rows, name, opts))
    out["manifest"] = clean(manifest)
    return out


def _generic_sections(run: Any, rows: dict[str, int], name: str, opts: Options) -> dict[str, Any]:
    """S3 tables, analysis curves and tables, and record tables without a dedicated view."""
    from hubbub.report.html_generic import analysis_tables, extra_curves, other_table
    from hubbub.report.html_platform import platform_charts
    from hubbub.report.html_s3 import S3_ANALYSIS_TABLES, S3_TABLES, s3_section

    out: dict[str, Any] = {}
    s3 = s3_section(run, rows, name, opts)
    if s3:
        out["s3"] = s3
    shown = TRENDSIM_ANALYSIS_TABLES | S3_ANALYSIS_TABLES | SURVEY_TABLES
    curves = platform_charts(run, rows, name, opts) + extra_curves(Path(run.path), name, opts, skip=shown)
    if curves:
        out["curves"] = curves
    tables = analysis_tables(Path(run.path), skip=shown)
    if tables:
        out["analysis_tables"] = tables
    unknown = sorted(set(rows) - set(KNOWN_TABLES) - set(S3_TABLES))
    others = [other_table(run, t, rows[t], opts) for t in unknown if rows[t]]
    if others:
        out["other_tables"] = others
    return out


def _glance(run: Any, rows: dict[str, int], events: dict[str, int]) -> dict[str, Any]:
    """Headline counts; content counts that are zero are left out (an S3 run has no comments)."""
    from hubbub.report.html_s3 import S3_TABLES, s3_glance

    roles = frames.agent_counts(run) if rows.get("agents") else {}
    comments = run.comments if rows.get("comments") else None
    glance = {"agents": rows.get("agents", 0), **{f"role: {k}": v for k, v in sorted(roles.items())},
              "events": rows.get("events", 0), "sessions": events.get("session_start", 0),
              "comments": rows.get("comments", 0), "replies": rows.get("replies", 0),
              "likes": rows.get("likes", 0), "reposts": rows.get("reposts", 0)}
    glance = {k: v for k, v in glance.items() if v or k in ("agents", "events")}
    glance.update({"LLM calls": rows.get("llm_calls", 0), "LLM failures": events.get("llm_failure", 0)})
    if comments is not None and len(comments):
        glance["attack comments"] = int(comments["is_attack"].fillna(False).sum())
        glance["hidden comments"] = int(comments["hidden"].fillna(False).sum())
    glance.update(s3_glance(run, rows))
    for extra in sorted(set(rows) - set(KNOWN_TABLES) - set(S3_TABLES)):
        if rows[extra]:
            glance[f"table {extra}"] = rows[extra]
    return clean(glance)


def _markers(run: Any) -> list[dict[str, Any]]:
    """Interventions and interviews as timeline markers (one per intervention, one per interview time)."""
    tl = frames.timeline(run)
    marks, seen = [], set()
    for hours, kind, data in zip(tl["hours"], tl["kind"], tl["data"]):
        if kind == "interview":
            key = (round(hours, 6), str(data.get("question", ""))[:80])
            if key in seen:
                continue
            seen.add(key)
            label = f"interview: {data.get('question', '')}"
        else:
            label = f"{data.get('type', 'intervention')}"
        marks.append({"x": num(hours, 6), "kind": kind, "label": clean_text(label, 120)})
    return marks


def _activity_section(run: Any, name: str, opts: Options) -> dict[str, Any]:
    act = frames.activity(run)
    if len(act) == 0:
        return {}
    minutes = float(act["bin_min"].iloc[0])
    hours = minutes / 60
    width = f"{hours:g} simulated hour{'s' if hours > 1 else ''}" if hours >= 1 else f"{minutes:g} simulated minutes"
    cols = [c for c in frames.ACTIVITY_COLUMNS if act[c].sum() > 0]
    if not cols:  # e.g. an S3 run: no sessions, no comments
        return {}
    x = act["start_h"] + act["bin_min"] / 120  # plot each count at its bin's middle
    lines = [series(c.replace("_", " "), x, act[c], None, opts.limits.curve_points) for c in cols]
    chart = line_chart(f"{name}-activity", f"Activity per {width}", lines, ylabel="count")
    return {"chart": chart, "table": table(act)}


def _state(value: Any) -> Any:
    """A state value as the interview table shows it: a number (TrendSim) or a level name (S3)."""
    return plain(value, 40) if isinstance(value, str) else num(value)


def _either(number: Any, label: Any) -> Any:
    """The hub state (a number) where the interviewee has one, else the follow-graph label."""
    return label if number is None or (isinstance(number, float) and number != number) else number


def _timeline_section(run: Any, opts: Options) -> dict[str, Any]:
    out: dict[str, Any] = {}
    iv = frames.interventions(run)
    if len(iv):
        out["interventions"] = interventions_table(iv)
    from hubbub.report.interviews import interviews

    qa = interviews(run)
    if len(qa):
        lim = opts.limits
        shown = qa.head(lim.interviews)
        out["interviews"] = {"total": len(qa), "shown": len(shown), "answers": [
            {"h": num(r.hours), "agent": plain(r.agent_id, 80), "group": plain(r.group, 80),
             "q": plain(r.question, lim.text_chars), "a": plain(r.answer, lim.text_chars),
             "emotion": _state(_either(r.emotion, r.emotion_level)),
             "confidence": _state(_either(r.confidence, r.attitude))} for r in shown.itertuples(index=False)]}
    return out


def _threads_section(run: Any, opts: Options) -> dict[str, Any]:
    lim = opts.limits
    ranked = frames.threads(run)
    picked = sample_ranked(len(ranked), lim.comments)
    shown = ranked.iloc[picked]
    reps = frames.replies(run)
    by_comment = {cid: g for cid, g in reps.groupby("comment_id")} if len(reps) else {}
    topics = run.topics
    topic_likes = frames.like_counts(run, "topic")
    reposts = run.reposts.groupby("topic_id").size() if len(run.reposts) else pd.Series(dtype=int)
    return {"total": len(ranked), "shown": len(shown), "topics": [
        {"id": plain(t.topic_id, 200), "title": plain(t.title, 400), "summary": plain(t.summary, lim.text_chars),
         "content": plain(t.content, 4 * lim.text_chars), "sentiment": plain(t.sentiment, 40),
         "likes": int(topic_likes.get(str(t.topic_id), 0)), "reposts": int(reposts.get(t.topic_id, 0))}
        for t in topics.itertuples(index=False)],
        "comments": _comments(shown, by_comment, lim)}


def _comments(shown: pd.DataFrame, by_comment: dict[Any, pd.DataFrame], lim: Limits) -> list[dict[str, Any]]:
    """The shown comments with their first replies, within the per-comment and total reply budgets."""
    out, budget = [], lim.replies
    for c in shown.itertuples(index=False):
        reps = by_comment.get(c.comment_id)
        take = min(lim.replies_per_comment, budget)
        out.append(_comment(c, reps.head(take) if reps is not None else None, lim))
        budget -= len(out[-1]["replies"])
    return out


def sample_ranked(total: int, limit: int) -> list[int]:
    """Positions to show from a ranked list: the top two thirds of ``limit``, then an even spread of the rest
    (so quiet comments are seen too), in rank order."""
    if total <= limit:
        return list(range(total))
    top = (2 * limit) // 3
    rest = np.linspace(top, total - 1, limit - top).round().astype(int)
    return sorted(set(range(top)) | set(int(i) for i in rest))


def _comment(c: Any, reps: pd.DataFrame | None, lim: Limits) -> dict[str, Any]:
    item = {"id": int(c.comment_id), "topic": plain(c.topic_id, 200), "author": plain(c.agent_id, 80),
            "role": plain(c.role, 40), "text": plain(c.text, lim.text_chars), "h": num(c.created_h),
            "likes": int(c.likes), "attack": _flag(c.is_attack), "hidden": _flag(c.hidden),
            "reason": plain(c.hidden_reason, 200), "replies_total": int(c.replies), "replies": []}
    if reps is not None:
        for r in reps.itertuples(index=False):
            item["replies"].append({"id": int(r.reply_id), "author": plain(r.agent_id, 80), "role": plain(r.role, 40),
                                    "text": plain(r.text, lim.text_chars), "h": num(r.created_h),
                                    "likes": int(r.likes), "attack": _flag(r.is_attack),
                                    "hidden": _flag(r.hidden), "reason": plain(r.hidden_reason, 200)})
    return item


def _agents_section(run: Any, opts: Options) -> dict[str, Any]:
    total = sum(frames.agent_counts(run).values())
    agents = frames.agent_table(run, limit=opts.limits.agents if total > opts.limits.agents else None)
    for col, n in (("description", 400), ("opinion_end", 400)):
        agents[col] = agents[col].map(lambda v, n=n: plain(v, n))
    empty = [c for c in agents.columns if agents[c].map(lambda v: v is None or v == "" or v != v).all()
             or (c in ("sessions", "comments", "replies") and not agents[c].any())]
    agents = agents.drop(columns=empty)  # e.g. no persona texts in a rule-based S3 population
    out = table(agents)
    out.update({"total": total, "shown": len(agents)})
    return out
