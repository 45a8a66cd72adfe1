"""What a benchmark produces: figures, targets (met or not), series and notes, plus the machine.

A :class:`Report` is filled by a workload, printed as tables and saved as JSON. Keeping one shape for
every workload lets docs/PERFORMANCE.md and benchmarks/results/*.json be read the same way.
"""

from __future__ import annotations

import json
import math
import os
import platform
import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class Target:
    """A goal such as "engine time <= 10 s"; ``met`` is None when the value could not be measured."""

    key: str
    label: str
    op: str  # "<=", ">=", "<", ">"
    bound: float
    value: float | None
    unit: str = ""

    @property
    def met(self) -> bool | None:
        if self.value is None or (isinstance(self.value, float) and math.isnan(self.value)):
            return None
        ops = {"<=": self.value <= self.bound, ">=": self.value >= self.bound,
               "<": self.value < self.bound, ">": self.value > self.bound}
        return bool(ops[self.op])


@dataclass
class Report:
    workload: str
    quick: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    command: str = ""
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    series: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    machine: dict[str, Any] = field(default_factory=lambda: machine_info())
    started_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    wall_s: float = 0.0
    _t0: float = field(default_factory=time.perf_counter, repr=False)

    def figure(self, key: str, value: Any, unit: str = "", label: str | None = None) -> Any:
        """Record one measured figure; returns the value so it can be used inline."""
        self.figures[key] = {"label": label or key.replace("_", " "), "value": _plain(value), "unit": unit}
        return value

    def target(self, key: str, label: str, op: str, bound: float, value: float | None, unit: str = "") -> Target:
        target = Target(key, label, op, bound, None if value is None else float(value), unit)
        self.targets.append(target)
        return target

    def add_series(self, name: str, **columns: Sequence[Any]) -> None:
        self.series[name] = {k: [_plain(v) for v in vs] for k, vs in columns.items()}

    def table(self, name: str, rows: list[dict[str, Any]]) -> None:
        self.tables[name] = [{k: _plain(v) for k, v in row.items()} for row in rows]

    def note(self, text: str) -> None:
        self.notes.append(text)

    def value(self, key: str) -> Any:
        return self.figures[key]["value"]

    def finish(self) -> None:
        self.wall_s = time.perf_counter() - self._t0
        self.machine["peak_rss_mib"] = round(peak_rss_bytes() / 2**20, 1)
        self.machine["load_avg_end"] = _loadavg()

    def to_json(self) -> dict[str, Any]:
        return {
            "workload": self.workload, "quick": self.quick, "command": self.command, "params": self.params,
            "started_at": self.started_at, "wall_s": round(self.wall_s, 3), "machine": self.machine,
            "figures": self.figures,
            "targets": [{"key": t.key, "label": t.label, "target": f"{t.op} {t.bound:g}{(' ' + t.unit) if t.unit else ''}",
                         "value": t.value, "met": t.met} for t in self.targets],
            "series": self.series, "tables": self.tables, "notes": self.notes,
        }

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False, allow_nan=False) + "\n",
                        encoding="utf-8")
        return path

    def print(self, console: Any = None) -> None:
        from hubbub.bench.printing import print_report

        print_report(self, console)


# ---------------------------------------------------------------- measurements shared by workloads


def rss_bytes() -> int:
    """Resident memory of this process now (Linux /proc; 0 where unavailable)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def peak_rss_bytes() -> int:
    """Highest resident memory of this process so far (``ru_maxrss`` is KiB on Linux)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Least-squares slope of ys over xs (0 for fewer than two points)."""
    if len(xs) < 2:
        return 0.0
    x, y = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    if np.ptp(x) == 0:
        return 0.0
    return float(np.polyfit(x, y, 1)[0])


def machine_info() -> dict[str, Any]:
    """Cores, CPU model, memory and versions: the figures mean nothing without them."""
    import sys

    from hubbub import __version__

    return {
        "cpu_model": _cpu_model(), "cores": os.cpu_count(), "mem_total_gib": _mem_total_gib(),
        "python": platform.python_version(), "platform": platform.platform(), "hubbub": __version__,
        "numpy": np.__version__, "executable": sys.executable.split("/")[-1], "load_avg_start": _loadavg(),
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _plain(value: Any) -> Any:
    """numpy scalars and non-finite floats as JSON-safe values."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if not math.isfinite(value) else round(value, 6)
    return value
