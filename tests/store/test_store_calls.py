"""The in-memory index of recorded request keys: a cache miss costs no SQL, and no answer changes."""

from __future__ import annotations

from hubbub.llm.base import CallStats, ChoiceRequest, ChoiceResult, request_key, request_payload
from hubbub.store import RunStore


def _request(seed: int) -> ChoiceRequest:
    return ChoiceRequest("emotion", (("user", "how do you feel?"),), ("calm", "angry"), seed=seed)


def _result(index: int | None, error: str | None = None) -> ChoiceResult:
    return ChoiceResult(index, (0.25, 0.75) if index is not None else (), CallStats("emotion", "scripted", "m"),
                        error=error)


def _record(store: RunStore, seed: int, index: int | None, error: str | None = None) -> str:
    key = request_key(_request(seed), "m")
    store.record_call(key, request_payload(_request(seed)), _result(index, error))
    return key


def test_a_key_never_recorded_is_answered_without_any_query(tmp_path):
    with RunStore.create(tmp_path / "run") as store:
        _record(store, 1, 0)
        statements: list[str] = []
        store._conn.set_trace_callback(statements.append)
        assert store.get_reply(request_key(_request(2), "m")) is None
        assert store.get_failure(request_key(_request(2), "m")) is None
        assert statements == []  # not even the flush of the buffered row


def test_recorded_replies_and_failures_are_found_again_after_reopening(tmp_path):
    with RunStore.create(tmp_path / "run") as store:
        replied, failed = _record(store, 1, 1), _record(store, 2, None, error="BackendTimeout: slow")
        assert store.get_reply(replied) == {"index": 1, "probs": [0.25, 0.75], "method": ""}
        assert store.get_failure(failed) == "BackendTimeout: slow"
    again = RunStore.open(tmp_path / "run")
    assert again.get_reply(replied) == {"index": 1, "probs": [0.25, 0.75], "method": ""}
    assert again.get_failure(failed) == "BackendTimeout: slow"
    assert again.get_reply(failed) is None and again.get_failure(replied) is None
    again.close()


def test_a_rolled_back_reply_is_not_served(tmp_path):
    """The index still holds the key of a rolled-back call; the query it then makes finds nothing."""
    with RunStore.create(tmp_path / "run") as store:
        key = _record(store, 1, 0)
        store.rollback()
        assert store.get_reply(key) is None
