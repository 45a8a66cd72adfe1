"""Turn pydantic validation errors into one clear line per bad field."""

from __future__ import annotations

import math
from typing import Any

from pydantic import ValidationError

_ALLOWED = {
    "greater_than_equal": "a number >= {ge}",
    "greater_than": "a number > {gt}",
    "less_than_equal": "a number <= {le}",
    "less_than": "a number < {lt}",
    "literal_error": "one of {expected}",
    "extra_forbidden": "no such field here (check the spelling; see docs/scenario-reference.md)",
    "missing": "this field is required",
    "string_pattern_mismatch": "text matching {pattern}",
    "string_too_short": "text of at least {min_length} characters",
    "string_too_long": "text of at most {max_length} characters",
    "too_short": "at least {min_length} items",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "finite_number": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "text",
    "model_type": "a table of settings",
    "dict_type": "a table",
    "tuple_type": "a list",
}


_RANGE_TYPES = {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}


def _path(loc: tuple[Any, ...]) -> str:
    parts = [_part(p) for p in loc if not (isinstance(p, str) and p.startswith("function-"))]
    return ".".join(parts) if parts else "(top level)"


def _finite_note(error: dict[str, Any]) -> str:
    """Why inf or nan failed: a range alone explains it badly (nan fails every bound), and TOML reads a
    number too large for a float (``1e400``) as inf, so the user may never have typed ``inf``."""
    value = error.get("input")
    if not isinstance(value, float) or math.isfinite(value):
        return ""
    if error["type"] != "finite_number":
        return ", not nan" if math.isnan(value) else ""
    return ", not inf or nan" + ("; a number beyond 1.8e308 such as 1e400 reads as inf" if math.isinf(value) else "")


def _part(part: Any) -> str:
    """A key as shown in a message: quoted when it holds control characters or line breaks, which
    would otherwise split the one-line-per-field message or garble a terminal."""
    text = str(part)
    return text if text.isprintable() and text.strip() == text and text else repr(text)


def _allowed(error: dict[str, Any]) -> str:
    template = _ALLOWED.get(error["type"])
    ctx = error.get("ctx") or {}
    if template is None:
        return str(error.get("msg", "")).removeprefix("Value error, ")
    try:
        return template.format(**ctx)
    except KeyError:
        return str(error.get("msg", ""))


def _value(error: dict[str, Any]) -> str:
    if error["type"] == "missing":
        return "(missing)"
    text = repr(error.get("input"))
    return text if len(text) <= 60 else text[:57] + "..."


def format_validation_error(exc: ValidationError, source: str, model: type | None = None) -> str:
    """One line per error: ``source: field.path = value is not allowed; expected ...``."""
    lines = []
    for error in _root_causes(exc.errors(include_url=False)):
        path = _path(error["loc"])
        if error["type"] == "value_error":
            where = f"{path}: " if error["loc"] else ""
            lines.append(f"{source}: {where}{_allowed(error)}")
            continue
        allowed = _allowed(error)
        info = field_info(model, tuple(error["loc"])) if model is not None else None
        if info is not None and error["type"] in _RANGE_TYPES | {"finite_number"}:
            allowed = describe_range(info) or allowed
        allowed += _finite_note(error)
        doc = f" ({info.description.rstrip('.')})" if info is not None and info.description else ""
        lines.append(f"{source}: {path} = {_value(error)} is not allowed; expected {allowed}{doc}")
    return "\n".join(lines)


def _root_causes(errors: list[Any]) -> list[Any]:
    """Errors without the knock-on errors of their containers: a list whose bad item was dropped also
    reports itself "too short", which names no real problem."""
    locs = [tuple(e["loc"]) for e in errors]
    return [e for e, loc in zip(errors, locs)
            if not (loc and any(len(other) > len(loc) and other[:len(loc)] == loc for other in locs))]


def field_info(model: type, loc: tuple[Any, ...]) -> Any:
    """The pydantic FieldInfo at ``loc`` inside ``model`` (None if it cannot be found)."""
    info = None
    current: Any = model
    for part in loc:
        if isinstance(part, int) and info is not None:  # an item of a list: of tables, or of numbers
            info = info if current is not None else item_info(info.annotation)
            continue
        fields = getattr(current, "model_fields", None)
        if not isinstance(part, str) or fields is None or part not in fields:
            return None
        info = fields[part]
        current = _model_of(info.annotation)
    return info


def item_info(annotation: Any) -> Any:
    """The constraints of one item of ``tuple[Annotated[float, Field(ge=0, le=1)], ...]`` (or None)."""
    from typing import get_args

    from pydantic.fields import FieldInfo

    for arg in get_args(annotation):
        for meta in get_args(arg)[1:]:
            if isinstance(meta, FieldInfo):
                return meta
    return None


def _model_of(annotation: Any) -> Any:
    from typing import get_args

    if hasattr(annotation, "model_fields"):
        return annotation
    for arg in get_args(annotation):
        if hasattr(arg, "model_fields"):
            return arg
    return None


def describe_range(info: Any) -> str | None:
    """'between 0 and 1 (1 excluded)' style text from a field's numeric constraints."""
    bounds: dict[str, Any] = {}
    for meta in getattr(info, "metadata", []):
        for name in ("ge", "gt", "le", "lt"):
            if getattr(meta, name, None) is not None:
                bounds[name] = getattr(meta, name)
    low = f">= {bounds['ge']}" if "ge" in bounds else f"> {bounds['gt']}" if "gt" in bounds else None
    high = f"<= {bounds['le']}" if "le" in bounds else f"< {bounds['lt']}" if "lt" in bounds else None
    parts = [p for p in (low, high) if p]
    return f"a number {' and '.join(parts)}" if parts else None
