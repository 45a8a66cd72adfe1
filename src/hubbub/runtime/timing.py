"""When a run's work reaches its record: the wall-clock time the run started advancing, the time of its
first commit of an agent's event, and its slowest event, kept in the record's ``meta`` table under
``timing``.

An agent's event (a user's step, an S3 decision) is what needs the model; system events such as the
snapshot at t = 0 need nothing and commit at once, so they do not count. With commits continuous
(kernel.scheduler), the first agent's events should reach the record about as soon as the first
event's chain of LLM calls is done: ``hubbub bench`` reads these facts
(``hubbub.bench.runs.commit_timing``) to show it. A resumed run's facts are those of the last process
that advanced it.
"""

from __future__ import annotations

import time
from typing import Any

TIMING_KEY = "timing"


class CommitTiming:
    """Wall-clock facts of one process advancing a run (Unix times; seconds)."""

    def __init__(self) -> None:
        self.started: float | None = None
        self.first_commit: float | None = None

    def start(self) -> None:
        """The run starts advancing now (its setup is written)."""
        if self.started is None:
            self.started = time.time()

    def before_commit(self, store: Any, agent_events: int) -> None:
        """Note the first commit that holds an agent's event, in the same transaction as it
        (``agent_events``: how many this process has recorded so far)."""
        if self.first_commit is None and agent_events > 0 and self.started is not None:
            self.first_commit = time.time()
            store.set_meta(TIMING_KEY, self.facts(None))

    def finish(self, store: Any, slowest_event_s: float | None) -> None:
        """Write the facts with the slowest event's computation time, as the run ends."""
        if self.started is not None:
            store.set_meta(TIMING_KEY, self.facts(slowest_event_s))

    def facts(self, slowest_event_s: float | None) -> dict[str, Any]:
        """The facts as the record keeps them."""
        return {"started": self.started, "first_commit": self.first_commit, "slowest_event_s": slowest_event_s}
