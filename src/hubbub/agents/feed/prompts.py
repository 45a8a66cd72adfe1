"""Prompts for S3 behaviour (repost / post new content / nothing, S3 4.4.2) and content generation
(S3 4.4.1), in English and Chinese, and the prompt-budget fitting shared by every S3 request.

Emotion and attitude requests come from :mod:`hubbub.agents.affect`; this module adds the two
behaviour prompts (their texts are in :mod:`hubbub.agents.feed.texts`, the options are the follow feed's
actions) in the same layout (instructions and persona first, the changing part last) and
:func:`fit_prompt`, which cuts received posts and memory so that a prompt never exceeds its budget.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from hubbub.agents.demographics import describe
from hubbub.agents.memory import count_tokens
from hubbub.agents.prompts import Block, fill, joined
from hubbub.agents.prompts import numbered as quoted_list
from hubbub.agents.feed.texts import template, text as s3_text
from hubbub.llm.base import ChoiceRequest, GenerateRequest

def t(lang: str, key: str, **fields: Any) -> str:
    """A post as the platform displays it ("@u1: ..."); the result is third-party text and is
    quoted as a whole where it enters a prompt."""
    text = template(lang, key)
    return text.format(**fields) if fields else text


def _p(lang: str, key: str, **fields: Any) -> Block:
    """A prompt line of ours with its text fields quoted (see :func:`hubbub.agents.prompts.fill`)."""
    return fill(template(lang, key), fields)


def prompt_tokens(request: ChoiceRequest | GenerateRequest) -> int:
    """Estimated tokens of all messages of a request (the options a backend appends are extra)."""
    return sum(count_tokens(content) for _, content in request.messages)


def cut_tokens(text: str, max_tokens: int) -> str:
    """``text`` shortened (by characters) until its estimated tokens fit ``max_tokens``. Every
    character costs at least a quarter token, so only the first ``4 * max_tokens`` characters are
    searched: cutting a megabyte text costs no more than cutting a short one."""
    if count_tokens(text) <= max_tokens:
        return text
    low, high = 0, min(len(text), 4 * max(max_tokens, 0) + 4)
    while low < high:
        mid = (low + high + 1) // 2
        if count_tokens(text[:mid] + "…") <= max_tokens:
            low = mid
        else:
            high = mid - 1
    return text[:low] + "…" if low else ""


def persona_block(lang: str, profile: str, demographics: Any) -> Block:
    """The quoted profile and the demographics line."""
    lines = [profile.strip() or s3_text(lang, "no_profile")]
    if demographics is not None:
        lines.append(describe(demographics, lang))
    return s3_text(lang, "persona", profile=joined(lines))


def state_line(lang: str, emotion: str, attitude: str, target: str) -> Block:
    """The user's current emotion and attitude (the target is quoted)."""
    return _p(lang, "state", emotion=s3_text(lang, f"emotion.{emotion}"), target=target,
              attitude=s3_text(lang, f"attitude.{attitude}"))


def numbered(lang: str, posts: Sequence[str]) -> Block:
    """The received posts, numbered and quoted, or the "none" wording."""
    return quoted_list(posts) if posts else s3_text(lang, "received_empty")


def _memory(lang: str, memory: str) -> Block:
    """The memory block: a rendered memory (a Block) as is, other text quoted whole."""
    return s3_text(lang, "memory", memory=memory or s3_text(lang, "memory_empty"))


def behaviour_request(lang: str, persona: str, event: str, state: str, memory: str, received: Sequence[str],
                      seed: int, temperature: float, actions: Sequence[str]) -> ChoiceRequest:
    """Repost one of the received posts, write a new post, or do nothing (S3 4.4.2): one option per
    feed action (``actions``: their option texts in order; one with ``{i}`` once per received post)."""
    parts = [persona, _p(lang, "event", event=event), _memory(lang, memory), state,
             s3_text(lang, "received", posts=numbered(lang, received)), _p(lang, "behaviour_question")]
    options = tuple(fill(text, {} if i is None else {"i": i})
                    for text in actions for i in per_post(text, len(received)))
    return ChoiceRequest("s3.behaviour", (("system", s3_text(lang, "system")), ("user", "\n\n".join(parts))),
                         options, seed=seed, temperature=temperature, lang=lang)


