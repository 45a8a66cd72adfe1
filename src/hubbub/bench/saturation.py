"""saturation: does a hubbub run keep its LLM server as busy as the server can be?

The same server is driven twice:

(a) by a TrendSim run (scheduler, speculation, prompts, reply cache, run record, all included), and
(b) by a raw batch of exactly the requests that run sent, read back from its ``llm_calls`` table and
    fired at once, so only the server limits it.

Both throughputs (requests/s, tokens/s) and their ratio are printed; the ratio says how much of the
server's capacity the simulation leaves unused (target >= 0.97, issue 16); phase (a)'s record also says
when its first user step was committed, against its slowest event (target <= 2x, issue 16). Each
phase gets a fresh engine with the same settings, so neither inherits the other's warm prefix cache.
Two servers are measured: the embedded in-process llama.cpp engine and llama.cpp's OpenAI-compatible
HTTP server on loopback
(``start_server``), which stands for any OpenAI-compatible server; ``--backend openai --base-url URL
--model NAME`` measures an external one (vLLM, ...) instead. With an external server the two phases
share it, so phase (b) may find prefixes cached by phase (a).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from typing import Any

import pandas as pd

from hubbub.bench.report import Report
from hubbub.bench.runs import (commit_timing, recorded_calls, request_from_payload, timed_run, trendsim_scenario,
                               workdir)
from hubbub.llm.base import ChoiceRequest

PARAMS: dict[str, tuple[Any, Any]] = {
    "backend": (["embedded", "openai"], ["embedded", "openai"]),
    "users": (4, 16),
    "hours": (1.0, 2.0),
    "max_tokens": (24, 48),
    "parallel": (4, 4),
    "concurrency": (32, 32),
    "base_url": (None, None),
    "model": (None, None),
    "keep": (None, None),
}
BACKENDS = ("embedded", "openai", "scripted")
STALL_S = 900.0
"""A 2-core machine shared with other jobs can leave a loopback server's requests unanswered for minutes;
throughput is measured, so the run waits instead of stopping (``llm.stall_s``)."""
SCRIPTED_LATENCY_S = 0.005
"""The scripted backend (plumbing checks only) stands in for a server with this latency and no limit."""


def run(params: dict[str, Any], report: Report) -> None:
    check_backends("saturation", params)
    report.note("each phase starts a fresh engine with the same settings (no prefix cache carried over)")
    for name in params["backend"]:
        with workdir(params["keep"]) as tmp:
            measure(name, params, report, tmp / f"saturation-{name}")


def check_backends(workload: str, params: dict[str, Any]) -> None:
    """Known backend names; an external server only with ``openai`` and a model name."""
    from hubbub.errors import ConfigError

    for name in params["backend"]:
        if name not in BACKENDS:
            raise ConfigError(f"bench {workload}: --backend {name!r} is not allowed; use {', '.join(BACKENDS)}")
    if params.get("base_url") and "openai" not in params["backend"]:
        raise ConfigError(f"bench {workload}: --base-url is for --backend openai")
    if params.get("base_url") and not params.get("model"):
        raise ConfigError(f"bench {workload}: --base-url needs --model NAME (the model the server serves)")


def measure(name: str, params: dict[str, Any], report: Report, run_dir: Any) -> None:
    """Phase (a), then phase (b), on fresh engines of backend ``name``; record figures and the target."""
    with serving(name, params) as llm:
        scenario = trendsim_scenario(params["users"], params["hours"], backend=llm["backend"],
                                     concurrency=params["concurrency"], llm=llm,
                                     access={"A": 2.5, "T_m": 0.3, "alpha": 2.0, "max_visits": 2},
                                     session={"max_actions": 3})
        timed = timed_run(scenario, run_dir)
    calls = recorded_calls(run_dir)
    requests = [request_from_payload(r) for r in calls["request"]]
    with serving(name, params) as llm:
        raw_wall, raw_stats = fire(scenario.llm.model_copy(update=llm), requests)
    run_tokens = _tokens(calls["prompt_tokens"], calls["completion_tokens"])
    raw_tokens = _tokens([s.prompt_tokens for s in raw_stats], [s.completion_tokens for s in raw_stats])
    _figures(report, name, timed, len(requests), raw_wall, run_tokens, raw_tokens, raw_stats)
    timing_figures(report, name, run_dir)


def timing_figures(report: Report, name: str, run_dir: Any) -> None:
    """When phase (a)'s first agent event (a user's step) reached the record, against its slowest event
    (issue 16: <= 2x)."""
    timing = commit_timing(run_dir)
    p = f"{name}_"
    report.figure(p + "first_commit_s", timing["first_commit_s"], "s",
                  f"{name}: (a) first commit of a user step after start")
    report.figure(p + "slowest_event_s", timing["slowest_event_s"], "s", f"{name}: (a) slowest event (its LLM calls)")
    ratio = report.figure(p + "first_commit_ratio", timing["ratio"], "", f"{name}: (a) first commit / slowest event")
    if name != "scripted":
        report.target(p + "first_commit_ratio", f"{name}: first commit after start / slowest event", "<=", 2.0, ratio)


@contextlib.contextmanager
def serving(name: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The ``[llm]`` settings of a fresh server of kind ``name``; an HTTP server started here lives for
    the block. ``openai`` with ``base_url`` uses that external server (vLLM, ...) instead of starting one."""
    if name == "embedded":
        yield {"backend": "embedded", "parallel": params["parallel"], "max_tokens": params["max_tokens"],
               "stall_s": STALL_S}
    elif name == "scripted":
        yield {"backend": "scripted", "scripted_latency_s": SCRIPTED_LATENCY_S, "max_tokens": params["max_tokens"]}
    elif params.get("base_url"):
        yield _openai(list(params["base_url"]), params.get("model") or "", params)
    else:
        from hubbub.llm.embedded import MODEL_NAME, start_server

        server, url = start_server(port=0, parallel=params["parallel"])
        try:
            yield _openai([url], MODEL_NAME, params)
        finally:
            del server  # stops llama.cpp's server threads


