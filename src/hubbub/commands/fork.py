"""`hubbub fork RUN --at-h H ...` (a counterfactual branch of a recorded run) and `hubbub compare`
(paired differences of the outcome measures, forks against their parents, with bootstrap intervals)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, List, Optional

import typer

from hubbub.commands.metavars import BACKENDS
from hubbub.errors import ConfigError


def _tables(items: list[str]) -> list[dict[str, Any]]:
    """``--intervene '{type = "censorship", enabled = false}'`` values as tables (TOML inline tables)."""
    from hubbub.scenarios.loading import parse_scalar

    tables = []
    for item in items:
        value = parse_scalar(item)
        if not isinstance(value, dict):
            raise ConfigError(f"--intervene {item!r}: expected a TOML inline table, e.g. "
                              f"--intervene '{{type = \"label\", text = \"Disputed\"}}'")
        tables.append(value)
    return tables


def fork_command(parent: Path, at_h: float, sets: list[str], intervene: list[str], out: Path | None,
                 options: dict[str, Any], *, overwrite: bool, quiet: bool) -> Path:
    """Replay the parent up to H, apply the change, run the rest with progress and write the outputs."""
    from hubbub.commands.progress import check as check_progress
    from hubbub.commands.run import _report, _run_with_progress, console, escape
    from hubbub.runtime.simulation import Simulation
    from hubbub.scenarios.loading import parse_sets

    check_progress(quiet)
    out = out or parent.with_name(f"{parent.name}-fork")
    sim = Simulation.fork_from(parent, at_h, out, changes=parse_sets(sets), interventions=_tables(intervene),
                   overwrite=overwrite, **options)
    if not quiet:
        fork = sim._manifest_extra["fork"]
        console.print(f"fork of {escape(str(parent))} at {at_h:g} h: replayed its first {sim.recorder.seq + 1} events "
                      f"from its record; change: {escape(_change(fork))}; continuing with {sim.llm.name}")
    progress = _run_with_progress(sim, quiet)
    _report(sim, out, progress, quiet)
    return out


def _change(fork: dict[str, Any]) -> str:
    from hubbub.metrics.compare import describe_change

    return describe_change(fork).split(": ", 1)[1]


def compare_command(paths: list[Path], seed: int, out: Path | None) -> Any:
    """Pair the forks with their parents and print one table per change; return the table."""
    from rich.console import Console

    from hubbub.metrics.compare import compare_pairs, find_runs, pair_forks

    pairs = pair_forks(find_runs(paths))
    table = compare_pairs(pairs, seed=seed)
    console = Console(highlight=False)
    for change, rows in table.groupby("change", sort=False):
        console.print(_rich_table(change, rows))
    console.print("difference = fork - parent, mean over pairs; 95 % bootstrap interval over the pairs "
                  f"(seed {seed}); n = pairs")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(out, index=False)
        console.print(f"written: {out}")
    return table


def _rich_table(change: str, rows: Any) -> Any:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(change))
    for col in ("measure", "n", "parent", "fork", "difference", "95 % interval"):
        table.add_column(col, justify="left" if col == "measure" else "right")
    for row in rows.itertuples():
        interval = "n=1, none" if math.isnan(row.low) else f"[{row.low:+.4f}, {row.high:+.4f}]"
        table.add_row(escape(row.measure), str(row.n), f"{row.parent:.4f}", f"{row.fork:.4f}",
                      f"{row.difference:+.4f}", interval)
    return table


def register(app: typer.Typer) -> None:
    from hubbub.cli import guard

    @app.command(epilog="Example: hubbub fork runs/demo --at-h 0.5 --set trendsim.censorship.enabled=true --out runs/demo-censored")
    def fork(
        run_dir: Path = typer.Argument(..., metavar="RUN_DIR", help="The parent: a run folder whose record reaches H."),
        at_h: float = typer.Option(..., "--at-h", metavar="H", help="Simulated hour at which the branches part (0 = from the start)."),
        set_: Optional[List[str]] = typer.Option(None, "--set", metavar="KEY=VALUE", help="The change as a scenario setting (repeat for several): --set trendsim.censorship.enabled=true starts censorship at H."),
        intervene: Optional[List[str]] = typer.Option(None, "--intervene", metavar="TABLE", help="The change as an intervention at H, a TOML inline table (repeat for several): --intervene '{type = \"attack\", share = 0.5}'."),
        backend: Optional[str] = typer.Option(None, "--backend", metavar=BACKENDS, help="Backend after H (default: the parent's; up to H the parent's record answers)."),
        base_url: Optional[List[str]] = typer.Option(None, "--base-url", metavar="URL", help="Server URL after H (repeat to load-balance over several servers)."),
        model: Optional[str] = typer.Option(None, "--model", metavar="NAME", help="Model (must be the parent's: replies are addressed by model)."),
        out: Optional[Path] = typer.Option(None, "--out", metavar="DIR", help="The fork's run folder (default: RUN_DIR-fork)."),
        overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing run in the output folder."),
        quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
    ) -> None:
        """Branch a recorded run at H: replay it exactly up to H, apply the change, run on (same random streams)."""
        options = {"backend": backend, "model": model, "base_url": list(base_url) if base_url else None}
        guard(lambda: fork_command(run_dir, at_h, list(set_ or []), list(intervene or []), out, options,
                                   overwrite=overwrite, quiet=quiet))

    @app.command(epilog="Example: hubbub compare runs/parents runs/forks --out runs/compare.csv")
    def compare(
        runs: List[Path] = typer.Argument(..., metavar="RUN_DIR...", help="Parents and forks (PARENT FORK ...), or folders holding them; each fork finds its parent."),
        seed: int = typer.Option(0, "--seed", metavar="N", help="Seed of the bootstrap resampling."),
        out: Optional[Path] = typer.Option(None, "--out", metavar="FILE", help="Also write the table as CSV."),
    ) -> None:
        """Paired differences (fork - parent) of the outcome measures with bootstrap 95 % intervals over the pairs."""
        guard(lambda: compare_command(list(runs), seed, out))
