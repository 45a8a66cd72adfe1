"""Writes the event log and its projections, or verifies them when a run is resumed.

A resumed run re-executes from the start with the recorded LLM replies. Up to the last event that was
committed before the interruption the recorder only *compares* (a mismatch means the re-execution
diverged, which is an error); after it, it writes. So a resumed run ends with exactly the log an
uninterrupted run would have written.
"""

from __future__ import annotations

import json
from typing import Any

from hubbub.errors import SchedulingError


def canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class RunRecorder:
    """Numbers committed events and routes them to the store (write) or to a check (verify)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.resume_upto = store.last_seq()
        self.seq = -1
        self.agent_events = 0
        """Events of an agent (not the system's, such as snapshots) recorded by this process."""

    @property
    def verifying(self) -> bool:
        return self.seq <= self.resume_upto

    def event(self, time: float, kind: str, agent: str | None, data: dict[str, Any]) -> int:
        """Append one event; return its seq."""
        self.seq += 1
        self.agent_events += agent is not None
        if self.seq <= self.resume_upto:
            self._verify(time, kind, agent, data)
        else:
            self.store.append_event(self.seq, time, kind, agent, data)
        return self.seq

    def _verify(self, time: float, kind: str, agent: str | None, data: dict[str, Any]) -> None:
        stored = self.store.event(self.seq)
        if stored is None:
            raise SchedulingError(f"resume: event {self.seq} missing from the run record")
        s_time, s_kind, s_agent, s_data = stored
        if (s_time, s_kind, s_agent, canonical(s_data)) != (time, kind, agent, canonical(data)):
            raise SchedulingError(
                f"resume diverged at event {self.seq}: recorded {s_kind} of {s_agent} at t={s_time}, "
                f"re-execution gave {kind} of {agent} at t={time}; the run cannot be resumed exactly")

    def row(self, table: str, row: dict[str, Any]) -> None:
        """A projection row belonging to the event just recorded (skipped while verifying)."""
        if not self.verifying:
            self.store.insert(table, row)

    def update(self, table: str, key_column: str, key: Any, changes: dict[str, Any]) -> None:
        if not self.verifying:
            self.store.update(table, key_column, key, changes)

    def commit(self) -> None:
        self.store.commit()
