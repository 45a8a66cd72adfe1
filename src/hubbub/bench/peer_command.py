"""peer-job's other system: a command run on the same server, timed, its server counters read around it.

``hubbub bench peer-job --peer-command CMD`` runs CMD after hubbub's run, on the same server. CMD is
split like a shell line (no shell runs it); in each word ``{base_url}``, ``{model}``, ``{report}`` and
``{max_tokens}`` are replaced, and the same values are in its environment as ``HUBBUB_PEER_BASE_URL``,
``HUBBUB_PEER_MODEL``, ``HUBBUB_PEER_REPORT`` and ``HUBBUB_PEER_MAX_TOKENS``. Its output goes to
``peer-command.log`` in the bench's folder (``--keep``).

The bench times the whole command. If the command writes a JSON object to the report path, these of
its fields are read (each optional, each a number): ``user_steps`` (pages observed and acted on),
``requests``, ``prompt_tokens``, ``cached_tokens`` (served from the server's prefix cache),
``completion_tokens``, ``wall_s`` (the job itself, start-up excluded) and ``wall_less_sleep_s``;
``finished`` (true or false: false when the job was stopped before its end, so its wall time is a lower
bound); and ``system``, a name. ``benchmarks/peer_job/trendsim_job.py`` writes it for TrendSim's released code.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hubbub.errors import ConfigError, HubbubError

NUMBERS = ("user_steps", "requests", "prompt_tokens", "cached_tokens", "completion_tokens", "wall_s",
           "wall_less_sleep_s")
"""The report fields read as numbers."""
LOG_LINES = 5


class PeerCommandFailed(HubbubError):
    """The other system's command ended with an error status."""


@dataclass
class PeerRun:
    """What the other system's command cost: its wall time as the bench saw it, the server's counters
    before and after it, and the report it wrote (empty when none)."""

    command_wall_s: float
    before: Any
    after: Any
    report: dict[str, Any] = field(default_factory=dict)
    log: Path | None = None


def split_command(command: str) -> list[str]:
    """The command's words, or one clear error."""
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise ConfigError(f"bench peer-job: --peer-command {command!r} cannot be split into words ({exc})") from exc
    if not words:
        raise ConfigError("bench peer-job: --peer-command '' is empty; give the other system's command line")
    return words


def peer_values(base_url: str, model: str, report: Path, max_tokens: int) -> dict[str, str]:
    """The placeholder values handed to the command."""
    return {"base_url": base_url, "model": model, "report": str(report), "max_tokens": str(max_tokens)}


def filled(words: list[str], values: dict[str, str]) -> list[str]:
    """``words`` with ``{name}`` replaced by each value (other braces left as they are)."""
    out = []
    for word in words:
        for name, value in values.items():
            word = word.replace("{" + name + "}", value)
        out.append(word)
    return out


def run_peer(command: str, values: dict[str, str], folder: Path, read_metrics: Callable[[], Any],
             kept: bool = False) -> PeerRun:
    """Run the command with ``values`` (placeholders and environment), timed, the server's counters
    read just before and just after; its report read afterwards. ``kept``: ``folder`` stays after the
    bench (its log is named in messages)."""
    words = filled(split_command(command), values)
    report_path, log = Path(values["report"]), folder / "peer-command.log"
    report_path.unlink(missing_ok=True)
    env = {**os.environ, **{f"HUBBUB_PEER_{name.upper()}": value for name, value in values.items()}}
    before = read_metrics()
    t0 = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        status = _call(words, out, env)
    wall = time.perf_counter() - t0
    after = read_metrics()
    if status != 0:
        where = f" ({log})" if kept else ""
        raise PeerCommandFailed(f"bench peer-job: --peer-command exited with status {status}; "
                                f"its last lines{where}: {last_lines(log)}")
    return PeerRun(wall, before, after, read_report(report_path), log if kept else None)


def _call(words: list[str], out: Any, env: dict[str, str]) -> int:
    try:
        return subprocess.run(words, stdout=out, stderr=subprocess.STDOUT, env=env, check=False).returncode
    except OSError as exc:
        raise ConfigError(f"bench peer-job: --peer-command cannot start {words[0]!r}: {exc.strerror or exc}") from exc


def last_lines(log: Path) -> str:
    """The log's last few lines, joined with `` | ``."""
    lines = [line.strip() for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    return " | ".join(lines[-LOG_LINES:]) or "(no output)"


def read_report(path: Path) -> dict[str, Any]:
    """The command's JSON report ({} when it wrote none); a field that is not a number is an error."""
    import json

    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"bench peer-job: the peer report {str(path)!r} is not JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"bench peer-job: the peer report {str(path)!r} is {type(data).__name__}, not an object")
    for key in NUMBERS:
        value = data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ConfigError(f"bench peer-job: the peer report's {key} is {value!r}; expected a number or null")
    if data.get("finished") not in (None, True, False):
        raise ConfigError(f"bench peer-job: the peer report's finished is {data['finished']!r}; expected true or false")
    return data
