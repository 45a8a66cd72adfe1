"""agents.hub.mind.clean: printable texts skip the per-character pass, with the same result."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hubbub.agents.hub.mind import clean


def _per_character(text: str) -> str:
    """The rule as it was written before the shortcut."""
    cleaned = "".join(ch if ch.isprintable() or ch in "\n" else " " for ch in text)
    return " ".join(cleaned.split())[:2000]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab 中文\n\t\r\x00\x1b\u200b\u2028\u3000é!") | st.characters(), max_size=60))
def test_clean_equals_the_per_character_rule(text):
    assert clean(text) == _per_character(text)


def test_control_characters_and_line_breaks_become_single_spaces():
    assert clean("  a\x00b\n\nc\u2028d\t e  ") == "a b c d e"
    assert clean("x" * 2500) == "x" * 2000
