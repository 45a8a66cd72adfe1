"""Prompts for S3 behaviour (repost / post new content / nothing, S3 4.4.2) and content generation
(S3 4.4.1), in English and Chinese, and the prompt-budget fitting shared by every S3 request.

Emotion and attitude requests come from :mod:`hubbub.agents.affect`; this module adds the two
behaviour prompts in the same layout (instructions and persona first, the changing part last) and
:func:`fit_prompt`, which cuts received posts and memory so that a prompt never exceeds its budget.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from hubbub.agents.demographics import describe
from hubbub.agents.memory import count_tokens
from hubbub.agents.s3_prompts import text as s3_text
from hubbub.llm.base import ChoiceRequest, GenerateRequest

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "event": "The event: {event}",
        "state": "Your emotion about the event: {emotion}. Your attitude toward {target}: {attitude}.",
        "behaviour_question": "You have just read the new posts above. What do you do now?",
        "repost": "Repost post {i}",
        "post": "Write a new post of your own about the event",
        "nothing": "Do nothing",
        "content_question": ("Write the post you publish now about the event, in your own voice, in at most "
                             "{chars} characters. Reply with the post text only."),
        "reposted": "@{author} reposted: {text}",
        "posted": "@{author}: {text}",
        "platform": "Trending on the platform: {text}",
        "label": "[Label added by the platform: {text}]",
    },
    "zh": {
        "event": "事件：{event}",
        "state": "你目前对这个事件的情绪：{emotion}。你对{target}的态度：{attitude}。",
        "behaviour_question": "你刚读完上面的新帖子。你现在会怎么做？",
        "repost": "转发第 {i} 条帖子",
        "post": "就这个事件发一条自己的新帖子",
        "nothing": "什么都不做",
        "content_question": "用你自己的口吻写下你现在就这个事件发布的帖子，不超过 {chars} 个字。只回复帖子内容。",
        "reposted": "@{author} 转发：{text}",
        "posted": "@{author}：{text}",
        "platform": "平台热搜：{text}",
        "label": "【平台标注：{text}】",
    },
}


def t(lang: str, key: str, **fields: Any) -> str:
    template = TEXT[lang][key]
    return template.format(**fields) if fields else template


def prompt_tokens(request: ChoiceRequest | GenerateRequest) -> int:
    """Estimated tokens of all messages of a request (the options a backend appends are extra)."""
    return sum(count_tokens(content) for _, content in request.messages)


def cut_tokens(text: str, max_tokens: int) -> str:
    """``text`` shortened (by characters) until its estimated tokens fit ``max_tokens``."""
    if count_tokens(text) <= max_tokens:
        return text
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if count_tokens(text[:mid] + "…") <= max_tokens:
            low = mid
        else:
            high = mid - 1
    return text[:low] + "…" if low else ""


def persona_block(lang: str, profile: str, demographics: Any) -> str:
    lines = [profile.strip() or s3_text(lang, "no_profile")]
    if demographics is not None:
        lines.append(describe(demographics, lang))
    return s3_text(lang, "persona", profile="\n".join(lines))


def state_line(lang: str, emotion: str, attitude: str, target: str) -> str:
    return t(lang, "state", emotion=s3_text(lang, f"emotion.{emotion}"), target=target,
             attitude=s3_text(lang, f"attitude.{attitude}"))


def numbered(lang: str, posts: Sequence[str]) -> str:
    return "\n".join(f"{i}. {' '.join(p.split())}" for i, p in enumerate(posts, 1)) or s3_text(lang, "received_empty")


def behaviour_request(lang: str, persona: str, event: str, state: str, memory: str, received: Sequence[str],
                      seed: int, temperature: float) -> ChoiceRequest:
    """Repost one of the received posts, write a new post, or do nothing (S3 4.4.2)."""
    parts = [persona, t(lang, "event", event=event), s3_text(lang, "memory", memory=memory or s3_text(lang, "memory_empty")),
             state, s3_text(lang, "received", posts=numbered(lang, received)), t(lang, "behaviour_question")]
    options = tuple(t(lang, "repost", i=i) for i in range(1, len(received) + 1)) + (t(lang, "post"), t(lang, "nothing"))
    return ChoiceRequest("s3.behaviour", (("system", s3_text(lang, "system")), ("user", "\n\n".join(parts))),
                         options, seed=seed, temperature=temperature, lang=lang)


def content_request(lang: str, persona: str, event: str, state: str, memory: str, received: Sequence[str],
                    seed: int, temperature: float, max_tokens: int, chars: int) -> GenerateRequest:
    """The text of a new post from the profile and the current emotion and attitude (S3 4.4.1)."""
    parts = [persona, t(lang, "event", event=event), s3_text(lang, "memory", memory=memory or s3_text(lang, "memory_empty")),
             state, s3_text(lang, "received", posts=numbered(lang, received)), t(lang, "content_question", chars=chars)]
    return GenerateRequest("s3.content", (("system", s3_text(lang, "system")), ("user", "\n\n".join(parts))),
                           seed=seed, max_tokens=max_tokens, temperature=temperature)


def fit_prompt(build: Callable[[str, list[str]], Any], select: Callable[[int], list[Any]],
               render: Callable[[list[Any]], str], received: Sequence[str], budget: int,
               memory_budget: int) -> tuple[Any, list[Any], list[str]]:
    """The request built with as many received posts and memory items as fit in ``budget`` tokens.

    Received posts are dropped from the end (then the last one is shortened) until the prompt without
    memory fits; memory is selected within ``min(memory_budget, room left)`` and, if rendering still
    overflows, trimmed from its lowest-scoring item. Returns (request, memory items, shown posts)."""
    shown = list(received)
    base = prompt_tokens(build("", shown))
    while base > budget and len(shown) > 1:
        shown.pop()
        base = prompt_tokens(build("", shown))
    if base > budget and shown:
        over = base - budget
        shown[0] = cut_tokens(shown[0], max(count_tokens(shown[0]) - over, 0))
        base = prompt_tokens(build("", shown))
    items = select(max(min(memory_budget, budget - base), 0))
    request = build(render(items), shown)
    while items and prompt_tokens(request) > budget:
        items = items[:-1]
        request = build(render(items), shown)
    return request, items, shown
