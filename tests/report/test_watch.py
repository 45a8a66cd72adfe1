"""``hubbub watch``: the report served on 127.0.0.1, rebuilt when the run commits, polled and reloaded by
the page; started and stopped cleanly (issue 17, must-show 4)."""

from __future__ import annotations

import contextlib
import json
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from cdp import CHROMIUM, Page  # tests/report/cdp.py (pytest puts this folder on sys.path)
from hubbub.report.live import LiveReport


def commit_intervention(run: Path, text: str) -> int:
    """Append one committed intervention event, as a run in progress would; return its seq."""
    from hubbub.store import RunStore

    with RunStore.open(run) as store:
        seq = store.last_seq() + 1
        store.append_event(seq, 7100.0, "intervention", None, {"type": "inject_post", "text": text})
        store.commit()
    return seq


@contextlib.contextmanager
def watching(run: Path, *extra: str) -> Iterator[tuple[str, subprocess.Popen, "queue.Queue[str]"]]:
    """``hubbub watch RUN --port 0`` in a subprocess: (base URL, process, its output lines). Always ends it."""
    proc = subprocess.Popen([sys.executable, "-c", "from hubbub.cli import main; main()", "watch", str(run),
                             "--port", "0", "--poll", "0.3", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    try:
        first = lines.get(timeout=60)
        assert "http://127.0.0.1:" in first, first
        yield first.split("http://", 1)[1].split("/", 1)[0].join(["http://", "/"]), proc, lines
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=15)


def state(url: str) -> dict:
    with urllib.request.urlopen(url + "state.json", timeout=10) as reply:
        return json.load(reply)


def wait_until(condition, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.1)


def stop(proc: subprocess.Popen, lines: "queue.Queue[str]", sig: int = signal.SIGINT) -> list[str]:
    """Send ``sig``, wait for a clean exit (status 0) and return the remaining output."""
    proc.send_signal(sig)
    assert proc.wait(timeout=20) == 0
    out = []
    while not lines.empty():
        out.append(lines.get())
    return out


def test_the_page_is_rebuilt_when_the_record_moves(run_copy):
    live = LiveReport(run_copy, poll_s=0.2)
    assert live.refresh(force=True) and live.builds == 1
    seq = live.state()["seq"]
    assert f'data-live-seq="{seq}"' in live.html and "connect-src 'self'" in live.html
    assert live.html.count("'sha256-") == 2 and 'data-live-status="completed"' in live.html
    assert not live.refresh(force=True)  # nothing new: no rebuild
    assert commit_intervention(run_copy, "a new note") == seq + 1
    time.sleep(0.15)
    assert live.refresh() and live.state()["seq"] == seq + 1 and "a new note" in live.html


def test_a_run_that_has_not_started_gets_a_waiting_page(tmp_path):
    live = LiveReport(tmp_path / "not-yet", poll_s=0.5)
    live.refresh(force=True)
    assert live.state()["seq"] == -1 and "Waiting for the run record" in live.html
    assert 'data-live-seq="-1"' in live.html and "connect-src 'self'" in live.html


def test_a_report_file_never_polls(run_dir, tmp_path):
    from hubbub.report.html import report_run

    html = report_run(run_dir, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "connect-src 'none'" in html and "data-live-seq" not in html and "state.json" not in html


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_watch_serves_state_and_stops_cleanly(run_copy, sig):
    with watching(run_copy) as (url, proc, lines):
        before = state(url)["seq"]
        with urllib.request.urlopen(url, timeout=10) as reply:
            assert reply.headers["Content-Type"].startswith("text/html") and b"hubbub-data" in reply.read()
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(url + "elsewhere", timeout=10)
        commit_intervention(run_copy, "committed while watched")
        wait_until(lambda: state(url)["seq"] == before + 1)
        assert "stopped watching" in "".join(stop(proc, lines, sig))


def test_a_port_in_use_is_one_clear_line(run_copy):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-c", "from hubbub.cli import main; main()", "watch", str(run_copy),
                               "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and f"--port {port}: cannot listen" in done.stderr


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium")
def test_the_browser_sees_the_page_update_after_new_commits(run_copy, tmp_path):
    """Must-show 4: open the served report, commit new events to the record, see the page reload with them."""
    ready = "document.body.getAttribute('data-report') === 'ready'"
    with watching(run_copy) as (url, proc, lines), Page(tmp_path / "profile") as page:
        page.open(url)
        page.wait_for(ready)
        first = page.evaluate("document.body.getAttribute('data-live-seq')")
        marks = "document.querySelectorAll('.chart .marker[data-kind=intervention]').length"
        before = page.evaluate(marks)
        page.wait_for("+document.body.getAttribute('data-live-polls') >= 1")  # it polls...
        assert page.evaluate("document.body.getAttribute('data-live-seq')") == first  # ...and stays while nothing moves
        seq = commit_intervention(run_copy, "Breaking: committed while the page was open")
        page.wait_for(f"document.body.getAttribute('data-live-seq') === '{seq}' && {ready}")
        shown = page.evaluate("document.querySelector('.block.timeline').textContent")
        assert "Breaking: committed while the page was open" in shown
        assert page.evaluate(marks) > before  # the new intervention is marked on the redrawn charts
        drawn = page.evaluate("[+document.body.getAttribute('data-charts-rendered'), "
                              "document.querySelectorAll('.chart .uplot canvas').length]")
        assert drawn[0] >= 6 and drawn[1] == drawn[0]  # every chart drawn again by uPlot
        assert page.errors == []
        assert "stopped watching" in "".join(stop(proc, lines))
