"""A deterministic, zero-latency backend for tests, demos of plumbing and engine benchmarks.

Its replies are functions of the request only (never of call order), so scripted runs are exactly
reproducible. It is never the default and its outputs are never research results.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Callable

from hubbub.llm.base import Backend, ChoiceRequest, ChoiceResult, GenerateRequest, GenerateResult
from hubbub.llm.choice import check_question, option_order, pick_shown

ChoicePolicy = Callable[[ChoiceRequest], list[float]]
TextPolicy = Callable[[GenerateRequest], str]

_WORDS = (
    "honestly this topic matters more than people think and the comments here show how divided we are "
    "I hope the facts come out soon because rumours spread faster than news and everyone deserves a calm "
    "discussion about what really happened today"
).split()


def hashed_probs(request: ChoiceRequest) -> list[float]:
    """A fixed pseudo-random distribution over the options, derived from the request content."""
    digest = hashlib.sha256(repr((request.messages, request.options, request.kind)).encode()).digest()
    weights = [1 + digest[i % len(digest)] for i in range(len(request.options))]
    total = sum(weights)
    return [w / total for w in weights]


def hashed_text(request: GenerateRequest) -> str:
    """A short sentence chosen deterministically from a word bank by the request content."""
    digest = hashlib.sha256(repr((request.messages, request.kind, request.seed)).encode()).digest()
    start = digest[0] % len(_WORDS)
    length = 8 + digest[1] % 12
    words = [_WORDS[(start + i * (1 + digest[2] % 5)) % len(_WORDS)] for i in range(length)]
    return " ".join(words).capitalize() + "."


class ScriptedBackend(Backend):
    """Canned, deterministic replies. ``choice`` maps a request to probabilities over its options (in
    request order); ``text`` maps a request to a reply. ``latency`` (seconds) simulates a server."""

    name = "scripted"

    def __init__(
        self,
        choice: ChoicePolicy | None = None,
        text: TextPolicy | None = None,
        latency: float = 0.0,
        model: str = "scripted-v1",
    ) -> None:
        self.choice_policy = choice or hashed_probs
        self.text_policy = text or hashed_text
        self.latency = latency
        self.model = model

    async def choose_one(self, request: ChoiceRequest) -> ChoiceResult:
        if self.latency:
            await asyncio.sleep(self.latency)
        check_question(request)
        order = option_order(request)  # the order render_choice shows; the prompt itself is not needed here
        probs = self.choice_policy(request)
        shown = [probs[i] for i in order]
        total = sum(shown)
        index, in_order = pick_shown(request, order, [p / total for p in shown])
        return ChoiceResult(index, in_order, self.stats(request.kind, latency_s=self.latency, method="scripted"))

    async def generate_one(self, request: GenerateRequest) -> GenerateResult:
        if self.latency:
            await asyncio.sleep(self.latency)
        text = self.text_policy(request)
        return GenerateResult(text, self.stats(request.kind, latency_s=self.latency, method="scripted",
                                               completion_tokens=len(text.split())))
