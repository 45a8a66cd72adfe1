"""memory: over a 300-step run, do prompts and process memory stay flat?

Long runs of other simulators die of growth: prompts that carry the whole history until the context
overflows, and processes that keep everything. This workload runs an S3 population for 300 steps with
the platform recommending recent posts (so activity does not die out after the cascade), on the
scripted backend, and records per step: the mean and largest prompt (estimated tokens, the same
estimate the memory budget uses), resident memory and step time. It prints the series and their
slopes, and compares the last 50 steps with steps 50-100 (after warm-up).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from hubbub.bench.report import Report, slope
from hubbub.bench.runs import workdir

PARAMS: dict[str, tuple[Any, Any]] = {
    "nodes": (500, 2000),
    "llm_users": (40, 200),
    "steps": (30, 300),
    "keep": (None, None),
}
RECOMMEND = (0.5, 50)
"""Half the users see recommended posts of the last 50 steps each step: activity never dies out."""
GROWTH_LIMIT = 0.10
"""Flat means: the last 50 steps are within 10% of steps 50-100."""


def run(params: dict[str, Any], report: Report) -> None:
    from hubbub.bench.hybrid import _Trace, s3_available, s3_scenario
    from hubbub.runtime.simulation import Simulation

    if not s3_available():
        report.note("memory: the S3 runtime is not available in this build; skipped")
        return
    scenario = s3_scenario(params["nodes"], 5, params["llm_users"], params["steps"], recommend=RECOMMEND)
    with workdir(params["keep"]) as tmp:
        trace = _Trace()
        Simulation(scenario, tmp / "memory").run(on_batch=trace.batch)
        prompts = prompt_sizes(tmp / "memory", trace.calls)
    _figures(report, params, trace, prompts)


def prompt_sizes(run_dir: Any, calls_per_step: list[int]) -> list[tuple[float, int]]:
    """(mean, max) estimated prompt tokens of the calls of each step, in step order (read one request
    at a time, so the measurement does not inflate the process's memory)."""
    import contextlib
    import json
    import sqlite3

    from hubbub.agents.memory import count_tokens

    with contextlib.closing(sqlite3.connect(f"file:{run_dir / 'run.sqlite'}?mode=ro", uri=True)) as conn:
        rows = conn.execute("SELECT request FROM llm_calls ORDER BY call_id")
        sizes = [sum(count_tokens(content) for _, content in json.loads(text)["messages"]) for (text,) in rows]
    out, start = [], 0
    for n in calls_per_step:
        chunk = sizes[start:start + n]
        start += n
        out.append((float(np.mean(chunk)) if chunk else float("nan"), max(chunk) if chunk else 0))
    return out


def _growth(values: list[float]) -> float | None:
    """Relative change from steps 50-100 to the last 50 steps (None for runs under 150 steps)."""
    x = np.asarray(values, dtype=float)
    if x.size < 150:
        return None
    early, late = np.nanmean(x[50:100]), np.nanmean(x[-50:])
    return float((late - early) / early) if early else None


def _figures(report: Report, params: dict[str, Any], trace: Any, prompts: list[tuple[float, int]]) -> None:
    steps = list(range(len(trace.step_s)))
    mean_tok = [m for m, _ in prompts]
    rss = [r / 2**20 for r in trace.rss]
    active = [i for i, m in enumerate(mean_tok) if not math.isnan(m)]
    report.figure("users", params["nodes"], "", "users (rule-based + LLM)")
    report.figure("llm_users", params["llm_users"], "", "LLM users (scripted backend)")
    report.figure("steps", len(steps) - 1, "", "steps after step 0")
    report.figure("llm_calls", sum(trace.calls), "", "LLM calls")
    report.figure("prompt_mean_tok", float(np.nanmean(mean_tok)) if active else None, "tok", "mean prompt (estimated tokens)")
    report.figure("prompt_max_tok", max(m for _, m in prompts) if prompts else None, "tok", "largest prompt")
    report.figure("prompt_slope", slope([steps[i] for i in active], [mean_tok[i] for i in active]), "tok/step",
                  "slope of the mean prompt per step")
    report.figure("rss_first_mib", rss[0] if rss else None, "MiB", "resident memory after step 0")
    report.figure("rss_last_mib", rss[-1] if rss else None, "MiB", "resident memory at the end")
    report.figure("rss_slope", slope(steps, rss), "MiB/step", "slope of resident memory per step")
    report.figure("step_slope_ms", 1e3 * slope(steps[1:], trace.step_s[1:]), "ms/step", "slope of step wall time per step")
    report.figure("step_cpu_slope_ms", 1e3 * slope(steps[1:], trace.cpu_s[1:]), "ms/step",
                  "slope of step CPU time per step (insensitive to other jobs on the machine)")
    prompt_growth = report.figure("prompt_growth", _growth(mean_tok), "", "mean prompt, last 50 steps vs steps 50-100")
    rss_growth = report.figure("rss_growth", _growth(rss), "", "resident memory, last 50 steps vs steps 50-100")
    report.add_series("per step", step=steps, prompt_mean_tok=mean_tok, prompt_max_tok=[m for _, m in prompts],
                      llm_calls=trace.calls, rss_mib=rss, seconds=trace.step_s, cpu_seconds=trace.cpu_s)
    if prompt_growth is None:
        report.note("fewer than 150 steps: the flatness targets apply to the 300-step run")
        return
    report.target("prompt_flat", "prompt size: last 50 steps vs steps 50-100", "<=", GROWTH_LIMIT, abs(prompt_growth))
    report.target("rss_flat", "resident memory: last 50 steps vs steps 50-100", "<=", GROWTH_LIMIT, rss_growth)
