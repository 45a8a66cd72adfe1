"""What a progress display needs of a run, updated after every committed step."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


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
