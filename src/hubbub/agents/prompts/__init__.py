"""Prompt templates for TrendSim agents, judges and data preparation, in English and Chinese.

The Chinese texts follow the wording of the original prompts; the English texts follow the paper's
translation (TrendSim, Appendices D-G). Templates live in ``en/*.txt`` and ``zh/*.txt`` as
``str.format`` texts and are read lazily on first use, then cached.

Every prompt is two messages: the shared system text, then the user message. The user message puts
the persona block first (identical for every prompt of one agent state), then the observation, then
the question, so a server can reuse the cached prefix. The one exception is ``perception_main``, the
perception of a topic's Main page, which puts the page before the persona: every user on a topic reads
that long page (content and comments), while the persona's memory changes after each step, so the page
placed after it would be new to the cache at every step. The short Browse page and a Comment page keep
the persona first, which the action prompt after them shares. The calls that follow a step's action choice
(reflections, a comment, a reply) repeat the action prompt's text through the impression word for word
before their own part, and related questions share their opening, so each finds the longest prefix
in the cache. Choice templates hold only the question: the LLM backend appends the lettered options
itself (:mod:`hubbub.llm.choice`).

Third-party text (topics, comments, replies, posts, bios, memories, reflections, usernames, interview
questions) never enters a prompt as is: :func:`quote` turns each piece into one line between « and »,
so it cannot forge an option line, a role marker or a persona header. The renderers here and in
:mod:`hubbub.agents.feed.texts` quote by construction: every ``str`` field is quoted unless it is a
:class:`Block`, the type of text that a prompt builder assembled from its own wording and quoted pieces.
"""

from __future__ import annotations

import math
import numbers
import string
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from hubbub.llm.base import Messages
from hubbub.llm.choice import inert_tokens

LANGS = ("en", "zh")

SYSTEM_TEXT = {
    "en": "A research simulation of a social media platform: follow the user message exactly and output only what is asked.",
    "zh": "这是一个社交媒体平台的研究模拟：请严格按照用户消息作答，只输出所要求的内容。",
}

OPEN, CLOSE = "«", "»"
"""The delimiters of a quoted piece of third-party text, the same in every language and prompt."""

NEWLINE_MARK = " ⏎ "
"""What a line break inside quoted text becomes: visible to the model, but not a new prompt line."""

_ESCAPES = {ord(OPEN): "‹", ord(CLOSE): "›", **{c: " " for c in (*range(32), *range(127, 160))}}


class Block(str):
    """Prompt text that a prompt builder assembled from its own wording and quoted pieces.

    The renderers insert a Block as is and quote every other ``str``, so third-party text is quoted
    by construction: forgetting to call :func:`quote` quotes too much, never too little. Operations
    such as ``strip`` or ``+`` return a plain ``str`` again, which is then quoted whole (safe).
    """

    __slots__ = ()


def quote(text: str) -> Block:
    """``text`` as one line between « and »: the one way third-party text enters a prompt.

    Line breaks of every kind become " ⏎ " and blank lines are dropped, so nothing in the text can
    start a prompt line (an option "B) Like", a "SYSTEM:" line, a "Psychological Conditions:" header);
    « and » inside become ‹ and ›, so the text cannot close its block; other control characters become
    spaces; chat-template tokens such as ``<|im_start|>`` are made inert. Linear in the length; the
    same texts (topics, comments, descriptions) recur in many prompts, so recent results are kept.
    """
    return _quoted(str(text))


@lru_cache(maxsize=16384)
def _quoted(text: str) -> Block:
    """:func:`quote` of one text (a plain ``str``: the cache key)."""
    lines = (line.strip() for line in text.splitlines())
    flat = NEWLINE_MARK.join(line for line in lines if line).translate(_ESCAPES).strip()
    return Block(f"{OPEN}{inert_tokens(flat)}{CLOSE}")


def safe(value: Any, name: str = "field") -> Block | Any:
    """A field value as a prompt shows it: a Block or a number as is, any other ``str`` quoted."""
    if isinstance(value, Block) or (isinstance(value, numbers.Real) and not isinstance(value, bool)):
        return value
    if isinstance(value, str):
        return quote(value)
    raise ValueError(f"{name} must be a str, got {type(value).__name__}")


def fill(template: str, fields: Mapping[str, Any]) -> Block:
    """``template`` (a ``str.format`` text written by us) with every field made :func:`safe`.

    The same as ``template.format_map`` of the safe fields, from the template parsed once; a template
    with format specs, conversions or compound field names is filled by ``format_map`` itself."""
    values = {key: _safe_field(key, value) for key, value in fields.items()}
    parts = _parsed(template)
    if parts is None:
        return Block(template.format_map(values))
    pieces = []
    for literal, name in parts:
        pieces.append(literal)
        if name is not None:
            value = values[name]  # text joins as it is: format(text, "") would only copy it
            pieces.append(value if isinstance(value, str) else format(value, ""))
    return Block("".join(pieces))


