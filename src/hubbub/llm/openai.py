"""Any OpenAI-compatible server (vLLM, llama.cpp server, Ollama, hosted APIs) over HTTP.

Requests fan out under a concurrency limit and are load-balanced round-robin over one or more base
URLs. Transient failures (connection errors, timeouts, HTTP 429/500/502/503/504, malformed JSON) are
retried with exponential backoff whose jitter comes from the request's own seed, so a re-run waits
the same way; ``Retry-After`` is honoured. Other 4xx answers are final. A request that still fails
comes back as a result carrying ``error`` ("BackendTimeout: ...", "BackendUnavailable: ...",
"InvalidOutput: ...") instead of raising, so the caller can record the failure and go on.

The API key is sent as a bearer token and nowhere else: not in :meth:`describe`, ``repr`` or any
error text.
"""

from __future__ import annotations

import asyncio
import email.utils
import itertools
import random
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from hubbub.errors import ConfigError
from hubbub.kernel.seeding import derive_seed
from hubbub.llm.base import ChoiceRequest, ChoiceResult, GenerateRequest, GenerateResult
from hubbub.llm.protocol import (
    CHOICE_MODES,
    ENDPOINTS,
    ChatBackend,
    ChoiceMode,
    Endpoint,
    Exchange,
    first_choice,
)

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
RETRY_AFTER_STATUS = frozenset({429, 503})
_PATHS = {"chat": "/chat/completions", "completions": "/completions"}
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[Any]]


@dataclass(frozen=True)
class _Attempt:
    """How one HTTP attempt ended."""

    response: dict[str, Any] | None = None
    error: str | None = None  # "ClassName: what happened"
    retryable: bool = False
    connect_failed: bool = False
    retry_after: float | None = None


@dataclass
class _LoopState:
    """The client and the in-flight bound of one event loop (httpx and asyncio objects are loop-bound)."""

    client: httpx.AsyncClient
    semaphore: asyncio.Semaphore


def api_root(url: str) -> str:
    """``http://host:8000`` and ``http://host:8000/v1`` both mean the ``/v1`` API root."""
    parsed = httpx.URL(url.strip())
    path = parsed.path.rstrip("/")
    return str(parsed.copy_with(path=path if path.endswith("/v1") else path + "/v1"))


def endpoint_url(root: str, endpoint: Endpoint) -> str:
    """The full URL of an endpoint under an API root (a query string, if any, stays at the end)."""
    parsed = httpx.URL(root)
    return str(parsed.copy_with(path=parsed.path + _PATHS[endpoint]))


