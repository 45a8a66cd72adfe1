"""S3 commands: ``hubbub build-env`` (environment from a raw dump, S3 4.2.1) and
``hubbub infer-demographics`` (age, gender and occupation of a file of users, S3 4.2.2)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional

import typer

from hubbub.commands.metavars import LIVE_BACKENDS, choices


def register(app: typer.Typer) -> None:
    app.command("build-env", epilog="Example: hubbub build-env posts.csv follows.txt --out env/nuclear -k nuclear "
                                    "-k wastewater")(build_env)
    app.command("infer-demographics", epilog="Example: hubbub infer-demographics users.jsonl demographics.csv "
                                             "--backend openai --base-url http://127.0.0.1:8000")(infer_demographics)


def build_env(
    posts: Path = typer.Argument(..., metavar="POSTS", help="Posts file (CSV/TSV/JSONL, gzip ok): author, time, text, optional id and repost_of."),
    follows: Path = typer.Argument(..., metavar="FOLLOWS", help="Follow relations (edge list: follower followee per line, gzip ok)."),
    out: Path = typer.Option(..., "--out", metavar="DIR", help="Output folder for follows.tsv, users.csv, posts.jsonl and report.md."),
    keyword: List[str] = typer.Option(..., "--keyword", "-k", metavar="WORD", help="Keyword selecting the scenario's posts (repeat for more)."),
    scenario: str = typer.Option("scenario", "--scenario", metavar="NAME", help="Scenario name shown in the report."),
    users: Optional[Path] = typer.Option(None, "--users", metavar="FILE", help="Optional users file (id, description, age, gender, occupation)."),
    hops: int = typer.Option(1, "--hops", metavar="N", help="Add users up to this many follow steps from the core authors."),
    undirected: bool = typer.Option(False, "--undirected", help="Read every relation as mutual."),
    direction: str = typer.Option("follower_followee", "--direction", metavar=choices(("follower_followee", "followee_follower")), help="Column order of FOLLOWS: follower_followee = a line 'a b' means a follows b."),
    salt_env: Optional[str] = typer.Option(None, "--salt-env", metavar="VAR", help="Environment variable holding a secret pseudonymisation salt."),
) -> None:
    """Build a pseudonymised S3 environment from a raw dump and print its S3 Table-1 counts."""
    from hubbub.cli import guard
    from hubbub.errors import ConfigError

    def go() -> None:
        from hubbub.agents.anonymise import DEFAULT_SALT
        from hubbub.runtime.s3.build import build_environment

        salt = DEFAULT_SALT
        if salt_env:
            salt = os.environ.get(salt_env, "")
            if not salt:
                raise ConfigError(f"--salt-env {salt_env}: the environment variable is not set or empty")
        report = build_environment(posts, follows, out, keyword, scenario=scenario, users_path=users, hops=hops,
                                   directed=not undirected, direction=direction, salt=salt)
        typer.echo(report.table())
        for line in report.lines():
            typer.echo(line)

    guard(go)


def infer_demographics(
    in_path: Path = typer.Argument(..., metavar="IN", help="Users file (.jsonl or .csv): id, description, posts, optional age/gender/occupation."),
    out_path: Path = typer.Argument(..., metavar="OUT", help="Output file (.csv or .jsonl)."),
    backend: str = typer.Option("embedded", "--backend", metavar=LIVE_BACKENDS, help="LLM backend."),
    base_url: Optional[List[str]] = typer.Option(None, "--base-url", metavar="URL", help="OpenAI-compatible server URL (backend openai; repeat to load-balance over several servers)."),
    model: Optional[str] = typer.Option(None, "--model", metavar="NAME", help="Model name (openai) or GGUF path (embedded)."),
    lang: str = typer.Option("en", "--lang", metavar=choices(("en", "zh")), help="Prompt language."),
    seed: int = typer.Option(0, "--seed", metavar="N", help="Seed of the choices."),
) -> None:
    """Infer age, gender and occupation (S3 Table 5) for a file of users; malformed rows are listed
    with their line numbers and skipped."""
    from hubbub.cli import guard

    def go() -> None:
        import asyncio

        from hubbub.agents.demographics import infer_file
        from hubbub.runtime.backends import make_inner
        from hubbub.scenarios.config import llm_from_options

        cfg = llm_from_options("hubbub infer-demographics", backend=backend, base_urls=tuple(base_url or ()),
                               model=model or "")
        llm = make_inner(cfg)
        try:
            report = infer_file(in_path, out_path, llm, lang=lang, seed=seed)
        finally:
            asyncio.run(llm.aclose())
        for line in report.lines():
            typer.echo(line)

    guard(go)
