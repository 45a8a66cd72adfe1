"""The failure budget of a run: when failed LLM calls stop it, and which batches may be committed.

A failed call becomes an explicit ``llm_failure`` event and the run goes on (design decision 10), but a
run whose calls keep failing measures nothing: once ``run.min_calls_for_failure_budget`` calls were
made, more than ``run.max_failure_share`` of them failed stops it (status ``failed``, resumable).

So that a stopped run resumes to exactly the log of a run that never met the outage, batches are
*held* (not committed) from the first failure on until the failure proves sporadic: the calls made
since then include ``min_calls`` successes in a row, or ten times ``min_calls`` calls passed without the
budget running out. When the budget runs out, the held batches are rolled back, so neither the failure
events nor the failed calls are in the record and ``hubbub resume`` asks those requests again.
"""

from __future__ import annotations

from dataclasses import dataclass

SETTLE_FACTOR = 10
"""A held span longer than this many times ``min_calls`` calls, still within budget, is committed."""


@dataclass
class FailureBudget:
    """Counts of this process's LLM answers and the verdicts drawn from them."""

    max_share: float
    min_calls: int
    calls: int = 0  # requests that reached the backend (or missed a replay recording)
    failed: int = 0
    succeeded: int = 0  # usable answers, replies from the record included
    last_error: str = ""
    _held_calls: int = 0  # calls since the first failure not yet settled
    _run_of_successes: int = 0
    _holding: bool = False

    def record(self, ok: bool, cache_hit: bool, error: str | None) -> None:
        """Count one answer (a failure replayed from the record is part of the past, not counted)."""
        if ok:
            self.succeeded += 1
            self._run_of_successes += 1
        if cache_hit:
            self._settle_if_sporadic()
            return
        self.calls += 1
        if self._holding:
            self._held_calls += 1
        if not ok:
            self.failed += 1
            self.last_error = error or "unknown error"
            self._run_of_successes = 0
            self._holding = self.max_share < 1
        self._settle_if_sporadic()

    def _settle_if_sporadic(self) -> None:
        if self._holding and (self._run_of_successes >= self.min_calls
                              or self._held_calls >= SETTLE_FACTOR * self.min_calls):
            self._holding, self._held_calls = False, 0

    @property
    def holding(self) -> bool:
        """True while batches must not be committed (an unsettled failure is among them)."""
        return self._holding

    @property
    def exceeded(self) -> bool:
        return self.calls >= self.min_calls and self.failed > self.max_share * self.calls

    @property
    def share(self) -> float:
        return self.failed / self.calls if self.calls else 0.0

    def describe(self) -> str:
        """``12 of 40 LLM calls failed (30 %)``."""
        return f"{self.failed} of {self.calls} LLM calls failed ({self.share:.0%})"
