"""What commands print about a scenario or from a model, made safe and plain for the terminal: escaping,
and the one-line note about real-data files a scenario names but the data folder lacks."""

from __future__ import annotations

from rich.markup import escape as _markup_escape

from hubbub.scenarios.config import Scenario


def escape(text: str) -> str:
    """Text from scenarios, data files or a model as the terminal shows it: rich markup escaped, and
    control characters (ANSI escape sequences, carriage returns, bidi overrides) shown as ``\\x1b``
    instead of obeyed by the terminal."""
    return _markup_escape(visible(str(text)))


def visible(text: str) -> str:
    """Control characters shown as escapes (``\\x1b``), everything printable left as it is."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def missing_data_note(sc: Scenario) -> str:
    """One line naming the real-data files a scenario names but the data folder lacks, where it looked
    and what the run uses instead (summary.md repeats it); empty when nothing is missing."""
    import os

    from hubbub.runtime.s3.env import missing_inputs
    from hubbub.textfiles import DATA_PREFIX, data_root

    missing = missing_inputs(sc)
    if not missing:
        return ""
    files = ", ".join(dict.fromkeys(m.path.removeprefix(DATA_PREFIX) for m in missing))
    where = "from HUBBUB_DATA_DIR" if os.environ.get("HUBBUB_DATA_DIR") else "set HUBBUB_DATA_DIR to change it"
    instead = "; ".join(f"{m.setting} -> {m.fallback}" for m in missing)
    return (f"real data not found: {files} (data folder {data_root()}, {where}); this run uses instead: {instead}; "
            f"those inputs are not real data")
