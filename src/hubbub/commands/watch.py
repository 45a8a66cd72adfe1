"""``hubbub watch RUN_DIR [--port N]``: serve a run's report on 127.0.0.1, refreshed as the run commits."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    app.command(name="watch", epilog="Example: hubbub watch runs/demo --port 8765   (then open "
                                     "http://127.0.0.1:8765/ while the run in runs/demo goes)")(watch)


def watch(
    run_dir: Path = typer.Argument(..., metavar="RUN_DIR", help="The run folder to watch (it may still be running, "
                                                               "or not have started yet)."),
    port: int = typer.Option(8765, "--port", min=0, max=65535, metavar="N",
                             help="Port on 127.0.0.1 (0: any free port; the address is printed)."),
    poll: float = typer.Option(2.0, "--poll", min=0.25, max=3600, metavar="SECONDS",
                               help="How often the page asks whether the run has committed more."),
    max_comments: int = typer.Option(300, "--max-comments", min=1, metavar="N",
                                     help="Comments per run kept in the thread browser."),
    title: Optional[str] = typer.Option(None, "--title", metavar="TITLE", help="Report title."),
) -> None:
    """Serve the run's report on 127.0.0.1 and reload it in the browser whenever the run commits."""
    from hubbub.cli import guard

    guard(lambda: _watch(run_dir, port, poll, max_comments, title))


def _watch(run_dir: Path, port: int, poll: float, max_comments: int, title: str | None) -> None:
    from hubbub.report.html_parts import Limits
    from hubbub.report.live import serve

    serve(run_dir, port=port, poll_s=poll, announce=lambda line: typer.echo(line),
          limits=Limits(comments=max_comments), title=title)
