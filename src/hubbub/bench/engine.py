"""engine: what hubbub itself costs when the LLM costs nothing.

A TrendSim topic (1,000 users, 16 simulated hours, the paper's setting) runs on the scripted backend
with zero latency, so every second measured is engine time: scheduling, prompts, the reply cache, the
hub and the run record. TrendSim's released code needs 16 hours for this topic, almost all of it LLM
calls and sleeps; hubbub's target is <= 10 s of engine time on 2 cores, so that users are limited by
their LLM server only. A second part times an S3 population on the same backend (see
:mod:`hubbub.bench.hybrid`).
"""

from __future__ import annotations

from typing import Any

from hubbub.bench.report import Report
from hubbub.bench.runs import timed_run, trendsim_scenario, workdir

PARAMS: dict[str, tuple[Any, Any]] = {
    "users": (100, 1000),
    "hours": (4.0, 16.0),
    "concurrency": (32, 32),
    "profile": (0, 0),
    "s3_users": (1000, 10_000),
    "s3_steps": (5, 20),
    "keep": (None, None),
}


def run(params: dict[str, Any], report: Report) -> None:
    scenario = trendsim_scenario(params["users"], params["hours"], concurrency=params["concurrency"])
    with workdir(params["keep"]) as tmp:
        timed = timed_run(scenario, tmp / "trendsim")
        _trendsim_figures(report, timed, params)
        if params["profile"]:
            profiled = timed_run(scenario, tmp / "trendsim-profiled", profile_lines=int(params["profile"]))
            report.table("profile (cProfile, top functions; times inflated by profiling)",
                         [{"line": line} for line in profiled.profile.splitlines() if line.strip()])
        if params["s3_users"]:
            from hubbub.bench.hybrid import run_hybrid

            run_hybrid(report, prefix="s3", nodes=int(params["s3_users"]), edges_per_node=10,
                       llm_users=min(1000, int(params["s3_users"]) // 10), steps=int(params["s3_steps"]),
                       folder=tmp / "s3")


def _trendsim_figures(report: Report, t: Any, params: dict[str, Any]) -> None:
    users, hours = params["users"], params["hours"]
    report.figure("users", users, label="TrendSim users")
    report.figure("sim_hours", hours, "h", "simulated hours")
    report.figure("setup_s", t.setup_s, "s", "setup (population, topic, run record)")
    report.figure("engine_wall_s", t.wall_s, "s", "engine wall time (the whole topic)")
    report.figure("engine_cpu_s", t.cpu_s, "s", "engine CPU time (this process)")
    report.figure("events", t.events, "", "events committed")
    report.figure("sessions", t.sessions, "", "sessions")
    report.figure("llm_calls", t.llm_calls, "", "LLM calls sent to the backend")
    report.figure("memo_hits", t.cache_hits, "", "LLM answers reused from the reply cache (recomputations)")
    report.figure("recomputed", t.recomputed, "", "events recomputed after a failed speculation")
    report.figure("batches", t.batches, "", "concurrent batches")
    report.figure("mean_batch", t.events / max(1, t.batches), "events", "mean events committed per batch")
    report.figure("per_call_us", 1e6 * t.wall_s / max(1, t.llm_calls), "µs", "engine time per LLM call")
    report.figure("per_event_ms", 1e3 * t.wall_s / max(1, t.events), "ms", "engine time per event")
    report.figure("calls_per_s", t.llm_calls / max(t.wall_s, 1e-9), "calls/s", "LLM calls the engine can issue per second")
    if users >= 1000 and hours >= 16:
        report.target("engine_wall_s", "1,000-user 16-hour topic, engine time", "<=", 10.0, t.wall_s, "s")
    else:
        report.note("quick sizes: the <= 10 s target applies to the full 1,000-user, 16-hour topic")
