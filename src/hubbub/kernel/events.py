"""Scheduled events and the queue that orders them by ``(time, priority, seq)``.

An :class:`Event` is plain data: what should happen (``kind``), to whom (``agent``), when (``time``,
simulated seconds since the start) and any extra fields (``data``, JSON-serialisable). Ties in time are
broken by ``priority`` (lower first) and then by ``seq``, the order in which events were scheduled, so
the order is total and deterministic.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Event:
    """Something scheduled to happen at simulated time ``time`` (seconds)."""

    time: float
    kind: str
    agent: str | None = None
    priority: int = 0
    data: dict[str, Any] = field(default_factory=dict)
    seq: int = -1

    def sort_key(self) -> tuple[float, int, int]:
        return (self.time, self.priority, self.seq)


class EventQueue:
    """A priority queue of events; ``push`` stamps each event with the next sequence number."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, int, Event]] = []
        self._next_seq = 0

    def push(self, event: Event) -> Event:
        stamped = Event(event.time, event.kind, event.agent, event.priority, event.data, self._next_seq)
        self._next_seq += 1
        heapq.heappush(self._heap, (stamped.time, stamped.priority, stamped.seq, stamped))
        return stamped

    def requeue(self, event: Event) -> None:
        """Put back an already-stamped event (speculation that must be recomputed) keeping its seq."""
        heapq.heappush(self._heap, (event.time, event.priority, event.seq, event))

    def pop(self) -> Event:
        return heapq.heappop(self._heap)[3]

    def peek(self) -> Event | None:
        return self._heap[0][3] if self._heap else None

    def __len__(self) -> int:
        return len(self._heap)

    def __bool__(self) -> bool:
        return bool(self._heap)
