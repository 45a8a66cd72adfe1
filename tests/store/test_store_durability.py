"""Crash safety and unwritable outputs: the file always holds exactly the committed batches."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hubbub.errors import DataError
from hubbub.store import RunStore, load_run, write_manifest

SRC = Path(__file__).resolve().parents[2] / "src"

CHILD = textwrap.dedent(
    """
    import sys, time
    from hubbub.store.runstore import RunStore
    store = RunStore.create(sys.argv[1])
    store._conn.execute("PRAGMA cache_size=-512")  # small cache: a big batch must spill into the WAL
    seq = 0
    for batch in range(3):
        for _ in range(1000):
            store.append_event(seq, float(seq), "tick", "a", {"batch": batch})
            store.insert("likes", {"target_type": "topic", "target_id": "t", "agent": "a", "seq": seq})
            seq += 1
        store.commit()
    for _ in range(60000):  # an open transaction, larger than the cache
        store.append_event(seq, float(seq), "tick", "a", {"batch": 3, "pad": "x" * 50})
        seq += 1
    store.flush()
    print("READY", flush=True)
    time.sleep(60)
    """
)


def test_sigkill_inside_a_transaction_keeps_exactly_the_committed_batches(tmp_path):
    run_dir = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(run_dir)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout.readline().strip() == "READY"
        assert (run_dir / "run.sqlite-wal").stat().st_size > 3_000_000  # uncommitted pages reached the WAL
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    run = load_run(run_dir)
    assert len(run.events) == 3000 and len(run.likes) == 3000
    assert set(run.events["data"].map(lambda d: d["batch"])) == {0, 1, 2}
    with RunStore.open(run_dir) as store:
        assert store._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.last_seq() == 2999
        store.append_event(3000, 3000.0, "resumed", None, {})


def test_a_full_disk_gives_a_data_error_and_keeps_committed_data(tmp_path):
    store = RunStore.create(tmp_path / "run")
    store.append_event(0, 0.0, "start", None, {})
    store.commit()
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages + 5}")  # simulate a full disk
    for seq in range(1, 5000):
        store.append_event(seq, float(seq), "tick", None, {"pad": "y" * 200})
    with pytest.raises(DataError, match=r"run\.sqlite.*full"):
        store.commit()
    assert store.last_seq() == 0
    assert store.event(1) is None and store.event(0) is not None
    store.close()


def test_an_unusable_output_path_gives_a_data_error_naming_it(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(DataError, match=str(blocker)):
        RunStore.create(blocker / "run")
    with pytest.raises(DataError, match=str(blocker)):
        write_manifest(blocker, {"seed": 1})


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores directory permissions")
def test_a_read_only_directory_gives_a_data_error_naming_it(tmp_path):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        if os.access(out, os.W_OK):
            pytest.skip("chmod has no effect here")
        with pytest.raises(DataError, match=f"{out}.*not writable"):
            RunStore.create(out)
        with pytest.raises(DataError, match=str(out)):
            write_manifest(out, {"seed": 1})
    finally:
        out.chmod(0o755)


def test_fold_wal_leaves_one_file_that_resumes_and_reads(tmp_path: Path) -> None:
    from hubbub.store.runstore import fold_wal

    store = RunStore.create(tmp_path)
    store.append_event(0, 0.0, "tick", "a", {"n": 0})
    store.commit()
    reader = load_run(tmp_path)
    assert len(reader.events) == 1
    store.close()
    assert fold_wal(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.sqlite"]
    again = RunStore.open(tmp_path)  # a resume switches the write-ahead log back on
    again.append_event(1, 1.0, "tick", "a", {"n": 1})
    again.close()
    assert list(load_run(tmp_path).events["seq"]) == [0, 1]


def test_fold_wal_refuses_a_missing_or_read_only_record(tmp_path: Path) -> None:
    from hubbub.store.runstore import fold_wal

    assert not fold_wal(tmp_path / "nowhere")
