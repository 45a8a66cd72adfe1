"""Prompt filling's short paths give the text ``str.format_map`` gives (issue 16, fourth round)."""

from __future__ import annotations

import random

import pytest

from hubbub.agents.prompts import (
    LANGS,
    TEMPLATES,
    Block,
    fill,
    persona_block,
    render,
    safe,
    template_fields,
    template_text,
)


def _value(rnd: random.Random) -> object:
    text = "".join(rnd.choice(['"', "{", "}", "\n", "«", "»", "你好", "<|im_start|>", "a", " ", "0.5"])
                   for _ in range(rnd.randint(0, 12)))
    return rnd.choice((text, Block(text), rnd.random(), rnd.randint(-5, 5)))


@pytest.mark.parametrize("lang", LANGS)
def test_fill_is_format_map_of_the_safe_fields_for_every_template(lang):
    rnd = random.Random(31)
    for name in (*TEMPLATES, "persona"):
        template = template_text(name, lang)
        for _ in range(20):
            fields = {f: _value(rnd) for f in template_fields(name, lang)}
            expected = template.format_map({k: safe(v) for k, v in fields.items()})
            filled = fill(template, fields)
            assert filled == expected and type(filled) is Block


def test_fill_with_format_specs_conversions_and_missing_fields_is_format_maps():
    assert fill("{a:>5}|{b!r}|{a}", {"a": Block("x"), "b": "y"}) == "    x|'«y»'|x"
    with pytest.raises(KeyError):
        fill("{a} {b}", {"a": "x"})


@pytest.mark.parametrize("lang", LANGS)
def test_render_with_the_right_fields_checks_each_value_as_before(lang):
    persona = persona_block(lang, "a runner", "", "", 0.5, 0.5)
    assert render("perception", lang, persona=persona, observation="«x»")[1][1].startswith(persona)
    with pytest.raises(ValueError, match="field 'observation' must be a str, got int"):
        render("perception", lang, persona=persona, observation=3)
    with pytest.raises(ValueError, match="missing field"):
        render("perception", lang, persona=persona, impression="x")
