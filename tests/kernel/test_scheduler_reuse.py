"""A computation sent back to the queue is taken up again when its process allows it (issue 16)."""

from __future__ import annotations

import asyncio
import math

from hubbub.kernel.events import Event, EventQueue
from hubbub.kernel.scheduler import REUSES_TRIMMED, Scheduler, _Flight
from hubbub.kernel.views import RecordingView, reads_unchanged


class Board:
    """Shared state: posts visible from a time on."""

    def __init__(self) -> None:
        self.posts: list[tuple[float, str]] = []

    def visible(self, t: float) -> tuple[str, ...]:
        return tuple(text for at, text in sorted(self.posts) if at <= t)


class Chatter:
    """Each agent reads the board, posts how many posts it saw, and comes back later (as in
    ``test_scheduler.py``)."""

    def __init__(self, delay: float) -> None:
        self.board = Board()
        self.delay = delay
        self.log: list[tuple[float, str, int]] = []

    async def compute(self, event: Event):
        view = RecordingView(self.board)
        return view.reads, len(view.visible(event.time))

    def still_valid(self, event, outcome) -> bool:
        return reads_unchanged(self.board, outcome[0])

    def commit(self, event: Event, outcome) -> list[Event]:
        self.log.append((event.time, event.agent or "", outcome[1]))
        self.board.posts.append((event.time + self.delay, f"{event.agent} saw {outcome[1]}"))
        n = event.data["n"]
        if n < 4:
            return [Event(event.time + 7.0 + (hash(event.agent) % 3), "visit", event.agent, 0, {"n": n + 1})]
        return []


class CountingChatter(Chatter):
    """:class:`Chatter` that counts its computations and may allow kept ones to be taken up again."""

    def __init__(self, delay: float, reuse: bool) -> None:
        super().__init__(delay)
        self.reuses_trimmed = reuse
        self.computed = 0

    async def compute(self, event: Event):
        self.computed += 1
        return await super().compute(event)


def _run(concurrency: int, reuse: bool, delay: float = 2.0) -> tuple[list, Scheduler, int]:
    world = CountingChatter(delay, reuse)
    queue = EventQueue()
    for i in range(10):
        queue.push(Event(float(i % 4), "visit", f"a{i}", 0, {"n": 0}))
    sched = Scheduler(queue, world, concurrency=concurrency, speculation="always")
    asyncio.run(sched.run())
    return world.log, sched, world.computed


def test_taking_up_kept_computations_leaves_the_log_alike_and_computes_less():
    reference, _, _ = _run(1, reuse=False)
    assert REUSES_TRIMMED == "reuses_trimmed"
    for delay in (0.5, 2.0, 9.0):
        plain, plain_sched, plain_computed = _run(16, reuse=False, delay=delay)
        kept, kept_sched, kept_computed = _run(16, reuse=True, delay=delay)
        assert kept == plain == _run(1, reuse=False, delay=delay)[0]
        assert plain_sched.stats.reused == 0 and plain_sched.stats.recomputed > 0
        assert kept_sched.stats.reused > 0 and kept_computed < plain_computed
    assert reference == _run(1, reuse=True)[0]


def _flight(agent: str | None, seq: int) -> _Flight:
    return _Flight(Event(1.0, "visit", agent, 0, {}, seq), None, False)  # type: ignore[arg-type]


def test_kept_computations_are_dropped_after_their_agents_barrier_and_agentless_commits():
    sched = Scheduler(EventQueue(), CountingChatter(1.0, True), concurrency=4, barrier_kinds=frozenset({"vote"}))
    sched._kept = {1: _flight("a", 1), 2: _flight("b", 2), 3: _flight("a", 3)}
    sched._forget_kept(Event(0.5, "visit", "c", 0, {}, 9))
    assert sorted(sched._kept) == [1, 2, 3]  # another agent's commit: still_valid judges
    sched._forget_kept(Event(0.5, "visit", "a", 0, {}, 9))
    assert sorted(sched._kept) == [2]  # the agent's own state may have changed
    sched._forget_kept(Event(0.5, "vote", "c", 0, {}, 9))
    assert sched._kept == {}
    sched._kept = {2: _flight("b", 2)}
    sched._forget_kept(Event(0.5, "snapshot", None, 0, {}, 9))
    assert sched._kept == {}


def test_a_process_without_the_attribute_keeps_nothing():
    class Plain(Chatter):
        pass

    queue = EventQueue()
    for i in range(10):
        queue.push(Event(float(i % 4), "visit", f"a{i}", 0, {"n": 0}))
    sched = Scheduler(queue, Plain(2.0), concurrency=16, speculation="always", lookahead=math.inf)
    asyncio.run(sched.run())
    assert sched.stats.recomputed > 0 and sched.stats.reused == 0 and sched._kept == {}
