"""Build a simulation from a scenario, run it, record it, resume it.

Resuming re-executes the run from the start against its own recorded LLM replies: the recorder checks
every re-derived event against the log up to where the run stopped, then carries on writing. Nothing
is lost and the final log equals an uninterrupted run's.

Every failure is loud. Before anything is written a preflight checks the model server
(:mod:`hubbub.runtime.preflight`). While the run goes, it stops (status ``failed``, resumable) when the
failure budget runs out (:mod:`hubbub.runtime.failures`), when requests are waiting and no answer came
for ``llm.stall_s`` seconds (a server that accepts and never answers), or when no batch commits for
``run.watchdog_s``. Ctrl-C and SIGTERM stop it within a second or so with status ``interrupted``.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from hubbub.errors import BackendTimeout, BackendUnavailable, ConfigError, HubbubError, SchedulingError
from hubbub.kernel.events import EventQueue
from hubbub.kernel.scheduler import Scheduler
from hubbub.kernel.seeding import SeedTree
from hubbub.llm.base import ChoiceResult, GenerateResult, request_payload
from hubbub.runtime.backends import make_backend
from hubbub.runtime.failures import FailureBudget
from hubbub.runtime.recorder import RunRecorder
from hubbub.runtime.worlds import world_kind
from hubbub.scenarios.config import Scenario, scenario_from_dict

EMBEDDED_BANNER = (
    "Using the embedded SmolLM2-135M model. Its choices carry no persona signal: this run is for trying "
    "hubbub out, not for research. Point hubbub at a real model with --backend openai --base-url URL."
)
WATCH_TICK_S = 0.25
"""How often a running batch is checked for a stop (budget, stall, watchdog, SIGTERM)."""


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
        _preflight(scenario)  # and the model server is asked, so a dead one leaves no folder behind
        self.budget = FailureBudget(scenario.run.max_failure_share, scenario.run.min_calls_for_failure_budget)
        self._since_commit: list[tuple[str, Any, Any]] = []  # this batch's calls, kept if it is rolled back
        self._stop: HubbubError | None = None
        self._discard = False  # a new run none of whose calls succeeded leaves nothing behind
        self._main: tuple[asyncio.AbstractEventLoop, asyncio.Task[Any]] | None = None
        self._terminated = False
        folder_existed = self._folder_existed = self.run_dir.exists()
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
        self.budget.record(result.ok, result.stats.cache_hit, result.error)
        if self._stop is None and self.budget.exceeded:
            self._stop = self._budget_error()
        if result.stats.cache_hit:
            self.progress.cache_hits += 1
            return
        self.progress.llm_calls += 1
        if not result.ok:
            self.progress.failures += 1
        self.store.record_call(key, request_payload(request), result)
        self._since_commit.append((key, request, result))

    def _budget_error(self) -> HubbubError:
        """The one line that says why the failure budget stopped the run and how to go on."""
        b, cfg = self.budget, self.scenario.llm
        if self.resumed_from is None and b.succeeded == 0:
            self._discard = True
            if cfg.backend == "replay":
                return BackendUnavailable(
                    f"replay: the recording llm.replay_from = {cfg.replay_from!r} holds no reply for any of this "
                    f"run's first {b.calls} LLM requests (it was recorded with another scenario, seed or model); "
                    f"nothing was written")
            return BackendUnavailable(f"none of this run's first {b.calls} LLM calls succeeded (last error: "
                                      f"{b.last_error}); nothing was written")
        return BackendUnavailable(
            f"{b.describe()}, more than run.max_failure_share = {self.scenario.run.max_failure_share:g}; last error: "
            f"{b.last_error}. The run stopped (status failed) without the failed calls; {self._resume_hint()}")

    def _resume_hint(self) -> str:
        urls = self.llm.describe().get("base_urls")
        if not urls:
            return f"continue it with `hubbub resume {self.run_dir}`"
        shown = "[" + ", ".join(f'"{u}"' for u in urls) + "]"
        return (f"once the server answers, continue it with `hubbub resume {self.run_dir}` (or point it at another "
                f"server: `hubbub resume {self.run_dir} --set llm.base_urls='{shown}'`)")

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

    def _finish(self, status: str, reason: str | None = None) -> None:
        from hubbub.store import read_manifest, write_manifest

        self.recorder.commit()
        manifest = read_manifest(self.run_dir)
        manifest["status"] = status
        if reason is not None:
            manifest["stopped_because"] = reason
        else:
            manifest.pop("stopped_because", None)
        manifest["ended_at"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        calls, failed = self.store.call_counts()  # a resumed run's record holds every process's calls
        manifest["counts"] = {"events": self.store.last_seq() + 1, "llm_calls": calls, "llm_failures": failed}
        write_manifest(self.run_dir, manifest)

    async def _run_async(self, on_batch: Callable[[Progress], None] | None) -> None:
        self._main = (asyncio.get_running_loop(), asyncio.current_task())  # type: ignore[assignment]
        try:
            await self._run_events(on_batch)
        finally:
            self._main = None
        b = self.budget
        if b.calls and not b.succeeded and b.max_share < 1:  # a run too short for the budget, every call failed
            raise self._budget_error()

    async def _run_events(self, on_batch: Callable[[Progress], None] | None) -> None:
        queue = EventQueue()
        for event in self.world.initial_events():
            queue.push(event)
        run = self.scenario.run
        scheduler = Scheduler(queue, self.world, concurrency=run.concurrency, lookahead=run.lookahead_s,
                              until=self.progress.horizon, safe_window=self.world.safe_window,
                              speculation=run.speculation,
                              barrier_kinds=frozenset(getattr(self.world, "barrier_kinds", ())))
        try:
            while scheduler.pending():
                await self._watched_step(scheduler)
                if not self.budget.holding:  # a batch after an unsettled failure waits (runtime.failures)
                    self.recorder.commit()
                    self._since_commit.clear()
                self._update_progress(scheduler)
                if on_batch is not None:
                    on_batch(self.progress)
        finally:  # a stopped run ends its events in flight (and their requests) before connections close
            await scheduler.aclose()

    async def _watched_step(self, scheduler: Scheduler) -> None:
        """One scheduler step, abandoned as soon as the run must stop (the step is cancelled)."""
        step = asyncio.ensure_future(scheduler.step())
        started = time.monotonic()
        try:
            while not step.done():
                await asyncio.wait({step}, timeout=WATCH_TICK_S)
                self._check_stop(started)
            step.result()
        finally:
            await _cancelled(step)

    def _check_stop(self, step_started: float) -> None:
        """Raise the reason the run must stop now, if there is one."""
        if self._stop is not None:
            raise self._stop
        now, llm, run = time.monotonic(), self.llm, self.scenario.run
        stall_s = self.scenario.llm.stall_s
        if llm.outstanding and now - llm.progress_at() > stall_s:
            urls = ", ".join(llm.describe().get("base_urls") or [llm.name])
            raise BackendTimeout(
                f"{urls} answered none of {llm.outstanding} waiting LLM requests for {stall_s:g} s (llm.stall_s): "
                f"the server accepts requests but does not answer. The run stopped (status failed); "
                f"{self._resume_hint()}")
        if now - step_started > run.watchdog_s:
            raise SchedulingError(
                f"no progress for {run.watchdog_s:g} s (watchdog); the run stopped and can be resumed with "
                f"`hubbub resume {self.run_dir}`")

    def _update_progress(self, scheduler: Scheduler) -> None:
        self.progress.recomputed = scheduler.stats.recomputed
        self.progress.sim_time = scheduler.now
        self.progress.events = self.recorder.seq + 1
        self.progress.sessions = self.world.sessions_done

    def run(self, on_batch: Callable[[Progress], None] | None = None) -> Progress:
        """Run to the end of the topic's lifecycle; on interruption the record stays resumable."""
        self._write_start()
        status, reason = "failed", None
        try:
            with _terminate_as_interrupt(self._on_terminate), asyncio.Runner() as runner:
                try:
                    runner.run(self._run_async(on_batch))
                except asyncio.CancelledError:
                    if self._terminated:
                        raise KeyboardInterrupt from None
                    raise
                finally:
                    runner.run(self.llm.aclose())
            status = "completed"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        except HubbubError as exc:
            reason = str(exc)
            raise
        finally:
            self._close(status, reason)
        return self.progress

    def _on_terminate(self, signum: int, frame: Any) -> None:
        """SIGTERM does what Ctrl-C does: cancel the running batch, then stop as ``interrupted``."""
        main = self._main
        if main is not None and not main[1].done() and not main[0].is_closed():
            self._terminated = True
            main[0].call_soon_threadsafe(main[1].cancel)
            return
        raise KeyboardInterrupt

    def _close(self, status: str, reason: str | None) -> None:
        """Settle the record: roll back batches held after an unsettled failure unless the run completed
        (its failures stayed within budget), write the manifest, close the file."""
        try:
            if status != "completed" and self.budget.holding:
                self._roll_back_held()
            self._finish(status, reason)
        finally:
            self.store.close()  # even when the manifest cannot be written (a full disk)
        if self._discard:
            _remove_new_record(self.run_dir, self._folder_existed)

    def _roll_back_held(self) -> None:
        """Drop the held batches and the failed calls; keep the replies that were paid for."""
        self.store.rollback()
        for key, request, result in self._since_commit:
            if result.ok:
                self.store.record_call(key, request_payload(request), result)
        self._since_commit.clear()


def _preflight(scenario: Scenario) -> None:
    from hubbub.runtime.preflight import preflight

    preflight(scenario.llm, scenario.run.seed)


async def _cancelled(task: asyncio.Future[Any]) -> None:
    """Cancel a task and wait until it has unwound (its own outcome no longer matters)."""
    if task.done():
        return
    task.cancel()
    try:
        await task
    except (asyncio.CancelledError, Exception):  # noqa: BLE001 - the run is stopping for another reason
        pass


@contextmanager
def _terminate_as_interrupt(handler: Callable[[int, Any], None]) -> Iterator[None]:
    """Route SIGTERM to ``handler`` while a run goes (main thread only), then restore the old one."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _remove_new_record(run_dir: Path, folder_existed: bool) -> None:
    """Delete a run record this process has just created (and its folder, if it made it)."""
    for name in ("run.sqlite", "run.sqlite-wal", "run.sqlite-shm", "manifest.json"):
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
