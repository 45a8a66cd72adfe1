"""`hubbub sweep SCENARIO --grid KEY=V1,V2 ... --seeds N`: a grid of scenario variants x replicate
seeds, run in local worker processes (or on Ray with ``--ray``), summarised in one table.

Each run goes to its own folder ``OUT/<variant>/seed-<k>``; running the same command again skips the
completed runs and resumes interrupted ones. The table (one row per run, then mean ± std over seeds
for each variant) is printed and written to ``OUT/summary.csv`` and ``OUT/summary.md``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, List, Optional

import typer

from hubbub.errors import HubbubError


def sweep_command(scenario: str, grid: list[str], seeds: int | None, workers: int | None, ray: str | None,
                  out: Path | None, sets: list[str], analyse: bool, quiet: bool) -> Path:
    from rich.console import Console

    from hubbub.commands.progress import check as check_progress, elapsed_text, heartbeat
    from hubbub.runtime import sweep as sw
    from hubbub.scenarios.config import load_scenario

    console = Console(highlight=False)
    sc = load_scenario(scenario, _sets(sets))
    variants = sw.plan(sc, sw.parse_grid(grid), seeds)
    folder = out or Path("runs") / f"{sc.run.name}-sweep"
    n_workers = workers or min(len(variants), os.cpu_count() or 1)
    cells = len(dict.fromkeys(v.cell for v in variants))
    where = f"Ray ({ray})" if ray else f"{min(n_workers, len(variants))} local worker process(es)"
    if not quiet:
        console.print(f"sweep [bold]{sc.run.name}[/]: {len(variants)} runs ({cells} variant(s) x "
                      f"{len(variants) // max(cells, 1)} seed(s)) into {folder}, on {where}")
    finished = [0]

    def on_done(variant: Any, row: dict[str, Any]) -> None:
        finished[0] += 1
        if not quiet:
            state = row["status"] if row["status"] == "failed" else row.get("action", "")
            console.print(f"  [{finished[0]}/{len(variants)}] {variant.name}: {state} ({row.get('wall_s', 0):.1f} s)")

    check_progress(quiet)

    def describe(elapsed: float) -> str:
        return f"sweep {sc.run.name}: {finished[0]} of {len(variants)} runs done, {elapsed_text(elapsed)} elapsed"

    with heartbeat(describe, quiet=quiet, final=False):  # in a log: a line every few seconds between runs
        frame = sw.run_sweep(variants, folder, workers=n_workers, ray_address=ray, analyse=analyse, on_done=on_done)
    keys = list(variants[0].values)
    paths = sw.write_summary(folder, frame, keys)
    console.print(_table(sw.summary_rows(frame, keys), sc.run.name))
    console.print(f"summary: {paths[0]}, {paths[2]}")
    _raise_failures(frame)
    return folder


def _sets(items: list[str]) -> dict[str, Any]:
    from hubbub.scenarios.loading import parse_sets

    return parse_sets(items)


def _table(rows: list[dict[str, str]], name: str) -> Any:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"sweep {escape(name)}: one row per run, mean ± std over seeds per variant")
    for col in rows[0]:
        table.add_column(escape(col), justify="left" if col in ("variant", "seed", "status") else "right")
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


def register(app: typer.Typer) -> None:
    from hubbub.cli import guard

    @app.command(epilog="Example: hubbub sweep demo --grid trendsim.attack.share=0,0.1,0.3 --seeds 3 --set llm.backend=scripted")
    def sweep(
        scenario: str = typer.Argument(..., metavar="SCENARIO", help="Scenario file (.toml) or built-in name."),
        grid: Optional[List[str]] = typer.Option(None, "--grid", metavar="KEY=V1,V2", help="KEY=V1,V2,... (repeat for more keys; the cross product is run). Default: the scenario's experiment.grid."),
        seeds: Optional[int] = typer.Option(None, "--seeds", metavar="N", help="Replicate seeds per variant: run.seed, run.seed+1, ... (default: experiment.seeds or 1)."),
        workers: Optional[int] = typer.Option(None, "--workers", metavar="N", help="Runs at once (default: CPU cores)."),
        ray: Optional[str] = typer.Option(None, "--ray", metavar="ADDRESS", help="Run on Ray: a cluster address (ray://host:10001, auto) or 'local'."),
        out: Optional[Path] = typer.Option(None, "--out", metavar="DIR", help="Sweep folder (default: runs/<scenario name>-sweep)."),
        set_: Optional[List[str]] = typer.Option(None, "--set", metavar="KEY=VALUE", help="Override a scenario field for every run (repeat for several): --set llm.backend=scripted"),
        analyse: bool = typer.Option(False, "--analyse", help="Also write each run's tables and plots."),
        quiet: bool = typer.Option(False, "--quiet", help="Only the summary table."),
    ) -> None:
        """Run a grid of scenario variants x replicate seeds and print one summary table."""
        guard(lambda: sweep_command(scenario, list(grid or []), seeds, workers, ray, out, list(set_ or []),
                                    analyse, quiet))
