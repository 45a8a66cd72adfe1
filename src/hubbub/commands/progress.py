"""Plain progress lines for long commands whose output is not a terminal (CI logs, ``make run | tee``,
a batch job's log file).

A progress bar redraws one line in place, which a log file records as noise or not at all; so when
stderr is not a terminal, ``run``, ``evaluate``, ``sweep`` and ``bench`` print one ``progress:`` line
every ``HUBBUB_PROGRESS_S`` seconds (default 10) instead, from a small background thread, so a line
comes even while the command waits on a slow model server. ``--quiet`` turns them off.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from typing import Callable, Iterator

from hubbub.errors import ConfigError

ENV = "HUBBUB_PROGRESS_S"
DEFAULT_INTERVAL_S = 10.0


def interval_s() -> float:
    """Seconds between two progress lines: ``$HUBBUB_PROGRESS_S`` or the default."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return DEFAULT_INTERVAL_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"{ENV}={raw!r}: expected a number of seconds > 0, e.g. {ENV}=30")
    return value


def wanted(quiet: bool) -> bool:
    """Plain lines are for logs: not with ``--quiet``, and not on a terminal (it has the progress bar)."""
    return not quiet and not _is_terminal()


def check(quiet: bool) -> None:
    """Refuse a bad ``$HUBBUB_PROGRESS_S`` before a command starts work (and writes a run folder)."""
    if wanted(quiet):
        interval_s()


def _is_terminal() -> bool:
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


def say(line: str) -> None:
    """Write one whole line to stderr at once, so lines from two threads never interleave."""
    sys.stderr.write(f"progress: {line}\n")
    sys.stderr.flush()


def elapsed_text(seconds: float) -> str:
    """``42 s`` or ``12 min 5 s``: long enough runs read in minutes."""
    whole = int(seconds)
    return f"{whole} s" if whole < 120 else f"{whole // 60} min {whole % 60} s"


@contextlib.contextmanager
def heartbeat(describe: Callable[[float], str], *, quiet: bool, final: bool = True) -> Iterator[None]:
    """While the body runs, print ``progress: describe(elapsed)`` every interval (when :func:`wanted`);
    with ``final``, one last line when the body ends without an error, so even a short command's log
    says where it got to."""
    if not wanted(quiet):
        yield
        return
    every, started, stop = interval_s(), time.monotonic(), threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            say(describe(time.monotonic() - started))

    thread = threading.Thread(target=beat, name="hubbub-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
    if final:
        say(describe(time.monotonic() - started))
