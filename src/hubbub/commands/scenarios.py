"""``hubbub scenarios [show NAME | copy NAME FILE]``: list, print or copy the built-in scenarios.

Scenarios are data (DESIGN decision 6): a user starts from a built-in, copies it and edits it. ``show``
prints the TOML exactly as shipped (comments included), so it can be piped into a file; ``copy`` writes
it and never replaces an existing file unless asked.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import typer

from hubbub.errors import ConfigError


def builtin_scenario_text(name: str) -> str:
    """The shipped TOML of a built-in; an unknown name is one line listing the built-ins."""
    from hubbub.scenarios.loading import builtin_names, builtin_text

    names = builtin_names()
    if name not in names:
        raise ConfigError(f"scenario {name!r}: not a built-in scenario; built-ins: {', '.join(names)}")
    return builtin_text(name)


def copy_scenario(name: str, target: Path, overwrite: bool) -> Path:
    """Write a built-in to ``target`` (a file, or a folder that gets NAME.toml) and return the path.

    An existing file is kept unless ``overwrite``: a user's edited copy must not be lost to a repeated
    command."""
    text = builtin_scenario_text(name)
    path = target / f"{name}.toml" if target.is_dir() else target
    if path.exists() and not overwrite:
        raise ConfigError(f"{path}: already exists; pass --overwrite to replace it, or give another FILE")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be written ({exc.strerror})") from None
    return path


def register(app: typer.Typer) -> None:
    from hubbub.cli import guard

    group = typer.Typer(no_args_is_help=False, subcommand_metavar="[show NAME | copy NAME FILE]", help="List the built-in scenarios, print one, or copy one to edit.",
                        epilog="Example: hubbub scenarios copy demo my-demo.toml")

    @group.callback(invoke_without_command=True)
    def scenarios(ctx: typer.Context) -> None:
        """Without a subcommand, list the built-ins (the command users know from before show/copy)."""
        if ctx.invoked_subcommand is None:
            from hubbub.commands.run import scenarios_command

            guard(scenarios_command)

    @group.command("show", epilog="Example: hubbub scenarios show demo > my-demo.toml")
    def show(name: str = typer.Argument(..., metavar="NAME", help="Built-in scenario (see `hubbub scenarios`).")) -> None:
        """Print a built-in scenario's TOML exactly as shipped."""
        guard(lambda: typer.echo(builtin_scenario_text(name), nl=False))

    @group.command("copy", epilog="Example: hubbub scenarios copy demo my-demo.toml && hubbub run my-demo.toml")
    def copy(
        name: str = typer.Argument(..., metavar="NAME", help="Built-in scenario (see `hubbub scenarios`)."),
        file: Path = typer.Argument(..., metavar="FILE", help="Where to write it (a folder gets NAME.toml)."),
        overwrite: bool = typer.Option(False, "--overwrite", help="Replace FILE if it exists."),
    ) -> None:
        """Copy a built-in scenario to a file, to edit and run it."""
        def go() -> None:
            path = copy_scenario(name, file, overwrite)
            typer.echo(f"wrote {path}; edit it, then: hubbub run {shlex.quote(str(path))}")

        guard(go)

    app.add_typer(group, name="scenarios")
