"""Metavars shared by the commands' help texts: what to give an option, never a type name.

An option with a fixed set of values shows it as ``[a|b|c]``. The value itself is checked where it is
used (the scenario config, the command), whose error is one line naming the option and the allowed
values; a parser-level choice would print a boxed usage message instead. Importing this module loads
only the scenario config, which every command needs anyway.
"""

from __future__ import annotations

from typing import Iterable, get_args


def choices(values: Iterable[str]) -> str:
    """The metavar of an option with a fixed set of values, ``[a|b|c]``."""
    return "[" + "|".join(values) + "]"


def backend_names() -> tuple[str, ...]:
    """The LLM backends a scenario accepts (``llm.backend``), so help texts never drift from them."""
    from hubbub.scenarios.config import LLMConfig

    return tuple(get_args(LLMConfig.model_fields["backend"].annotation))


BACKENDS = choices(backend_names())
"""Metavar of ``--backend`` where every backend works (run, interview)."""
LIVE_BACKENDS = choices(name for name in backend_names() if name != "replay")
"""Metavar of ``--backend`` where a live backend is needed (there is no recorded run to replay)."""
