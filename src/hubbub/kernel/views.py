"""Recorded reads of shared state, so a speculative computation can be validated before commit.

A :class:`RecordingView` wraps an object and records each call made through it with its arguments and
result. :func:`reads_unchanged` replays those calls on the current object: if every call returns the
same value, the computation saw exactly what a sequential run would have seen.
"""

from __future__ import annotations

from typing import Any

Read = tuple[str, tuple[Any, ...], Any]


class RecordingView:
    """Proxy that records ``(method, args, result)`` for each method call on ``target``."""

    def __init__(self, target: Any, reads: list[Read] | None = None) -> None:
        self._target = target
        self.reads: list[Read] = reads if reads is not None else []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            raise AttributeError(f"only method calls are recorded; read {name!r} through a method")

        def recorded(*args: Any) -> Any:
            result = attr(*args)
            self.reads.append((name, args, result))
            return result

        return recorded


def reads_unchanged(target: Any, reads: list[Read]) -> bool:
    """True if replaying every recorded call on ``target`` gives the recorded result."""
    return all(getattr(target, name)(*args) == result for name, args, result in reads)
