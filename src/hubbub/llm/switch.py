"""``choice_mode = "auto"`` learns, per call kind and endpoint, when letter scoring does not work.

A choice first asks for the next token's log-probabilities; when none of the option letters is among
them (a *miss*) it asks again with a JSON schema, so the choice is paid twice. After
``misses_before_schema`` misses in a row for one call kind on one endpoint (no choice of that kind
scored in between), that kind goes straight to the schema request for the rest of the run.

The switch is a function of the recorded history: it counts answered choices in the order they are
recorded in ``llm_calls`` (a miss counts once its schema request answered: outcome ``fallback``), and a
resumed run rebuilds it from those rows (:meth:`SchemaSwitch.restore`) before it asks anything new.
Replayed choices come from the record and never consult it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

SCORED, FALLBACK, SWITCHED, MISS = "ok", "fallback", "switched", "miss"
"""Outcomes of a choice in ``llm_calls``: scored by log-probabilities; answered by a schema request
after a miss; asked by schema because its kind was switched; the missed log-probability exchange itself
(its own row, with that exchange's tokens)."""


@dataclass
class SchemaSwitch:
    """Miss streaks and switched call kinds, keyed by ``(kind, endpoint)``."""

    misses_before_schema: int = 3
    streaks: dict[tuple[str, str], int] = field(default_factory=dict)
    switched: set[tuple[str, str]] = field(default_factory=set)

    def use_schema(self, kind: str, endpoint: str) -> bool:
        """True once ``kind`` on ``endpoint`` was switched to schema requests."""
        return (kind, endpoint) in self.switched

    def observe(self, kind: str, endpoint: str, method: str, outcome: str) -> bool:
        """Count one answered choice; True when it is the miss that switches its kind."""
        key = (kind, endpoint)
        if method == "logprobs" and outcome == SCORED:
            self.streaks[key] = 0
        elif outcome == FALLBACK and key not in self.switched:
            self.streaks[key] = self.streaks.get(key, 0) + 1
            if 0 < self.misses_before_schema <= self.streaks[key]:
                self.switched.add(key)
                return True
        return False

    def restore(self, history: Iterable[tuple[str, str, str]], endpoint: str) -> None:
        """Replay recorded ``(kind, method, outcome)`` rows of choices, in recording order."""
        for kind, method, outcome in history:
            if outcome == SWITCHED:
                self.switched.add((kind, endpoint))
            else:
                self.observe(kind, endpoint, method, outcome)

    def describe(self) -> dict[str, list[str]]:
        """Switched call kinds per endpoint (for logs and tests)."""
        out: dict[str, list[str]] = {}
        for kind, endpoint in sorted(self.switched):
            out.setdefault(endpoint, []).append(kind)
        return out
