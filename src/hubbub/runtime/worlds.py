"""Which world a scenario kind runs: an explicit registry owned by the runtime (DESIGN decision 7).

A world kind has three parts:

* ``prepare(scenario, seeds)`` reads and checks every input (topics, personas, graphs) before anything
  is written, so bad input never leaves a half-written run folder;
* ``build(scenario, prepared, llm, recorder, seeds)`` returns the world, which implements the
  scheduler's Process protocol plus ``initial_events()``, ``setup_rows()``, ``safe_window``,
  ``horizon`` (simulated seconds), ``sessions_done`` and ``describe()``;
* ``analyse(run_dir)`` writes the kind's tables and plots from the run record.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

from hubbub.errors import ConfigError
from hubbub.kernel.events import Event


class World(Protocol):
    safe_window: float
    horizon: float
    sessions_done: int

    def initial_events(self) -> list[Event]: ...

    def setup_rows(self) -> list[tuple[str, dict[str, Any]]]: ...

    def describe(self) -> str: ...

    async def compute(self, event: Event) -> Any: ...

    def still_valid(self, event: Event, outcome: Any) -> bool: ...

    def commit(self, event: Event, outcome: Any) -> list[Event]: ...


@dataclass(frozen=True)
class WorldKind:
    prepare: Callable[..., Any]
    build: Callable[..., World]
    analyse: Callable[[Path], list[Path]]


def _trendsim() -> WorldKind:
    from hubbub.report.trendsim import analyse_run
    from hubbub.runtime.trendsim.world import build_world, prepare_inputs

    return WorldKind(prepare_inputs, build_world, with_surveys(analyse_run))


def _s3() -> WorldKind:
    from hubbub.metrics.s3 import analyse_run
    from hubbub.runtime.s3.world import build_world, prepare_inputs

    return WorldKind(prepare_inputs, build_world, with_surveys(analyse_run))


def _combined() -> WorldKind:
    from hubbub.metrics.s3 import analyse_combined
    from hubbub.runtime.combined import build_world, prepare_inputs

    return WorldKind(prepare_inputs, build_world, with_surveys(analyse_combined))


def with_surveys(analyse: Callable[[Path], list[Path]]) -> Callable[[Path], list[Path]]:
    """The kind's analysis, then the survey tables (tables/surveys.csv, tables/survey_summary.csv) when
    the run has survey answers; every kind's surveys are analysed the same way."""
    from hubbub.metrics.surveys import write_survey_tables

    def both(run_dir: Path) -> list[Path]:
        return [*analyse(run_dir), *write_survey_tables(run_dir)]

    return both


def _platform() -> WorldKind:
    from hubbub.report.platform import analyse_run
    from hubbub.runtime.platform.world import build_world, prepare_inputs

    return WorldKind(prepare_inputs, build_world, analyse_run)


KINDS: dict[str, Callable[[], WorldKind]] = {"trendsim": _trendsim, "s3": _s3, "combined": _combined,
                                             "platform": _platform}


def world_kind(kind: str) -> WorldKind:
    if kind not in KINDS:
        raise ConfigError(f"kind = {kind!r} is not a known simulation; known: {', '.join(KINDS)}")
    try:
        return KINDS[kind]()
    except ModuleNotFoundError as exc:
        raise ConfigError(f"kind = {kind!r} is not available in this build ({exc.name} is missing)") from None