def per_post(option: str, received: int) -> list[int | None]:
    """The post numbers a feed option is offered for: each received post when it names one (``{i}``),
    else once (None)."""
    return list(range(1, received + 1)) if "{i}" in option else [None]


def content_request(lang: str, persona: str, event: str, state: str, memory: str, received: Sequence[str],
                    seed: int, temperature: float, max_tokens: int, chars: int) -> GenerateRequest:
    """The text of a new post from the profile and the current emotion and attitude (S3 4.4.1)."""
    parts = [persona, _p(lang, "event", event=event), _memory(lang, memory), state,
             s3_text(lang, "received", posts=numbered(lang, received)), _p(lang, "content_question", chars=chars)]
    return GenerateRequest("s3.content", (("system", s3_text(lang, "system")), ("user", "\n\n".join(parts))),
                           seed=seed, max_tokens=max_tokens, temperature=temperature)


def fit_prompt(build: Callable[[str, list[str]], Any], select: Callable[[int], list[Any]],
               render: Callable[[list[Any]], str], received: Sequence[str], budget: int,
               memory_budget: int) -> tuple[Any, list[Any], list[str]]:
    """The request built with as many received posts and memory items as fit in ``budget`` tokens.

    Received posts are dropped from the end (then the last one is shortened) until the prompt without
    memory fits; memory is selected within ``min(memory_budget, room left)`` and, if rendering still
    overflows, trimmed from its lowest-scoring items. Returns (request, memory items, shown posts)."""
    sized = _Built(build)
    fits = lambda memory, posts: sized(memory, posts)[1] <= budget  # noqa: E731
    shown = list(received[:_most_that_fit(len(received), min(len(received), 1),
                                          lambda k: fits("", list(received[:k])))])
    base = sized("", shown)[1]
    if base > budget and shown:  # one post left, too long: keep its longest prefix that fits
        post, window = shown[0], min(len(shown[0]), 4 * max(budget, 0) + 4)  # a character costs >= 1/4 token
        shown[0] = _prefix(post, _most_that_fit(window, 0, lambda k: fits("", [_prefix(post, k)])))
        base = sized("", shown)[1]
    items = select(max(min(memory_budget, budget - base), 0))
    rendered = _Rendered(render, items)
    items = items[:_most_that_fit(len(items), 0, lambda k: fits(rendered(k), shown))]
    return sized(rendered(len(items)), shown)[0], items, shown


class _Built:
    """``build(memory, posts)`` and its prompt tokens, each distinct prompt built once: the search
    of :func:`fit_prompt` asks the same prompt again (the full one, then the one it returns)."""

    def __init__(self, build: Callable[[str, list[str]], Any]) -> None:
        self.build = build
        self.done: dict[tuple[str, tuple[str, ...]], tuple[Any, int]] = {}

    def __call__(self, memory: str, posts: Sequence[str]) -> tuple[Any, int]:
        key = (memory, tuple(posts))
        if key not in self.done:
            request = self.build(memory, list(posts))
            self.done[key] = (request, prompt_tokens(request))
        return self.done[key]


class _Rendered:
    """The memory text of the first ``k`` items, each ``k`` rendered once."""

    def __init__(self, render: Callable[[list[Any]], str], items: list[Any]) -> None:
        self.render, self.items = render, items
        self.done: dict[int, str] = {}

    def __call__(self, k: int) -> str:
        if k not in self.done:
            self.done[k] = self.render(self.items[:k])
        return self.done[k]


def _prefix(text: str, k: int) -> str:
    """The first ``k`` characters of ``text``, marked "…" when cut ("" for none)."""
    return text if k >= len(text) else (text[:k] + "…" if k else "")


def _most_that_fit(count: int, least: int, fits: Callable[[int], bool]) -> int:
    """The largest ``k`` in ``[least, count]`` with ``fits(k)``, else ``least``. ``fits`` is monotone
    (fewer posts or memory items never lengthen a prompt), so a binary search finds it in O(log n)
    prompt builds, where dropping one item per build was quadratic in the prompt's size."""
    if fits(count):
        return count
    low, high = least, count - 1
    while low < high:
        mid = (low + high + 1) // 2
        if fits(mid):
            low = mid
        else:
            high = mid - 1
    return low
