"""Build a simulation from a scenario, run it, record it, resume it.

Resuming re-executes the run from the start against its own recorded LLM replies: the recorder checks
every re-derived event against the log up to where the run stopped, then carries on writing. Nothing
is lost and the final log equals an uninterrupted run's.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from hubbub.errors import ConfigError, SchedulingError
from hubbub.kernel.events import EventQueue
from hubbub.kernel.scheduler import Scheduler
from hubbub.kernel.seeding import SeedTree
from hubbub.llm.base import ChoiceResult, GenerateResult, request_payload
from hubbub.runtime.backends import make_backend
from hubbub.runtime.recorder import RunRecorder
from hubbub.runtime.worlds import world_kind
from hubbub.scenarios.config import Scenario, scenario_from_dict

EMBEDDED_BANNER = (
    "Using the embedded SmolLM2-135M model. Its choices carry no persona signal: this run is for trying "
    "hubbub out, not for research. Point hubbub at a real model with --backend openai --base-url URL."
)


@dataclass
class Progress:
    """What a progress display needs, updated after every committed batch."""

    sim_time: float = 0.0
    horizon: float = 1.0
    events: int = 0
    sessions: int = 0
    llm_calls: int = 0
    cache_hits: int = 0
    failures: int = 0
    recomputed: int = 0
    started: float = field(default_factory=time.perf_counter)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    @property
    def fraction(self) -> float:
        return min(1.0, self.sim_time / self.horizon) if self.horizon else 1.0


class Simulation:
    """One run of a scenario into ``run_dir``."""

    def __init__(self, scenario: Scenario, run_dir: str | Path, *, resume: bool = False) -> None:
        from hubbub.store import RunStore

        self.scenario = scenario
        self.run_dir = Path(run_dir)
        self.seeds = SeedTree(scenario.run.seed)
        self.kind = world_kind(scenario.kind)
        prepared = self.kind.prepare(scenario, self.seeds)  # all input is checked before anything is written
        folder_existed = self.run_dir.exists()
        self.store = RunStore.open(self.run_dir) if resume else RunStore.create(self.run_dir)
        try:
            self.recorder = RunRecorder(self.store)
            self.llm = make_backend(scenario.llm, self.store, self._on_call, resuming=resume)
            self.world = self.kind.build(scenario, prepared, self.llm, self.recorder, self.seeds)
        except BaseException:  # a bad backend setting (URL, key file, replay source): leave nothing behind
            self.store.close()
            if not resume:
                _remove_new_record(self.run_dir, folder_existed)
            raise
        self.progress = Progress(horizon=self.world.horizon)
        self.resumed_from = self.recorder.resume_upto if resume else None

    @classmethod
    def resume(cls, run_dir: str | Path) -> "Simulation":
        """Re-open a run folder and continue it from its event log."""
        from hubbub.store import read_manifest

        manifest = read_manifest(run_dir)
        scenario = scenario_from_dict(manifest["config"], f"{run_dir}/manifest.json")
        return cls(scenario, run_dir, resume=True)

    # ------------------------------------------------------------------ telemetry

    def _on_call(self, key: str, request: Any, result: ChoiceResult | GenerateResult) -> None:
        if result.stats.cache_hit:
            self.progress.cache_hits += 1
            return
        self.progress.llm_calls += 1
        if not result.ok:
            self.progress.failures += 1
        self.store.record_call(key, request_payload(request), result)

    # ------------------------------------------------------------------ running

    def _write_start(self) -> None:
        from hubbub.store import build_manifest, write_manifest

        if self.resumed_from is None:
            config = self.scenario.model_dump(mode="json")
            manifest = build_manifest(config, self.scenario.run.seed, self.llm.describe(), [])
            manifest["status"] = "running"
            write_manifest(self.run_dir, manifest)
        elif self.store.get_meta("backend") is not None:
            return  # the setup rows were committed before the interruption
        # the meta facts and setup rows go in one commit, so a run killed before it lands redoes them
        self.store.set_meta("model", self.llm.model)
        self.store.set_meta("backend", self.llm.name)
        for table, row in self.world.setup_rows():
            self.store.insert(table, row)
        self.store.commit()

    def _finish(self, status: str) -> None:
        from hubbub.store import read_manifest, write_manifest

        self.recorder.commit()
        manifest = read_manifest(self.run_dir)
        manifest["status"] = status
        manifest["ended_at"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        calls, failed = self.store.call_counts()  # a resumed run's record holds every process's calls
        manifest["counts"] = {"events": self.store.last_seq() + 1, "llm_calls": calls, "llm_failures": failed}
        write_manifest(self.run_dir, manifest)

    async def _run_async(self, on_batch: Callable[[Progress], None] | None) -> None:
        queue = EventQueue()
        for event in self.world.initial_events():
            queue.push(event)
        run = self.scenario.run
        scheduler = Scheduler(queue, self.world, concurrency=run.concurrency, lookahead=run.lookahead_s,
                              until=self.progress.horizon, safe_window=self.world.safe_window,
                              speculation=run.speculation,
                              barrier_kinds=frozenset(getattr(self.world, "barrier_kinds", ())))
        while scheduler.pending():
            try:
                await asyncio.wait_for(scheduler.step(), timeout=run.watchdog_s)
            except asyncio.TimeoutError:
                raise SchedulingError(
                    f"no progress for {run.watchdog_s:g} s (watchdog); the run stopped and can be resumed with "
                    f"`hubbub resume {self.run_dir}`") from None
            self.recorder.commit()
            self._update_progress(scheduler)
            if on_batch is not None:
                on_batch(self.progress)

    def _update_progress(self, scheduler: Scheduler) -> None:
        self.progress.recomputed = scheduler.stats.recomputed
        self.progress.sim_time = scheduler.now
        self.progress.events = self.recorder.seq + 1
        self.progress.sessions = self.world.sessions_done

    def run(self, on_batch: Callable[[Progress], None] | None = None) -> Progress:
        """Run to the end of the topic's lifecycle; on interruption the record stays resumable."""
        self._write_start()
        status = "failed"
        try:
            with asyncio.Runner() as runner:
                try:
                    runner.run(self._run_async(on_batch))
                finally:
                    runner.run(self.llm.aclose())
            status = "completed"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            try:
                self._finish(status)
            finally:
                self.store.close()  # even when the manifest cannot be written (a full disk)
        return self.progress


def _remove_new_record(run_dir: Path, folder_existed: bool) -> None:
    """Delete a run record this process has just created (and its folder, if it made it)."""
    for name in ("run.sqlite", "run.sqlite-wal", "run.sqlite-shm"):
        (run_dir / name).unlink(missing_ok=True)
    if not folder_existed and run_dir.is_dir() and not any(run_dir.iterdir()):
        run_dir.rmdir()


def check_run_dir(run_dir: Path, overwrite: bool) -> None:
    """Refuse to write into a folder that already holds a run, unless asked to."""
    if (run_dir / "run.sqlite").exists() and not (run_dir / "manifest.json").exists() and not overwrite:
        raise ConfigError(f"{run_dir} holds a run record that stopped before it wrote its manifest (nothing to "
                          f"resume); pass --overwrite to start again, or pick another --out")
    if (run_dir / "run.sqlite").exists() and not overwrite:
        raise ConfigError(f"{run_dir} already holds a run; use `hubbub resume {run_dir}`, pick another --out, "
                          f"or pass --overwrite")
    if overwrite and run_dir.exists():
        for name in ("run.sqlite", "run.sqlite-wal", "run.sqlite-shm", "manifest.json"):
            (run_dir / name).unlink(missing_ok=True)
