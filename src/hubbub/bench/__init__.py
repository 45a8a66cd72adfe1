"""Benchmark workloads: commands that print figures, never timed assertions (DESIGN, house habits).

Each workload is one module with ``PARAMS`` (its options with their quick and full sizes) and
``run(params, report)``, which measures and fills a :class:`~hubbub.bench.report.Report`. The
command ``hubbub bench WORKLOAD [--quick]`` prints the report and saves it as JSON; the figures in
docs/PERFORMANCE.md come from those files (benchmarks/results/).

Importing this package loads no workload: each module is imported when it is asked for.
"""

from __future__ import annotations

import importlib
from typing import Any

from hubbub.errors import ConfigError

WORKLOADS: dict[str, str] = {
    "saturation": "LLM server throughput driven by a TrendSim run vs. the same requests fired directly",
    "engine": "engine overhead: a 1,000-user, 16-hour TrendSim topic (and an S3 run) on a zero-latency backend",
    "tokens": "prompt and completion tokens per call kind and per activation, prefix-cache reuse",
    "scale": "hybrid run: 1,000,000 rule-based users on ~10,000,000 edges plus 1,000 LLM users",
    "memory": "a 300-step run: prompt size and process memory over time (series and slope)",
    "choices": "share of choices answered by log-probabilities (one request), per language and call kind",
    "peer-job": "the job of TrendSim's released code (its users and topic files) on one server, per user step",
}
"""Workload name -> what it measures (the module is ``hubbub.bench.<name>``, a hyphen read as ``_``)."""


def workload(name: str) -> Any:
    """The module of workload ``name``."""
    if name not in WORKLOADS:
        raise ConfigError(f"bench: unknown workload {name!r}; known: {', '.join(WORKLOADS)}")
    return importlib.import_module(f"hubbub.bench.{name.replace('-', '_')}")


def resolve_params(name: str, given: dict[str, Any], quick: bool) -> dict[str, Any]:
    """The workload's parameters: its quick or full defaults, overridden by ``given``.

    An option the workload does not take is an error naming the options it does take."""
    module = workload(name)
    defaults: dict[str, tuple[Any, Any]] = module.PARAMS
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        takes = ", ".join(f"--{k.replace('_', '-')}" for k in defaults) or "no options"
        raise ConfigError(f"bench {name}: --{unknown[0].replace('_', '-')} does not apply; it takes {takes}")
    params = {key: (small if quick else full) for key, (small, full) in defaults.items()}
    params.update(given)
    return params


def run_workload(name: str, *, quick: bool = False, given: dict[str, Any] | None = None,
                 command: str | None = None, on_report: Any = None) -> Any:
    """Run workload ``name`` and return its filled :class:`~hubbub.bench.report.Report`; ``on_report``
    is handed the report as it starts filling, so a progress display can show the figures so far."""
    from hubbub.bench.report import Report

    params = resolve_params(name, dict(given or {}), quick)
    report = Report(name, quick=quick, params=params, command=command or _command(name, quick, given or {}))
    if on_report is not None:
        on_report(report)
    workload(name).run(params, report)
    report.finish()
    return report


def _command(name: str, quick: bool, given: dict[str, Any]) -> str:
    parts = ["hubbub", "bench", name] + (["--quick"] if quick else [])
    for key, value in given.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            flag = f"--{key.replace('_', '-')}"
            parts += [flag] if item is True else [] if item is False else [flag, str(item)]
    return " ".join(parts)
