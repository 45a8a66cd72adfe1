"""The run folder and the process around a run: refusing to overwrite a run by accident, removing a
record a failed start created, cancelling a step, and SIGTERM handled like Ctrl-C."""

from __future__ import annotations

import asyncio
import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from hubbub.errors import ConfigError


async def cancelled(task: asyncio.Future[Any]) -> None:
    """Cancel a task and wait until it has unwound (its own outcome no longer matters)."""
    if task.done():
        return
    task.cancel()
    try:
        await task
    except (asyncio.CancelledError, Exception):  # noqa: BLE001 - the run is stopping for another reason
        pass


@contextmanager
def terminate_as_interrupt(handler: Callable[[int, Any], None]) -> Iterator[None]:
    """Route SIGTERM to ``handler`` while a run goes (main thread only), then restore the old one."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def remove_new_record(run_dir: Path, folder_existed: bool) -> None:
    """Delete a run record this process has just created (and its folder, if it made it)."""
    for name in ("run.sqlite", "run.sqlite-wal", "run.sqlite-shm", "manifest.json"):
        (run_dir / name).unlink(missing_ok=True)
    if not folder_existed and run_dir.is_dir() and not any(run_dir.iterdir()):
        run_dir.rmdir()


def check_run_dir(run_dir: Path, overwrite: bool) -> None:
    """Refuse to write into a folder that already holds a run, unless asked to."""
    if (run_dir / "run.sqlite").exists() and not (run_dir / "manifest.json").exists() and not overwrite:
        raise ConfigError(f"{run_dir} holds a run record that stopped before it wrote its manifest (nothing to "
                          f"resume); pass --overwrite to start again, or pick another --out")
    if (run_dir / "run.sqlite").exists() and not overwrite:
        raise ConfigError(f"{run_dir} already holds a run; use `hubbub resume {run_dir}`, pick another --out, "
                          f"or pass --overwrite")
    if overwrite and run_dir.exists():
        for name in ("run.sqlite", "run.sqlite-wal", "run.sqlite-shm", "manifest.json"):
            (run_dir / name).unlink(missing_ok=True)
