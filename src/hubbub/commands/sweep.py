"""`hubbub sweep SCENARIO --grid KEY=V1,V2 ... --seeds N`: a grid of scenario variants x replicate
seeds, run in local worker processes (or on Ray with ``--ray``), summarised in one table.

``hubbub run`` of a scenario with an ``[experiment]`` section runs its grid through
:func:`hubbub.commands.grid.grid_command` too, so both write the same folder: each run in
``OUT/<variant>/seed-<seed>`` (its own seed), and ``OUT/runs.csv``, ``OUT/summary.csv``,
``OUT/summary.md`` (see :mod:`hubbub.metrics.grid`); ``hubbub report OUT`` reads it. Running the same command again skips the completed runs and resumes
interrupted ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

import typer


def sweep_command(scenario: str, grid: list[str], seeds: int | None, workers: int | None, ray: str | None,
                  out: Path | None, overrides: dict[str, Any], analyse: bool, quiet: bool, *,
                  overwrite: bool = False, yes: bool = False) -> Path:
    """``hubbub sweep``: load the scenario with the run flags applied and run its grid."""
    from hubbub.commands.grid import grid_command
    from hubbub.runtime import sweep as sw
    from hubbub.scenarios.config import load_scenario

    sc = load_scenario(scenario, overrides)
    variants = sw.plan(sc, sw.parse_grid(grid), seeds)
    folder = out or Path("runs") / f"{sc.run.name}-sweep"
    return grid_command(sc, variants, folder, workers=workers, ray=ray, analyse=analyse, quiet=quiet,
                        overwrite=overwrite, yes=yes)


def register(app: typer.Typer) -> None:
    from hubbub.cli import guard, run_overrides
    from hubbub.commands.metavars import BACKENDS

    @app.command(epilog="Example: hubbub sweep trendsim-topic --grid trendsim.attack.share=0,0.1,0.3 --seeds 3 "
                        "--backend scripted --out runs/levels")
    def sweep(
        scenario: str = typer.Argument(..., metavar="SCENARIO", help="Scenario file (.toml) or built-in name."),
        grid: Optional[List[str]] = typer.Option(None, "--grid", metavar="KEY=V1,V2", help="KEY=V1,V2,... (repeat for more keys; the cross product is run). Default: the scenario's experiment.grid."),
        seeds: Optional[int] = typer.Option(None, "--seeds", metavar="N", help="Replicate seeds per variant: run.seed, run.seed+1, ... (default: experiment.seeds or 1)."),
        seed: Optional[int] = typer.Option(None, "--seed", metavar="N", help="Root seed of the first replicate (default: the scenario's run.seed)."),
        backend: Optional[str] = typer.Option(None, "--backend", metavar=BACKENDS, help="LLM backend of every run (default: the scenario's llm.backend); scripted = canned replies, a plumbing demo."),
        base_url: Optional[List[str]] = typer.Option(None, "--base-url", metavar="URL", help="OpenAI-compatible server URL (repeat to load-balance over several servers)."),
        model: Optional[str] = typer.Option(None, "--model", metavar="NAME", help="Model name (openai) or GGUF path (embedded)."),
        workers: Optional[int] = typer.Option(None, "--workers", metavar="N", help="Runs at once (default: CPU cores)."),
        ray: Optional[str] = typer.Option(None, "--ray", metavar="ADDRESS", help="Run on Ray: a cluster address (ray://host:10001, auto) or 'local'."),
        out: Optional[Path] = typer.Option(None, "--out", metavar="DIR", help="Sweep folder (default: runs/<scenario name>-sweep)."),
        set_: Optional[List[str]] = typer.Option(None, "--set", metavar="KEY=VALUE", help="Override a scenario field for every run (repeat for several): --set trendsim.lifecycle_h=2"),
        analyse: bool = typer.Option(False, "--analyse", help="Also write each run's tables, plots and report.html."),
        overwrite: bool = typer.Option(False, "--overwrite", help="Run every variant afresh, even completed ones."),
        yes: bool = typer.Option(False, "--yes", help="Start without asking even if a run's estimate on the embedded model exceeds an hour."),
        quiet: bool = typer.Option(False, "--quiet", help="Only the summary table."),
    ) -> None:
        """Run a grid of scenario variants x replicate seeds and print one summary table."""
        guard(lambda: sweep_command(scenario, list(grid or []), seeds, workers, ray, out,
                                    run_overrides(backend, list(base_url or []), model, seed, None, list(set_ or [])),
                                    analyse, quiet, overwrite=overwrite, yes=yes))