def public_url(url: str) -> str:
    """A URL fit for logs and error messages: no user, password, query string or fragment."""
    text = str(url).split("#", 1)[0].split("?", 1)[0]
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "", text
    authority, slash, path = rest.partition("/")
    return f"{scheme}{sep}{authority.rsplit('@', 1)[-1]}{slash}{path}"


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """A ``Retry-After`` header (delay in seconds, or an HTTP date) as seconds from now."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class OpenAIBackend(ChatBackend):
    """choose/generate against one or more OpenAI-compatible base URLs."""

    name = "openai"

    def __init__(
        self,
        base_urls: str | Sequence[str],
        model: str,
        api_key: str | None = None,
        timeout_s: float = 300.0,
        max_retries: int = 3,
        max_concurrency: int = 16,
        choice_mode: ChoiceMode = "auto",
        endpoint: Endpoint = "chat",
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        top_logprobs: int = 20,
        backoff_s: float = 0.5,
        backoff_max_s: float = 20.0,
        retry_after_cap_s: float = 30.0,
        down_cooldown_s: float = 5.0,
        extra_body: Mapping[str, Any] | None = None,
        sleep: Sleep | None = None,
        answer_prefix: bool = True,
        misses_before_schema: int = 3,
    ) -> None:
        urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        _check_settings(urls, timeout_s, max_retries, max_concurrency, choice_mode, endpoint, top_logprobs)
        self.base_urls = [api_root(u) for u in urls]
        self.model = model
        self._api_key = api_key
        self.timeout_s = float(timeout_s)
        self.max_retries = int(max_retries)
        self.max_concurrency = int(max_concurrency)
        self.choice_mode = choice_mode
        self.endpoint = endpoint
        self.top_logprobs = int(top_logprobs)
        self.backoff_s, self.backoff_max_s = float(backoff_s), float(backoff_max_s)
        self.retry_after_cap_s = float(retry_after_cap_s)
        self.down_cooldown_s = float(down_cooldown_s)
        self.extra_body = dict(extra_body or {})
        self.answer_prefix, self.misses_before_schema = bool(answer_prefix), int(misses_before_schema)
        self._transport = transport
        self._sleep: Sleep = sleep if sleep is not None else asyncio.sleep
        self._turn = itertools.count()
        self._down_until: dict[str, float] = {}
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = weakref.WeakKeyDictionary()

    def __repr__(self) -> str:
        return f"OpenAIBackend(base_urls={[public_url(u) for u in self.base_urls]!r}, model={self.model!r})"

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "model": self.model,
            "base_urls": [public_url(u) for u in self.base_urls],
            "endpoint": self.endpoint,
            "timeout_s": self.timeout_s,
            "max_retries": self.max_retries,
            "max_concurrency": self.max_concurrency,
            "choice_mode": self.choice_mode,
            "top_logprobs": self.top_logprobs,
            "answer_prefix": self.answer_prefix,
            "misses_before_schema": self.misses_before_schema,
            "extra_body": self.extra_body,
        }

    # ------------------------------------------------------------ event-loop bound resources

    def _state(self) -> _LoopState:
        """The client and semaphore of the running loop, created on first use in that loop."""
        loop = asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            state = _LoopState(self._new_client(), asyncio.Semaphore(self.max_concurrency))
            self._loops[loop] = state
        return state

    def _new_client(self) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        limits = httpx.Limits(max_connections=self.max_concurrency, max_keepalive_connections=self.max_concurrency)
        return httpx.AsyncClient(transport=self._transport, headers=headers, limits=limits,
                                 timeout=httpx.Timeout(self.timeout_s))

    async def aclose(self) -> None:
        """Close the running loop's HTTP client (a later call opens a new one)."""
        state = self._loops.pop(asyncio.get_running_loop(), None)
        if state is not None:
            await state.client.aclose()

    async def _closing(self, work: Awaitable[T]) -> T:
        try:
            return await work
        finally:
            await self.aclose()

    def choose(self, requests: Sequence[ChoiceRequest]) -> list[ChoiceResult]:
        """Blocking batch; its connections are closed before the temporary event loop ends."""
        return asyncio.run(self._closing(self.achoose(requests)))

    def generate(self, requests: Sequence[GenerateRequest]) -> list[GenerateResult]:
        """Blocking batch; its connections are closed before the temporary event loop ends."""
        return asyncio.run(self._closing(self.agenerate(requests)))

    # ------------------------------------------------------------ one body, with retries

    async def _exchange(self, body: dict[str, Any], seed: int) -> Exchange:
        """POST ``body`` with retries; the jitter stream is derived from the request seed."""
        body = {"model": self.model, **body}
        rng = random.Random(derive_seed(seed, "llm-retry"))
        refused: set[str] = set()
        for attempt in range(1, self.max_retries + 2):
            url = self._pick_url(refused)
            outcome = await self._attempt(url, body)
            if outcome.response is not None:
                return Exchange(outcome.response, attempts=attempt, source=public_url(url))
            if outcome.connect_failed:
                refused.add(url)
                self._down_until[url] = time.monotonic() + self.down_cooldown_s
            if not outcome.retryable or attempt > self.max_retries:
                error = f"{outcome.error} (after {attempt} attempt{'s' if attempt > 1 else ''})"
                return Exchange(None, self._redact(error), attempts=attempt, source=public_url(url))
            await self._sleep(self._delay(attempt, outcome.retry_after, rng))
        raise AssertionError("unreachable")  # pragma: no cover

    def _pick_url(self, refused: set[str]) -> str:
        """Round-robin over the base URLs, skipping ones that refused this request or were
        recently down, unless nothing else is left."""
        now = time.monotonic()
        healthy = [u for u in self.base_urls if u not in refused and self._down_until.get(u, 0.0) <= now]
        candidates = healthy or [u for u in self.base_urls if u not in refused] or self.base_urls
        start = next(self._turn)
        for k in range(len(self.base_urls)):
            url = self.base_urls[(start + k) % len(self.base_urls)]
            if url in candidates:
                return url
        return candidates[0]  # pragma: no cover

    def _delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """The server's ``Retry-After`` (capped), else exponential backoff with equal jitter."""
        if retry_after is not None:
            return min(retry_after, self.retry_after_cap_s)
        ceiling = min(self.backoff_max_s, self.backoff_s * 2 ** (attempt - 1))
        return ceiling / 2 + rng.uniform(0.0, ceiling / 2)

    async def _attempt(self, url: str, body: dict[str, Any]) -> _Attempt:
        """One POST, bounded by the semaphore and by a wall-clock timeout (a server that accepts
        the connection and trickles or never sends bytes cannot hold a request forever)."""
        state = self._state()
        target = endpoint_url(url, self.endpoint)
        where = f"POST {public_url(target)}"
        async with state.semaphore:  # the timeout starts once a slot is free: waiting for one is not a timeout
            try:
                reply = await asyncio.wait_for(state.client.post(target, json=body), self.timeout_s)
                self.last_answer_at = time.monotonic()  # any HTTP answer shows the server is alive
            except (asyncio.TimeoutError, httpx.TimeoutException):
                return _Attempt(error=f"BackendTimeout: {where}: no answer within {self.timeout_s:g} s",
                                retryable=True)
            except httpx.ConnectError as exc:
                return _Attempt(error=f"BackendUnavailable: {where}: cannot connect ({_connect_reason(exc)})",
                                retryable=True, connect_failed=True)
            except httpx.TransportError as exc:
                return _Attempt(error=f"BackendUnavailable: {where}: {type(exc).__name__} ({_reason(exc)})",
                                retryable=True)
        return _read_reply(reply, where)

    def _redact(self, text: str) -> str:
        """Belt and braces: a server that echoes the key in an error message must not leak it."""
        return text.replace(self._api_key, "***") if self._api_key else text


