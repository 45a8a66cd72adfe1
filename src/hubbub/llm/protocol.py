"""The OpenAI-compatible wire protocol, shared by every backend that speaks it.

The embedded engine (llama.cpp in-process) and remote servers (vLLM, llama.cpp server, Ollama,
hosted APIs) take the same request bodies and return the same reply shapes, so the choose/generate
semantics live here once: :class:`ChatBackend` turns requests into bodies, hands them to a
subclass's :meth:`~ChatBackend._exchange` (HTTP with retries, or an in-process call), and turns the
replies into results. Replies are read defensively: servers differ in which fields they fill.
"""

from __future__ import annotations

import time
from abc import abstractmethod
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from hubbub.llm.base import (
    Backend,
    CallStats,
    ChoiceRequest,
    ChoiceResult,
    GenerateRequest,
    GenerateResult,
    Messages,
)
from hubbub.llm.choice import (
    RenderedChoice,
    letter_distribution,
    letter_key,
    parse_letter,
    render_choice,
    sample_pick,
)
from hubbub.llm.switch import FALLBACK, MISS, SWITCHED, SchemaSwitch

Endpoint = Literal["chat", "completions"]
ChoiceMode = Literal["auto", "logprobs", "schema"]
CHOICE_MODES = ("auto", "logprobs", "schema")
ENDPOINTS = ("chat", "completions")
SCHEMA_MAX_TOKENS = 8  # a JSON string such as "B" is 3 tokens; a little room for whitespace
_TOKEN_MARKERS = " \t\r\n\u0120\u2581"  # whitespace plus byte-level (Ġ) and sentencepiece (▁) space marks


def wire_seed(seed: int) -> int:
    """The seed sent to the server: the request seed folded to 31 bits.

    llama.cpp keeps seeds as uint32 and treats 0xFFFFFFFF as "random", vLLM and hosted APIs take
    signed 64-bit; a non-negative 31-bit value means the same thing to all of them."""
    return int(seed) & 0x7FFFFFFF


@dataclass(frozen=True)
class Exchange:
    """One body sent and what came back: a decoded reply, or an error ``"ClassName: message"``."""

    response: dict[str, Any] | None
    error: str | None = None
    attempts: int = 1
    source: str = ""  # where the body went (a URL without credentials, or "embedded")

    @property
    def error_class(self) -> str:
        return (self.error or "").split(":", 1)[0]


# ---------------------------------------------------------------- request bodies


def wire_messages(messages: Messages) -> list[dict[str, str]]:
    return [{"role": role, "content": content} for role, content in messages]


def transcript(messages: Messages) -> str:
    """A plain-text prompt for the legacy completions endpoint (no chat template on our side); a final
    assistant turn is the start of the answer, continued as it is."""
    parts = [f"{role.capitalize()}: {content}" for role, content in messages]
    if messages and messages[-1][0] == "assistant":
        return "\n\n".join(parts)
    return "\n\n".join(parts) + "\n\nAssistant:"


def base_body(messages: Messages, endpoint: Endpoint, seed: int) -> dict[str, Any]:
    """The prompt part of a body in the endpoint's shape, plus the seed."""
    if endpoint == "completions":
        return {"prompt": transcript(messages), "seed": wire_seed(seed)}
    return {"messages": wire_messages(messages), "seed": wire_seed(seed)}


def logprob_body(messages: Messages, endpoint: Endpoint, seed: int, top_logprobs: int,
                 answer_prefix: str = "") -> dict[str, Any]:
    """One greedy next token with the top-N alternatives: the letter scores of a choice. A non-empty
    ``answer_prefix`` is sent as the start of the assistant's turn, which the server continues (llama.cpp,
    Ollama; vLLM with ``continue_final_message``), so that next token is the letter."""
    if answer_prefix:
        messages = (*messages, ("assistant", answer_prefix))
    body = base_body(messages, endpoint, seed)
    body.update(max_tokens=1, temperature=0)
    if endpoint == "completions":
        body["logprobs"] = top_logprobs
    else:
        body.update(logprobs=True, top_logprobs=top_logprobs)
    return body


