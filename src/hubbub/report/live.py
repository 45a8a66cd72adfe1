"""``hubbub watch``: the report of a run, served on 127.0.0.1 and rebuilt while the run commits.

A run commits its events to ``run.sqlite`` continuously, so a report is a cheap projection of the record
at any moment. :class:`LiveReport` remembers the record's *stamp* (last committed event seq, and the
manifest's modification time, which changes with the run's status) and rebuilds the page from the record
when the stamp moved, at most once per poll interval. :func:`serve` puts it behind a small
``http.server`` with two addresses:

* ``/`` (or ``/report.html``): the report, with ``assets/live.js`` added (see :func:`render_html`);
* ``/state.json``: ``{"seq", "status", "built_at", "error"}``, which that script polls; when ``seq`` or
  ``status`` differ from the page's own, it reloads.

Nothing is written to the run folder. Ctrl-C or SIGTERM stops the server and the command exits 0.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

from hubbub.errors import DataError, HubbubError

Stamp = tuple[int, int]


class LiveReport:
    """The current report page of one run folder, rebuilt when the record moved on."""

    def __init__(self, run_dir: Path, poll_s: float = 2.0, **options: Any) -> None:
        self.run_dir, self.poll_s, self.options = Path(run_dir), float(poll_s), options
        self._lock = threading.Lock()
        self._stamp: Stamp | None = None
        self._checked = 0.0
        self.html = ""
        self.status: str | None = None
        self.error = ""
        self.built_at = ""
        self.builds = 0

    def stamp(self) -> Stamp:
        """(last committed event seq, manifest mtime in ns); (-1, 0) before the record exists."""
        from hubbub.store.api import open_readonly

        if not (self.run_dir / "run.sqlite").is_file():
            return (-1, 0)
        conn = open_readonly(self.run_dir)
        try:
            seq = conn.execute("SELECT MAX(seq) FROM events").fetchone()[0]
        finally:
            conn.close()
        manifest = self.run_dir / "manifest.json"
        return (-1 if seq is None else int(seq), manifest.stat().st_mtime_ns if manifest.is_file() else 0)

    def refresh(self, force: bool = False) -> bool:
        """Rebuild the page if the stamp moved (checked at most once per poll interval); True if rebuilt."""
        with self._lock:
            now = time.monotonic()
            if not force and self.html and now - self._checked < self.poll_s / 2:
                return False
            self._checked = now
            try:
                stamp = self.stamp()
                if stamp == self._stamp and self.html:
                    return False
                self._build(stamp)
            except (HubbubError, OSError, ValueError) as exc:  # a record caught mid-write: keep the last page
                self.error = f"{type(exc).__name__}: {exc}"
                if not self.html:
                    self.html = waiting_page(self.run_dir, self.error, self.poll_s)
                return False
            return True

    def _build(self, stamp: Stamp) -> None:
        from hubbub.report.html import build_payload, render_html

        if stamp[0] < 0:
            self.html, self.status = waiting_page(self.run_dir, "", self.poll_s), None
        else:
            payload = build_payload([self.run_dir], **self.options)
            self.status = payload["runs"][0].get("provenance", {}).get("status")
            live = {"seq": stamp[0], "status": self.status or "", "poll_ms": int(self.poll_s * 1000)}
            self.html = render_html(payload, live=live)
        self._stamp, self.error, self.builds = stamp, "", self.builds + 1
        self.built_at = datetime.now(timezone.utc).isoformat(timespec="seconds")

    def state(self) -> dict[str, Any]:
        """What the page polls: the seq and status the current page was built from."""
        self.refresh()
        seq = self._stamp[0] if self._stamp else -1
        return {"seq": seq, "status": self.status or "", "built_at": self.built_at, "error": self.error,
                "builds": self.builds}


def waiting_page(run_dir: Path, error: str, poll_s: float) -> str:
    """A minimal page shown until the run's record can be read; it polls like the report does."""
    from hubbub.report.html import render_waiting

    text = (f"Waiting for the run record in {run_dir}" + (f" ({error})" if error else "") +
            "; this page reloads when the run has committed its first events.")
    return render_waiting(text, int(poll_s * 1000))


def handler_for(live: LiveReport) -> type[BaseHTTPRequestHandler]:
    """A request handler serving ``live``'s page and state (GET only, nothing else)."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "hubbub-watch"

        def do_GET(self) -> None:  # noqa: N802 (the http.server name)
            path = self.path.split("?", 1)[0]
            if path in ("/", "/report.html", "/index.html"):
                live.refresh()
                self._send(200, "text/html; charset=utf-8", live.html.encode("utf-8"))
            elif path == "/state.json":
                self._send(200, "application/json", json.dumps(live.state()).encode("utf-8"))
            else:
                self._send(404, "text/plain; charset=utf-8", b"not found: hubbub watch serves / and /state.json\n")

        def _send(self, code: int, kind: str, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the http.server signature)
            return  # one line per poll would drown the terminal

    return Handler


def serve(run_dir: Path, port: int = 8765, host: str = "127.0.0.1", poll_s: float = 2.0,
          announce: Callable[[str], None] = print, **options: Any) -> None:
    """Serve the live report of ``run_dir`` until Ctrl-C or SIGTERM (then return normally)."""
    run_dir = Path(run_dir)
    if run_dir.exists() and not run_dir.is_dir():
        raise DataError(f"{run_dir}: not a folder (give the folder a run writes run.sqlite into; it may not exist yet)")
    live = LiveReport(run_dir, poll_s, **options)
    live.refresh(force=True)
    try:
        server = ThreadingHTTPServer((host, port), handler_for(live))
    except OSError as exc:
        raise DataError(f"--port {port}: cannot listen on {host}:{port} ({exc.strerror or exc}); "
                        "choose another port, or --port 0 for any free one") from exc
    server.daemon_threads = True
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    worker = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    worker.start()
    announce(f"watching {run_dir}: http://{host}:{server.server_address[1]}/ (the page reloads when the run "
             f"commits; checked every {poll_s:g} s). Ctrl-C to stop.")
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.shutdown()
        server.server_close()
        worker.join(timeout=5)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        announce("stopped watching")
        sys.stdout.flush()
