"""The run record: one SQLite file per run, written in batches, readable after any crash.

Writes are buffered in memory and sent with ``executemany`` inside one open transaction; ``commit()``
ends the batch. The file is in WAL mode with ``synchronous=NORMAL``: a process killed at any point
(even SIGKILL inside a transaction) leaves a file holding exactly the committed batches, which is what
resume needs. (A power cut may lose the last batches, never corrupt the file.)

:class:`RunStore` is also the persistent :class:`~hubbub.llm.cache.ReplyStore` (``get_reply``), so a
run's own ``llm_calls`` table serves exact re-runs. It duck-types LLM results instead of importing
:mod:`hubbub.llm`, keeping ``store`` below ``llm`` in the dependency order.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

from hubbub.errors import DataError, SchedulingError
from hubbub.store import schema
from hubbub.store.calls import CALL_COLUMNS, KeyIndex, call_rows

DB_NAME = "run.sqlite"

_APPEND_EVENT = "INSERT INTO events (seq, time, kind, agent, data) VALUES (?, ?, ?, ?, ?)"
_RESERVED = {
    "events": "use append_event()",
    "meta": "use set_meta()",
    "schema_migrations": "it is managed by the migrations",
}


def _json_default(value: Any) -> Any:
    """Accept numpy scalars and arrays, which simulations produce everywhere."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot store a {type(value).__name__} as JSON: {value!r}")


# One reusable encoder: json.dumps with options builds a new one per call, which dominates appends.
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_json_default
)


def canonical_json(value: Any) -> str:
    """Sorted keys, compact separators, UTF-8 text: equal values give byte-equal records."""
    return _ENCODER.encode(value)


_PLAIN_CELLS = frozenset({str, int, float, bool, bytes, type(None)})  # stored as they are (exact type)


def _cell(value: Any) -> Any:
    """A Python value as an SQLite cell: containers become canonical JSON, numpy scalars plain."""
    if type(value) in _PLAIN_CELLS:
        return value
    if isinstance(value, (dict, list, tuple)):
        return canonical_json(value)
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value


def db_path(run_dir: Path | str) -> Path:
    return Path(run_dir) / DB_NAME


def fold_wal(run_dir: Path | str) -> bool:
    """Fold the write-ahead log into ``run.sqlite`` and leave the finished run as one file (no ``-wal`` or
    ``-shm`` beside it). False when that cannot be done now (another process holds the record open, or the
    folder is read-only); the record is then as complete, only in two files. A resume switches WAL back on."""
    path = db_path(run_dir)
    if not path.is_file() or not os.access(path.parent, os.W_OK):
        return False
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return str(conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]).lower() == "delete"
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA cache_size=-65536")  # 64 MiB: big batches update the indexes in memory
    conn.execute("PRAGMA wal_autocheckpoint=10000")  # fold the WAL in every ~40 MB: fewer, larger checkpoints


