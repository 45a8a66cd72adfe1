"""The command line: run, resume, show, export, scenarios, serve.

Every HubbubError becomes one clear line on stderr and a non-zero exit status; only a bug shows a
traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, List, Optional

import typer

from hubbub.errors import HubbubError, redact_credentials
from hubbub.scenarios.loading import parse_sets

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True,
                  help="hubbub: simulate online social networks with LLM-driven agents.")


def _fail(message: str, code: int = 2) -> None:
    from rich.console import Console

    Console(stderr=True, highlight=False).print(f"[bold red]error:[/] {message}", markup=True, soft_wrap=True)
    raise typer.Exit(code)


def guard(fn: Callable[[], Any]) -> Any:
    """Run a command body; a HubbubError becomes one line on stderr and exit status 2."""
    return _guard(fn)


def _guard(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except HubbubError as exc:
        _fail(_escape(redact_credentials(str(exc))))


def _escape(text: str) -> str:
    """Markup escaped and control characters made visible, line by line (a message may hold one line
    per bad field, and a bad value must not move the cursor or recolour the terminal)."""
    from rich.markup import escape

    from hubbub.runtime.cli_run import visible

    return escape("\n".join(visible(line) for line in text.split("\n")))


def _overrides(backend: str | None, base_url: list[str] | None, model: str | None, seed: int | None,
               concurrency: int | None, sets: list[str] | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if backend:
        values["llm.backend"] = backend
    if base_url:
        values["llm.base_urls"] = list(base_url)
    if model is not None:
        values["llm.model"] = model
    if seed is not None:
        values["run.seed"] = seed
    if concurrency is not None:
        values["run.concurrency"] = concurrency
    values.update(parse_sets(list(sets or [])))
    return values


@app.command()
def run(
    scenario: str = typer.Argument(..., help="Scenario file (.toml) or built-in name (see `hubbub scenarios`)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Run folder (default: runs/<scenario name>)."),
    backend: Optional[str] = typer.Option(None, help="embedded | openai | scripted | replay"),
    base_url: Optional[List[str]] = typer.Option(None, "--base-url", help="OpenAI-compatible server URL (repeat to load-balance)."),
    model: Optional[str] = typer.Option(None, help="Model name (openai) or GGUF path (embedded)."),
    seed: Optional[int] = typer.Option(None, help="Root seed."),
    concurrency: Optional[int] = typer.Option(None, help="Events computed at once (1 = sequential reference)."),
    replay_from: Optional[Path] = typer.Option(None, "--replay-from", help="Reuse the recorded LLM replies of this run folder."),
    set_: Optional[List[str]] = typer.Option(None, "--set", help="Override any scenario field: --set trendsim.attack.share=0.3"),
    overwrite: bool = typer.Option(False, help="Replace an existing run in the output folder."),
    quiet: bool = typer.Option(False, help="No progress bar."),
) -> None:
    """Run a scenario and write its run record, tables and plots."""
    from hubbub.runtime.cli_run import run_command

    sets = list(set_ or [])
    if replay_from is not None:
        sets.append(f'llm.replay_from="{replay_from}"')
    _guard(lambda: run_command(scenario, out, _overrides(backend, base_url, model, seed, concurrency, sets),
                               overwrite=overwrite, quiet=quiet))


@app.command()
def resume(
    run_dir: Path = typer.Argument(..., help="Folder of an interrupted run."),
    set_: Optional[List[str]] = typer.Option(None, "--set", help="Change an execution setting before continuing, e.g. "
                                             "--set run.watchdog_s=3600 or --set llm.base_urls='[\"http://host:8000\"]' "
                                             "(only settings that cannot change results: concurrency, watchdog, "
                                             "server URLs, timeouts, retries, threads)."),
) -> None:
    """Continue an interrupted run from its event log (same final log as an uninterrupted run)."""
    from hubbub.runtime.cli_run import resume_command

    _guard(lambda: resume_command(run_dir, _overrides(None, None, None, None, None, list(set_ or []))))


@app.command()
def show(run_dir: Path = typer.Argument(..., help="Run folder.")) -> None:
    """Summary table of a run: manifest, counts, LLM telemetry."""
    from hubbub.runtime.cli_run import show_command

    _guard(lambda: show_command(run_dir))


@app.command()
def export(
    run_dir: Path = typer.Argument(..., help="Run folder."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default: RUN_DIR/export)."),
    fmt: str = typer.Option("parquet", "--format", help="parquet | csv"),
) -> None:
    """Export every table of a run to Parquet or CSV."""
    from hubbub.store import export_run

    def go() -> None:
        files = export_run(run_dir, out or run_dir / "export", fmt=fmt)
        for path in files:
            typer.echo(str(path))

    _guard(go)


@app.command()
def scenarios() -> None:
    """List the built-in scenarios."""
    from hubbub.runtime.cli_run import scenarios_command

    _guard(scenarios_command)


@app.command()
def serve(
    port: int = typer.Option(8080, help="Loopback port."),
    parallel: int = typer.Option(4, help="Parallel slots."),
    threads: Optional[int] = typer.Option(None, help="CPU threads."),
) -> None:
    """Serve the embedded model as an OpenAI-compatible server on 127.0.0.1 (Ctrl-C to stop)."""
    from hubbub.runtime.cli_run import serve_command

    _guard(lambda: serve_command(port, parallel, threads))


def _register_commands() -> None:
    import importlib

    from hubbub.commands import COMMAND_MODULES

    for name in COMMAND_MODULES:
        importlib.import_module(f"hubbub.commands.{name}").register(app)


def _out_path(flag: str) -> Callable[[Any], Any]:
    """The parser of every ``--out`` option and OUT argument: an empty path would quietly mean the
    current folder, so a run or an export would scatter its files there."""
    def parse(value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            example = f"{flag} runs/my-run" if flag.startswith("--") else "runs/my-run"
            _fail(f"{flag} {value!r} is not allowed; expected a folder or file path, e.g. {example}")
        return Path(value) if isinstance(value, str) else value

    return parse


def _check_out_paths(group: typer.Typer) -> None:
    """Attach :func:`_out_path` to the output path of every command, registered here or in
    hubbub.commands (one check for all, so a new command cannot forget it)."""
    import inspect

    for command in group.registered_commands:
        for param in inspect.signature(command.callback).parameters.values():
            info = param.default
            decls = getattr(info, "param_decls", None) or ()
            if (param.name == "out" or "--out" in decls) and hasattr(info, "parser") and info.parser is None:
                info.parser = _out_path("--out" if "--out" in decls else "OUT")
    for sub in group.registered_groups:
        _check_out_paths(sub.typer_instance)


_register_commands()
_check_out_paths(app)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)


if __name__ == "__main__":
    main()
