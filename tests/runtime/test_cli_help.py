"""Every command's --help: it works, shows an example that uses real options, lists the choices of
enumerated options, says which options repeat, and never shows a type name where a metavar belongs."""

from __future__ import annotations

import re
import shlex

import pytest
import typer.main
from typer.testing import CliRunner

from hubbub.cli import app
from hubbub.commands.metavars import backend_names

runner = CliRunner()
WIDE = {"COLUMNS": "250", "TERMINAL_WIDTH": "250"}
TYPE_NAMES = re.compile(r"<(?:str|int|float|bool|path|Path|list\[[^\]]*\]|tuple\[[^\]]*\])>")
BARE_TYPES = {"TEXT", "INTEGER", "FLOAT", "PATH", "BOOLEAN", "FILENAME", "DIRECTORY"}


def _commands(group=None, path=()):
    """(path, click command) of hubbub itself and every command and subcommand under it."""
    group = group or typer.main.get_command(app)
    yield path, group
    for name, command in getattr(group, "commands", {}).items():
        yield from _commands(command, path + (name,))


COMMANDS = list(_commands())
IDS = [" ".join(path) or "hubbub" for path, _ in COMMANDS]


def _help(path: tuple[str, ...]) -> str:
    result = runner.invoke(app, [*path, "--help"], env=WIDE)
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_is_covered():
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"run", "resume", "scenarios show", "scenarios copy", "personas distill", "evaluate", "sweep"} <= names


@pytest.mark.parametrize("path, command", COMMANDS, ids=IDS)
def test_help_has_no_type_names(path, command):
    text = _help(path)
    assert not TYPE_NAMES.search(text), TYPE_NAMES.search(text).group(0)
    ctx = command.make_context("hubbub", [], resilient_parsing=True)
    for param in [*command.params, command.get_help_option(ctx)]:
        shown = param.display_type_rich(ctx) if param.param_type_name == "option" else param.metavar
        assert shown is None or (shown.strip("[]") not in BARE_TYPES and not TYPE_NAMES.search(shown)), (param.opts, shown)


@pytest.mark.parametrize("path, command", COMMANDS, ids=IDS)
def test_help_shows_an_example_with_real_options(path, command):
    lines = [line.strip() for line in _help(path).splitlines() if "Example: hubbub" in line]
    assert lines, f"hubbub {' '.join(path)} --help has no 'Example: hubbub ...' line"
    example = shlex.split(lines[0].split("Example: ", 1)[1].split("&&")[0].split(">")[0])
    assert example[0] == "hubbub"
    target = command
    for word in example[1:]:
        if hasattr(target, "commands") and word in target.commands:
            target = target.commands[word]
    known = {opt for param in target.params for opt in (*param.opts, *param.secondary_opts)}
    used = {word.split("=")[0] for word in example if word.startswith("-")}
    assert used <= known, f"example uses unknown options {used - known}: {lines[0]}"


@pytest.mark.parametrize("path, command", COMMANDS, ids=IDS)
def test_repeatable_options_say_so(path, command):
    for param in command.params:
        if getattr(param, "multiple", False):
            assert "repeat" in (param.help or "").lower(), f"{param.opts[0]} can be repeated but its help does not say so"


def test_backend_options_list_their_choices():
    """Every --backend shows the backends it takes; they are the scenario's llm.backend values."""
    seen = 0
    for path, command in COMMANDS:
        for param in command.params:
            if "--backend" in param.opts:
                seen += 1
                shown = set(param.metavar.strip("[]").split("|"))
                assert shown <= set(backend_names()) and {"embedded", "openai", "scripted"} <= shown, path
                assert param.metavar in _help(path)
    assert seen >= 5
    assert "[embedded|openai|scripted|replay]" in _help(("run",))


def test_flags_show_no_value_and_arguments_their_name():
    text = _help(("run",))
    assert re.search(r"--overwrite\s+Replace", text) and "{SCENARIO}" in text
    assert re.search(r"--base-url\s+URL\s", text) and re.search(r"--set\s+KEY=VALUE\s", text)


def test_a_bad_choice_is_one_line():
    result = runner.invoke(app, ["export", "no-such-run", "--format", "xml"])
    assert result.exit_code == 2
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1, result.output
