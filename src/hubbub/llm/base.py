"""Request and result value types and the :class:`Backend` base class.

Backends answer batches. A failed request never raises out of a batch: its result carries ``error``
(the name of a :mod:`hubbub.errors` class and a message) after retries and fallbacks were tried, so
the caller can record an explicit failure for that agent and go on.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import json.encoder
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, fields
from typing import Any, Sequence

Messages = tuple[tuple[str, str], ...]
"""Chat messages as ``(role, content)`` pairs; roles are ``system``, ``user`` and ``assistant``."""


@dataclass(frozen=True)
class ChoiceRequest:
    """Pick one of ``options``. The question is the last user message; the options are appended
    as lettered lines by the backend (in an order shuffled with ``seed``)."""

    kind: str
    messages: Messages
    options: tuple[str, ...]
    seed: int
    temperature: float = 1.0
    shuffle: bool = True
    lang: str = "en"

    def __post_init__(self) -> None:
        if len(self.options) < 2:
            raise ValueError(f"a choice needs at least 2 options, got {len(self.options)}")
        if len(self.options) > 26:
            raise ValueError(f"a choice takes at most 26 options, got {len(self.options)}")


@dataclass(frozen=True)
class GenerateRequest:
    """Write free text in answer to ``messages``."""

    kind: str
    messages: Messages
    seed: int
    max_tokens: int = 96
    temperature: float = 0.8


@dataclass(frozen=True)
class CallStats:
    """Telemetry for one request: what it cost and how it ended."""

    kind: str
    backend: str
    model: str
    latency_s: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int | None = None
    attempts: int = 1
    cache_hit: bool = False
    outcome: str = "ok"
    method: str = ""


@dataclass(frozen=True)
class ChoiceResult:
    """The picked option (index into the request's ``options``) and the distribution it was drawn
    from, in the request's option order. ``index`` is None when the request failed."""

    index: int | None
    probs: tuple[float, ...]
    stats: CallStats
    error: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    probes: tuple[CallStats, ...] = ()
    """Earlier exchanges of this request that did not answer it (a log-probability miss before the
    schema request): each is recorded as its own ``llm_calls`` row with its own tokens."""

    @property
    def ok(self) -> bool:
        return self.error is None and self.index is not None


@dataclass(frozen=True)
class GenerateResult:
    """Generated text, or None with ``error`` when the request failed."""

    text: str | None
    stats: CallStats
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.text is not None


_KEY_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
"""One reusable encoder: ``json.dumps`` with options builds a new one per call."""


def request_payload(request: ChoiceRequest | GenerateRequest) -> dict[str, Any]:
    """A JSON-able description of a request (used for hashing and the replay cache).

    A shallow dict of the request's fields: they are immutable (strings, numbers and tuples of them),
    so the deep copy ``dataclasses.asdict`` makes would give the same JSON at many times the cost."""
    body = {name: getattr(request, name) for name in _field_names(type(request))}
    body["type"] = "choose" if isinstance(request, ChoiceRequest) else "generate"
    return body


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    """The dataclass fields of a request class, in declaration order (as ``asdict`` lists them)."""
    return tuple(f.name for f in fields(cls))


def request_json(request: ChoiceRequest | GenerateRequest) -> str:
    """The canonical JSON of :func:`request_payload` (sorted keys, compact, UTF-8), as the run record
    stores it in ``llm_calls.request``; encoded once per request object (see :func:`request_key`)."""
    return _encoded(request)[0]


def request_key(request: ChoiceRequest | GenerateRequest, model: str = "") -> str:
    """Content address of a request: identical requests to the same model share one reply.

    The SHA-256 of the canonical JSON of the payload with ``"model"`` added. The payload's JSON is
    encoded once per request object (:func:`request_json` reuses it) and the model's member is spliced
    in where the sorted keys put it: the same text as encoding the dict with the model."""
    text, split = _encoded(request)
    return hashlib.sha256(f'{text[:split]},"model":{_KEY_ENCODER.encode(model)}{text[split:]}'.encode()).hexdigest()


def _encoded(request: ChoiceRequest | GenerateRequest) -> tuple[str, int]:
    """The payload's canonical JSON and the offset of the ``,`` before its first key that sorts after
    ``"model"``; cached in the request's ``__dict__`` (a frozen dataclass still has one, which its
    fields, equality and hash ignore). The member is found by text: inside an encoded string every
    quote is escaped, so ``,"options":`` (say) can only be a key of an object, and the payload's one
    object is the payload itself."""
    cached = request.__dict__.get(_ENCODED)
    if cached is None:
        cached = _assembled(request)
        if cached is None:
            text = _KEY_ENCODER.encode(request_payload(request))
            cached = (text, text.index(f',"{_key_after_model(type(request))}":'))
        request.__dict__[_ENCODED] = cached
    return cached


def _assembled(request: ChoiceRequest | GenerateRequest) -> tuple[str, int] | None:
    """:func:`_encoded` put together in the sorted key order from the encoder's own string encoding
    (``encode_basestring``, which its C implementation calls for each string; it refuses anything but
    a ``str``) and ``int``/``float`` ``repr`` (what it writes for numbers), without building and
    walking the payload dict. None (encode the dict) unless the containers and numbers have exactly
    the types this covers (:func:`_plain`) and every text is a ``str``."""
    if not _plain(request):
        return None
    try:
        if type(request) is ChoiceRequest:
            middle = f',"lang":{_encode_str(request.lang)}'
            after = (f',"options":[{",".join(map(_encode_str, request.options))}],"seed":{request.seed!r},'
                     f'"shuffle":{"true" if request.shuffle else "false"},"temperature":{request.temperature!r},'
                     '"type":"choose"}')
        else:
            middle = f',"max_tokens":{request.max_tokens!r}'
            after = f',"seed":{request.seed!r},"temperature":{request.temperature!r},"type":"generate"}}'
        messages = ",".join(["[" + ",".join(map(_encode_str, message)) + "]" for message in request.messages])
        head = f'{{"kind":{_encode_str(request.kind)}{middle},"messages":[{messages}]'
    except TypeError:  # a text that is no str
        return None
    return head + after, len(head)


def _plain(request: ChoiceRequest | GenerateRequest) -> bool:
    """The request is exactly a ChoiceRequest or GenerateRequest whose options and messages are tuples
    (of tuples), seed and token count exact ``int``, shuffle a ``bool`` and temperature a finite
    ``float``: the types :func:`_assembled` writes as the encoder does (subclasses, ``numpy`` numbers,
    a text given where a tuple belongs take the encoder)."""
    kind = type(request)
    if kind is ChoiceRequest:
        if type(request.options) is not tuple or type(request.shuffle) is not bool:
            return False
    elif kind is not GenerateRequest or type(request.max_tokens) is not int:
        return False
    messages = request.messages
    return (type(request.seed) is int and type(request.temperature) is float and math.isfinite(request.temperature)
            and type(messages) is tuple and all([type(message) is tuple for message in messages]))


_encode_str = json.encoder.encode_basestring
"""The JSON of one string as the key encoder writes it (``ensure_ascii=False``)."""


_ENCODED = "_encoded_payload"


@functools.cache
def _key_after_model(cls: type) -> str:
    """The first payload key of a request class that sorts after ``"model"``."""
    return min(name for name in (*_field_names(cls), "type") if name > "model")


class Backend(ABC):
    """One LLM backend. Subclasses implement the single-request coroutines; batching, ordering and
    the sync wrappers live here."""

    name: str = "base"
    model: str = ""
    last_answer_at: float = 0.0
    """``time.monotonic()`` of the last answer of any kind (an HTTP error included) from a server;
    stall detection reads it, so a server that keeps answering slowly is not taken for a dead one."""

    @abstractmethod
    async def choose_one(self, request: ChoiceRequest) -> ChoiceResult:
        """Answer one choice request (never raises for a failed request)."""

    @abstractmethod
    async def generate_one(self, request: GenerateRequest) -> GenerateResult:
        """Answer one generation request (never raises for a failed request)."""

    async def achoose(self, requests: Sequence[ChoiceRequest]) -> list[ChoiceResult]:
        return list(await asyncio.gather(*(self.choose_one(r) for r in requests)))

    async def agenerate(self, requests: Sequence[GenerateRequest]) -> list[GenerateResult]:
        return list(await asyncio.gather(*(self.generate_one(r) for r in requests)))

    def choose(self, requests: Sequence[ChoiceRequest]) -> list[ChoiceResult]:
        """Answer a batch of choice requests (blocking)."""
        return asyncio.run(self.achoose(requests))

    def generate(self, requests: Sequence[GenerateRequest]) -> list[GenerateResult]:
        """Answer a batch of generation requests (blocking)."""
        return asyncio.run(self.agenerate(requests))

    def describe(self) -> dict[str, Any]:
        """Settings that belong in the run manifest (never secrets)."""
        return {"backend": self.name, "model": self.model}

    async def aclose(self) -> None:
        """Release connections, threads or model memory."""

    def stats(self, kind: str, **fields: Any) -> CallStats:
        return CallStats(kind=kind, backend=self.name, model=self.model, **fields)
