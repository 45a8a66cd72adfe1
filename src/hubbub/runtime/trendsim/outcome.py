"""What a computed hub event wants to do, applied in event order by the world's commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hubbub.agents.user import UserState
from hubbub.kernel.events import Event
from hubbub.kernel.views import Read


@dataclass
class Outcome:
    """What a computed event wants to do; applied by commit."""

    reads: list[Read] = field(default_factory=list)
    records: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    state: UserState | None = None
    follow_ups: list[Event] = field(default_factory=list)
    seen: list[tuple[int, str]] = field(default_factory=list)
    """Hub comments the user read in this step (id, text): a combined run adds them to their memory pool."""
