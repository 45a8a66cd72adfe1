"""`hubbub personas`: make a population file — distil users' raw posts into profiles with the LLM
(TrendSim Appendix E: anonymised, ~40-word descriptions plus a preference group), or export the
built-in population. Use the file with ``trendsim.population.source = "FILE"``."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import List, Optional

import typer

personas_app = typer.Typer(no_args_is_help=True, help="Build population files (profiles) for scenarios.",
                           epilog="Example: hubbub personas builtin population.jsonl --size 200")


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


IMPORT_SOURCES = ("auto", "trendsim", "oasis")


def import_profiles(path: Path, out: Path, source: str, lang: str, edges: Optional[Path]) -> list[str]:
    """Translate TrendSim's or OASIS's user file into a hubbub profile file (and, with ``edges``,
    OASIS's follow lists into an edge list for ``s3.network.edge_file``)."""
    from hubbub.agents.persona import LANGS, load_personas
    from hubbub.agents.persona.importers import detect_format
    from hubbub.errors import ConfigError, DataError

    if source not in IMPORT_SOURCES or lang not in LANGS:
        raise ConfigError(f"--from {source!r} --lang {lang!r}: allowed --from: {', '.join(IMPORT_SOURCES)}; "
                          f"--lang: {', '.join(LANGS)}")
    fmt = detect_format(path)
    if fmt is None or not fmt.startswith("" if source == "auto" else source):
        raise DataError(f"{path}: reads as {fmt or 'no foreign format'}, not {source}; allowed: TrendSim's "
                        "user_1000.csv (headerless), an OASIS Twitter profile CSV (user_char column) or an "
                        "OASIS Reddit profile .json")
    personas = load_personas(path, lang)
    write_personas(personas, out)
    lines = [f"{len(personas)} profiles ({fmt}) written to {out}"]
    if edges is not None:
        lines.append(f"{write_edges(personas, edges)} follow edges written to {edges}")
    return lines


def write_edges(personas: list, out: Path) -> int:
    """Tab-separated ``follower followee`` rows from the personas' ``follows`` lists."""
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = [f"{p.agent_id}\t{followee}\n" for p in personas for followee in p.extra.get("follows", [])]
    out.write_text("# follower\tfollowee\n" + "".join(rows), encoding="utf-8")
    return len(rows)


def register(app: typer.Typer) -> None:
    from hubbub.cli import guard
    from hubbub.commands.metavars import LIVE_BACKENDS, choices

    @personas_app.command("distill", epilog="Example: hubbub personas distill posts.jsonl profiles.jsonl "
                                            "--backend openai --base-url http://127.0.0.1:8000 --model NAME")
    def distill_cmd(
        posts: Path = typer.Argument(..., metavar="POSTS", help="JSONL/CSV of raw posts: user_id, text[, time]."),
        out: Path = typer.Argument(..., metavar="OUT", help="Output JSONL of profiles."),
        backend: str = typer.Option("embedded", "--backend", metavar=LIVE_BACKENDS, help="LLM backend."),
        base_url: Optional[List[str]] = typer.Option(None, "--base-url", metavar="URL", help="OpenAI-compatible server URL (repeat to load-balance over several servers)."),
        model: str = typer.Option("", "--model", metavar="NAME", help="Model name (openai) or GGUF path (embedded)."),
        lang: str = typer.Option("en", "--lang", metavar=choices(("en", "zh")), help="Language of the prompts and profiles."),
        seed: int = typer.Option(0, "--seed", metavar="N", help="Seed of the LLM sampling."),
        min_posts: int = typer.Option(5, "--min-posts", metavar="N", help="Users with fewer posts are dropped (the paper keeps > 5)."),
    ) -> None:
        """Distil users' posts into anonymised profiles with a preference group."""
        guard(lambda: [typer.echo(line) for line in
                       distill(posts, out, backend, list(base_url or []), model, lang, seed, min_posts)])

    @personas_app.command("builtin", epilog="Example: hubbub personas builtin population.jsonl --size 200")
    def builtin_cmd(out: Path = typer.Argument(..., metavar="OUT", help="Output JSONL."),
                    lang: str = typer.Option("en", "--lang", metavar=choices(("en", "zh")), help="Language of the profiles."),
                    size: int = typer.Option(1000, "--size", metavar="N", help="Number of profiles.")) -> None:
        """Export the built-in population (to inspect or edit it)."""
        from hubbub.agents.persona import builtin_population

        def go() -> None:
            write_personas(builtin_population(lang, size), out)
            typer.echo(f"{size} profiles written to {out}")

        guard(go)

    @personas_app.command("import", epilog="Example: hubbub personas import user_1000.csv profiles.jsonl --from trendsim")
    def import_cmd(
        file: Path = typer.Argument(..., metavar="FILE", help="TrendSim user_1000.csv, OASIS Twitter profile CSV or OASIS Reddit profile JSON."),
        out: Path = typer.Argument(..., metavar="OUT", help="Output JSONL of profiles."),
        source: str = typer.Option("auto", "--from", metavar=choices(("auto", "trendsim", "oasis")), help="Format of FILE (auto: told by the file's first row)."),
        lang: str = typer.Option("en", "--lang", metavar=choices(("en", "zh")), help="The language of the profiles."),
        edges: Optional[Path] = typer.Option(None, "--edges", metavar="FILE", help="Also write OASIS follow lists as a follower<TAB>followee edge list (for s3.network.edge_file)."),
    ) -> None:
        """Import TrendSim's or OASIS's users (ids pseudonymised, text scrubbed)."""
        guard(lambda: [typer.echo(line) for line in import_profiles(file, out, source, lang, edges)])

    app.add_typer(personas_app, name="personas")