def _read_reply(reply: httpx.Response, where: str) -> _Attempt:
    """Classify an HTTP answer: a usable reply, a retryable failure or a final one."""
    if reply.status_code in RETRY_STATUS:
        header = reply.headers.get("retry-after") if reply.status_code in RETRY_AFTER_STATUS else None
        return _Attempt(error=f"BackendUnavailable: {where}: HTTP {reply.status_code}{_server_says(reply)}",
                        retryable=True, retry_after=retry_after_seconds(header))
    if reply.status_code >= 400:
        return _Attempt(error=f"BackendUnavailable: {where}: HTTP {reply.status_code}{_server_says(reply)}")
    try:
        data = reply.json()
    except ValueError:
        return _Attempt(error=f"InvalidOutput: {where}: malformed JSON in the reply (HTTP {reply.status_code}: "
                              f"{_snippet(reply.text)!r})",
                        retryable=True)
    if not isinstance(data, dict) or first_choice(data) is None:
        return _Attempt(error=f"InvalidOutput: {where}: the reply has no choices ({_snippet(str(data))!r})",
                        retryable=True)
    return _Attempt(response=data)


def _server_says(reply: httpx.Response) -> str:
    """The server's own error message, shortened (it usually says what was wrong)."""
    try:
        data = reply.json()
        detail = data.get("error", data) if isinstance(data, dict) else data
        if isinstance(detail, dict):
            detail = detail.get("message", detail)
    except ValueError:
        detail = reply.text
    detail = _snippet(str(detail))
    return f": {detail}" if detail else ""


def _snippet(text: str) -> str:
    """The first 100 characters of what a server said, whitespace folded (enough to tell an HTML
    error page, a proxy's message or a "model not found" apart)."""
    return " ".join(text.split())[:100]


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _connect_reason(exc: BaseException) -> str:
    """"connection refused" when that is what happened underneath httpx's generic "All connection
    attempts failed" (the usual case: nothing listens on that port)."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            break
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused: nothing listens there"
        seen = seen.__cause__ or seen.__context__
    return _reason(exc)  # type: ignore[arg-type]


def _check_settings(urls: list[str], timeout_s: float, max_retries: int, max_concurrency: int,
                    choice_mode: str, endpoint: str, top_logprobs: int) -> None:
    """Reject settings that cannot work, naming the setting, the value and what is allowed."""
    if not urls or not all(isinstance(u, str) and u.strip().startswith(("http://", "https://")) for u in urls):
        shown = [public_url(u) if isinstance(u, str) else u for u in urls]
        raise ConfigError(f"llm.base_urls: {shown!r} is not allowed; give one or more http:// or https:// URLs")
    checks = [
        ("timeout_s", timeout_s, timeout_s > 0, "a number of seconds > 0"),
        ("max_retries", max_retries, max_retries >= 0, "an integer >= 0"),
        ("max_concurrency", max_concurrency, max_concurrency >= 1, "an integer >= 1"),
        ("choice_mode", choice_mode, choice_mode in CHOICE_MODES, f"one of {', '.join(CHOICE_MODES)}"),
        ("endpoint", endpoint, endpoint in ENDPOINTS, f"one of {', '.join(ENDPOINTS)}"),
        ("top_logprobs", top_logprobs, 1 <= top_logprobs <= 20, "an integer from 1 to 20"),
    ]
    for name, value, ok, allowed in checks:
        if not ok:
            raise ConfigError(f"llm.{name}: {value!r} is not allowed; expected {allowed}")
