"""The command line: run, resume, show, export, serve, and the commands of :mod:`hubbub.commands`.

Every HubbubError becomes one clear line on stderr and a non-zero exit status; only a bug shows a
traceback. Help texts follow one convention, enforced here for every command: an option shows a
metavar that says what to give (URL, N, KEY=VALUE, ``[a|b|c]`` for a fixed set), never a type name.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, List, Optional

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from hubbub.commands.metavars import BACKENDS, choices
from hubbub.errors import HubbubError, redact_credentials
from hubbub.scenarios.loading import parse_sets


class _NamedArgument(TyperArgument):
    """An argument whose help shows its name (SCENARIO, RUN_DIR) and no type column (``<str>``)."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


class _NamedOption(TyperOption):
    """An option whose help shows its metavar (or its upper-cased name, as argparse does), never a type
    name such as ``<int>`` or ``<list[str]>``; a flag shows nothing after its name."""

    def display_type_rich(self, ctx: Any) -> str | None:
        if self.is_flag or self.count:
            return None
        return self.metavar or max(self.opts, key=len).lstrip("-").replace("-", "_").upper()


def _named(param: Any) -> None:
    """Give a typer parameter the help display above (typer builds its parameters itself, with no hook
    to choose their class, so the class is swapped once the command exists)."""
    if type(param) is TyperArgument:
        param.__class__ = _NamedArgument
        param.metavar = param.metavar or param.name.upper()
    elif type(param) is TyperOption:
        param.__class__ = _NamedOption


class _NamedParams:
    """Mixin of :class:`HubbubCommand` and :class:`HubbubGroup`: every parameter, ``--help`` included,
    is shown by name and metavar."""

    params: list[Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            _named(param)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            _named(option)
        return option


class HubbubCommand(_NamedParams, TyperCommand):
    """The class of every hubbub command (set by :func:`_use_help_conventions`)."""


class HubbubGroup(_NamedParams, TyperGroup):
    """The class of hubbub and of every command group (``personas``, ``scenarios``)."""


app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True, cls=HubbubGroup,
                  help="hubbub: simulate online social networks with LLM-driven agents.",
                  epilog="Example: hubbub run demo --backend scripted --out runs/scripted-demo")


