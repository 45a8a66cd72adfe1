"""The scheduler: runs events in ``(time, priority, seq)`` order, many at once, committing in order.

Events are computed concurrently in batches (up to ``concurrency`` events, all within ``lookahead``
simulated seconds of the first). Events inside the *safe window* (shorter than any action, so no
commit of the batch can affect them) always join a batch; events beyond it join speculatively, and
with ``speculation="adaptive"`` the number of speculative events grows while speculation pays off and
shrinks when it has to be redone (each redo costs LLM calls that cannot be reused). Events of a
*barrier* kind (interventions, interviews) run alone: nothing is computed across them, so they may
change any state when they commit. Computing an event must not change shared state: it reads the
world through a recorded view and returns an *outcome*. Outcomes are then committed one by one in
event order. Before event *i* of a batch is committed the scheduler checks that the sequential run
would have computed the same thing:

* no event scheduled by an earlier commit of this batch comes before it, and
* every read it made of shared state still returns the same value (``process.still_valid``).

If either check fails, event *i* and everything after it go back to the queue and are computed again
on the newer state (LLM replies are memoised, so unchanged requests are free). The first event of a
batch always passes, so the run always progresses, and the committed log is the one a run with
``concurrency=1`` produces.
"""

from __future__ import annotations

import asyncio
import math
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


@dataclass
class SchedulerStats:
    """Counters a benchmark or a progress bar can read."""

    batches: int = 0
    committed: int = 0
    recomputed: int = 0
    max_batch: int = 0
    batch_sizes: list[int] = field(default_factory=list)


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

    def _take_batch(self) -> tuple[list[Event], int]:
        """Up to ``concurrency`` events: all inside the safe window (which no commit of this batch can
        affect), then at most ``spec_budget`` speculative ones. Returns (batch, index of first speculative)."""
        first = self.queue.pop()
        batch = [first]
        if first.kind in self.barrier_kinds:
            return batch, 1
        safe_end = first.time + self.safe_window
        horizon = first.time + self.lookahead
        first_spec = None
        while len(batch) < self.concurrency:
            nxt = self.queue.peek()
            if nxt is None or nxt.time > self.until or nxt.time >= horizon or nxt.kind in self.barrier_kinds:
                break
            if nxt.time >= safe_end:
                first_spec = len(batch) if first_spec is None else first_spec
                if len(batch) - first_spec >= self.spec_budget:
                    break
            batch.append(self.queue.pop())
        return batch, len(batch) if first_spec is None else first_spec

    def _adapt(self, taken: int, first_spec: int, done: int) -> None:
        """AIMD on speculation: double the budget after a clean batch, cut it to what succeeded otherwise."""
        if self.speculation != "adaptive":
            return
        speculative, succeeded = taken - first_spec, max(0, done - first_spec)
        if speculative == 0:
            self.spec_budget = min(self.concurrency - 1, max(1, self.spec_budget))
        elif succeeded == speculative:
            self.spec_budget = min(self.concurrency - 1, max(1, 2 * self.spec_budget))
        else:
            self.spec_budget = max(1, succeeded) if self.concurrency > 1 else 0

    def _commit_in_order(self, batch: list[Event], outcomes: list[Any]) -> int:
        for i, (event, outcome) in enumerate(zip(batch, outcomes)):
            if i > 0 and not self._may_commit(event, outcome):
                for rest in batch[i:]:
                    self.queue.requeue(rest)
                self.stats.recomputed += len(batch) - i
                return i
            self.now = event.time
            for follow_up in self.process.commit(event, outcome):
                if follow_up.time < event.time:
                    raise ValueError(f"event {follow_up.kind} scheduled in the past ({follow_up.time} < {event.time})")
                self.queue.push(follow_up)
        return len(batch)

    def _may_commit(self, event: Event, outcome: Any) -> bool:
        head = self.queue.peek()
        if head is not None and head.sort_key() < event.sort_key():
            return False
        return self.process.still_valid(event, outcome)

    def pending(self) -> bool:
        head = self.queue.peek()
        return head is not None and head.time <= self.until

    async def step(self) -> int:
        """Compute and commit one batch; return how many events were committed."""
        batch, first_spec = self._take_batch()
        outcomes = await asyncio.gather(*(self.process.compute(e) for e in batch))
        done = self._commit_in_order(batch, list(outcomes))
        self._adapt(len(batch), first_spec, done)
        self.stats.batches += 1
        self.stats.committed += done
        self.stats.max_batch = max(self.stats.max_batch, len(batch))
        return done

    async def run(self, on_batch: Any = None) -> SchedulerStats:
        """Run until the queue is empty or the next event lies beyond ``until``."""
        while self.pending():
            await self.step()
            if on_batch is not None:
                on_batch(self)
        return self.stats
