"""Running a planned grid of runs from the command line, for ``hubbub sweep`` and for ``hubbub run`` of a
scenario with an ``[experiment]`` section: the notes and questions of ``hubbub run`` once for the grid,
one progress line per finished run, the summary table fitted to the terminal, one error line if a run
failed. The folder layout is :mod:`hubbub.metrics.grid`'s."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hubbub.commands.notes import escape, missing_data_note
from hubbub.errors import HubbubError


def grid_command(sc: Any, variants: list[Any], folder: Path, *, workers: int | None, ray: str | None,
                 analyse: bool, quiet: bool, overwrite: bool = False, yes: bool = False) -> Path:
    """Run a planned grid into ``folder`` with progress lines, print the summary table, write the grid
    folder's files; one error line at the end if any run failed."""
    from rich.console import Console

    from hubbub.commands.progress import check as check_progress, elapsed_text, heartbeat
    from hubbub.runtime import sweep as sw

    console = Console(highlight=False)
    _before(sc, variants, yes)
    n_workers = workers or min(len(variants), os.cpu_count() or 1)
    cells = len(dict.fromkeys(v.cell for v in variants))
    where = f"Ray ({ray})" if ray else f"{min(n_workers, len(variants))} local worker process(es)"
    if not quiet:
        console.print(f"sweep [bold]{escape(sc.run.name)}[/]: {len(variants)} runs ({cells} variant(s) x "
                      f"{len(variants) // max(cells, 1)} seed(s)) into {escape(str(folder))}, on {where}")
    finished = [0]

    def on_done(variant: Any, row: dict[str, Any]) -> None:
        finished[0] += 1
        if not quiet:
            state = row["status"] if row["status"] == "failed" else row.get("action", "")
            console.print(f"  [{finished[0]}/{len(variants)}] {escape(variant.name)}: {state} "
                          f"({row.get('wall_s', 0):.1f} s)")

    check_progress(quiet)

    def describe(elapsed: float) -> str:
        return f"sweep {sc.run.name}: {finished[0]} of {len(variants)} runs done, {elapsed_text(elapsed)} elapsed"

    with heartbeat(describe, quiet=quiet, final=False):  # in a log: a line every few seconds between runs
        frame, paths = sw.run_grid(sc, variants, folder, workers=n_workers, ray_address=ray, analyse=analyse,
                                   overwrite=overwrite, on_done=on_done)
    _print_table(console, frame, list(variants[0].values), sc.run.name)
    console.print(f"runs: {escape(str(paths[0]))}; per variant: {escape(str(paths[1]))}; "
                  f"every column: {escape(str(paths[2]))}")
    _raise_failures(frame)
    return folder


def _before(sc: Any, variants: list[Any], yes: bool) -> None:
    """What ``hubbub run`` says and asks before a run, once for the grid: missing real data, and the
    cost question of a long embedded run (asked for each distinct variant)."""
    from rich.console import Console

    from hubbub.runtime.estimate import check_cost
    from hubbub.scenarios.config import scenario_from_dict

    note = missing_data_note(sc)
    if note:
        Console(stderr=True, highlight=False).print(f"[bold yellow]note:[/] {escape(note)}", soft_wrap=True)
    if sc.llm.backend == "embedded" and not yes:
        for variant in {v.cell: v for v in variants}.values():
            check_cost(scenario_from_dict(variant.config, f"variant {variant.name}"), yes=yes)


def _print_table(console: Any, frame: Any, keys: list[str], name: str) -> None:
    """The summary table with the columns that fit the terminal, and the names of those that did not."""
    from hubbub.metrics.grid import narrow, summary_rows

    rows, left_out = narrow(summary_rows(frame, keys), console.width)
    console.print(_table(rows, name))
    if left_out:
        console.print(f"(not shown for width: {escape(', '.join(left_out))}; every column is in summary.md)")


def _table(rows: list[dict[str, str]], name: str) -> Any:
    from rich.table import Table

    table = Table(title=f"sweep {escape(name)}: one row per run, mean ± std over seeds per variant")
    for col in rows[0]:
        table.add_column(escape(col), justify="left" if col in ("variant", "seed", "status") else "right",
                         no_wrap=True)
    for row in rows:
        style = "bold" if row["seed"] == "mean ± std" else None
        table.add_row(*(escape(v) for v in row.values()), style=style)
    return table


def _raise_failures(frame: Any) -> None:
    failed = frame[frame["status"] != "completed"]
    if len(failed):
        first = failed.iloc[0]
        raise HubbubError(f"{len(failed)} of {len(frame)} runs failed; first: {first['run']}: "
                          f"{first.get('error', 'unknown error')} (fix it and run the same command again: "
                          f"completed runs are kept)")
