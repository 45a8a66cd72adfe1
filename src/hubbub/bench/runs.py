"""Shared pieces of the workloads: bench scenarios, timed runs, and the recorded LLM requests.

Workloads build their scenarios here from a few sizes (users, simulated hours, backend), run them
through the ordinary :class:`~hubbub.runtime.simulation.Simulation` and read what the run recorded,
so every figure describes hubbub as users run it, not a special benchmark path.
"""

from __future__ import annotations

import contextlib
import cProfile
import io
import pstats
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hubbub.llm.base import ChoiceRequest, GenerateRequest
from hubbub.scenarios.config import Scenario, scenario_from_dict


def trendsim_scenario(users: int, hours: float, *, backend: str = "scripted", concurrency: int = 32,
                      seed: int = 1, llm: dict[str, Any] | None = None, **trendsim: Any) -> Scenario:
    """A TrendSim topic of ``users`` users over ``hours`` simulated hours (paper defaults otherwise)."""
    data: dict[str, Any] = {
        "run": {"name": "bench", "seed": seed, "concurrency": concurrency},
        "llm": {"backend": backend, **(llm or {})},
        "trendsim": {"topic": "en-marathon-pacer", "lifecycle_h": float(hours), "population": {"size": int(users)}},
    }
    for key, value in trendsim.items():
        data["trendsim"][key] = value
    return scenario_from_dict(data, "bench scenario")


@contextlib.contextmanager
def workdir(keep: str | None = None) -> Iterator[Path]:
    """A folder for the workload's run records: ``keep`` if given (left in place), else a temporary
    one removed afterwards."""
    if keep:
        path = Path(keep)
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="hubbub-bench-") as tmp:
        yield Path(tmp)


@dataclass
class TimedRun:
    """What one simulation cost: wall and CPU seconds of the run itself (setup excluded)."""

    run_dir: Path
    setup_s: float
    wall_s: float
    cpu_s: float
    events: int
    llm_calls: int
    cache_hits: int
    recomputed: int
    sessions: int
    batches: int
    batch_sizes: list[int] = field(default_factory=list)
    profile: str = ""


def timed_run(scenario: Scenario, run_dir: Path, *, profile_lines: int = 0,
              on_batch: Callable[[Any], None] | None = None) -> TimedRun:
    """Build and run ``scenario`` into ``run_dir``; optionally under cProfile (then times are inflated)."""
    from hubbub.runtime.simulation import Simulation

    t0 = time.perf_counter()
    sim = Simulation(scenario, run_dir)
    setup = time.perf_counter() - t0
    sizes: list[int] = []
    last = [0]

    def batch(progress: Any) -> None:
        sizes.append(progress.events - last[0])
        last[0] = progress.events
        if on_batch is not None:
            on_batch(progress)

    profiler = cProfile.Profile() if profile_lines else None
    cpu0, t1 = time.process_time(), time.perf_counter()
    if profiler is not None:
        profiler.enable()
    progress = sim.run(on_batch=batch)
    if profiler is not None:
        profiler.disable()
    wall, cpu = time.perf_counter() - t1, time.process_time() - cpu0
    return TimedRun(run_dir, setup, wall, cpu, progress.events, progress.llm_calls, progress.cache_hits,
                    progress.recomputed, progress.sessions, len(sizes), sizes,
                    _profile_text(profiler, profile_lines) if profiler is not None else "")


def _profile_text(profiler: cProfile.Profile, lines: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats("cumulative").print_stats(lines)
    stats.sort_stats("tottime").print_stats(lines)
    return out.getvalue()


# ---------------------------------------------------------------- recorded requests


def recorded_calls(run_dir: Path) -> Any:
    """The run's ``llm_calls`` table (pandas), in recording order."""
    from hubbub.store import load_run

    return load_run(run_dir).llm_calls


def request_from_payload(payload: dict[str, Any]) -> ChoiceRequest | GenerateRequest:
    """Rebuild the exact request a run sent from the JSON recorded with it (``llm_calls.request``)."""
    messages = tuple((str(role), str(content)) for role, content in payload["messages"])
    if payload.get("type") == "choose":
        return ChoiceRequest(payload["kind"], messages, tuple(payload["options"]), int(payload["seed"]),
                             float(payload.get("temperature", 1.0)), bool(payload.get("shuffle", True)),
                             payload.get("lang", "en"))
    return GenerateRequest(payload["kind"], messages, int(payload["seed"]), int(payload.get("max_tokens", 96)),
                           float(payload.get("temperature", 0.8)))


def commit_timing(run_dir: Path) -> dict[str, float | None]:
    """When the run's first user step reached its record, against its slowest event (from the record's
    ``timing`` meta fact, :mod:`hubbub.runtime.timing`): ``first_commit_s`` (wall seconds from the start
    of the run, setup excluded, to its first commit of an agent's event, e.g. a user's step; None if it
    committed none), ``slowest_event_s`` (the longest computation of one event, its chain of LLM calls)
    and ``ratio`` of the two (the target of issue 16: <= 2)."""
    from hubbub.store import load_run

    timing = load_run(run_dir).meta.get("timing")
    if not isinstance(timing, dict) or timing.get("started") is None:
        raise ValueError(f"{run_dir}: the run record has no 'timing' fact in its meta table "
                         "(written by runs of this version, as they end)")
    first = None if timing.get("first_commit") is None else timing["first_commit"] - timing["started"]
    slowest = timing.get("slowest_event_s")
    ratio = first / slowest if first is not None and slowest else None
    return {"first_commit_s": first, "slowest_event_s": slowest, "ratio": ratio}


def user_activations(run_dir: Path) -> int:
    """How many user steps (one page observed and acted on) the run committed."""
    from hubbub.store import load_run

    events = load_run(run_dir).events
    actions = events[events["kind"] == "action"]
    return int(sum(1 for data in actions["data"] if data.get("role") == "user"))
