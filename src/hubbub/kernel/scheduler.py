"""The scheduler: runs events in ``(time, priority, seq)`` order, many at once, committing in order.

Events are computed concurrently in a *sliding window* of up to ``concurrency`` events, all within
``lookahead`` simulated seconds of the oldest one. Events inside the *safe window* of the oldest
uncommitted event (shorter than any action, so no commit in flight can affect them) always join;
events beyond it join speculatively, and with ``speculation="adaptive"`` the number of speculative
events in flight grows by one with each that pays off and halves when one has to be redone (each redo
costs LLM calls that cannot be reused). The oldest event is committed as soon as it is computed and
the window is refilled at once, so commits are continuous: a killed run loses at most the events in
flight. Events of a *barrier* kind (interventions, interviews, S3 rounds) run alone: nothing is
computed across them, so they may change any state when they commit.

Computing an event must not change shared state: it reads the world through a recorded view and
returns an *outcome*. Before the oldest event is committed the scheduler checks that the sequential
run would have computed the same thing: every read it made of shared state still returns the same
value (``process.still_valid``); if not, it is computed again on the current state (LLM replies are
memoised, so unchanged requests are free). Every event in the window sorts before every event in the
queue: when a commit schedules a follow-up that sorts before events in flight, those go back to the
queue (a process may let their computation be kept and taken up again: :data:`REUSES_TRIMMED`). So the
committed log is the one a run with ``concurrency=1`` produces.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from hubbub.kernel.events import Event, EventQueue


class Process(Protocol):
    """What the scheduler drives: the simulated world and its agents."""

    async def compute(self, event: Event) -> Any:
        """Work out what the event does, reading shared state only through recorded views."""

    def still_valid(self, event: Event, outcome: Any) -> bool:
        """True if every shared read the outcome made returns the same value now."""

    def commit(self, event: Event, outcome: Any) -> list[Event]:
        """Apply the outcome to shared state and the run record; return follow-up events."""


REUSES_TRIMMED = "reuses_trimmed"
"""A process attribute: True when ``still_valid`` checks everything an event's computation can see change
through the commits of other agents' events (the commits of barrier events, of events without an agent
and of the same agent's events are guarded by the scheduler itself). Then a computation sent back to the
queue by a follow-up that sorts before it is kept, and taken up again when its event returns, instead of
computing the event again; it is committed only if ``still_valid`` holds then, like any other outcome."""


@dataclass
class SchedulerStats:
    """Counters a benchmark or a progress bar can read."""

    batches: int = 0
    """Calls of :meth:`Scheduler.step` (each commits at least one event)."""
    committed: int = 0
    recomputed: int = 0
    reused: int = 0
    """Events sent back to the queue whose kept computation was taken up again when they returned."""
    max_batch: int = 0
    """The most events in flight at once."""
    batch_sizes: list[int] = field(default_factory=list)
    slowest_s: float = 0.0
    """Wall seconds of the longest computation of one event."""


@dataclass
class _Flight:
    """An event being computed: its task and whether it joined beyond the safe window."""

    event: Event
    task: asyncio.Task
    speculative: bool


class Scheduler:
    """Drives a :class:`Process` over an :class:`EventQueue` until ``until`` (simulated seconds)."""

    def __init__(
        self,
        queue: EventQueue,
        process: Process,
        *,
        concurrency: int = 1,
        lookahead: float = math.inf,
        until: float = math.inf,
        safe_window: float = 0.0,
        speculation: str = "adaptive",
        barrier_kinds: frozenset[str] = frozenset(),
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        if speculation not in ("adaptive", "always", "never"):
            raise ValueError(f"speculation must be adaptive, always or never, got {speculation!r}")
        self.queue = queue
        self.process = process
        self.concurrency = concurrency
        self.lookahead = lookahead
        self.until = until
        self.safe_window = safe_window
        self.speculation = speculation
        self.spec_budget = 0 if speculation == "never" else concurrency - 1
        self.barrier_kinds = barrier_kinds
        self.stats = SchedulerStats()
        self.now = 0.0
        self.window: list[_Flight] = []
        self._orphans: set[asyncio.Task] = set()
        self._reuse = bool(getattr(process, REUSES_TRIMMED, False))
        self._kept: dict[int, _Flight] = {}
        """Flights of events sent back to the queue, by event seq (see :data:`REUSES_TRIMMED`)."""

    # ------------------------------------------------------------------ the window

    def _admissible(self, nxt: Event | None) -> bool:
        if nxt is None or nxt.time > self.until or len(self.window) >= self.concurrency:
            return False
        if not self.window:
            return True
        oldest = self.window[0].event
        barrier = oldest.kind in self.barrier_kinds or nxt.kind in self.barrier_kinds
        return not barrier and nxt.time < oldest.time + self.lookahead and (
            not self._speculative(nxt) or self._in_flight_speculative() < self.spec_budget)

    def _speculative(self, event: Event) -> bool:
        return bool(self.window) and event.time >= self.window[0].event.time + self.safe_window

    def _in_flight_speculative(self) -> int:
        return sum(f.speculative for f in self.window)

    def _fill(self) -> None:
        """Start computing queued events while the window has room for them."""
        while self._admissible(self.queue.peek()):
            event = self.queue.pop()
            speculative = self._speculative(event)
            kept = self._kept.pop(event.seq, None)
            if kept is None:
                task = self._start(event)
            else:
                task = kept.task
                self.stats.reused += 1
            self.window.append(_Flight(event, task, speculative))
        self.stats.max_batch = max(self.stats.max_batch, len(self.window))

    def _start(self, event: Event) -> asyncio.Task:
        """Start computing the event; its wall time feeds ``stats.slowest_s``."""
        task = asyncio.ensure_future(self.process.compute(event))
        started = time.monotonic()
        task.add_done_callback(lambda _: self._timed(time.monotonic() - started))
        return task

    def _timed(self, seconds: float) -> None:
        self.stats.slowest_s = max(self.stats.slowest_s, seconds)

    def _trim(self) -> None:
        """Send back to the queue every event in flight that a newly scheduled event sorts before; its
        computation finishes unobserved (its LLM replies are memoised for the recomputation), or is kept
        to be taken up again when the event returns (:data:`REUSES_TRIMMED`)."""
        head = self.queue.peek()
        while head is not None and self.window and head.sort_key() < self.window[-1].event.sort_key():
            flight = self.window.pop()
            self.queue.requeue(flight.event)
            self._orphans.add(flight.task)
            flight.task.add_done_callback(self._orphans.discard)
            if self._reuse:
                self._kept[flight.event.seq] = flight
            self.stats.recomputed += 1
            self._adapt(flight.speculative, ok=False)

    def _adapt(self, speculative: bool, ok: bool) -> None:
        """AIMD on speculation: one more speculative slot per success, half of them after a redo."""
        if self.speculation != "adaptive" or not speculative:
            return
        if ok:
            self.spec_budget = min(self.concurrency - 1, self.spec_budget + 1)
        else:
            self.spec_budget = max(1, self.spec_budget // 2) if self.concurrency > 1 else 0

    # ------------------------------------------------------------------ committing

    def _commit_head(self) -> bool:
        """Commit the oldest event if its outcome is still what the sequential run computes; otherwise
        compute it again now (nothing uncommitted precedes it, so the second result is final)."""
        flight = self.window[0]
        outcome = flight.task.result()
        if not self.process.still_valid(flight.event, outcome):
            self.window[0] = _Flight(flight.event, self._start(flight.event), False)
            self.stats.recomputed += 1
            self._adapt(flight.speculative, ok=False)
            return False
        self.window.pop(0)
        self.now = flight.event.time
        if self._kept:
            self._forget_kept(flight.event)
        for follow_up in self.process.commit(flight.event, outcome):
            if follow_up.time < flight.event.time:
                raise ValueError(f"event {follow_up.kind} scheduled in the past ({follow_up.time} < {flight.event.time})")
            self.queue.push(follow_up)
        self._trim()
        self._adapt(flight.speculative, ok=True)
        return True

    def _forget_kept(self, committed: Event) -> None:
        """Drop the kept computations that ``committed`` may have made stale beyond what ``still_valid``
        checks: all of them after a barrier event or an event without an agent (interventions, censor
        sweeps, snapshots), and those of the committed event's own agent."""
        if committed.kind in self.barrier_kinds or committed.agent is None:
            self._kept.clear()
            return
        for seq in [seq for seq, kept in self._kept.items() if kept.event.agent == committed.agent]:
            del self._kept[seq]

    def pending(self) -> bool:
        head = self.queue.peek()
        return bool(self.window) or (head is not None and head.time <= self.until)

    async def step(self) -> int:
        """Wait for the oldest event in flight and commit it, with every later one already computed;
        refill the window; return how many events were committed."""
        self._fill()
        done = 0
        while self.window and (done == 0 or self.window[0].task.done()):
            await asyncio.wait({self.window[0].task})
            if self._commit_head():
                done += 1
            self._fill()
        self.stats.batches += 1
        self.stats.committed += done
        self.stats.batch_sizes.append(done)
        return done

    async def run(self, on_batch: Any = None) -> SchedulerStats:
        """Run until the queue is empty or the next event lies beyond ``until``."""
        try:
            while self.pending():
                await self.step()
                if on_batch is not None:
                    on_batch(self)
        finally:
            await self.aclose()
        return self.stats

    async def aclose(self) -> None:
        """Cancel what is still in flight (a run that stops early) and wait for it to end."""
        tasks = [f.task for f in self.window] + list(self._orphans)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
