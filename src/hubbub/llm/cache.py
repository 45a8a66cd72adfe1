"""Content-addressed request → reply caching: exact re-runs, resume and cheap re-computation.

:class:`CachedBackend` wraps any backend. Before a request goes to the inner backend it is looked up
by its content address (:func:`~hubbub.llm.base.request_key`) first in memory, then in a persistent
:class:`ReplyStore` (the run record's ``llm_calls`` table, or a recording from another run). Every
answer, hit or miss, is reported to ``on_call`` so telemetry sees it. Failed answers are never cached.

With ``inner=None`` the wrapper is the ``replay`` backend: a request with no recorded reply fails with
``InvalidOutput`` ("no recorded reply") instead of reaching any model.

``failures`` (optional) answers a request whose recorded call *failed* with that same failure instead of
asking again. A resumed run needs this: its committed events already hold the failure (an
``llm_failure`` event), so re-asking, and perhaps succeeding this time, would make the re-execution
diverge from the record.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import OrderedDict
from typing import Any, Callable, Protocol

from hubbub.llm.base import (
    Backend,
    CallStats,
    ChoiceRequest,
    ChoiceResult,
    GenerateRequest,
    GenerateResult,
    request_key,
)

Request = ChoiceRequest | GenerateRequest
Result = ChoiceResult | GenerateResult


class ReplyStore(Protocol):
    """Persistent replies by request key."""

    def get_reply(self, key: str) -> dict[str, Any] | None: ...


class FailureStore(Protocol):
    """Recorded failures by request key: the error of a call that never got a usable answer."""

    def get_failure(self, key: str) -> str | None: ...


OnCall = Callable[[str, Request, Result], None]


def reply_of(result: Result) -> dict[str, Any]:
    """The cacheable part of a successful result."""
    if isinstance(result, ChoiceResult):
        return {"index": result.index, "probs": list(result.probs), "method": result.stats.method}
    return {"text": result.text, "method": result.stats.method}


def result_from_reply(request: Request, reply: dict[str, Any], stats: CallStats) -> Result:
    if isinstance(request, ChoiceRequest):
        return ChoiceResult(int(reply["index"]), tuple(float(p) for p in reply["probs"]), stats)
    return GenerateResult(str(reply["text"]), stats)


class CachedBackend(Backend):
    """Serve repeated requests from memory or a reply store; forward the rest to ``inner``."""

    def __init__(
        self,
        inner: Backend | None,
        store: ReplyStore | None = None,
        on_call: OnCall | None = None,
        model: str | None = None,
        failures: FailureStore | None = None,
        memo_size: int = 10_000,
    ) -> None:
        self.inner = inner
        self.store = store
        self.failures = failures
        self.on_call = on_call
        self.name = inner.name if inner is not None else "replay"
        self.model = model if model is not None else (inner.model if inner is not None else "")
        self._memo: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.memo_size = memo_size
        """Replies kept in memory, most recently used last; older ones are found again in ``store`` (the
        run record), so a long run's memory stays flat."""
        self._inflight: dict[str, asyncio.Future[Result]] = {}
        self.hits = 0
        self.misses = 0
        self.outstanding = 0
        """Requests handed to ``inner`` and not answered yet (stall detection reads it)."""
        self._progress_at = time.monotonic()

    def progress_at(self) -> float:
        """``time.monotonic()`` of the last sign of life: an answer, any server reply, or the moment
        requests started waiting after none were outstanding."""
        inner = self.inner.last_answer_at if self.inner is not None else 0.0
        return max(self._progress_at, inner)

    def describe(self) -> dict[str, Any]:
        base = self.inner.describe() if self.inner is not None else {"backend": "replay", "model": self.model}
        return {**base, "cache": "replay-only" if self.inner is None else "memo+store"}

    async def choose_one(self, request: ChoiceRequest) -> ChoiceResult:
        return await self._answer(request)  # type: ignore[return-value]

    async def generate_one(self, request: GenerateRequest) -> GenerateResult:
        return await self._answer(request)  # type: ignore[return-value]

    async def _answer(self, request: Request) -> Result:
        key = request_key(request, self.model)
        reply = self._lookup(key)
        if reply is not None:
            self.hits += 1
            stats = CallStats(request.kind, self.name, self.model, cache_hit=True, method=reply.get("method", ""))
            result = result_from_reply(request, reply, stats)
        elif (error := self.failures.get_failure(key) if self.failures is not None else None) is not None:
            self.hits += 1
            stats = CallStats(request.kind, self.name, self.model, cache_hit=True, outcome=_outcome(error))
            result = failed_result(request, error, stats)
        elif key in self._inflight:
            return await asyncio.shield(self._inflight[key])
        else:
            result = await self._forward(key, request)
        if self.on_call is not None:
            self.on_call(key, request, result)
        return result

    def _lookup(self, key: str) -> dict[str, Any] | None:
        reply = self._memo.get(key)
        if reply is not None:
            self._memo.move_to_end(key)
            return reply
        if self.store is not None:
            reply = self.store.get_reply(key)
            if reply is not None:
                self._remember(key, reply)
                return reply
        return None

    def _remember(self, key: str, reply: dict[str, Any]) -> None:
        self._memo[key] = reply
        self._memo.move_to_end(key)
        if len(self._memo) > self.memo_size:
            self._memo.popitem(last=False)

    async def _forward(self, key: str, request: Request) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        if self.outstanding == 0:
            self._progress_at = time.monotonic()
        self.outstanding += 1
        try:
            result = await self._call_inner(request)
            self._progress_at = time.monotonic()
            if result.ok:
                self._remember(key, reply_of(result))
            self.misses += 1
            future.set_result(result)
            return result
        except asyncio.CancelledError:
            future.cancel()  # waiters are cancelled too; a cancelled future logs nothing at exit
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark it retrieved: with no waiter, asyncio would log a traceback at exit
            raise
        finally:
            del self._inflight[key]
            self.outstanding -= 1

    async def _call_inner(self, request: Request) -> Result:
        if self.inner is None:
            stats = CallStats(request.kind, self.name, self.model, outcome="error:InvalidOutput")
            return failed_result(request, "InvalidOutput: no recorded reply for this request (replay backend)", stats)
        if isinstance(request, ChoiceRequest):
            return await self.inner.choose_one(request)
        return await self.inner.generate_one(request)

    async def aclose(self) -> None:
        if self.inner is not None:
            await self.inner.aclose()


def failed_result(request: Request, error: str, stats: CallStats) -> Result:
    if isinstance(request, ChoiceRequest):
        return ChoiceResult(None, (), stats, error=error)
    return GenerateResult(None, stats, error=error)


def _outcome(error: str) -> str:
    return "error:" + error.split(":", 1)[0]


def with_latency(result: Result, started: float) -> Result:
    """Copy of ``result`` whose stats carry the wall-clock latency since ``started``."""
    stats = dataclasses.replace(result.stats, latency_s=time.perf_counter() - started)
    return dataclasses.replace(result, stats=stats)