def schema_body(messages: Messages, endpoint: Endpoint, seed: int, letters: tuple[str, ...]) -> dict[str, Any]:
    """A constrained answer that can only be one of the letters (OpenAI-style ``response_format``
    plus llama.cpp's ``json_schema`` key; servers ignore the one they do not know)."""
    schema = {"type": "string", "enum": list(letters)}
    body = base_body(messages, endpoint, seed)
    body.update(
        max_tokens=SCHEMA_MAX_TOKENS,
        temperature=0,
        response_format={"type": "json_schema", "json_schema": {"name": "choice", "schema": schema}},
        json_schema=schema,
    )
    return body


def generate_body(request: GenerateRequest, messages: Messages, endpoint: Endpoint) -> dict[str, Any]:
    """Free text with the request's sampling settings; ``messages`` are the prepared ones."""
    body = base_body(messages, endpoint, request.seed)
    body.update(max_tokens=request.max_tokens, temperature=request.temperature)
    return body


# ---------------------------------------------------------------- reading replies


def first_choice(response: dict[str, Any]) -> dict[str, Any] | None:
    """``choices[0]`` when the reply has the expected shape, else None."""
    choices = response.get("choices") if isinstance(response, dict) else None
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        return choices[0]
    return None


def reply_text(response: dict[str, Any]) -> str:
    """The answer text of a chat (``message.content``) or completions (``text``) reply."""
    choice = first_choice(response) or {}
    message = choice.get("message")
    text = message.get("content") if isinstance(message, dict) else choice.get("text")
    return text.strip() if isinstance(text, str) else ""


def letter_logprobs(response: dict[str, Any]) -> dict[str, float] | None:
    """Log-probabilities of the first generated token's alternatives, by the letter they stand for.

    Accepts the chat shape (``logprobs.content[0].top_logprobs`` = list of ``{token, logprob}``) and
    the legacy completions shape (``logprobs.top_logprobs[0]`` = ``{token: logprob}``). Tokens that
    stand for the same letter (``"A"``, ``" A"``, ``"A)"``, full-width ``"Ａ"``) are all ways of answering
    it, so their probabilities add. None when the reply carries no log-probabilities at all."""
    logprobs = (first_choice(response) or {}).get("logprobs")
    if not isinstance(logprobs, dict):
        return None
    pairs = _chat_pairs(logprobs) or _legacy_pairs(logprobs)
    if not pairs:
        return None
    merged: dict[str, float] = {}
    for token, logprob in pairs:
        key = letter_key(token, _TOKEN_MARKERS)
        merged[key] = float(np.logaddexp(merged[key], logprob)) if key in merged else logprob
    return merged


def _chat_pairs(logprobs: dict[str, Any]) -> list[tuple[str, float]]:
    content = logprobs.get("content")
    if not isinstance(content, list) or not content or not isinstance(content[0], dict):
        return []
    top = content[0].get("top_logprobs") or []
    if not top and "token" in content[0]:
        top = [content[0]]  # servers that return only the sampled token
    return [(d["token"], float(d["logprob"])) for d in top if _is_pair(d)]


def _legacy_pairs(logprobs: dict[str, Any]) -> list[tuple[str, float]]:
    top = logprobs.get("top_logprobs")
    if not isinstance(top, list) or not top or not isinstance(top[0], dict):
        return []
    return [(token, float(lp)) for token, lp in top[0].items() if isinstance(token, str) and isinstance(lp, (int, float))]


def _is_pair(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("token"), str) and isinstance(item.get("logprob"), (int, float))