class RunStore:
    """Writer and reader of one run's ``run.sqlite``. Use :meth:`create` or :meth:`open`.

    Safe to call from several threads (one lock guards the connection)."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        self._lock = threading.RLock()
        self._pending: dict[str, list[tuple[Any, ...]]] = {}
        self._columns: dict[str, frozenset[str]] = {
            t: frozenset(c for c, _ in schema.table_columns(conn, t)) for t in schema.DATA_TABLES
        }
        self._sql: dict[tuple[str, tuple[str, ...]], str] = {}
        self._committed_seq = self._max_seq()
        self._last_seq = self._committed_seq
        self._keys = KeyIndex(conn)  # so a cache miss costs no query (and no flush of the write buffer)

    # --- opening ---------------------------------------------------------------------------------

    @classmethod
    def create(cls, run_dir: Path | str) -> "RunStore":
        """Start a new run record in ``run_dir`` (created if needed); refuses to overwrite one."""
        run_dir = Path(run_dir)
        _make_writable_dir(run_dir)
        path = db_path(run_dir)
        if path.exists():
            raise DataError(f"{path}: a run record already exists here; use RunStore.open() to resume it")
        try:
            return cls._connect(path)
        except DataError:
            for suffix in ("", "-wal", "-shm", "-journal"):  # nothing was there before: leave nothing behind
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            raise

    @classmethod
    def open(cls, run_dir: Path | str) -> "RunStore":
        """Open an existing run record for resuming; migrates an older file forward."""
        path = db_path(run_dir)
        if not path.is_file():
            raise DataError(f"{path}: no run record here (run.sqlite is missing)")
        if not os.access(path.parent, os.W_OK) or not os.access(path, os.W_OK):
            raise DataError(f"{path}: the run record is not writable; read it with hubbub.store.load_run()")
        with _translated(path, "open"):
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            if schema.current_version(conn) == 0:
                conn.close()
                raise DataError(f"{path}: not a hubbub run record (no schema_migrations table)")
        return cls._connect(path, conn)

    @classmethod
    def _connect(cls, path: Path, conn: sqlite3.Connection | None = None) -> "RunStore":
        with _translated(path, "open"):
            if conn is None:
                conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            _configure(conn)
            schema.migrate(conn, path)
            return cls(path, conn)

    # --- writing ---------------------------------------------------------------------------------

    def append_event(self, seq: int, time: float, kind: str, agent: str | None, data: dict[str, Any]) -> None:
        """Add one event to the log. ``seq`` must be the next commit-order number (last_seq() + 1)."""
        with self._lock:
            if seq != self._last_seq + 1:
                raise SchedulingError(
                    f"{self.path}: event seq {seq} breaks the log order; the next seq must be {self._last_seq + 1}"
                )
            if not math.isfinite(time):
                raise ValueError(f"event {seq} ({kind}): time must be a finite number, got {time!r}")
            self._pending.setdefault(_APPEND_EVENT, []).append((seq, time, kind, agent, canonical_json(data)))
            self._last_seq = seq

    def insert(self, table: str, row: dict[str, Any]) -> None:
        """Add one row to a content table; dict/list values are stored as canonical JSON."""
        with self._lock:
            sql = self._insert_sql(table, tuple(row))
            self._pending.setdefault(sql, []).append(tuple(map(_cell, row.values())))

    def insert_many(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> int:
        """Add rows of plain cells in ``columns`` order (a generator: nothing buffered) after the buffered ones."""
        with self._lock:
            self.flush()
            with self._write_guard(table):
                return self._conn.executemany(self._insert_sql(table, tuple(columns)), rows).rowcount

    def update(self, table: str, key_column: str, key: Any, changes: dict[str, Any]) -> int:
        """Change columns of the rows whose ``key_column`` equals ``key``; returns how many changed."""
        with self._lock:
            self._check_columns(table, (key_column, *changes))
            if not changes:
                raise ValueError(f"update of {table}: no columns to change")
            assignments = ", ".join(f"{c} = ?" for c in changes)
            sql = f"UPDATE {table} SET {assignments} WHERE {key_column} = ?"
            self.flush()
            with self._write_guard(table):
                cursor = self._conn.execute(sql, (*(_cell(v) for v in changes.values()), _cell(key)))
            return cursor.rowcount

    def record_call(self, key: str, request: dict[str, Any] | str, result: Any) -> None:
        """Record one LLM answer (a ChoiceResult or GenerateResult): telemetry always, the reply only
        when it succeeded, so failed calls are never replayed. ``request``: the payload or its canonical JSON."""
        rows = call_rows(key, request if isinstance(request, str) else canonical_json(request), result, canonical_json)
        with self._lock:
            self._pending.setdefault(self._insert_sql("llm_calls", CALL_COLUMNS), []).extend(rows)
            self._keys.note(key, rows)

    def set_meta(self, key: str, value: Any) -> None:
        """Store a run-level fact (any JSON value) under ``key``, replacing an earlier one."""
        with self._lock:
            self.flush()
            with self._write_guard("meta"):
                self._conn.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, canonical_json(value)),
                )

    def flush(self) -> None:
        """Send buffered rows to SQLite inside the open transaction, without committing."""
        with self._lock:
            pending, self._pending = self._pending, {}
            for sql, rows in pending.items():
                with self._write_guard(sql.split()[2]):
                    self._conn.executemany(sql, rows)

    def commit(self) -> None:
        """End the current batch: everything written since the last commit becomes durable at once."""
        with self._lock:
            self.flush()
            if self._conn.in_transaction:
                with self._write_guard("commit"):
                    self._conn.execute("COMMIT")
            self._committed_seq = self._last_seq

    def rollback(self) -> None:
        """Drop everything written since the last commit."""
        with self._lock:
            self._pending = {}
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            self._last_seq = self._committed_seq

    # --- reading ---------------------------------------------------------------------------------

    def get_reply(self, key: str) -> dict[str, Any] | None:
        """The latest successful reply recorded for request ``key`` (the ReplyStore protocol)."""
        if not self._keys.may_have_reply(key):
            return None
        row = self._query_one(
            "SELECT reply FROM llm_calls WHERE key = ? AND reply IS NOT NULL ORDER BY call_id DESC LIMIT 1", (key,)
        )
        return None if row is None else json.loads(row[0])

    def get_failure(self, key: str) -> str | None:
        """The error of the latest recorded call for ``key`` when that call failed (the FailureStore
        protocol: a resumed run replays the failures its committed events were built on)."""
        if not self._keys.may_have_failure(key):
            return None
        row = self._query_one("SELECT error, reply FROM llm_calls WHERE key = ? ORDER BY call_id DESC LIMIT 1", (key,))
        return row[0] if row is not None and row[1] is None and row[0] else None

    def last_seq(self) -> int:
        """The seq of the last appended event, committed or not; -1 for an empty log."""
        return self._last_seq

    def event(self, seq: int) -> tuple[float, str, str | None, dict[str, Any]] | None:
        """``(time, kind, agent, data)`` of event ``seq``, or None if there is none."""
        row = self._query_one("SELECT time, kind, agent, data FROM events WHERE seq = ?", (seq,))
        return None if row is None else (row[0], row[1], row[2], json.loads(row[3]))

    def iter_events(self, start: int = 0) -> Iterator[tuple[int, float, str, str | None, dict[str, Any]]]:
        """``(seq, time, kind, agent, data)`` of every event from ``start`` on, in seq order."""
        while True:
            with self._lock:
                self.flush()
                rows = self._conn.execute(
                    "SELECT seq, time, kind, agent, data FROM events WHERE seq >= ? ORDER BY seq LIMIT 10000", (start,)
                ).fetchall()
            for seq, time, kind, agent, data in rows:
                yield seq, time, kind, agent, json.loads(data)
            if len(rows) < 10000:
                return
            start = rows[-1][0] + 1

    def call_counts(self) -> tuple[int, int]:
        """``(LLM calls recorded, of which failed)`` over the whole run (a choice's ``miss`` row is no call)."""
        row = self._query_one("SELECT COALESCE(SUM(COALESCE(outcome, '') != 'miss'), 0), "
                              "COALESCE(SUM(error IS NOT NULL), 0) FROM llm_calls", ())
        return (0, 0) if row is None else (int(row[0]), int(row[1]))

    def choice_history(self) -> list[tuple[str, str, str]]:
        """``(kind, method, outcome)`` of every recorded choice a model answered, in recording order."""
        return self._query_one("SELECT kind, COALESCE(method, ''), COALESCE(outcome, '') FROM llm_calls WHERE "
                               "type = 'choose' AND reply IS NOT NULL ORDER BY call_id", (), many=True)

    def get_meta(self, key: str, default: Any = None) -> Any:
        """The value stored with :meth:`set_meta`, or ``default``."""
        row = self._query_one("SELECT value FROM meta WHERE key = ?", (key,))
        return default if row is None else json.loads(row[0])

    def close(self) -> None:
        """Commit the open batch and close the file (a clean close also folds the WAL back in)."""
        with self._lock:
            if self._conn is None:
                return
            try:
                self.commit()
            finally:
                self._conn.close()
                self._conn = None  # type: ignore[assignment]

    def __enter__(self) -> "RunStore":
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None and self._conn is not None:
            self.rollback()
        self.close()

    def __repr__(self) -> str:
        return f"RunStore({str(self.path)!r}, last_seq={self._last_seq})"

    # --- helpers ---------------------------------------------------------------------------------

    def _max_seq(self) -> int:
        row = self._conn.execute("SELECT MAX(seq) FROM events").fetchone()
        return -1 if row[0] is None else int(row[0])

    def _query_one(self, sql: str, params: tuple[Any, ...], many: bool = False) -> Any:
        with self._lock:
            self.flush()
            with _translated(self.path, "read"):
                cursor = self._conn.execute(sql, params)
                return cursor.fetchall() if many else cursor.fetchone()

    def _insert_sql(self, table: str, columns: tuple[str, ...]) -> str:
        sql = self._sql.get((table, columns))
        if sql is None:
            if table in _RESERVED:
                raise ValueError(f"cannot insert into {table} directly: {_RESERVED[table]}")
            self._check_columns(table, columns)
            names, marks = ", ".join(columns), ", ".join("?" * len(columns))
            sql = self._sql[(table, columns)] = f"INSERT INTO {table} ({names}) VALUES ({marks})"
        return sql

    def _check_columns(self, table: str, columns: tuple[str, ...]) -> None:
        known = self._columns.get(table)
        if known is None or table in _RESERVED:
            allowed = sorted(set(self._columns) - set(_RESERVED))
            raise ValueError(f"unknown table {table!r}; writable tables are {allowed}")
        if not columns:
            raise ValueError(f"write to {table}: no columns given; its columns are {sorted(known)}")
        unknown = [c for c in columns if c not in known]
        if unknown:
            raise ValueError(f"table {table} has no column(s) {unknown}; its columns are {sorted(known)}")

    @contextmanager
    def _write_guard(self, what: str) -> Iterator[None]:
        """Turn an SQLite write failure into a DataError and drop the half-written batch, so the
        file keeps exactly the committed batches and the store stays usable."""
        if not self._conn.in_transaction:
            self._conn.execute("BEGIN")
        try:
            yield
        except sqlite3.Error as exc:
            self.rollback()
            raise DataError(
                f"{self.path}: could not write {what} ({exc}); the uncommitted batch was discarded" + _hint(exc)
            ) from exc


def _hint(exc: BaseException) -> str:
    text = str(exc).lower()
    if "full" in text:
        return " - the disk (or the database size limit) is full; free space and resume from the last commit"
    if "readonly" in text or "read-only" in text:
        return " - the run directory is read-only"
    if "disk i/o error" in text:  # how SQLite reports EFBIG (a file size limit) and failing writes
        return (" - the disk may be full, a file size limit reached or the device failing; "
                "free space and resume from the last commit")
    return ""


@contextmanager
def _translated(path: Path, what: str) -> Iterator[None]:
    """SQLite errors while opening or reading become a DataError naming the file."""
    try:
        yield
    except sqlite3.Error as exc:
        cause = _hint(exc) or "; the file is damaged, not SQLite, or the directory is not writable"
        raise DataError(f"{path}: cannot {what} the run record ({exc}){cause}") from exc


def _make_writable_dir(run_dir: Path) -> None:
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"{run_dir}: cannot create the run directory ({exc.strerror or exc})") from exc
    if not os.access(run_dir, os.W_OK | os.X_OK):
        raise DataError(f"{run_dir}: the run directory is not writable; choose another output directory")

