"""Prompt layout for prefix reuse (issue 16): the calls of one step share the longest possible prefix,
and the faster prompt filling gives exactly the text ``str.format_map`` gives."""

import pytest

from hubbub.agents.prompts import (
    LANGS,
    TEMPLATES,
    Block,
    fill,
    persona_block,
    prompts_from,
    render,
    safe,
    template_text,
)

FOLLOWERS = ("reflect_emotion", "reflect_confidence", "reflect_summary", "reflect_opinion", "write_comment",
             "write_reply")
EXTRA = {"action": "Like", "topic": "A race {0}", "comment": "Line one\nline two"}


def _user_text(name: str, lang: str) -> str:
    fields = {f: EXTRA.get(f, f"<{f}>") for f in TEMPLATES[name] if f != "persona"}
    return render(name, lang, persona=persona_block(lang, "Runs marathons", "Read the news", "", 0.4, 0.6),
                  **fields)[1][1]


def _through_impression(text: str) -> str:
    return text[:text.index("«<impression>»") + len("«<impression>»")]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("action", ["action_browse", "action_main", "action_comment"])
@pytest.mark.parametrize("follower", FOLLOWERS)
def test_calls_after_the_action_choice_start_with_its_prompt_through_the_impression(lang, action, follower):
    shared = _through_impression(_user_text(action, lang))
    assert _user_text(follower, lang).startswith(shared)


@pytest.mark.parametrize("lang", LANGS)
def test_score_questions_share_their_instruction_before_naming_the_score(lang):
    emotion, confidence = _user_text("reflect_emotion", lang), _user_text("reflect_confidence", lang)
    common = next(i for i, (a, b) in enumerate(zip(emotion, confidence)) if a != b)
    question_start = emotion.index("«Like»") + len("«Like»")
    assert common - question_start > 60  # the shared instruction, not just the shared observation


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_fill_gives_what_format_map_gives(name, lang):
    template = template_text(name, lang)
    fields = {f: f"{f} {{x}} «q»\nnext" for f in TEMPLATES[name]}
    fields[TEMPLATES[name][0]] = Block("kept {as} is")
    expected = template.format_map({k: safe(v) for k, v in fields.items()})
    assert fill(template, fields) == expected


def test_fill_with_format_specs_and_numbers_matches_format_map():
    template = "{a:>6}|{b!r}|{c}|{d.real}|{{literal}}"
    fields = {"a": "x", "b": Block("y"), "c": 0.25, "d": 3}
    assert fill(template, fields) == template.format_map({k: safe(v) for k, v in fields.items()})
    assert fill("{c} and {n}", {"c": 0.25, "n": 7}) == "0.25 and 7"


def test_fill_still_rejects_a_missing_field_and_a_bad_value():
    with pytest.raises(KeyError):
        fill("{a} {b}", {"a": "x"})
    with pytest.raises(ValueError, match="field 'b' must be a str"):
        fill("{a} {b}", {"a": "x", "b": True})


def test_cached_persona_block_tells_a_memory_pool_from_a_summary():
    plain = persona_block("en", "desc", "pool «item»", "", 0.5, 0.5)
    pooled = persona_block("en", "desc", Block("pool «item»"), "", 0.5, 0.5)
    assert "«pool ‹item›»" in plain and "\npool «item»\n" in pooled


def test_cached_persona_block_follows_the_template_folder(tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "persona.txt").write_text("ROLE {long_term} {summary} {opinion} {emotion} {confidence}")
    before = persona_block("en", "desc", "m", "o", 0.5, 0.5)
    with prompts_from(str(tmp_path)):
        inside = persona_block("en", "desc", "m", "o", 0.5, 0.5)
    assert inside.startswith("ROLE «desc»") and not before.startswith("ROLE")
    assert persona_block("en", "desc", "m", "o", 0.5, 0.5) == before


class _Recorder:
    """A backend that answers at once after a pause and records the kinds it was asked, and how many
    of its requests were in flight at the same time."""

    def __init__(self) -> None:
        self.kinds: list[str] = []
        self.in_flight = self.most = 0

    async def _answer(self, kind: str) -> None:
        import asyncio

        self.kinds.append(kind)
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        await asyncio.sleep(0.001)
        self.in_flight -= 1

    async def choose_one(self, request):
        from types import SimpleNamespace

        await self._answer(request.kind)
        return SimpleNamespace(ok=True, index=3, probs=tuple(1.0 if i == 3 else 0.0 for i in range(11)), error=None)

    async def generate_one(self, request):
        from types import SimpleNamespace

        await self._answer(request.kind)
        return SimpleNamespace(ok=True, text=f"text of {request.kind}", error=None)


def test_the_four_reflection_calls_go_one_after_the_other():
    import asyncio
    from types import SimpleNamespace

    from hubbub.agents.hub.mind import HubMind
    from hubbub.agents.hub.prompts import PromptKit
    from hubbub.agents.user import Participant, UserState
    from hubbub.kernel.seeding import SeedTree

    backend = _Recorder()
    cfg = SimpleNamespace(max_tokens=16, text_temperature=0.7, choice_temperature=1.0, scores="expected")
    mind = HubMind(backend, SeedTree(1), PromptKit("en"), cfg, "en")
    user = Participant("u1", "user", "Runs marathons", "g", UserState(0.5, 0.5))
    state = asyncio.run(mind.reflect(("u1", 0, 0), user.state, user, "An impression", "Like"))
    assert backend.kinds == ["trendsim.reflect_emotion", "trendsim.reflect_confidence", "trendsim.reflect_summary",
                             "trendsim.reflect_opinion"]
    assert backend.most == 1
    assert state == UserState(0.3, 0.3, "text of trendsim.reflect_summary", "text of trendsim.reflect_opinion")


@pytest.mark.parametrize("lang", LANGS)
def test_a_main_page_perception_puts_the_page_before_the_persona_so_users_of_a_topic_share_it(lang):
    page = Block("«Topic title»\n«The topic's full content, the longest part of the prompt»")
    first = persona_block(lang, "Runs marathons", "Read the news", "", 0.4, 0.6)
    second = persona_block(lang, "Bakes bread", "Another memory", "An opinion", 0.7, 0.2)
    a = render("perception_main", lang, observation=page, persona=first)[1][1]
    b = render("perception_main", lang, observation=page, persona=second)[1][1]
    shared = a[:next(i for i, (x, y) in enumerate(zip(a, b)) if x != y)]
    assert page in shared and a.index(page) < a.index(first)
    question = a.rsplit("\n\n", 1)[1]
    assert a.index(first) < a.index(question) and "«" not in question


@pytest.mark.parametrize("lang", LANGS)
def test_both_perception_layouts_ask_the_same_of_the_same_fields(lang):
    fields = {"observation": Block("«a page»"), "persona": persona_block(lang, "Runs marathons", "", "", 0.4, 0.6)}
    persona_first, page_first = (render(name, lang, **fields)[1][1] for name in ("perception", "perception_main"))
    assert persona_first.startswith(fields["persona"]) and page_first.index("«a page»") < page_first.index(fields["persona"])
    assert sorted(TEMPLATES["perception"]) == sorted(TEMPLATES["perception_main"])
    assert persona_first.rsplit("\n\n", 1)[1] in page_first.rsplit("\n\n", 1)[1]  # the same question