def _version() -> str:
    """The installed distribution's version (what pip and bug reports see); the package's own
    ``__version__`` when hubbub runs from a source tree that is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hubbub")
    except PackageNotFoundError:
        from hubbub import __version__

        return __version__


def _print_version(value: bool) -> None:
    """``--version`` is eager: it answers before any command is parsed, as users expect of it."""
    if value:
        typer.echo(f"hubbub {_version()}")
        raise typer.Exit()


@app.callback()
def _main_options(
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                 help="Print hubbub's version and exit."),
) -> None:
    """Options of hubbub itself (before the command)."""


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

    from hubbub.commands.run import visible

    return escape("\n".join(visible(line) for line in text.split("\n")))


def run_overrides(backend: str | None, base_url: list[str] | None, model: str | None, seed: int | None,
                  concurrency: int | None, sets: list[str] | None) -> dict[str, Any]:
    """The scenario fields the run flags (--backend, --base-url, --model, --seed, --concurrency, --set)
    override, by dotted name; ``hubbub run``, ``resume`` and ``sweep`` share them."""
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


@app.command(epilog="Example: hubbub run demo --backend scripted --out runs/scripted-demo")
def run(
    scenario: str = typer.Argument(..., metavar="SCENARIO", help="Scenario file (.toml) or built-in name (see `hubbub scenarios`)."),
    out: Optional[Path] = typer.Option(None, "--out", metavar="DIR", help="Run folder (default: runs/<scenario name>)."),
    backend: Optional[str] = typer.Option(None, "--backend", metavar=BACKENDS, help="LLM backend (default: the scenario's llm.backend, normally embedded); scripted = canned replies, a plumbing demo."),
    base_url: Optional[List[str]] = typer.Option(None, "--base-url", metavar="URL", help="OpenAI-compatible server URL (repeat to load-balance over several servers)."),
    model: Optional[str] = typer.Option(None, "--model", metavar="NAME", help="Model name (openai) or GGUF path (embedded)."),
    seed: Optional[int] = typer.Option(None, "--seed", metavar="N", help="Root seed."),
    concurrency: Optional[int] = typer.Option(None, "--concurrency", metavar="N", help="Events computed at once (1 = sequential reference)."),
    replay_from: Optional[Path] = typer.Option(None, "--replay-from", metavar="RUN_DIR", help="Reuse the recorded LLM replies of this run folder."),
    set_: Optional[List[str]] = typer.Option(None, "--set", metavar="KEY=VALUE", help="Override any scenario field (repeat for several): --set trendsim.attack.share=0.3"),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing run in the output folder."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
    yes: bool = typer.Option(False, "--yes", help="Start without asking even if the estimate on the embedded model exceeds an hour."),
) -> None:
    """Run a scenario and write its run record, tables and plots."""
    from hubbub.commands.run import run_command

    sets = list(set_ or [])
    if replay_from is not None:
        sets.append(f'llm.replay_from="{replay_from}"')
    _guard(lambda: run_command(scenario, out, run_overrides(backend, base_url, model, seed, concurrency, sets),
                               overwrite=overwrite, quiet=quiet, yes=yes))


@app.command(epilog="Example: hubbub resume runs/demo --set run.watchdog_s=3600")
def resume(
    run_dir: Path = typer.Argument(..., metavar="RUN_DIR", help="Folder of an interrupted run."),
    set_: Optional[List[str]] = typer.Option(None, "--set", metavar="KEY=VALUE", help="Change an execution setting before continuing (repeat for several), e.g. "
                                             "--set run.watchdog_s=3600 or --set llm.base_urls='[\"http://host:8000\"]' "
                                             "(only settings that cannot change results: concurrency, watchdog, "
                                             "server URLs, timeouts, retries, threads)."),
) -> None:
    """Continue an interrupted run from its event log (same final log as an uninterrupted run)."""
    from hubbub.commands.run import resume_command

    _guard(lambda: resume_command(run_dir, run_overrides(None, None, None, None, None, list(set_ or []))))


@app.command(epilog="Example: hubbub show runs/demo")
def show(run_dir: Path = typer.Argument(..., metavar="RUN_DIR", help="Run folder.")) -> None:
    """Summary table of a run: manifest, counts, LLM telemetry."""
    from hubbub.commands.run import show_command

    _guard(lambda: show_command(run_dir))


@app.command(epilog="Example: hubbub export runs/demo --format csv --out runs/demo/csv")
def export(
    run_dir: Path = typer.Argument(..., metavar="RUN_DIR", help="Run folder."),
    out: Optional[Path] = typer.Option(None, "--out", metavar="DIR", help="Output folder (default: RUN_DIR/export)."),
    fmt: str = typer.Option("parquet", "--format", metavar=choices(("parquet", "csv")), help="File format."),
) -> None:
    """Export the tables of a run to Parquet or CSV (empty tables of other kinds of world left out)."""
    from hubbub.store import export_run

    def go() -> None:
        files = export_run(run_dir, out or run_dir / "export", fmt=fmt)
        for path in files:
            typer.echo(str(path))

    _guard(go)


@app.command(epilog="Example: hubbub serve --port 8080 --parallel 4")
def serve(
    port: int = typer.Option(8080, "--port", metavar="PORT", help="Loopback port."),
    parallel: int = typer.Option(4, "--parallel", metavar="N", help="Parallel slots."),
    threads: Optional[int] = typer.Option(None, "--threads", metavar="N", help="CPU threads."),
) -> None:
    """Serve the embedded model as an OpenAI-compatible server on 127.0.0.1 (Ctrl-C to stop)."""
    from hubbub.commands.run import serve_command

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


def _use_help_conventions(group: typer.Typer) -> None:
    """Build every command and command group with :class:`HubbubCommand` / :class:`HubbubGroup`, so the
    metavar convention holds for commands added later in hubbub.commands too."""
    from typer.models import DefaultPlaceholder

    for command in group.registered_commands:
        if command.cls in (None, TyperCommand):  # typer's default; a command's own class is kept
            command.cls = HubbubCommand
    for sub in group.registered_groups:
        if sub.cls in (None, TyperGroup) or isinstance(sub.cls, DefaultPlaceholder):
            sub.cls = HubbubGroup
        _use_help_conventions(sub.typer_instance)


_register_commands()
_check_out_paths(app)
_use_help_conventions(app)


def main() -> None:
    """The ``hubbub`` command: a usage error (unknown option, bad value) is one line on stderr, exit 2."""
    try:
        code = app(standalone_mode=False, prog_name="hubbub")
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except Exception as exc:  # the command-line parser's own errors (its module moved between typer versions)
        if type(exc).__name__ == "Abort":
            sys.stderr.write("aborted\n")
            sys.exit(1)
        if not (hasattr(exc, "format_message") and isinstance(getattr(exc, "exit_code", None), int)):
            raise
        sys.stderr.write(usage_line(exc, sys.argv[1:]) + "\n")
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


def usage_line(exc: Any, argv: list[str]) -> str:
    """One line for a command-line usage error: the message, the value given, and where help is."""
    message = " ".join(exc.format_message().split()).rstrip(".")
    param = getattr(exc, "param", None)
    given = _given_value(argv, list(getattr(param, "opts", None) or []))
    if given is not None and repr(given) not in message and f"'{given}'" not in message:
        message += f" (got {given!r})"
    ctx = getattr(exc, "ctx", None)
    where = f"{ctx.command_path} --help" if ctx is not None else "hubbub --help"
    return f"error: {message}; see '{where}'"


def _given_value(argv: list[str], opts: list[str]) -> str | None:
    """The value that followed one of ``opts`` on the command line (``--opt V`` or ``--opt=V``)."""
    for i, token in enumerate(argv):
        for opt in opts:
            if token == opt and i + 1 < len(argv):
                return argv[i + 1]
            if token.startswith(opt + "="):
                return token[len(opt) + 1:]
    return None


if __name__ == "__main__":
    main()