def _safe_field(key: str, value: Any) -> Any:
    """:func:`safe` with its error naming the field; plain ``str`` and :class:`Block` values take a short path."""
    kind = type(value)
    if kind is Block:
        return value
    return quote(value) if kind is str else safe(value, f"field {key!r}")


@lru_cache(maxsize=1024)
def _parsed(template: str) -> tuple[tuple[str, str | None], ...] | None:
    """``template`` as (literal text, field name or None) pairs, or None where a field has a format
    spec, a conversion or a compound name (then ``str.format_map`` fills it)."""
    parts: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        if name is not None and (spec or conversion or not name.isidentifier()):
            return None
        parts.append((literal, name))
    return tuple(parts)


def joined(parts: Iterable[str], sep: str = "\n") -> Block:
    """Parts on separate lines (by default): Blocks as they are, any other text quoted."""
    return Block(sep.join(safe(part, "part") for part in parts))


PERSONA_FIELDS = ("long_term", "summary", "opinion", "emotion", "confidence")
"""Fields of the persona block (``persona.txt``), filled by :func:`persona_block`."""

_AGENT = ("persona",)
_JUDGE_ROLE = ("description", "emotion", "confidence", "observation")

TEMPLATES: dict[str, tuple[str, ...]] = {
    # User agent (Appendix D). ``persona`` is the text from persona_block().
    "perception": _AGENT + ("observation",),             # generate: ~40-word first-person impression
    "perception_main": ("observation",) + _AGENT,        # the same of a Main page: the page first
    "action_browse": _AGENT + ("impression",),           # choose: view details / exit
    "action_main": _AGENT + ("impression",),             # choose: like / comment / repost / more / open / exit
    "action_comment": _AGENT + ("impression",),          # choose: like / reply / back
    "choose_comment": _AGENT + ("topic", "comments"),    # choose: options are the comments themselves
    "write_comment": _AGENT + ("impression", "topic"),   # generate: ~30 words
    "write_reply": _AGENT + ("impression", "topic", "comment"),  # generate: ~30 words
    "reflect_emotion": _AGENT + ("impression", "action"),     # choose: LEVEL_OPTIONS
    "reflect_confidence": _AGENT + ("impression", "action"),  # choose: LEVEL_OPTIONS
    "reflect_summary": _AGENT + ("impression", "action"),     # generate: ~40 words
    "reflect_opinion": _AGENT + ("impression", "action"),     # generate: ~40 words
    "interview": _AGENT + ("question",),                      # generate: ~40-word in-character answer
    "survey": _AGENT + ("question",),                         # choose: a likert scale or an item's options
    # A user of the living platform (issue 14): feeds, board, search; see hubbub.agents.social.
    "social_action": _AGENT + ("observation",),              # choose: the actions the page offers
    "social_pick_post": _AGENT + ("observation", "action"),  # choose: options are the posts shown
    "social_pick_user": _AGENT + ("observation", "action"),  # choose: options are the users
    "social_board": _AGENT + ("board",),                     # choose: the board's topics or none
    "social_write_post": _AGENT + ("observation", "topic"),  # generate: ~30 words, hashtags allowed
    "social_write_quote": _AGENT + ("post",),                # generate: ~20 words
    "social_write_reply": _AGENT + ("post",),                # generate: ~30 words
    "social_search": _AGENT + ("observation",),              # generate: a query of <= 5 words
    "social_attitude": _AGENT + ("target", "observation"),   # choose: LEVEL_OPTIONS
    # Prototype-based attackers (Section 3.4): one concealed poisoning comment, for defence research.
    "attacker_antisocial": ("topic", "comments"),
    "attacker_trolling": ("topic", "comments"),
    "attacker_rumor": ("topic", "comments"),
    # Platform and data preparation.
    "censor": ("topic", "comment"),                      # choose: yes / no
    "distill_profile": ("posts",),                       # generate: ~40-word profile (Appendix E)
    "classify_group": ("description",),                  # choose: preference groups
    # Baselines (Appendix F).
    "baseline_user_action": _JUDGE_ROLE,                 # generate: <= 40 words
    "baseline_user_psych": _JUDGE_ROLE + ("dimension",),  # choose: LEVEL_OPTIONS
    "baseline_attacker": ("topic",),                     # generate: <= 40 words
    # LLM judges (Appendix G), all choose over SCORE_OPTIONS.
    "judge_behavior": _JUDGE_ROLE + ("action",),
    "judge_psychology": _JUDGE_ROLE + ("new_emotion", "new_confidence"),
    "judge_attack_consistency": ("topic", "comment"),
    "judge_attack_concealment": ("topic", "comment"),
    "judge_rationality": ("topic", "comments"),
    "judge_diversity": ("topic", "comments"),
}
"""Every template and the fields it takes, in the order they appear."""

