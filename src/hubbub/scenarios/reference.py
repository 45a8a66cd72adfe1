"""Generate the scenario reference (docs/scenario-reference.md) from the config models themselves,
so the documentation cannot drift from the code."""

from __future__ import annotations

import math
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel

from hubbub.scenarios.config import Scenario
from hubbub.scenarios.errors import describe_range, item_info

HEADER = """# Scenario reference

Generated from `hubbub.scenarios.config` by `python -m hubbub.scenarios.reference > docs/scenario-reference.md`;
a test fails when this file is out of date or a field has no description.

A scenario is a TOML file (UTF-8; a byte-order mark is allowed). Tables below are TOML tables
(`[trendsim.attack]`); unknown keys are errors. Numbers must be finite: `inf`, `nan` and numbers too
large for a float (`1e400` reads as inf) are refused everywhere except `run.lookahead_s = inf` (no
limit). `llm.base_urls` must be `http://` or `https://` URLs with a host, a port from 1 to 65535 if
any, and no spaces; `run.start_time` must be a real calendar date-time; every intervention,
interview and survey must fall inside the run (TrendSim: `trendsim.lifecycle_h`; S3: `s3.steps` x `s3.step_h`;
combined: the longer of the two; platform: `platform.hours`).
"""


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is None:
        return getattr(annotation, "__name__", str(annotation))
    if origin is Annotated:  # a list item with its own range: the range goes in the "allowed" column
        return _type_name(get_args(annotation)[0])
    args = [a for a in get_args(annotation) if a is not type(None)]
    if str(origin).endswith("Literal"):
        return " \\| ".join(repr(a) for a in get_args(annotation))
    if origin is tuple:
        return f"list of {_type_name(args[0])}" if args else "list"
    if origin is dict:
        return "table"
    names = [_type_name(a) for a in args]
    optional = len(args) < len(get_args(annotation))
    return " or ".join(names) + (" (optional)" if optional else "")


def _default(value: Any) -> str:
    if isinstance(value, BaseModel):
        return "(table)"
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    return f"`{value!r}`"


def fields_of(model: type[BaseModel], prefix: str = "") -> list[tuple[str, Any]]:
    """Every (dotted path, FieldInfo) of ``model``, depth first."""
    rows: list[tuple[str, Any]] = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        rows.append((path, info))
        sub = info.annotation
        if isinstance(sub, type) and issubclass(sub, BaseModel):
            rows.extend(fields_of(sub, path + "."))
        else:
            for arg in get_args(sub):
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    rows.extend(fields_of(arg, path + "."))
    return rows


def doc_of(info: Any) -> str:
    """A field's description, or for a table its section's docstring."""
    if info.description:
        return info.description.strip()
    sub = info.annotation
    if isinstance(sub, type) and issubclass(sub, BaseModel) and sub.__doc__:
        return sub.__doc__.strip().splitlines()[0]
    return ""


def missing_docs() -> list[str]:
    """Dotted paths of fields without a description (must be empty)."""
    return [path for path, info in fields_of(Scenario) if not doc_of(info)]


def _each(info: Any) -> str | None:
    """The range of every item of a list field (``camps``: each a number >= 0 and <= 1)."""
    item = item_info(info.annotation)
    found = describe_range(item) if item is not None else None
    return f"each {found}" if found else None


def render() -> str:
    lines = [HEADER, "| field | type | allowed | default | meaning |", "|---|---|---|---|---|"]
    for path, info in fields_of(Scenario):
        allowed = describe_range(info) or _each(info) or ""
        default = _default(info.get_default(call_default_factory=True))
        doc = doc_of(info).replace("|", "\\|")
        lines.append(f"| `{path}` | {_type_name(info.annotation)} | {allowed} | {default} | {doc} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
