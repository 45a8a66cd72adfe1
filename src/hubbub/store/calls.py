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
    """The cacheable reply, matching hubbub.llm.cache.reply_of, or None for a failed call."""
    if not result.ok:
        return None
    if is_choice:
        return encode({"index": result.index, "probs": list(result.probs), "method": result.stats.method})
    return encode({"text": result.text, "method": result.stats.method})


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