def usage_counts(response: dict[str, Any]) -> dict[str, int | None]:
    """Prompt, completion and prefix-cached token counts, where the server reports them
    (``usage.prompt_tokens_details.cached_tokens``, or llama.cpp's ``timings.cache_n``)."""
    usage = response.get("usage") if isinstance(response.get("usage"), dict) else {}
    details = usage.get("prompt_tokens_details") if isinstance(usage.get("prompt_tokens_details"), dict) else {}
    timings = response.get("timings") if isinstance(response.get("timings"), dict) else {}
    cached = details.get("cached_tokens")
    if cached is None:
        cached = timings.get("cache_n")
    return {
        "prompt_tokens": _int_or_none(usage.get("prompt_tokens")),
        "completion_tokens": _int_or_none(usage.get("completion_tokens")),
        "cached_tokens": _int_or_none(cached),
    }


def _int_or_none(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _add(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else a + b


# ---------------------------------------------------------------- the shared backend logic


@dataclass
class _Tally:
    """What one exchange cost (a choice's logprob try and its schema request are tallied apart)."""

    started: float = field(default_factory=time.perf_counter)
    attempts: int = 0
    tokens: dict[str, int | None] = field(default_factory=lambda: dict.fromkeys(
        ("prompt_tokens", "completion_tokens", "cached_tokens")))

    def add(self, exchange: Exchange) -> None:
        self.attempts += exchange.attempts
        if exchange.response is not None:
            for key, value in usage_counts(exchange.response).items():
                self.tokens[key] = _add(self.tokens[key], value)


class ChatBackend(Backend):
    """choose/generate over an OpenAI-compatible exchange; subclasses only move bodies."""

    endpoint: Endpoint = "chat"
    choice_mode: ChoiceMode = "auto"
    top_logprobs: int = 20
    answer_prefix: bool = True
    """End a choice with the start of the answer as an assistant turn (see :mod:`hubbub.llm.choice`);
    off for servers that refuse a final assistant message."""
    misses_before_schema: int = 3
    """``choice_mode = "auto"``: misses in a row after which a call kind goes straight to schema
    requests (0 = never; see :mod:`hubbub.llm.switch`)."""
    extra_body: dict[str, Any] = {}  # noqa: RUF012  (never mutated; instances assign their own)
    """Server-specific fields added to every body (``{"cache_prompt": False}`` for llama.cpp,
    ``{"chat_template_kwargs": {"enable_thinking": False}}`` for vLLM, ...). The fields hubbub sets
    itself win, so a choice stays a one-token greedy scoring."""

    @abstractmethod
    async def _exchange(self, body: dict[str, Any], seed: int) -> Exchange:
        """Send one body (retrying as the backend sees fit); never raises for request failures."""

    async def _send(self, body: dict[str, Any], seed: int) -> Exchange:
        return await self._exchange({**self.extra_body, **body}, seed)

    def _prepare(self, messages: Messages) -> Messages:
        """Hook: adjust messages before they are sent (the embedded model needs a system turn)."""
        return messages

    @property
    def choice_switch(self) -> SchemaSwitch:
        """This backend's auto-mode switch (made on first use: subclasses keep their own __init__)."""
        switch = self.__dict__.get("_choice_switch")
        if switch is None:
            switch = self.__dict__["_choice_switch"] = SchemaSwitch(self.misses_before_schema)
        return switch

    async def choose_one(self, request: ChoiceRequest) -> ChoiceResult:
        rendered = render_choice(request)
        messages = self._prepare(rendered.messages)
        if self.choice_mode == "schema":
            return await self._choose_by_schema(request, rendered, messages, "ok")
        if self.choice_mode == "auto" and self.choice_switch.use_schema(request.kind, self.endpoint):
            return await self._choose_by_schema(request, rendered, messages, SWITCHED)
        result = await self._choose_by_logprobs(request, rendered, messages)
        if isinstance(result, CallStats):  # a miss: ask again, constrained; the miss keeps its own row
            result = await self._choose_by_schema(request, rendered, messages, FALLBACK, probe=result)
        if self.choice_mode == "auto" and result.ok:
            self.choice_switch.observe(request.kind, self.endpoint, result.stats.method, result.stats.outcome)
        return result

    async def _choose_by_logprobs(
        self, request: ChoiceRequest, rendered: RenderedChoice, messages: Messages
    ) -> ChoiceResult | CallStats:
        """Score the letters; the miss's stats mean "fall back to a constrained answer"."""
        tally = _Tally()
        prefix = rendered.answer_prefix if self.answer_prefix else ""
        exchange = await self._send(logprob_body(messages, self.endpoint, request.seed, self.top_logprobs, prefix),
                                    request.seed)
        tally.add(exchange)
        if exchange.error is not None:
            return self._choice_failure(request, tally, exchange.error, "logprobs")
        scores = letter_logprobs(exchange.response or {})
        shown = letter_distribution(rendered, scores or {})
        if shown is None:
            if self.choice_mode == "logprobs":
                what = "no log-probabilities" if scores is None else "no option letter among the top log-probabilities"
                message = f"InvalidOutput: {what} in the reply from {exchange.source}"
                return self._choice_failure(request, tally, message, "logprobs")
            return self._stats(request.kind, tally, MISS, "logprobs")
        index, probs = sample_pick(request, rendered, shown)
        raw = {"letter_logprobs": {k: scores[k] for k in rendered.letters if scores and k in scores}}
        return ChoiceResult(index, probs, self._stats(request.kind, tally, "ok", "logprobs"), raw=raw)

    async def _choose_by_schema(self, request: ChoiceRequest, rendered: RenderedChoice, messages: Messages,
                                outcome: str, probe: CallStats | None = None) -> ChoiceResult:
        """Ask for a JSON-schema-constrained letter; the pick then has probability 1. ``probe`` is the
        missed logprob exchange this answers, recorded as its own row."""
        tally = _Tally()
        probes = (probe,) if probe is not None else ()
        exchange = await self._send(schema_body(messages, self.endpoint, request.seed, rendered.letters),
                                    request.seed)
        tally.add(exchange)
        if exchange.error is not None:
            return self._choice_failure(request, tally, exchange.error, "schema", probes)
        text = reply_text(exchange.response or {})
        letter = parse_letter(text, rendered)
        if letter is None:
            allowed = ", ".join(rendered.letters)
            message = f"InvalidOutput: constrained answer {text[:40]!r} from {exchange.source} is not one of {allowed}"
            return self._choice_failure(request, tally, message, "schema", probes)
        index = rendered.order[rendered.letters.index(letter)]
        probs = tuple(1.0 if i == index else 0.0 for i in range(len(request.options)))
        stats = self._stats(request.kind, tally, outcome, "schema")
        return ChoiceResult(index, probs, stats, raw={"schema_answer": text[:40]}, probes=probes)

    async def generate_one(self, request: GenerateRequest) -> GenerateResult:
        tally = _Tally()
        body = generate_body(request, self._prepare(request.messages), self.endpoint)
        exchange = await self._send(body, request.seed)
        tally.add(exchange)
        error = exchange.error
        text = reply_text(exchange.response or {}) if error is None else ""
        if error is None and not text:
            finish = (first_choice(exchange.response or {}) or {}).get("finish_reason")
            error = f"InvalidOutput: empty completion from {exchange.source} (finish_reason={finish!r})"
        if error is not None:
            return GenerateResult(None, self._stats(request.kind, tally, _outcome(error), "generate"), error=error)
        return GenerateResult(text, self._stats(request.kind, tally, "ok", "generate"))

    def _choice_failure(self, request: ChoiceRequest, tally: _Tally, error: str, method: str,
                        probes: tuple[CallStats, ...] = ()) -> ChoiceResult:
        stats = self._stats(request.kind, tally, _outcome(error), method)
        return ChoiceResult(None, (), stats, error=error, probes=probes)

    def _stats(self, kind: str, tally: _Tally, outcome: str, method: str) -> CallStats:
        return self.stats(kind, latency_s=time.perf_counter() - tally.started, attempts=max(tally.attempts, 1),
                          outcome=outcome, method=method, **tally.tokens)


def _outcome(error: str) -> str:
    return "error:" + error.split(":", 1)[0]
