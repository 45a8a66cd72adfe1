"""Property-based fuzzing of the input-file readers: any bytes or lines a user hands hubbub as
personas, posts, topics or a follow graph are either read or refused with a DataError (ConfigError
for a reader setting) that names the file, never another exception.

Inputs come in three kinds: raw bytes, plausible records with random field values, and valid files
with random byte-level damage. The default suite tries a few dozen of each; ``pytest -m slow``
tries thousands.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubbub.agents.persona import load_personas, load_user_posts
from hubbub.errors import ConfigError, DataError
from hubbub.platform.graph_build import load_edge_list
from hubbub.platform.topic import load_topics

QUICK = settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
SOAK = settings(max_examples=2000, deadline=None, database=None, suppress_health_check=list(HealthCheck))

PERSONA_KEYS = ["id", "agent_id", "user_id", "description", "group", "age", "gender", "occupation", "emotion",
                "confidence", "extra"]
POST_KEYS = ["user_id", "id", "text", "content", "time"]
TOPIC_KEYS = ["topic_id", "id", "title", "summary", "content", "sentiment", "category", "lang", "source", "x"]

cells = st.one_of(
    st.text(max_size=30), st.integers(-10, 10**30).map(str), st.floats(allow_nan=True).map(str),
    st.sampled_from(["", " ", "0.5", "1.5", "nan", "female", "m", "女", "sports", "neutral", "positive", "en",
                     "zh", "2024-05-20 20:15:00", "1716236100", "u1", "u1", "t1", "t1", '"', "a,b", "line\nbreak",
                     "\x00", "\ufeff", "🙂"]),
)
json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), cells),
                           lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                   st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                           max_leaves=8)


def records(keys: list[str]) -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.lists(st.dictionaries(st.sampled_from(keys + ["zz"]), json_values, max_size=len(keys)), max_size=6)


def as_jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")


def as_csv(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def csv_files(keys: list[str]) -> st.SearchStrategy[bytes]:
    header = st.lists(st.sampled_from(keys + ["zz", ""]), min_size=1, max_size=len(keys), unique=True)
    return header.flatmap(lambda h: st.lists(st.lists(cells, min_size=0, max_size=len(h) + 1), max_size=5)
                          .map(lambda rows: as_csv(h, rows)))


def damaged(files: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    """A file with a few bytes flipped, dropped or inserted, or cut short."""
    def damage(data: bytes, edits: list[tuple[int, int, int]], cut: int | None) -> bytes:
        out = bytearray(data)
        for kind, where, byte in edits:
            if not out:
                break
            at = where % len(out)
            if kind == 0:
                out[at] = byte
            elif kind == 1:
                del out[at]
            else:
                out.insert(at, byte)
        return bytes(out[:cut] if cut is not None else out)
    edits = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 10**6), st.integers(0, 255)), max_size=4)
    return st.builds(damage, files, edits, st.one_of(st.none(), st.integers(0, 400)))


def file_inputs(keys: list[str]) -> st.SearchStrategy[tuple[str, bytes]]:
    jsonl = st.one_of(records(keys).map(as_jsonl), damaged(records(keys).map(as_jsonl)), st.binary(max_size=300))
    csvs = st.one_of(csv_files(keys), damaged(csv_files(keys)), st.binary(max_size=300))
    return st.one_of(st.tuples(st.just(".jsonl"), jsonl), st.tuples(st.just(".csv"), csvs))


def topic_inputs() -> st.SearchStrategy[tuple[str, bytes]]:
    as_json = records(TOPIC_KEYS).map(lambda rows: json.dumps(rows).encode("utf-8"))
    as_toml = records(TOPIC_KEYS).map(lambda rows: "".join(
        "[[topics]]\n" + "".join(f"{k} = {json.dumps(str(v))}\n" for k, v in row.items()) for row in rows
    ).encode("utf-8"))
    return st.one_of(file_inputs(TOPIC_KEYS), st.tuples(st.just(".json"), st.one_of(as_json, damaged(as_json))),
                     st.tuples(st.just(".toml"), st.one_of(as_toml, damaged(as_toml))),
                     st.tuples(st.sampled_from([".json", ".toml", ".yaml", ""]), st.binary(max_size=200)))


def edge_inputs() -> st.SearchStrategy[tuple[str, bytes]]:
    node = st.one_of(st.integers(-3, 30).map(str), st.sampled_from(["a", "b", "alice", "", "#x", "1.5", "9" * 30]))
    line = st.one_of(
        st.tuples(node, st.sampled_from([" ", "\t", ",", "  ", ";"]), node).map("".join),
        st.lists(node, max_size=4).map(" ".join),
        st.sampled_from(["# comment", "", "source target", "follower,followee", "\x00\x01"]),
    )
    text = st.lists(line, max_size=12).map(lambda lines: "\n".join(lines).encode("utf-8"))
    return st.one_of(
        st.tuples(st.sampled_from([".txt", ".csv", ".tsv"]), st.one_of(text, damaged(text), st.binary(max_size=200))),
        st.tuples(st.just(".txt.gz"), st.one_of(text.map(gzip.compress), damaged(text.map(gzip.compress)))),
    )


Reader = Callable[[Path], Any]
READERS: dict[str, tuple[Reader, st.SearchStrategy[tuple[str, bytes]]]] = {
    "personas": (lambda p: load_personas(p, "en"), file_inputs(PERSONA_KEYS)),
    "posts": (load_user_posts, file_inputs(POST_KEYS)),
    "topics": (load_topics, topic_inputs()),
    "edges": (lambda p: load_edge_list(p, directed=True), edge_inputs()),
}


def reads_or_refuses(reader: Reader, folder: Path) -> Callable[[tuple[str, bytes]], None]:
    def check(item: tuple[str, bytes]) -> None:
        suffix, data = item
        path = folder / f"input{suffix}"
        path.write_bytes(data)
        try:
            reader(path)
        except (DataError, ConfigError) as exc:
            assert str(path) in str(exc), f"the message does not name the file: {exc}"
    return check


@pytest.mark.parametrize("name", sorted(READERS))
def test_reader_reads_or_refuses_with_a_data_error(name, tmp_path_factory):
    reader, inputs = READERS[name]
    QUICK(given(inputs)(reads_or_refuses(reader, tmp_path_factory.mktemp(name))))()


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("name", sorted(READERS))
def test_reader_reads_or_refuses_with_a_data_error_soak(name, tmp_path_factory):
    reader, inputs = READERS[name]
    SOAK(given(inputs)(reads_or_refuses(reader, tmp_path_factory.mktemp(name))))()
