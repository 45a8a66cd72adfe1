"""Recorded reads of shared state, so a speculative computation can be validated before commit.

A :class:`RecordingView` wraps an object and records each call made through it with its arguments and
result. :func:`reads_unchanged` replays those calls on the current object: if every call returns the
same value, the computation saw exactly what a sequential run would have seen.

A target can spare most replays: if it has ``read_stamp()`` (a mark of its writes so far, recorded with
each read) and ``unchanged_since(stamp, method, args)`` (True only when no write since ``stamp`` can
change that read), a read it vouches for is not replayed; any other read is replayed as before. The
verdict is the same either way.
"""

from __future__ import annotations

from typing import Any

Read = tuple[str, tuple[Any, ...], Any, Any]
"""One recorded call: (method, args, result, the target's read stamp or None)."""


class RecordingView:
    """Proxy that records ``(method, args, result, stamp)`` for each method call on ``target``."""

    def __init__(self, target: Any, reads: list[Read] | None = None) -> None:
        self._target = target
        self._stamp = getattr(target, "read_stamp", None)
        self.reads: list[Read] = reads if reads is not None else []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            raise AttributeError(f"only method calls are recorded; read {name!r} through a method")

        def recorded(*args: Any) -> Any:
            stamp = self._stamp() if self._stamp is not None else None
            result = attr(*args)
            self.reads.append((name, args, result, stamp))
            return result

        return recorded


def reads_unchanged(target: Any, reads: list[Read]) -> bool:
    """True if every recorded call on ``target`` would give the recorded result now: vouched for by the
    target's ``unchanged_since``, or else replayed and compared."""
    vouch = getattr(target, "unchanged_since", None)
    return all(_unchanged(target, vouch, read) for read in reads)


def _unchanged(target: Any, vouch: Any, read: Read) -> bool:
    """One read: vouched for, or replayed and compared."""
    name, args, result, stamp = read
    if vouch is not None and stamp is not None and vouch(stamp, name, args):
        return True
    return getattr(target, name)(*args) == result
