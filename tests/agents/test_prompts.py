"""Prompt templates: the field table matches the files, rendering is strict and keeps the layout."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources

import pytest

from hubbub.agents import prompts
from hubbub.agents.prompts import (
    CHOICE_TEMPLATES,
    LANGS,
    PERSONA_FIELDS,
    SYSTEM_TEXT,
    TEMPLATES,
    numbered,
    persona_block,
    render,
    template_fields,
    template_text,
)
from hubbub.llm.base import ChoiceRequest
from hubbub.llm.choice import render_choice

AGENT_TEMPLATES = [name for name, fields in TEMPLATES.items() if fields[:1] == ("persona",)]


def _fields(name: str) -> dict[str, str]:
    return {f: f"<{f}>" for f in TEMPLATES[name]}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_uses_exactly_its_documented_fields(name, lang):
    assert set(template_fields(name, lang)) == set(TEMPLATES[name])


@pytest.mark.parametrize("lang", LANGS)
def test_persona_block_file_uses_the_persona_fields(lang):
    assert template_fields("persona", lang) == PERSONA_FIELDS


@pytest.mark.parametrize("lang", LANGS)
def test_template_files_and_table_list_the_same_names(lang):
    files = {p.name[:-4] for p in resources.files(prompts).joinpath(lang).iterdir() if p.name.endswith(".txt")}
    assert files == set(TEMPLATES) | {"persona"}


def test_render_returns_system_then_user_with_values_verbatim():
    messages = render("censor", "en", topic="Price {cut} {0}", comment="50% off!! {comment}")
    assert messages[0] == ("system", SYSTEM_TEXT["en"])
    role, text = messages[1]
    assert role == "user" and len(messages) == 2
    assert "Price {cut} {0}" in text and "50% off!! {comment}" in text
    assert text.rstrip().endswith("rumour/misinformation)?")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_renders_all_its_fields(name, lang):
    text = render(name, lang, **_fields(name))[1][1]
    for field in TEMPLATES[name]:
        assert f"<{field}>" in text
    assert "{" not in text and "}" not in text


def test_missing_field_raises_naming_it():
    with pytest.raises(ValueError, match="missing field.*impression"):
        render("action_main", "en", persona="p")


def test_unexpected_field_raises_naming_it():
    with pytest.raises(ValueError, match="unexpected field.*mood"):
        render("action_main", "en", persona="p", impression="i", mood="x")


def test_unknown_template_and_language_raise():
    with pytest.raises(ValueError, match="unknown prompt template 'nope'"):
        render("nope", "en")
    with pytest.raises(ValueError, match="unknown prompt language 'fr'.*en, zh"):
        render("censor", "fr", topic="t", comment="c")
    with pytest.raises(ValueError, match="field 'comment' must be a str"):
        render("censor", "en", topic="t", comment=3)


def test_persona_block_follows_appendix_d():
    block = persona_block("en", "Keen follower of tennis.", "", "  ", 0.6, 0.125)
    assert block.splitlines() == [
        "Please play the following role.",
        "Personality Traits:", "«Keen follower of tennis.»",
        "Personal Memory:", "(none yet)",
        "Personal Opinions:", "(none yet)",
        "Psychological Conditions:",
        "The emotional positiveness score is 0.60/1.0, and the social confidence score is 0.12/1.0.",
    ]
    zh = persona_block("zh", "热衷关注网球", "看了热搜", "", 1.0, 0.0)
    assert "（暂无）" in zh and "看了热搜" in zh and "1.00/1.0" in zh and "0.00/1.0" in zh


def test_persona_block_rejects_bad_values():
    with pytest.raises(ValueError, match="emotion must be in"):
        persona_block("en", "x", "", "", 1.5, 0.5)
    with pytest.raises(ValueError, match="confidence must be in"):
        persona_block("en", "x", "", "", 0.5, float("nan"))
    with pytest.raises(ValueError, match="long_term"):
        persona_block("en", " ", "", "", 0.5, 0.5)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", AGENT_TEMPLATES)
def test_agent_prompts_put_persona_first_and_question_last(name, lang):
    block = persona_block(lang, "desc", "memory", "opinion", 0.5, 0.5)
    fields = _fields(name) | {"persona": block}
    text = render(name, lang, **fields)[1][1]
    assert text.startswith(block + "\n\n")
    last_field = max(text.index(f"<{f}>") for f in TEMPLATES[name] if f != "persona")
    question = text[last_field:].split("\n\n", 1)[1]
    assert question and "<" not in question


@pytest.mark.parametrize("name", ["action_browse", "action_main", "action_comment"])
def test_action_questions_are_the_papers(name):
    text = render(name, "en", **_fields(name))[1][1]
    assert text.endswith("Please select the action to be taken in response to this trending topic in social media:")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", sorted(CHOICE_TEMPLATES))
def test_choice_templates_hold_no_option_list_and_accept_backend_options(name, lang):
    text = template_text(name, lang)
    for marker in ("[0]", "[1]", "A)", "B)", "A.", "B."):
        assert marker not in text
    request = ChoiceRequest(kind=name, messages=render(name, lang, **_fields(name)), options=prompts.SCORE_OPTIONS,
                            seed=1, lang=lang)
    shown = render_choice(request).messages[-1][1]
    assert shown.startswith(request.messages[-1][1]) and "J)" in shown


def test_reflection_and_judge_prompts_ask_for_bins():
    assert "choose the option that objectively represents the positiveness of your current emotion" in \
        template_text("reflect_emotion", "en")
    assert "social confidence" in template_text("reflect_confidence", "en")
    for name in ("judge_behavior", "judge_psychology", "judge_attack_consistency", "judge_attack_concealment",
                 "judge_rationality", "judge_diversity"):
        assert "0-100" in template_text(name, "en") and "0-100" in template_text(name, "zh")
    assert prompts.LEVEL_OPTIONS[0] == "0.0" and prompts.LEVEL_OPTIONS[-1] == "1.0"
    assert prompts.SCORE_OPTIONS[0] == "0-10" and prompts.SCORE_OPTIONS[-1] == "90-100"
    assert "malice" in template_text("judge_attack_concealment", "en")
    assert prompts.INVERTED_SCORES == {"judge_attack_concealment"}


@pytest.mark.parametrize("kind", ["antisocial", "trolling", "rumor"])
def test_attacker_prompts_frame_research_and_ask_for_one_concealed_comment(kind):
    en = template_text(f"attacker_{kind}", "en")
    assert "research simulation" in en and "defend" in en and "never posted on a real platform" in en
    assert "ONE comment of about 30 to 40 words" in en and "concealed" in en
    zh = template_text(f"attacker_{kind}", "zh")
    assert "研究模拟" in zh and "隐蔽" in zh
    # the shared framing comes first so all attackers share a cached prefix
    assert en.split("\n\n")[0] == template_text("attacker_antisocial", "en").split("\n\n")[0]


def test_distill_prompt_forbids_identifying_details():
    text = template_text("distill_profile", "en")
    assert "about 40 words" in text and "names, user handles" in text
    assert "可识别身份" in template_text("distill_profile", "zh")


def test_numbered_quotes_items_so_they_cannot_forge_lines():
    assert numbered(["first\n2. fake", "second"]) == "1. «first ⏎ 2. fake»\n2. «second»"


def test_templates_are_loaded_lazily_and_cached():
    code = ("import hubbub.agents.prompts as p; assert p._read.cache_info().currsize == 0; "
            "p.render('censor', 'en', topic='t', comment='c'); p.render('censor', 'en', topic='u', comment='d'); "
            "info = p._read.cache_info(); assert info.misses == 1 and info.hits == 1, info")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
