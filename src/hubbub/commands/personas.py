"""`hubbub personas`: make a population file — distil users' raw posts into profiles with the LLM
(TrendSim Appendix E: anonymised, ~40-word descriptions plus a preference group), or export the
built-in population. Use the file with ``trendsim.population.source = "FILE"``."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import List, Optional

import typer

personas_app = typer.Typer(no_args_is_help=True, help="Build population files (profiles) for scenarios.")


def write_personas(personas: list, out: Path) -> None:
    """JSONL, one profile per line, in the format `load_personas` reads."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for p in personas:
            row = asdict(p)
            row["id"] = row.pop("agent_id")
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def distill(posts: Path, out: Path, backend: str, base_url: list[str], model: str, lang: str, seed: int,
            min_posts: int) -> list[str]:
    from hubbub.agents.persona import load_user_posts, personas_from_posts
    from hubbub.runtime.backends import make_inner
    from hubbub.scenarios.config import llm_from_options

    cfg = llm_from_options("hubbub personas distill", backend=backend, base_urls=tuple(base_url), model=model)
    llm = make_inner(cfg)
    report = personas_from_posts(load_user_posts(posts), llm, lang, seed, min_posts)
    write_personas(report.personas, out)
    lines = [f"{len(report.personas)} profiles written to {out}",
             f"{report.dropped_few_posts} users dropped (fewer than {min_posts} posts)"]
    lines += [f"failed: {pid}: {error}" for pid, error in sorted(report.failures.items())]
    if backend == "embedded":
        lines.append("note: profiles written by the embedded 135M model are placeholders, not research material")
    return lines


def register(app: typer.Typer) -> None:
    from hubbub.cli import guard

    @personas_app.command("distill")
    def distill_cmd(
        posts: Path = typer.Argument(..., help="JSONL/CSV of raw posts: user_id, text[, time]."),
        out: Path = typer.Argument(..., help="Output JSONL of profiles."),
        backend: str = typer.Option("embedded", help="embedded | openai | scripted"),
        base_url: Optional[List[str]] = typer.Option(None, "--base-url"),
        model: str = typer.Option("", help="Model name (openai) or GGUF path (embedded)."),
        lang: str = typer.Option("en", help="en | zh"),
        seed: int = typer.Option(0),
        min_posts: int = typer.Option(5, help="Users with fewer posts are dropped (the paper keeps > 5)."),
    ) -> None:
        """Distil users' posts into anonymised profiles with a preference group."""
        guard(lambda: [typer.echo(line) for line in
                       distill(posts, out, backend, list(base_url or []), model, lang, seed, min_posts)])

    @personas_app.command("builtin")
    def builtin_cmd(out: Path = typer.Argument(..., help="Output JSONL."),
                    lang: str = typer.Option("en"), size: int = typer.Option(1000)) -> None:
        """Export the built-in population (to inspect or edit it)."""
        from hubbub.agents.persona import builtin_population

        def go() -> None:
            write_personas(builtin_population(lang, size), out)
            typer.echo(f"{size} profiles written to {out}")

        guard(go)

    app.add_typer(personas_app, name="personas")
