"""Export a run's tables to Parquet or CSV, for tools that do not read SQLite.

One file per table, named ``<table>.parquet`` or ``<table>.csv``. Values are written as stored:
JSON columns stay JSON text, flags stay 0/1, so an export re-reads into exactly the recorded rows; the
agent columns carry the names :func:`hubbub.store.load_run` gives them (``agent_id`` everywhere, see
:data:`hubbub.store.frames.RENAMED`). By default the tables of other kinds of world are left out when
they are empty (an S3 run has no comments table in its export, a TrendSim run no ``s3_*`` tables).
Column types come from the schema (INTEGER → int64, REAL → float64, TEXT → string), so an empty table
still exports with its columns. Tables are streamed in chunks, so large runs fit in memory.
CSV cannot tell an empty string from NULL (both are an empty field); use Parquet for exact copies.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Iterable, Iterator

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from hubbub.errors import DataError
from hubbub.store import schema
from hubbub.store.api import open_readonly
from hubbub.store.frames import RENAMED
from hubbub.store.manifest import read_manifest

FORMATS = ("parquet", "csv")
EXPORTABLE = schema.DATA_TABLES + ("meta",)
_CHUNK = 50_000
_ARROW_TYPES = {"INTEGER": pa.int64(), "REAL": pa.float64(), "TEXT": pa.string()}
_HUB = ("trendsim", "combined")
_GRAPH = ("s3", "combined")
WORLD_TABLES: dict[str, tuple[str, ...]] = {
    "topics": (*_HUB, "platform"), "agent_states": (*_HUB, "platform"),
    "comments": _HUB, "replies": _HUB, "likes": _HUB, "reposts": _HUB, "moderation": _HUB,
    "s3_posts": _GRAPH, "s3_awareness": _GRAPH, "s3_steps": _GRAPH, "s3_user_states": _GRAPH,
}
"""Tables only some kinds of world write; every other table belongs to every kind."""


def export_run(
    run_dir: Path | str, out_dir: Path | str, fmt: str = "parquet", tables: Iterable[str] | None = None
) -> list[Path]:
    """Write the chosen tables (default: all content tables, less the empty ones of other kinds of
    world) of the run in ``run_dir`` to ``out_dir``; returns the written paths in table order."""
    names = _check_request(fmt, tables)
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"{out_dir}: cannot create the export directory ({exc.strerror or exc})") from exc
    conn = open_readonly(run_dir)
    try:
        if tables is None:
            names = [n for n in names if not _foreign_and_empty(conn, n, _kind(run_dir))]
        return [_export_table(conn, name, out_dir / f"{name}.{fmt}", fmt) for name in names]
    finally:
        conn.close()


def _check_request(fmt: str, tables: Iterable[str] | None) -> list[str]:
    if fmt not in FORMATS:
        raise DataError(f"export format {fmt!r} is not supported; choose one of {list(FORMATS)}")
    names = list(EXPORTABLE if tables is None else tables)
    unknown = [t for t in names if t not in EXPORTABLE]
    if unknown:
        raise DataError(f"cannot export unknown table(s) {unknown}; the tables are {list(EXPORTABLE)}")
    return names


def _kind(run_dir: Path | str) -> str | None:
    """The run's scenario kind from its manifest (None when it has no readable manifest)."""
    try:
        return str((read_manifest(run_dir).get("config") or {}).get("kind", "trendsim"))
    except DataError:
        return None


def _foreign_and_empty(conn: sqlite3.Connection, table: str, kind: str | None) -> bool:
    """An empty table that runs of ``kind`` never write (kept when the kind is unknown)."""
    worlds = WORLD_TABLES.get(table)
    if kind is None or worlds is None or kind in worlds:
        return False
    return conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is None


def arrow_schema(conn: sqlite3.Connection, table: str) -> pa.Schema:
    """The Arrow schema of ``table`` from its declared SQLite column types, agent columns named as
    :func:`hubbub.store.load_run` names them."""
    names = RENAMED.get(table, {})
    return pa.schema([(names.get(name, name), _ARROW_TYPES.get(decl.upper(), pa.string()))
                      for name, decl in schema.table_columns(conn, table)])


def _batches(conn: sqlite3.Connection, table: str, arrow: pa.Schema) -> Iterator[pa.RecordBatch]:
    cursor = conn.execute(f"SELECT * FROM {table} ORDER BY rowid")
    while rows := cursor.fetchmany(_CHUNK):
        columns = list(zip(*rows))
        yield pa.record_batch([pa.array(col, type=f.type) for col, f in zip(columns, arrow)], schema=arrow)


def _export_table(conn: sqlite3.Connection, table: str, path: Path, fmt: str) -> Path:
    arrow = arrow_schema(conn, table)
    if not len(arrow):
        raise DataError(f"the run record has no table {table!r} (written by an older hubbub?)")
    try:
        writer_type = pq.ParquetWriter if fmt == "parquet" else pa_csv.CSVWriter
        with writer_type(str(path), arrow) as writer:
            for batch in _batches(conn, table, arrow):
                writer.write_batch(batch)
    except (OSError, pa.ArrowException) as exc:
        raise DataError(f"{path}: cannot write the {fmt} export of {table} ({exc})") from exc
    return path
