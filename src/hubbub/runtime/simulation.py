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
import math
import time
from pathlib import Path
from typing import Any, Callable

from hubbub.agents.prompts import check_prompts_dir, prompts_from
from hubbub.errors import BackendTimeout, BackendUnavailable, HubbubError, SchedulingError
from hubbub.kernel.events import EventQueue
from hubbub.kernel.scheduler import Scheduler
from hubbub.kernel.seeding import SeedTree
from hubbub.llm.base import ChoiceResult, GenerateResult, request_json
from hubbub.runtime.backends import make_backend
from hubbub.runtime.failures import FailureBudget
from hubbub.runtime.fork import resume_fork
from hubbub.runtime.library import LibraryViews
from hubbub.runtime.preflight import preflight
from hubbub.runtime.progress import Progress
from hubbub.runtime.folders import cancelled, check_run_dir, remove_new_record, terminate_as_interrupt
from hubbub.runtime.recorder import RunRecorder
from hubbub.runtime.timing import CommitTiming
from hubbub.runtime.worlds import world_kind
from hubbub.scenarios.config import Scenario, scenario_from_dict

EMBEDDED_BANNER = (
    "Using the embedded SmolLM2-135M model. Its choices carry no persona signal: this run is for trying "
    "hubbub out, not for research. Point hubbub at a real model with --backend openai --base-url URL."
)
HOUR = 3600.0
WATCH_TICK_S = 0.25
"""How often a running batch is checked for a stop (budget, stall, watchdog, SIGTERM)."""


