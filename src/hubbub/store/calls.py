"""The ``llm_calls`` table: the rows of one recorded LLM answer, and an in-memory index of its keys.

A fresh run's record cannot hold a reply for a request it has not sent, yet the reply cache used to ask
SQLite on every miss (and the store flushed its write buffer before each query, so a batch's rows went
to SQLite in thousands of tiny ``executemany`` calls). :class:`KeyIndex` answers "certainly not
recorded" without SQL. It holds the keys' hashes, not the keys: a collision only costs the query it
would have saved, and so does a key left behind by a rolled-back batch, so no answer changes. The index
is read when the record is opened: rows another process adds to the same file afterwards are not seen
(a run record has one writer; a recording replayed from is finished).

Results are duck-typed (``index`` marks a choice) so that ``store`` stays below ``llm`` in the
dependency order.
"""

from __future__ import annotations

import json.encoder
import math
import sqlite3
import time
from typing import Any, Callable

CALL_COLUMNS = (
    "key", "type", "kind", "backend", "model", "prompt_tokens", "completion_tokens", "cached_tokens",
    "latency_s", "attempts", "cache_hit", "outcome", "method", "error", "wall_time", "request", "reply",
)
_ERROR, _REPLY = CALL_COLUMNS.index("error"), CALL_COLUMNS.index("reply")
_REPLIED = "SELECT key FROM llm_calls WHERE reply IS NOT NULL"
_FAILED = "SELECT key FROM llm_calls WHERE reply IS NULL AND error IS NOT NULL"


def call_rows(key: str, request: str, result: Any, encode: Callable[[Any], str]) -> list[tuple[Any, ...]]:
    """The ``llm_calls`` rows of one answer (columns :data:`CALL_COLUMNS`): a choice's earlier
    exchanges that did not answer it (``probes``), then the answer itself, with its reply if it succeeded."""
    is_choice = hasattr(result, "index")
    exchanges = [(probe, None, None) for probe in getattr(result, "probes", ())]
    exchanges.append((result.stats, result.error, reply_json(result, is_choice, encode)))
    return [(key, "choose" if is_choice else "generate", s.kind, s.backend, s.model, s.prompt_tokens,
             s.completion_tokens, s.cached_tokens, s.latency_s, s.attempts, int(bool(s.cache_hit)), s.outcome,
             s.method, error, time.time(), request, reply) for s, error, reply in exchanges]


def reply_json(result: Any, is_choice: bool, encode: Callable[[Any], str]) -> str | None:
    """The cacheable reply, matching hubbub.llm.cache.reply_of, or None for a failed call. ``encode``
    is the record's canonical JSON (sorted keys, compact, UTF-8 text, no NaN); a reply of plain values
    is written as it writes it, without building the dict (:func:`_plain_reply`)."""
    if not result.ok:
        return None
    method = result.stats.method
    if is_choice:
        return _plain_reply(result.index, result.probs, method) or encode(
            {"index": result.index, "probs": list(result.probs), "method": method})
    if isinstance(result.text, str) and isinstance(method, str):
        return f'{{"method":{_encode_str(method)},"text":{_encode_str(result.text)}}}'
    return encode({"text": result.text, "method": method})


def _plain_reply(index: Any, probs: Any, method: Any) -> str | None:
    """A choice's reply as the canonical encoder writes it (keys in sorted order; an ``int`` and finite
    ``float`` as their ``repr``), or None when a value is not of exactly those types (the encoder
    then writes it, or refuses it)."""
    if type(index) is not int or not isinstance(method, str) or not all(
            type(p) is float and math.isfinite(p) for p in probs):
        return None
    return f'{{"index":{index!r},"method":{_encode_str(method)},"probs":[{",".join(map(repr, probs))}]}}'


_encode_str = json.encoder.encode_basestring
"""One string as the canonical encoder writes it (``ensure_ascii=False``)."""


class KeyIndex:
    """Hashes of the keys with a recorded reply and of those with a recorded failure."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.replied: set[int] = {hash(key) for (key,) in conn.execute(_REPLIED)}
        self.failed: set[int] = {hash(key) for (key,) in conn.execute(_FAILED)}

    def note(self, key: str, rows: list[tuple[Any, ...]]) -> None:
        """Remember the rows of a call recorded for ``key`` (from :func:`call_rows`)."""
        error, reply = rows[-1][_ERROR], rows[-1][_REPLY]
        if reply is not None:
            self.replied.add(hash(key))
        elif error is not None:
            self.failed.add(hash(key))

    def may_have_reply(self, key: str) -> bool:
        """False when the record certainly holds no reply for ``key``."""
        return hash(key) in self.replied

    def may_have_failure(self, key: str) -> bool:
        """False when the record certainly holds no failed call for ``key``."""
        return hash(key) in self.failed