CHOICE_TEMPLATES = frozenset({
    "action_browse", "action_main", "action_comment", "choose_comment", "reflect_emotion",
    "reflect_confidence", "survey", "censor", "classify_group", "baseline_user_psych", "judge_behavior",
    "judge_psychology", "judge_attack_consistency", "judge_attack_concealment", "judge_rationality",
    "judge_diversity", "social_action", "social_pick_post", "social_pick_user", "social_board", "social_attitude",
})
"""Templates asked through ``Backend.choose``; the others go through ``Backend.generate``."""

INVERTED_SCORES = frozenset({"judge_attack_concealment"})
"""Judges that score the opposite of their name, as in the paper: the concealment judge rates malice,
so concealment = 1 - malice."""

LEVEL_OPTIONS = tuple(f"{i / 10:.1f}" for i in range(11))
"""Bins for a psychological level in [0, 1]: "0.0", "0.1", ..., "1.0"."""

SCORE_OPTIONS = tuple(f"{lo}-{lo + 10}" for lo in range(0, 100, 10))
"""Bins for a judge's 0-100 score: "0-10", ..., "90-100"."""

PSYCH_DIMENSIONS = {
    "en": {"emotion": Block("emotional positiveness"), "confidence": Block("social confidence")},
    "zh": {"emotion": Block("情绪积极度"), "confidence": Block("社会信心")},
}
"""Wording for the ``dimension`` field of ``baseline_user_psych``."""

_NONE_YET = {"en": Block("(none yet)"), "zh": Block("（暂无）")}


def render(name: str, lang: str, **fields: str) -> Messages:
    """The system message and the filled template ``name`` in ``lang``.

    Every field that is not a :class:`Block` is third-party text and is quoted (braces in it are
    data, not placeholders). A missing or unexpected field, an unknown template or language raises
    ValueError naming it.
    """
    return (("system", SYSTEM_TEXT[_check_lang(lang)]), ("user", _fill(name, lang, TEMPLATES, fields)))


def persona_block(lang: str, long_term: str, summary: str, opinion: str, emotion: float,
                  confidence: float) -> Block:
    """The agent's role text (Appendix D): traits, memory, opinion and psychological conditions.

    The description, memory and opinion are quoted (a bio cannot forge a second header). An empty
    memory or opinion is shown as "(none yet)" so the model is not left guessing. A memory given as a
    :class:`Block` (a rendered memory pool, :mod:`hubbub.agents.hub.recall`) is shown as it is.
    """
    return _persona_block(lang, long_term, summary, isinstance(summary, Block), opinion, emotion, confidence,
                          PROMPTS_DIR.get())


@lru_cache(maxsize=4096)
def _persona_block(lang: str, long_term: str, summary: str, summary_is_block: bool, opinion: str,
                   emotion: float, confidence: float, folder: str | None) -> Block:
    """:func:`persona_block`, kept for the calls of one agent state (a step's prompts share it);
    ``summary_is_block`` and the template folder are part of the key, as they change the text."""
    if not long_term.strip():
        raise ValueError("persona_block: long_term (the persona description) is empty")
    fields = {
        "long_term": long_term.strip(),
        "summary": summary if summary_is_block else summary.strip() or _NONE_YET[_check_lang(lang)],
        "opinion": opinion.strip() or _NONE_YET[lang],
        "emotion": fmt_score(emotion, "emotion"),
        "confidence": fmt_score(confidence, "confidence"),
    }
    return _fill("persona", lang, {"persona": PERSONA_FIELDS}, fields)


def fmt_score(value: float, name: str = "score") -> Block:
    """A level in [0, 1] with two decimals, as the prompts show it ("0.62")."""
    number = float(value)
    if math.isnan(number) or not 0.0 <= number <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    return Block(f"{number:.2f}")


def numbered(items: Sequence[str]) -> Block:
    """Items as numbered lines ("1. «...»") for comment lists and post lists; each item is quoted
    (a Block item is kept), so an item cannot forge another numbered line."""
    return Block("\n".join(f"{k}. {safe(item, 'item')}" for k, item in enumerate(items, start=1)))


def template_text(name: str, lang: str) -> str:
    """The raw template text (for inspection and tests)."""
    if name != "persona" and name not in TEMPLATES:
        raise ValueError(f"unknown prompt template {name!r}; known: {', '.join(sorted(TEMPLATES))}")
    return _load(name, _check_lang(lang))


def template_fields(name: str, lang: str) -> tuple[str, ...]:
    """The placeholders a template file actually uses, in order of first appearance."""
    seen: list[str] = []
    for _, field_name, _, _ in string.Formatter().parse(template_text(name, lang)):
        if field_name is not None and field_name not in seen:
            seen.append(field_name)
    return tuple(seen)


