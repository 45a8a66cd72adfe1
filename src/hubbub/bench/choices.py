"""choices: how many choices log-probabilities answer, per language and call kind.

The demo scenario runs in English (its own topic) and in Chinese (the same event, ``zh-marathon-pacer``)
at a few users, on each backend asked for: the embedded engine, and/or a llama.cpp server over HTTP
(started on loopback unless ``--base-url`` names one). From the runs' ``llm_calls`` rows it counts, per
call kind, the choices answered by letter scoring (one request), by a schema request after a miss (two
requests: outcome ``fallback``) and by a schema request because ``choice_mode = "auto"`` switched the kind
(outcome ``switched``). Target: at least 95 % answered by log-probabilities in each language.

For comparison the run's choice requests are then scored once more on a fresh engine without the answer
prefix (``llm.answer_prefix = false``, log-probabilities only): how prompts fared before it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from hubbub.bench.report import Report
from hubbub.bench.runs import recorded_calls, timed_run, workdir

PARAMS: dict[str, tuple[Any, Any]] = {
    "backend": (["embedded"], ["embedded", "openai"]),
    "users": (3, 4),
    "hours": (1.0, 1.0),
    "parallel": (4, 4),
    "max_tokens": (16, 24),
    "concurrency": (8, 8),
    "base_url": (None, None),
    "model": (None, None),
    "keep": (None, None),
}
LANGS = {"en": "en-marathon-pacer", "zh": "zh-marathon-pacer"}
TARGET_SHARE = 0.95
STALL_S = 900.0
"""On a loaded 2-core machine a loopback server can leave requests unanswered for minutes: the shares
measured here do not depend on speed, so the run waits instead of stopping (llm.stall_s)."""


def run(params: dict[str, Any], report: Report) -> None:
    from hubbub.bench.saturation import check_backends, serving

    check_backends("choices", params)
    for name in params["backend"]:
        if name == "scripted":
            report.note("choices: the scripted backend scores nothing; skipped")
            continue
        rows: list[dict[str, Any]] = []
        with workdir(params["keep"]) as tmp, serving(name, params) as llm:
            for lang, topic in LANGS.items():
                run_dir = tmp / f"choices-{name}-{lang}"
                timed = timed_run(demo_scenario(params, llm, lang, topic), run_dir)
                report.figure(f"{name}_{lang}_wall_s", timed.wall_s, "s", f"{name}, {lang}: run wall time")
                rows += measure(name, lang, run_dir, report)
                without_prefix(name, lang, llm, run_dir, report)
        report.table(f"{name}: choices by call kind", rows)


def demo_scenario(params: dict[str, Any], llm: dict[str, Any], lang: str, topic: str) -> Any:
    """The built-in demo at ``users`` users and ``hours`` hours, in ``lang``, on the given backend."""
    from hubbub.scenarios.config import scenario_from_dict
    from hubbub.scenarios.loading import read_scenario_data, set_dotted

    data, _ = read_scenario_data("demo")
    settings = {"lang": lang, "trendsim.topic": topic, "trendsim.population.size": int(params["users"]),
                "trendsim.lifecycle_h": float(params["hours"]), "run.concurrency": int(params["concurrency"]),
                "run.name": f"choices-{lang}", "llm": {**data.get("llm", {}), "stall_s": STALL_S, **llm}}
    for key, value in settings.items():
        set_dotted(data, key, value)
    return scenario_from_dict(data, f"demo ({lang}, {params['users']} users)")


def measure(name: str, lang: str, run_dir: Path, report: Report) -> list[dict[str, Any]]:
    """Per-kind rows of one run, and its language's share answered by log-probabilities (the target)."""
    calls = recorded_calls(run_dir)
    calls = calls[calls["type"] == "choose"]
    rows = [_row(lang, str(kind), g) for kind, g in calls.groupby("kind", sort=True)]
    total = _row(lang, "all", calls)
    share = total["share"]
    p = f"{name}_{lang}_"
    report.figure(p + "choices", total["n"], "", f"{name}, {lang}: choices answered")
    report.figure(p + "requests_per_choice", total["sent"] / max(1, total["n"]), "",
                  f"{name}, {lang}: requests sent per choice")
    report.figure(p + "fallback_share", None if share is None else 1 - share, "",
                  f"{name}, {lang}: share answered by a schema request (fallback or switched)")
    report.target(p + "logprob_share", f"{name}, {lang}: choices answered by log-probabilities", ">=",
                  TARGET_SHARE, share)
    return [*rows, total]


def _row(lang: str, kind: str, g: pd.DataFrame) -> dict[str, Any]:
    """Counts of one call kind: answered choices (n), of them scored by log-probabilities, answered by a
    schema request after a miss or after the switch; failed calls; requests sent (misses included)."""
    outcome = g["outcome"].fillna("")
    answered = g[g["reply"].notna()]
    scored = int(((answered["method"] == "logprobs") & (answered["outcome"] == "ok")).sum())
    choices = len(answered)
    return {"lang": lang, "kind": kind.removeprefix("trendsim."), "n": choices, "scored": scored,
            "fallback": int((outcome == "fallback").sum()), "switched": int((outcome == "switched").sum()),
            "failed": int(outcome.str.startswith("error").sum()), "sent": len(g),
            "share": scored / choices if choices else None}


def without_prefix(name: str, lang: str, llm: dict[str, Any], run_dir: Path, report: Report) -> None:
    """Share of the run's choices that letter scoring answers when the prompt ends with the question."""
    from hubbub.bench.runs import request_from_payload
    from hubbub.bench.saturation import fire
    from hubbub.scenarios.config import LLMConfig

    calls = recorded_calls(run_dir)
    payloads = {key: payload for key, payload, kind in zip(calls["key"], calls["request"], calls["type"])
                if kind == "choose"}
    requests = [request_from_payload(p) for p in payloads.values()]
    if not requests:
        return
    _, stats = fire(LLMConfig(**llm, answer_prefix=False, choice_mode="logprobs"), requests)
    share = sum(s.outcome == "ok" for s in stats) / len(stats)
    report.figure(f"{name}_{lang}_logprob_share_without_prefix", share, "",
                  f"{name}, {lang}: same choices scored without the answer prefix (share with letters in the top 20)")
