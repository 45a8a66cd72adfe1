"""Reading runs as DataFrames and exporting them to Parquet and CSV."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pyarrow.parquet as pq
import pytest

from hubbub.errors import DataError
from hubbub.llm.base import CallStats, GenerateResult
from hubbub.store import RunStore, build_manifest, export_run, load_run, load_runs, write_manifest
from hubbub.store.frames import RENAMED
from hubbub.store.schema import DATA_TABLES


def _make_run(run_dir, seed=1):
    with RunStore.create(run_dir) as store:
        store.append_event(0, 0.0, "post", "u1", {"topic": "t1", "text": "第一, \"quoted\"\nline"})
        store.append_event(1, 1.5, "comment", "u2", {"comment_id": 1})
        store.insert("agents", {"agent_id": "u1", "role": "user", "grp": "a", "profile": {"age": 30}})
        store.insert("agents", {"agent_id": "u2", "role": "attacker", "grp": "b", "profile": {}})
        store.insert("topics", {"topic_id": "t1", "title": "News", "summary": "s", "content": "c",
                                "sentiment": "neg", "lang": "zh", "data": {"hot": 3}})
        store.insert("comments", {"comment_id": 1, "topic_id": "t1", "author": "u2", "text": "lies, all lies",
                                  "created_at": 1.5, "visible_at": 2.0, "is_attack": True, "seq": 1})
        store.insert("likes", {"like_id": 1, "target_type": "comment", "target_id": "1", "agent": "u1",
                               "time": 3.0, "visible_at": 3.0, "seq": 1})
        store.insert("agent_states", {"agent": "u1", "time": 1.0, "seq": 0, "emotion": 0.2, "confidence": 0.9,
                                      "opinion": "support", "summary": "fine", "extra": {"k": [1]}})
        store.insert("moderation", {"comment_type": "comment", "comment_id": 1, "time": 2.5, "flagged": 1, "seq": 1})
        store.record_call("key1", {"type": "generate"}, GenerateResult("hi", CallStats("post", "scripted", "m", method="text")))
        store.record_call("key2", {"type": "generate"}, GenerateResult(None, CallStats("post", "scripted", "m", outcome="error:X", method="text"), "X: y"))
        store.set_meta("status", "finished")
        store.commit()
    write_manifest(run_dir, build_manifest({"scenario": "s3"}, seed, {"backend": "scripted"}, []))
    return run_dir


def test_load_run_gives_typed_frames_with_parsed_json(tmp_path):
    run = load_run(_make_run(tmp_path / "r"))
    assert run.path == tmp_path / "r"
    assert list(run.events["seq"]) == [0, 1]
    assert run.events["data"][0] == {"topic": "t1", "text": "第一, \"quoted\"\nline"}
    assert run.agents["profile"].tolist() == [{"age": 30}, {}]
    assert run.topics["data"][0] == {"hot": 3}
    assert run.comments["is_attack"].dtype == "boolean" and bool(run.comments["is_attack"][0])
    assert not run.comments["hidden"][0]
    assert run.agent_states["extra"][0] == {"k": [1]}
    assert run.moderation["flagged"].tolist() == [True]
    assert run.llm_calls["reply"].tolist() == [{"text": "hi", "method": "text"}, None]
    assert run.llm_calls["prompt_tokens"].isna().all() and run.llm_calls["prompt_tokens"].dtype == "Int64"
    assert run.manifest["seed"] == 1
    assert run.meta == {"status": "finished"}
    assert run.reposts.empty and list(run.reposts.columns) == ["repost_id", "topic_id", "agent_id", "time", "t_h",
                                                               "visible_at", "seq"]
    assert run.reposts["repost_id"].dtype == "Int64" and run.reposts["time"].dtype == "float64"


def test_load_runs_names_runs_uniquely(tmp_path):
    a = _make_run(tmp_path / "exp1" / "seed1")
    b = _make_run(tmp_path / "exp2" / "seed1", seed=2)
    c = _make_run(tmp_path / "exp2" / "seed2", seed=3)
    runs = load_runs([a, b, c])
    assert list(runs) == ["exp1/seed1", "exp2/seed1", "exp2/seed2"]
    assert runs["exp2/seed1"].manifest["seed"] == 2
    assert list(load_runs([c])) == ["seed2"]


def test_load_run_errors(tmp_path):
    with pytest.raises(DataError, match="run.sqlite is missing"):
        load_run(tmp_path)
    run = load_run(_make_run(tmp_path / "r"))
    with pytest.raises(DataError, match="unknown run table"):
        run.table("sqlite_master")


def _sql_rows(run_dir, table):
    """The stored rows, agent columns named as the export names them."""
    conn = sqlite3.connect(run_dir / "run.sqlite")
    conn.row_factory = sqlite3.Row
    names = RENAMED.get(table, {})
    rows = [{names.get(k, k): v for k, v in dict(r).items()} for r in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]
    conn.close()
    return rows


def test_parquet_export_re_reads_equal(tmp_path):
    run_dir = _make_run(tmp_path / "r")
    paths = export_run(run_dir, tmp_path / "out")
    own = [t for t in DATA_TABLES if not t.startswith("s3_")]  # a TrendSim run: the empty S3 tables are left out
    assert [p.name for p in paths] == [f"{t}.parquet" for t in own] + ["meta.parquet"]
    for path in paths:
        table = path.stem
        assert pq.read_table(path).to_pylist() == _sql_rows(run_dir, table), table
    assert pq.read_table(tmp_path / "out" / "reposts.parquet").schema.field("time").type == "double"


def test_csv_export_re_reads_equal(tmp_path):
    run_dir = _make_run(tmp_path / "r")
    paths = export_run(run_dir, tmp_path / "csv", fmt="csv", tables=["events", "comments", "llm_calls", "reposts"])
    assert [p.name for p in paths] == ["events.csv", "comments.csv", "llm_calls.csv", "reposts.csv"]
    conn = sqlite3.connect(run_dir / "run.sqlite")
    for path in paths:
        expected = pd.read_sql_query(f"SELECT * FROM {path.stem} ORDER BY rowid", conn).rename(
            columns=RENAMED.get(path.stem, {}))
        got = pd.read_csv(path)
        if expected.empty:
            assert got.empty and list(got.columns) == list(expected.columns)
            continue
        pd.testing.assert_frame_equal(_nulls_as_none(got), _nulls_as_none(expected))
    conn.close()


def _nulls_as_none(frame):
    """CSV cannot tell an all-NULL text column from a float one (nor '' from NULL); compare values."""
    return frame.astype(object).where(frame.notna(), None)


@pytest.mark.parametrize(("kwargs", "message"), [({"fmt": "xlsx"}, "format 'xlsx'"), ({"tables": ["events", "bogus"]}, "bogus")])
def test_export_refuses_unknown_formats_and_tables(tmp_path, kwargs, message):
    run_dir = _make_run(tmp_path / "r")
    with pytest.raises(DataError, match=message):
        export_run(run_dir, tmp_path / "out", **kwargs)