def _fill(name: str, lang: str, table: dict[str, tuple[str, ...]], fields: dict[str, str]) -> Block:
    if name not in table:
        raise ValueError(f"unknown prompt template {name!r}; known: {', '.join(sorted(table))}")
    expected = table[name]
    if len(fields) == len(expected) and all(f in fields for f in expected):  # the usual case: exactly these
        return _filled(name, lang, fields)
    missing = [f for f in expected if f not in fields]
    if missing:
        raise ValueError(f"prompt {name!r} is missing field(s) {', '.join(missing)}; "
                         f"it takes: {', '.join(expected)}")
    extra = sorted(set(fields) - set(expected))
    if extra:
        raise ValueError(f"prompt {name!r} got unexpected field(s) {', '.join(extra)}; "
                         f"it takes: {', '.join(expected)}")
    return _filled(name, lang, fields)


def _filled(name: str, lang: str, fields: dict[str, str]) -> Block:
    """Template ``name`` filled with ``fields`` (the right names, checked by :func:`_fill`), each a ``str``."""
    for key, value in fields.items():
        if not isinstance(value, str):
            raise ValueError(f"prompt {name!r}: field {key!r} must be a str, got {type(value).__name__}")
    return fill(_load(name, _check_lang(lang)), fields)


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown prompt language {lang!r}; allowed: {', '.join(LANGS)}")
    return lang


PROMPTS_DIR: ContextVar[str | None] = ContextVar("hubbub_prompts_dir", default=None)
"""The folder of template overrides of the simulation being advanced (``agents.prompts_dir``); a
context variable, so two simulations advanced in turn in one process each see their own."""


@contextmanager
def prompts_from(folder: str | None) -> Iterator[None]:
    """Templates in ``folder/<lang>/<name>.txt`` replace the packaged ones inside this block."""
    token = PROMPTS_DIR.set(folder or None)
    try:
        yield
    finally:
        PROMPTS_DIR.reset(token)


def _load(name: str, lang: str) -> str:
    return _read(name, lang, PROMPTS_DIR.get())


LAYOUTS = {"perception_main": "perception"}
"""Templates that lay out another one's question differently: an override folder that has the other's
file and not theirs uses the other's (a custom ``perception.txt`` is used for every page)."""


@lru_cache(maxsize=None)
def _read(name: str, lang: str, folder: str | None) -> str:
    """Read one template file once (an override when the folder has it, or has the template it is a
    layout of: :data:`LAYOUTS`); trailing whitespace dropped."""
    if folder:
        for candidate in (name, LAYOUTS.get(name)):
            override = Path(folder) / lang / f"{candidate}.txt"
            if candidate and override.is_file():
                return override.read_text(encoding="utf-8").rstrip()
    resource = resources.files(__package__).joinpath(lang, f"{name}.txt")
    return resource.read_text(encoding="utf-8").rstrip()


def check_prompts_dir(folder: str, lang: str) -> None:
    """ConfigError unless ``folder/<lang>/`` holds only known templates that use only their own fields,
    and its ``feed/`` sub-folder only known follow-feed texts (checked before a run writes anything; a
    template the folder lacks stays the packaged one)."""
    from hubbub.errors import ConfigError

    where = Path(folder) / lang
    if not where.is_dir():
        raise ConfigError(f"agents.prompts_dir = {folder!r}: no folder {where} for the scenario's language {lang!r}; "
                          f"expected {where}/<template>.txt files (packaged ones: hubbub/agents/prompts/{lang}/)")
    table = {**TEMPLATES, "persona": PERSONA_FIELDS}
    for file in sorted(where.iterdir()):
        name = file.stem
        if file.is_dir() and file.name == "feed":
            from hubbub.agents.feed.texts import check_feed_dir

            check_feed_dir(file)  # the follow-feed texts: <dir>/<lang>/feed/<key>.txt
            continue
        if file.suffix != ".txt" or name not in table:
            raise ConfigError(f"agents.prompts_dir: {file} is not a known template; known: "
                              f"{', '.join(sorted(n + '.txt' for n in table))}")
        try:
            text = file.read_text(encoding="utf-8")
            used = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
        except (UnicodeDecodeError, ValueError) as exc:
            raise ConfigError(f"agents.prompts_dir: {file} cannot be used as a template ({exc})") from None
        unknown = sorted(used - set(table[name]))
        if unknown:
            raise ConfigError(f"agents.prompts_dir: {file} uses unknown field(s) {', '.join('{' + u + '}' for u in unknown)}; "
                              f"template {name!r} takes: {', '.join('{' + f + '}' for f in table[name]) or 'none'}")
