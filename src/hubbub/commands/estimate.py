"""`hubbub estimate SCENARIO`: the expected LLM calls, tokens and wall time of a run, before running it.

The numbers come from a dry run with the scripted backend (:mod:`hubbub.runtime.estimate`); the
scripted backend's choices are not a real model's, so they are an estimate, not a promise.
"""

from __future__ import annotations

from typing import Any, List, Optional

import typer

from hubbub.commands.metavars import BACKENDS


_UNCONTACTED = {"llm.base_urls": ["http://server-not-contacted.invalid"]}
"""A dry run contacts no server, so a scenario for the openai backend needs no URL to be priced; a URL the
user gives (``--set llm.base_urls=...``) replaces this one."""


def estimate_command(scenario: str, sets: list[str], backend: str | None, tokens_per_s: float | None) -> Any:
    """Print the per-kind table and the one-line estimate; return the estimate (for tests)."""
    from rich.console import Console

    from hubbub.runtime.estimate import estimate
    from hubbub.scenarios.config import load_scenario
    from hubbub.scenarios.loading import parse_sets

    overrides = parse_sets(sets)
    if backend:
        overrides["llm.backend"] = backend
    sc = load_scenario(scenario, {**_UNCONTACTED, **overrides})
    result = estimate(sc, tokens_per_s)
    console = Console(highlight=False)
    console.print(_table(result, sc.run.name))
    if result.scaled_note:
        console.print(f"note: {result.scaled_note}")
    console.print(result.line())
    console.print("(a dry run with the scripted backend: a real model's choices differ, so counts are estimates)")
    return result


def _table(result: Any, name: str) -> Any:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"estimate {escape(name)}: backend {result.backend}, expected per call kind")
    for col in ("call kind", "calls", "prompt tokens", "completion tokens"):
        table.add_column(col, justify="left" if col == "call kind" else "right")
    for kind in result.kinds:
        table.add_row(escape(kind.kind), f"{kind.calls:.0f}", f"{kind.prompt_tokens:.0f}", f"{kind.completion_tokens:.0f}")
    table.add_row("all", str(result.calls), str(result.prompt_tokens), str(result.completion_tokens), style="bold")
    return table


def register(app: typer.Typer) -> None:
    from hubbub.cli import guard

    @app.command(epilog="Example: hubbub estimate demo --backend openai --tokens-per-s 2000 --set trendsim.population.size=100")
    def estimate(
        scenario: str = typer.Argument(..., metavar="SCENARIO", help="Scenario file (.toml) or built-in name."),
        set_: Optional[List[str]] = typer.Option(None, "--set", metavar="KEY=VALUE", help="Override a scenario field (repeat for several): --set trendsim.population.size=100"),
        backend: Optional[str] = typer.Option(None, "--backend", metavar=BACKENDS, help="Backend to price the run for (default: the scenario's llm.backend)."),
        tokens_per_s: Optional[float] = typer.Option(None, "--tokens-per-s", metavar="RATE", help="Prompt + completion tokens per second of your server (default: the embedded model's measured 330, docs/PERFORMANCE.md)."),
    ) -> None:
        """Expected LLM calls, prompt and completion tokens and wall time of a run, from a fast scripted dry run."""
        guard(lambda: estimate_command(scenario, list(set_ or []), backend, tokens_per_s))

