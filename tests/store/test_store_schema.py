"""Schema migrations, refusal of newer and foreign files, and the generated schema reference."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hubbub.errors import DataError
from hubbub.store import RunStore, load_run
from hubbub.store import schema
from hubbub.store.api import Run

DOC = Path(__file__).resolve().parents[2] / "docs" / "schema.md"


def _v1_file(run_dir: Path) -> None:
    run_dir.mkdir()
    conn = sqlite3.connect(run_dir / "run.sqlite", isolation_level=None)
    assert schema.migrate(conn, run_dir, target=1) == 1
    conn.execute("INSERT INTO events VALUES (0, 1.0, 'start', NULL, '{}')")
    conn.close()


def _versions(conn: sqlite3.Connection) -> list[int]:
    return [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]


def test_opening_an_old_file_migrates_it_forward(tmp_path):
    _v1_file(tmp_path / "old")
    with RunStore.open(tmp_path / "old") as store:
        assert _versions(store._conn) == [m.version for m in schema.MIGRATIONS]
        indexes = {r[0] for r in store._conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert "comments_topic_visible" in indexes
        assert store.last_seq() == 0
        store.append_event(1, 2.0, "next", None, {})


def test_new_files_are_at_the_latest_version_with_the_pragmas(tmp_path):
    with RunStore.create(tmp_path / "new") as store:
        assert schema.current_version(store._conn) == schema.LATEST_VERSION
        assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert store._conn.execute("PRAGMA foreign_keys").fetchone()[0] == 0


def test_migrating_twice_changes_nothing(tmp_path):
    RunStore.create(tmp_path / "r").close()
    RunStore.open(tmp_path / "r").close()
    conn = sqlite3.connect(tmp_path / "r" / "run.sqlite")
    assert _versions(conn) == [m.version for m in schema.MIGRATIONS]


def test_a_file_from_a_newer_hubbub_is_refused_naming_both_versions(tmp_path):
    RunStore.create(tmp_path / "r").close()
    conn = sqlite3.connect(tmp_path / "r" / "run.sqlite")
    conn.execute("INSERT INTO schema_migrations VALUES (99, 'future', 'now')")
    conn.commit()
    conn.close()
    for opener in (RunStore.open, load_run):
        with pytest.raises(DataError, match=rf"run\.sqlite.*version 99.*version {schema.LATEST_VERSION}"):
            opener(tmp_path / "r")


@pytest.mark.parametrize("content", [b"", b"this is not a database at all" * 100])
def test_missing_or_foreign_files_give_data_errors(tmp_path, content):
    with pytest.raises(DataError, match="run.sqlite is missing"):
        RunStore.open(tmp_path)
    (tmp_path / "run.sqlite").write_bytes(content)
    for opener in (RunStore.open, load_run):
        with pytest.raises(DataError, match=r"run\.sqlite"):
            opener(tmp_path)


def test_create_refuses_to_overwrite_a_run(tmp_path):
    RunStore.create(tmp_path).close()
    with pytest.raises(DataError, match="already exists"):
        RunStore.create(tmp_path)


def test_checked_in_schema_doc_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == schema.schema_markdown(), (
        f"docs/schema.md is stale; regenerate it with: {schema.REGENERATE}"
    )


def test_every_column_is_documented_in_the_run_properties():
    """Each column of each table appears as 'name:' in the docstring of the Run property, under the
    name the loaded table gives it (agent_id)."""
    from hubbub.store.frames import RENAMED

    conn = sqlite3.connect(":memory:", isolation_level=None)
    schema.migrate(conn, ":memory:")
    for table in schema.DATA_TABLES:
        doc = getattr(Run, table).__doc__
        for column, _ in schema.table_columns(conn, table):
            column = RENAMED.get(table, {}).get(column, column)
            assert f"\n        {column}: " in doc, f"Run.{table} does not document {column}"