def _openai(urls: list[str], model: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"backend": "openai", "base_urls": urls, "model": model, "max_tokens": params["max_tokens"],
            "max_concurrency": params["concurrency"], "timeout_s": 600.0, "stall_s": STALL_S}


def fire(llm_config: Any, requests: list[Any]) -> tuple[float, list[Any]]:
    """Send every request at once to a new backend built from ``llm_config``; wall seconds and stats."""
    from hubbub.runtime.backends import make_inner

    backend = make_inner(llm_config)
    assert backend is not None

    async def go() -> tuple[float, list[Any]]:
        try:
            t0 = time.perf_counter()
            results = await asyncio.gather(*(backend.choose_one(r) if isinstance(r, ChoiceRequest)
                                              else backend.generate_one(r) for r in requests))
            return time.perf_counter() - t0, [r.stats for r in results]
        finally:
            await backend.aclose()

    return asyncio.run(go())


def _tokens(prompt: Any, completion: Any) -> dict[str, int | None]:
    def total(values: Any) -> int | None:
        known = [int(v) for v in values if v is not None and not pd.isna(v)]
        return sum(known) if known else None

    return {"prompt": total(prompt), "completion": total(completion)}


def _per_s(count: int | None, wall: float) -> float | None:
    return None if count is None else count / max(wall, 1e-9)


def _figures(report: Report, name: str, timed: Any, n: int, raw_wall: float, run_tok: dict[str, Any],
             raw_tok: dict[str, Any], raw_stats: list[Any]) -> None:
    p = f"{name}_"
    report.figure(p + "requests", n, "", f"{name}: requests the run sent (and the raw batch replays)")
    report.figure(p + "events", timed.events, "", f"{name}: events the run committed")
    report.figure(p + "recomputed", timed.recomputed, "", f"{name}: events recomputed (speculation undone)")
    report.figure(p + "batches", timed.batches, "", f"{name}: scheduler batches")
    report.figure(p + "mean_batch", timed.events / max(1, timed.batches), "events", f"{name}: mean events per batch")
    report.figure(p + "run_wall_s", timed.wall_s, "s", f"{name}: (a) run wall time")
    report.figure(p + "raw_wall_s", raw_wall, "s", f"{name}: (b) raw batch wall time")
    run_rps = report.figure(p + "run_rps", n / max(timed.wall_s, 1e-9), "req/s", f"{name}: (a) run requests/s")
    raw_rps = report.figure(p + "raw_rps", n / max(raw_wall, 1e-9), "req/s", f"{name}: (b) raw requests/s")
    for kind in ("prompt", "completion"):
        run_t, raw_t = _per_s(run_tok[kind], timed.wall_s), _per_s(raw_tok[kind], raw_wall)
        report.figure(p + f"run_{kind}_tps", run_t, "tok/s", f"{name}: (a) run {kind} tokens/s")
        report.figure(p + f"raw_{kind}_tps", raw_t, "tok/s", f"{name}: (b) raw {kind} tokens/s")
    run_all = _sum(run_tok) and _sum(run_tok) / max(timed.wall_s, 1e-9)
    raw_all = _sum(raw_tok) and _sum(raw_tok) / max(raw_wall, 1e-9)
    ratio = report.figure(p + "ratio", run_rps / max(raw_rps, 1e-9), "", f"{name}: ratio (a)/(b), requests/s")
    report.figure(p + "ratio_tokens", run_all / raw_all if run_all and raw_all else None, "",
                  f"{name}: ratio (a)/(b), tokens/s (prompt + completion)")
    failed = sum(1 for s in raw_stats if s.outcome.startswith("error"))
    report.figure(p + "raw_failed", failed, "", f"{name}: failed requests in the raw batch")
    if name == "scripted":
        report.note("scripted: a stand-in server with no capacity limit, for checking the plumbing; its ratio "
                    "measures nothing and has no target")
    else:
        report.target(p + "ratio", f"{name}: run throughput / raw throughput", ">=", 0.97, ratio)


def _sum(tokens: dict[str, int | None]) -> int | None:
    values = [v for v in tokens.values() if v is not None]
    return sum(values) if values else None
