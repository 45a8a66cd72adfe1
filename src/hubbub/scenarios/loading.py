"""Reading scenario files: built-in names, TOML syntax errors with line numbers, encodings."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path
from typing import Any

from hubbub.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


BOM = "\ufeff"
"""A UTF-8 byte-order mark, which Windows editors put at the start of a file; TOML does not allow it,
so it is dropped before parsing (data files are read the same way, see hubbub.textfiles)."""


def builtin_names() -> list[str]:
    """Names of the scenarios shipped with hubbub."""
    folder = resources.files("hubbub.scenarios") / "builtin"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def builtin_text(name: str) -> str:
    folder = resources.files("hubbub.scenarios") / "builtin"
    return (folder / f"{name}.toml").read_text(encoding="utf-8")


def read_scenario_data(path: str) -> tuple[dict[str, Any], str]:
    """Parse a scenario file, or a built-in scenario by name; return (data, source label)."""
    file = Path(path)
    if not file.exists() and path in builtin_names():
        return _parse(builtin_text(path), f"builtin:{path}"), f"builtin:{path}"
    if not file.exists():
        known = ", ".join(builtin_names())
        raise ConfigError(f"{path}: no such scenario file, and not a built-in scenario (built-ins: {known})")
    if file.is_dir():
        raise ConfigError(f"{path}: is a folder; expected a .toml scenario file")
    try:
        data = file.read_bytes()
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}: line {line}: not UTF-8 text (byte {exc.start}); save the scenario as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None
    return _parse(text.removeprefix(BOM), str(path)), str(path)


def _parse(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = f"line {text.count(chr(10)) + (0 if text.endswith(chr(10)) else 1)}, the end of the file"
        message = str(exc).replace("(at end of document)", f"(at {where})")  # every error names its line
        raise ConfigError(f"{source}: TOML syntax error: {message}") from None
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise ConfigError(f"{source}: TOML nested too deeply; allowed: the tables and lists of a scenario "
                          "(see docs/scenario-reference.md)") from None


def set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``data['a']['b'] = value`` for ``dotted = 'a.b'`` (creating tables as needed)."""
    parts = split_dotted(dotted)
    node = data
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"{dotted}: {part} is not a table")
        node = child
    node[parts[-1]] = value


def split_dotted(dotted: str) -> list[str]:
    """``a."b.c".d`` -> ``['a', 'b.c', 'd']`` (TOML-style quoted keys may contain dots)."""
    import re

    parts = re.findall(r'"([^"]*)"|([^.]+)', dotted)
    return [quoted or bare.strip() for quoted, bare in parts]


def parse_scalar(raw: str) -> Any:
    """A command-line value as TOML reads it (``3``, ``0.5``, ``true``, ``["a", "b"]``), else the text."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        return raw


def parse_sets(items: list[str], option: str = "--set") -> dict[str, Any]:
    """``KEY=VALUE`` options (``--set trendsim.attack.share=0.3``) as a dict of dotted keys to values."""
    values: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{option} {item!r}: expected KEY=VALUE, e.g. {option} trendsim.attack.share=0.3")
        values[key.strip()] = parse_scalar(raw.strip())
    return values