class Simulation(LibraryViews):
    """One run of a scenario, recorded in the folder ``out``: the library's main object.

    ``Simulation(load_scenario("demo"), backend="scripted", out="runs/d")`` builds it (a scenario name or
    path works too; ``backend``, ``model``, ``base_url``, ``seed`` and ``concurrency`` override the
    scenario like the CLI flags). ``run()`` runs it to the end, ``run_until(hours)`` and ``step()`` advance
    it part of the way (the event log is the same however it is advanced), ``now`` is the simulated time
    in hours, ``users`` and ``platform`` are read-only views, ``intervene``, ``interview`` and ``survey`` schedule
    an intervention, interview or survey as scenario ones are (recorded, resumable), ``results`` loads the record.
    """

    def __init__(self, scenario: Scenario | str, out: str | Path | None = None, *, backend: str | None = None,
                 model: str | None = None, base_url: str | list[str] | None = None, seed: int | None = None,
                 concurrency: int | None = None, resume: bool = False, overwrite: bool = False) -> None:
        from hubbub.store import RunStore

        scenario = _with_options(scenario, backend=backend, model=model, base_url=base_url, seed=seed,
                                 concurrency=concurrency)
        self.scenario = scenario
        self.run_dir = Path(out) if out is not None else Path("runs") / scenario.run.name
        if not resume:
            check_run_dir(self.run_dir, overwrite)
        self.seeds = SeedTree(scenario.run.seed)
        self.kind = world_kind(scenario.kind)
        prepared = self.kind.prepare(scenario, self.seeds)  # all input is checked before anything is written
        if scenario.agents.prompts_dir:
            check_prompts_dir(scenario.agents.prompts_dir, scenario.lang)
        preflight(scenario.llm, scenario.run.seed)  # and the model server is asked, so a dead one leaves no folder behind
        self.budget = FailureBudget(scenario.run.max_failure_share, scenario.run.min_calls_for_failure_budget)
        self._since_commit: list[tuple[str, Any, Any]] = []  # this batch's calls, kept if it is rolled back
        self._stop: HubbubError | None = None
        self._discard = False  # a new run none of whose calls succeeded leaves nothing behind
        self._main: tuple[asyncio.AbstractEventLoop, asyncio.Task[Any]] | None = None
        self._terminated = False
        self._runner: asyncio.Runner | None = None
        self._scheduler: Scheduler | None = None
        self.timing = CommitTiming()  # first commit and slowest event, for the record (runtime.timing)
        self.status: str | None = None
        """None while the run can go on; then ``completed``, ``failed`` or ``interrupted``."""
        self._manifest_extra: dict[str, Any] = {}  # a fork's parent and change (runtime.fork)
        folder_existed = self._folder_existed = self.run_dir.exists()
        self.store = RunStore.open(self.run_dir) if resume else RunStore.create(self.run_dir)
        try:
            self.recorder = RunRecorder(self.store)
            self.llm = make_backend(scenario.llm, self.store, self._on_call, resuming=resume)
            self.world = self.kind.build(scenario, prepared, self.llm, self.recorder, self.seeds)
            if resume:
                resume_fork(self)  # a fork answers from its parent's record again
        except BaseException:  # a bad backend setting (URL, key file, replay source): leave nothing behind
            self.store.close()
            if not resume:
                remove_new_record(self.run_dir, folder_existed)
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
        self.store.record_call(key, request_json(request), result)
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
            manifest.update(self._manifest_extra, status="running")
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

        if status != "failed":  # a failed run may have failed to write (a full disk): add nothing to its record
            self.timing.finish(self.store, self._scheduler.stats.slowest_s if self._scheduler is not None else None)
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

    def _scheduler_now(self) -> Scheduler:
        """The run's scheduler, made (with the world's initial events) when the run first advances."""
        if self._scheduler is None:
            queue = EventQueue()
            for event in self.world.initial_events():
                queue.push(event)
            run = self.scenario.run
            self._scheduler = Scheduler(queue, self.world, concurrency=run.concurrency, lookahead=run.lookahead_s,
                                        until=self.progress.horizon, safe_window=self.world.safe_window,
                                        speculation=run.speculation,
                                        barrier_kinds=frozenset(getattr(self.world, "barrier_kinds", ())))
        return self._scheduler

    async def _run_async(self, on_batch: Callable[[Progress], None] | None, until_s: float,
                         max_steps: int | None) -> int:
        self._main = (asyncio.get_running_loop(), asyncio.current_task())  # type: ignore[assignment]
        try:
            return await self._run_events(on_batch, until_s, max_steps)
        finally:
            self._main = None

    def _check_all_failed(self) -> None:
        b = self.budget
        if b.calls and not b.succeeded and b.max_share < 1:  # a run too short for the budget, every call failed
            raise self._budget_error()

    async def _run_events(self, on_batch: Callable[[Progress], None] | None, until_s: float,
                          max_steps: int | None) -> int:
        scheduler = self._scheduler_now()
        scheduler.until = min(until_s, self.progress.horizon)
        steps = committed = 0
        try:
            while scheduler.pending() and (max_steps is None or steps < max_steps):
                committed += await self._watched_step(scheduler)
                steps += 1
                if not self.budget.holding:  # a batch after an unsettled failure waits (runtime.failures)
                    self.timing.before_commit(self.store, self.recorder.agent_events)
                    self.recorder.commit()
                    self._since_commit.clear()
                self._update_progress(scheduler)
                if on_batch is not None:
                    on_batch(self.progress)
        except BaseException:  # a stopped run ends its events in flight (and their requests) first
            await scheduler.aclose()
            raise
        finally:
            scheduler.until = self.progress.horizon
        return committed

    async def _watched_step(self, scheduler: Scheduler) -> int:
        """One scheduler step, abandoned as soon as the run must stop (the step is cancelled)."""
        step = asyncio.ensure_future(scheduler.step())
        started = time.monotonic()
        try:
            while not step.done():
                await asyncio.wait({step}, timeout=WATCH_TICK_S)
                self._check_stop(started)
            return step.result()
        finally:
            await cancelled(step)

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
        self.progress.recomputed = scheduler.stats.recomputed - scheduler.stats.reused  # taken up again: not recomputed
        self.progress.sim_time = scheduler.now
        self.progress.events = self.recorder.seq + 1
        self.progress.sessions = self.world.sessions_done

    # ------------------------------------------------------------------ advancing

    def run(self, on_batch: Callable[[Progress], None] | None = None) -> Progress:
        """Run to the end; the record is complete (status ``completed``) or says why it stopped."""
        self._advance(math.inf, None, on_batch)
        return self.progress

    def run_until(self, hours: float) -> int:
        """Commit every event up to ``hours`` simulated hours; return how many were committed."""
        return self._advance(float(hours) * HOUR, None, None)

    def step(self) -> int:
        """Commit the next event (and any computed right after it); return how many were committed."""
        return self._advance(math.inf, 1, None)

    @property
    def now(self) -> float:
        """Simulated time of the last committed event, in hours."""
        return self._scheduler.now / HOUR if self._scheduler is not None else 0.0

    @property
    def done(self) -> bool:
        """True once the run has ended (completed, failed or interrupted)."""
        return self.status is not None

    def _advance(self, until_s: float, max_steps: int | None, on_batch: Callable[[Progress], None] | None) -> int:
        if self.status is not None:
            raise SchedulingError(f"{self.run_dir}: the run has already ended ({self.status})")
        if self._runner is None:
            self._write_start()
            self._runner = asyncio.Runner()
            self.timing.start()
        try:
            with terminate_as_interrupt(self._on_terminate):
                committed = self._run_interruptible(on_batch, until_s, max_steps)
                if not self._scheduler_now().pending() and until_s >= self.progress.horizon:
                    self._check_all_failed()
                    self._end("completed", None)
                return committed
        except KeyboardInterrupt:
            self._end("interrupted", None)
            raise
        except HubbubError as exc:
            self._end("failed", str(exc))
            raise
        except BaseException:
            self._end("failed", None)
            raise

    def _run_interruptible(self, on_batch: Any, until_s: float, max_steps: int | None) -> int:
        assert self._runner is not None
        try:
            with prompts_from(self.scenario.agents.prompts_dir):
                return self._runner.run(self._run_async(on_batch, until_s, max_steps))
        except asyncio.CancelledError:
            if self._terminated:
                raise KeyboardInterrupt from None
            raise

    def _end(self, status: str, reason: str | None) -> None:
        """Close connections and the record once, with the run's final status."""
        if self.status is not None:
            return
        self.status = status
        try:
            if self._runner is not None:
                try:
                    self._runner.run(self.llm.aclose())
                finally:
                    self._runner.close()
        finally:
            self._close(status, reason)

    def close(self) -> None:
        """Stop a run that will not be advanced further: status ``interrupted`` (resumable)."""
        self._end("interrupted", None)

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
            remove_new_record(self.run_dir, self._folder_existed)

    def _roll_back_held(self) -> None:
        """Drop the held batches and the failed calls; keep the replies that were paid for."""
        self.store.rollback()
        for key, request, result in self._since_commit:
            if result.ok:
                self.store.record_call(key, request_json(request), result)
        self._since_commit.clear()


def _with_options(scenario: Scenario | str, **options: Any) -> Scenario:
    """The scenario (or the one a name or path names) with the CLI-style options that were given."""
    from hubbub.scenarios.config import load_scenario

    keys = {"backend": "llm.backend", "model": "llm.model", "base_url": "llm.base_urls", "seed": "run.seed",
            "concurrency": "run.concurrency"}
    changes = {keys[k]: ([v] if k == "base_url" and isinstance(v, str) else v)
               for k, v in options.items() if v is not None}
    if isinstance(scenario, str):
        return load_scenario(scenario, changes)
    if not changes:
        return scenario
    from hubbub.scenarios.loading import set_dotted

    data = scenario.model_dump(mode="json")
    for key, value in changes.items():
        set_dotted(data, key, value)
    return scenario_from_dict(data, "Simulation(...)")
