"""RunStore round trips, validation, batching and the ReplyStore protocol."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hubbub.errors import SchedulingError
from hubbub.llm.base import (
    CallStats,
    ChoiceRequest,
    ChoiceResult,
    GenerateResult,
    request_json,
    request_key,
    request_payload,
)
from hubbub.llm.cache import CachedBackend, reply_of
from hubbub.llm.scripted import ScriptedBackend
from hubbub.store import RunStore


@pytest.fixture
def store(tmp_path):
    with RunStore.create(tmp_path / "run") as s:
        yield s


def test_events_round_trip_in_order_with_canonical_json(store, tmp_path):
    store.append_event(0, 0.0, "start", None, {"b": 1, "a": "你好"})
    store.append_event(1, 2.5, "comment", "u1", {"score": np.float32(0.5), "n": np.int64(3), "v": np.arange(2)})
    store.commit()
    store.close()
    again = RunStore.open(tmp_path / "run")
    assert again.last_seq() == 1
    assert again.event(0) == (0.0, "start", None, {"a": "你好", "b": 1})
    assert list(again.iter_events()) == [
        (0, 0.0, "start", None, {"a": "你好", "b": 1}),
        (1, 2.5, "comment", "u1", {"n": 3, "score": 0.5, "v": [0, 1]}),
    ]
    raw = again._conn.execute("SELECT data FROM events WHERE seq = 0").fetchone()[0]
    assert raw == '{"a":"你好","b":1}'
    assert again.event(7) is None
    again.close()


def test_iter_events_pages_through_long_logs_from_a_start(store):
    for seq in range(25_000):
        store.append_event(seq, float(seq), "tick", None, {})
    store.commit()
    seqs = [e[0] for e in store.iter_events(start=12_345)]
    assert seqs == list(range(12_345, 25_000))


def test_seq_must_continue_the_log(store):
    assert store.last_seq() == -1
    with pytest.raises(SchedulingError, match="next seq must be 0"):
        store.append_event(1, 0.0, "x", None, {})
    store.append_event(0, 0.0, "x", None, {})
    with pytest.raises(SchedulingError, match="next seq must be 1"):
        store.append_event(0, 0.0, "x", None, {})
    with pytest.raises(ValueError, match="finite"):
        store.append_event(1, float("nan"), "x", None, {})


def test_rollback_drops_the_batch_and_restores_last_seq(store):
    store.append_event(0, 0.0, "a", None, {})
    store.commit()
    store.append_event(1, 1.0, "b", None, {})
    store.insert("agents", {"agent_id": "u1"})
    store.flush()
    store.rollback()
    assert store.last_seq() == 0
    assert store.event(1) is None
    store.append_event(1, 1.0, "c", None, {})
    store.commit()
    assert store.event(1)[1] == "c"
    assert store._conn.execute("SELECT COUNT(*) FROM agents").fetchone()[0] == 0


def test_insert_and_update_content_rows(store):
    store.insert("agents", {"agent_id": "u1", "role": "user", "grp": "g", "profile": {"age": 30}})
    store.insert("comments", {"comment_id": 1, "topic_id": "t", "author": "u1", "text": "hi",
                              "created_at": 1.0, "visible_at": 2.0, "is_attack": True, "seq": 0})
    assert store.update("comments", "comment_id", 1, {"hidden": True, "hidden_reason": "spam"}) == 1
    assert store.update("comments", "comment_id", 99, {"hidden": True}) == 0
    store.commit()
    row = store._conn.execute("SELECT is_attack, hidden, hidden_reason FROM comments").fetchone()
    assert row == (1, 1, "spam")
    assert store._conn.execute("SELECT profile FROM agents").fetchone()[0] == '{"age":30}'


@pytest.mark.parametrize(
    ("table", "row", "message"),
    [
        ("nope", {"a": 1}, "unknown table"),
        ("events", {"seq": 1}, "append_event"),
        ("meta", {"key": "k"}, "set_meta"),
        ("comments", {"comment_id": 1, "colour": "red"}, "colour"),
        ("comments", {}, "no columns given"),
    ],
)
def test_insert_refuses_unknown_tables_and_columns(store, table, row, message):
    with pytest.raises(ValueError, match=message):
        store.insert(table, row)


def test_update_refuses_unknown_columns(store):
    with pytest.raises(ValueError, match="colour"):
        store.update("comments", "comment_id", 1, {"colour": "red"})
    with pytest.raises(ValueError, match="unknown table"):
        store.update("events", "seq", 1, {"kind": "x"})


def test_meta_round_trip(store, tmp_path):
    store.set_meta("scenario", {"name": "s3", "steps": 3})
    store.set_meta("scenario", {"name": "trendsim"})
    store.commit()
    store.close()
    with RunStore.open(tmp_path / "run") as again:
        assert again.get_meta("scenario") == {"name": "trendsim"}
        assert again.get_meta("missing", "dflt") == "dflt"


def test_uncommitted_writes_are_readable_in_the_same_store(store):
    store.append_event(0, 0.0, "a", None, {"k": 1})
    assert store.event(0) == (0.0, "a", None, {"k": 1})


def _choice(index, error=None, method="logprobs"):
    stats = CallStats("emotion", "scripted", "m", prompt_tokens=10, outcome="ok" if error is None else "error:X",
                      method=method)
    return ChoiceResult(index, (0.25, 0.75) if index is not None else (), stats, error=error)


def test_get_reply_returns_latest_successful_reply_only(store):
    request = ChoiceRequest("emotion", (("user", "how do you feel?"),), ("calm", "angry"), seed=3)
    key = request_key(request, "m")
    assert store.get_reply(key) is None
    store.record_call(key, request_payload(request), _choice(None, error="BackendTimeout: slow"))
    assert store.get_reply(key) is None
    first = _choice(1)
    store.record_call(key, request_payload(request), first)
    store.record_call(key, request_payload(request), _choice(0, method="grammar"))
    store.record_call(key, request_payload(request), _choice(None, error="InvalidOutput: empty"))
    assert store.get_reply(key) == {"index": 0, "probs": [0.25, 0.75], "method": "grammar"}
    assert store.get_reply("other") is None
    store.commit()
    rows = store._conn.execute("SELECT type, kind, prompt_tokens, outcome, error, reply IS NULL FROM llm_calls").fetchall()
    assert rows[0] == ("choose", "emotion", 10, "error:X", "BackendTimeout: slow", 1)
    assert len(rows) == 4


def test_recorded_replies_match_the_cache_format(store):
    gen = GenerateResult("hello", CallStats("post", "b", "m", method="text"))
    store.record_call("g", {"type": "generate"}, gen)
    assert store.get_reply("g") == reply_of(gen)
    choice = _choice(1)
    store.record_call("c", {"type": "choose"}, choice)
    assert store.get_reply("c") == reply_of(choice)


def test_store_replays_a_run_through_the_cached_backend(store):
    """A run's llm_calls table serves a replay backend with no model behind it."""
    requests = [ChoiceRequest("act", (("user", f"q{i}"),), ("a", "b", "c"), seed=i) for i in range(5)]
    live = CachedBackend(ScriptedBackend(), on_call=lambda k, req, res: store.record_call(k, request_payload(req), res))
    answers = live.choose(requests)
    store.commit()
    replay = CachedBackend(None, store=store, model=live.model)
    again = replay.choose(requests)
    assert [a.index for a in again] == [a.index for a in answers]
    assert replay.hits == 5


def test_a_request_recorded_as_encoded_json_is_stored_as_its_payload_would_be(store):
    request = ChoiceRequest("emotion", (("user", "how do you feel? «ü»"),), ("calm", "angry"), seed=3, lang="zh")
    store.record_call("as-dict", request_payload(request), _choice(1))
    store.record_call("as-json", request_json(request), _choice(1))
    store.commit()
    rows = dict(store._conn.execute("SELECT key, request FROM llm_calls").fetchall())
    assert rows["as-dict"] == rows["as-json"] == request_json(request)
    assert json.loads(rows["as-json"])["options"] == ["calm", "angry"]
