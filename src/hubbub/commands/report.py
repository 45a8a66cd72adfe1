"""``hubbub report RUN_DIR [RUN_DIR ...] [--out FILE] [--price MODEL=IN:OUT ...]``: the HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

import typer


def register(app: typer.Typer) -> None:
    app.command(name="report", epilog="Example: hubbub report runs/demo runs/other --out compare.html")(report)


def report(
    run_dirs: List[Path] = typer.Argument(..., metavar="RUN_DIR...", help="Run folders (or experiment folders); several are compared "
                                                    "side by side."),
    out: Optional[Path] = typer.Option(None, "--out", metavar="FILE", help="Report file (default: RUN_DIR/report.html for one run, "
                                                            "./report.html for several)."),
    price: Optional[List[str]] = typer.Option(None, "--price", metavar="MODEL=IN:OUT", help="Token prices for the cost column: "
                                              "MODEL=IN_PER_1K:OUT_PER_1K (repeat; MODEL '*' prices every model)."),
    title: Optional[str] = typer.Option(None, "--title", metavar="TITLE", help="Report title."),
    max_comments: int = typer.Option(300, "--max-comments", min=1, metavar="N", help="Comments per run kept in the thread browser."),
) -> None:
    """Write one self-contained interactive HTML report (opens offline) for one or more runs."""
    from hubbub.cli import guard

    guard(lambda: _report(run_dirs, out, price, title, max_comments))


def _report(run_dirs: list[Path], out: Path | None, price: list[str] | None, title: str | None,
            max_comments: int) -> Any:
    from hubbub.report.html import report_target, write_report
    from hubbub.report.html_parts import Limits
    from hubbub.report.html_frames import parse_prices

    prices = parse_prices(price)
    target = out or report_target(run_dirs)
    path = write_report(run_dirs, target, prices=prices, limits=Limits(comments=max_comments), title=title)
    size = path.stat().st_size / 1e6
    typer.echo(f"report: {path} ({size:.2f} MB) — open it in a browser; it needs no server and no network")
    return path
