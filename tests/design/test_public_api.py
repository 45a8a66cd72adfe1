"""Every public name of hubbub is listed in __all__, documented in docs/python-api.md and has a docstring."""

from __future__ import annotations

import inspect
from pathlib import Path

import hubbub

DOC = Path(__file__).resolve().parents[2] / "docs" / "python-api.md"


def _public_members(obj):
    """Public methods and properties hubbub defines (not those a base class such as pydantic's brings)."""
    for name, member in inspect.getmembers(obj):
        function = member.fget if isinstance(member, property) else member
        if not name.startswith("_") and inspect.isfunction(function) and function.__module__.startswith("hubbub"):
            yield name, member


def test_every_public_name_has_a_docstring():
    missing = []
    for name in hubbub.__all__:
        obj = getattr(hubbub, name)
        if name == "__version__":
            continue
        if not inspect.getdoc(obj):
            missing.append(name)
        if inspect.isclass(obj) and not issubclass(obj, Exception):
            missing += [f"{name}.{m}" for m, member in _public_members(obj) if not inspect.getdoc(member)]
    assert missing == []


def test_every_public_name_is_in_the_python_api_doc():
    text = DOC.read_text(encoding="utf-8")
    assert [name for name in hubbub.__all__ if f"`{name}" not in text] == []


def test_all_lists_only_what_exists():
    assert all(hasattr(hubbub, name) for name in hubbub.__all__)
