"""The scheduler commits in (time, priority, seq) order and concurrency never changes the result."""

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
    """Each agent reads the board, posts how many posts it saw, and comes back later."""

    def __init__(self, delay: float, sleep: float = 0.0) -> None:
        self.board = Board()
        self.delay = delay
        self.sleep = sleep
        self.log: list[tuple[float, str, int]] = []

    async def compute(self, event: Event):
        view = RecordingView(self.board)
        if self.sleep:
            await asyncio.sleep(self.sleep)
        seen = len(view.visible(event.time))
        return view.reads, seen

    def still_valid(self, event, outcome) -> bool:
        return reads_unchanged(self.board, outcome[0])

    def commit(self, event: Event, outcome) -> list[Event]:
        seen = outcome[1]
        self.log.append((event.time, event.agent or "", seen))
        self.board.posts.append((event.time + self.delay, f"{event.agent} saw {seen}"))
        n = event.data["n"]
        if n < 4:
            return [Event(event.time + 7.0 + (hash(event.agent) % 3), "visit", event.agent, 0, {"n": n + 1})]
        return []


def run(concurrency: int, lookahead: float = math.inf, delay: float = 2.0, speculation: str = "always",
        safe_window: float = 0.0) -> list:
    world = Chatter(delay)
    queue = EventQueue()
    for i in range(10):
        queue.push(Event(float(i % 4), "visit", f"a{i}", 0, {"n": 0}))
    sched = Scheduler(queue, world, concurrency=concurrency, lookahead=lookahead, speculation=speculation,
                      safe_window=safe_window)
    asyncio.run(sched.run())
    return world.log, sched.stats


def test_events_commit_in_time_order():
    log, _ = run(1)
    assert [t for t, _, _ in log] == sorted(t for t, _, _ in log)


def test_concurrency_and_lookahead_never_change_the_log():
    reference, _ = run(1)
    for concurrency in (2, 5, 16, 64):
        for lookahead in (math.inf, 1.0, 5.0):
            for speculation in ("always", "adaptive", "never"):
                log, stats = run(concurrency, lookahead, speculation=speculation, safe_window=2.0)
                assert log == reference, (concurrency, lookahead, speculation)


def test_safe_window_batches_never_need_recomputation():
    reference, _ = run(1)
    log, stats = run(16, speculation="never", safe_window=2.0)
    assert log == reference
    assert stats.recomputed == 0 and stats.max_batch > 1


def test_speculation_that_saw_stale_state_is_recomputed():
    # With a 0.5 s delay, later events in a big batch must see posts committed earlier in the batch.
    reference, _ = run(1, delay=0.5)
    log, stats = run(32, delay=0.5)
    assert log == reference
    assert stats.recomputed > 0


def test_ties_are_broken_by_priority_then_seq():
    queue = EventQueue()
    b = queue.push(Event(1.0, "b", priority=1))
    a = queue.push(Event(1.0, "a", priority=0))
    c = queue.push(Event(1.0, "c", priority=1))
    assert [queue.pop().kind for _ in range(3)] == ["a", "b", "c"]
    assert (a.seq, b.seq, c.seq) == (1, 0, 2)


class Overlaps(Chatter):
    """Records which events were being computed while each one was."""

    def __init__(self) -> None:
        super().__init__(100.0, sleep=0.001)  # posts become visible late: no speculation conflicts
        self.running: set[str] = set()
        self.seen_with: dict[str, set[str]] = {}

    async def compute(self, event: Event):
        name = event.agent or event.kind
        self.running.add(name)
        for other in self.running:
            self.seen_with.setdefault(other, set()).update(self.running - {other})
        try:
            return await super().compute(event)
        finally:
            self.running.discard(name)


def test_barrier_events_run_alone():
    world = Overlaps()
    queue = EventQueue()
    for i in range(6):
        queue.push(Event(float(i), "visit", f"a{i}", 0, {"n": 4}))
    queue.push(Event(2.5, "barrier", None, 0, {"n": 4}))
    sched = Scheduler(queue, world, concurrency=16, speculation="always", barrier_kinds=frozenset({"barrier"}))
    asyncio.run(sched.run())
    assert world.seen_with.get("barrier", set()) == set()
    assert world.seen_with["a0"] >= {"a1", "a2"} and world.seen_with["a3"] >= {"a4", "a5"}
    assert not world.seen_with["a0"] & {"a3", "a4", "a5"}  # nothing is computed across a barrier


def test_the_window_slides_instead_of_waiting_for_the_slowest():
    """While a slow event is computed, the events before it commit and the window refills at once:
    later events start before the slow one ends (a batch would wait for it)."""

    class Slow(Chatter):
        def __init__(self) -> None:
            super().__init__(100.0)
            self.trace: list[str] = []

        async def compute(self, event: Event):
            self.trace.append(f"start {event.agent}")
            await asyncio.sleep(0.3 if event.agent == "a3" else 0.001)
            self.trace.append(f"end {event.agent}")
            return await super().compute(event)

    world = Slow()
    queue = EventQueue()
    for i in range(10):
        queue.push(Event(float(i), "visit", f"a{i}", 0, {"n": 4}))
    asyncio.run(Scheduler(queue, world, concurrency=4, speculation="always").run())
    assert world.trace.index("start a4") < world.trace.index("end a3")
    assert [a for _, a, _ in world.log] == [f"a{i}" for i in range(10)]


def test_a_stopped_run_loses_at_most_the_window():
    world = Chatter(100.0, sleep=0.001)
    queue = EventQueue()
    for i in range(40):
        queue.push(Event(float(i), "visit", f"a{i}", 0, {"n": 4}))
    sched = Scheduler(queue, world, concurrency=8, speculation="always")

    async def three_steps() -> None:
        for _ in range(3):
            await sched.step()
        assert len(sched.window) <= 8
        await sched.aclose()

    asyncio.run(three_steps())
    assert len(world.log) + len(sched.window) + len(queue) == 40


class CountingChatter(Chatter):
    """:class:`Chatter` that counts its computations and may allow kept ones to be taken up again (a
    computation sent back to the queue is taken up again when its process allows it, issue 16)."""

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
