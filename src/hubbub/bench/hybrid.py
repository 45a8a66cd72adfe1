"""S3 runs for the engine and scale workloads: rule-based users on a generated follow graph plus a
share of LLM users on the scripted backend, through the ordinary ``kind = "s3"`` runtime.

The graph is a Barabási-Albert graph (``edges_per_node`` follows per new user, 20% followed back, so
about 1.2 x users x edges_per_node follow edges); rule users run the independent cascade and voter
models vectorised over all of them (:mod:`hubbub.runtime.s3.rules`); LLM users are asked through the
scripted backend with zero latency, so the figures are the engine's own cost. The scale workload turns
on recommendations of recent posts so that LLM users stay busy for all its steps. Every round is one
barrier event, so the time of each scheduler batch is the time of one step.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from hubbub.bench.report import Report, peak_rss_bytes, rss_bytes, slope
from hubbub.scenarios.config import Scenario, scenario_from_dict


def s3_scenario(nodes: int, edges_per_node: int, llm_users: int, steps: int, seed: int = 1,
                recommend: tuple[float, int] | None = None) -> Scenario:
    """``recommend = (share, window_steps)`` turns on the platform's recommendations of recent posts,
    which keep LLM users busy after the follow-graph cascade has died out."""
    data: dict[str, Any] = {
        "kind": "s3",
        "run": {"name": "bench-s3", "seed": seed, "concurrency": 32},
        "llm": {"backend": "scripted"},
        "s3": {"steps": int(steps),
               "network": {"source": "barabasi_albert", "users": int(nodes), "m": int(edges_per_node)},
               "population": {"llm_users": int(llm_users)},
               "memory": {"embedder": "hashing"}},
    }
    if recommend is not None:
        data["s3"]["recommend"] = {"share": float(recommend[0]), "window_steps": int(recommend[1])}
    return scenario_from_dict(data, "bench S3 scenario")


def s3_available() -> bool:
    from hubbub.errors import ConfigError
    from hubbub.runtime.worlds import world_kind

    try:
        world_kind("s3")
    except ConfigError:
        return False
    return True


def run_hybrid(report: Report, *, prefix: str, nodes: int, edges_per_node: int, llm_users: int, steps: int,
               folder: Path, recommend: tuple[float, int] | None = None) -> dict[str, Any] | None:
    """Run an S3 population and record its figures under ``prefix``; None if S3 is not available."""
    from hubbub.runtime.simulation import Simulation

    if not s3_available():
        report.note(f"{prefix}: the S3 runtime is not available in this build; skipped")
        return None
    scenario = s3_scenario(nodes, edges_per_node, llm_users, steps, recommend=recommend)
    t0 = time.perf_counter()
    sim = Simulation(scenario, folder)
    setup = time.perf_counter() - t0
    trace = _Trace()
    started, cpu0 = time.perf_counter(), time.process_time()
    progress = sim.run(on_batch=trace.batch)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
    edges = _setup_fact(folder, "edges")
    result = {"setup_s": setup, "wall_s": wall, "cpu_s": cpu, "step_s": trace.step_s, "rss": trace.rss,
              "llm_calls": progress.llm_calls, "events": progress.events, "edges": edges}
    _figures(report, prefix, nodes, llm_users, steps, result)
    report.add_series(f"{prefix}: per step", step=list(range(len(trace.step_s))),
                      seconds=trace.step_s, cpu_seconds=trace.cpu_s, rss_mib=[r / 2**20 for r in trace.rss],
                      llm_calls=trace.calls)
    return result


class _Trace:
    """Per-batch (= per-round) wall and CPU time, resident memory and LLM calls."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.last_cpu = time.process_time()
        self.calls_before = 0
        self.step_s: list[float] = []
        self.cpu_s: list[float] = []
        self.rss: list[int] = []
        self.calls: list[int] = []

    def batch(self, progress: Any) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        self.step_s.append(now - self.last)
        self.cpu_s.append(cpu - self.last_cpu)
        self.last_cpu = cpu
        self.rss.append(rss_bytes())
        self.calls.append(progress.llm_calls - self.calls_before)
        self.calls_before, self.last = progress.llm_calls, now


def _setup_fact(folder: Path, key: str) -> Any:
    import contextlib
    import json
    import sqlite3

    with contextlib.closing(sqlite3.connect(f"file:{folder / 'run.sqlite'}?mode=ro", uri=True)) as conn:
        row = conn.execute("SELECT data FROM events WHERE kind = 's3_setup' ORDER BY seq LIMIT 1").fetchone()
    return json.loads(row[0]).get(key) if row else None


def _figures(report: Report, p: str, nodes: int, llm_users: int, steps: int, r: dict[str, Any]) -> None:
    rounds = r["step_s"][1:] if len(r["step_s"]) > 1 else r["step_s"]  # batch 0 = step 0 (seed posts, setup)
    report.figure(f"{p}_users", nodes, "", f"{p}: users (rule-based + LLM)")
    report.figure(f"{p}_llm_users", llm_users, "", f"{p}: LLM users (scripted backend)")
    report.figure(f"{p}_edges", r["edges"], "", f"{p}: follow edges")
    report.figure(f"{p}_steps", steps, "", f"{p}: steps")
    report.figure(f"{p}_setup_s", r["setup_s"], "s", f"{p}: setup (graph, population, run record)")
    report.figure(f"{p}_step0_s", r["step_s"][0] if r["step_s"] else None, "s", f"{p}: step 0 (seed posts, setup rows)")
    report.figure(f"{p}_wall_s", r["wall_s"], "s", f"{p}: run wall time (all steps)")
    report.figure(f"{p}_cpu_s", r["cpu_s"], "s", f"{p}: run CPU time")
    report.figure(f"{p}_step_mean_s", sum(rounds) / max(1, len(rounds)), "s", f"{p}: mean time per step (steps 1..)")
    report.figure(f"{p}_step_max_s", max(rounds) if rounds else None, "s", f"{p}: slowest step")
    report.figure(f"{p}_llm_calls", r["llm_calls"], "", f"{p}: LLM calls")
    report.figure(f"{p}_per_call_us", 1e6 * r["wall_s"] / max(1, r["llm_calls"]), "µs",
                  f"{p}: run time per LLM call (everything included)")
    report.figure(f"{p}_peak_rss_mib", peak_rss_bytes() / 2**20, "MiB", f"{p}: peak resident memory of the process")
    report.figure(f"{p}_rss_slope", slope(range(len(r["rss"])), [x / 2**20 for x in r["rss"]]), "MiB/step",
                  f"{p}: resident memory growth per step")
