"""A small Chrome DevTools Protocol client for the browser tests: headless Chromium driven over
``--remote-debugging-pipe`` (JSON messages ending in NUL on file descriptors 3 and 4), so no websocket
library, no network port and no extra package are needed.

    with Page(profile_dir) as page:
        page.open(url)                          # waits for the load event
        page.wait_for("document.body.dataset.report === 'ready'")
        page.evaluate("document.title")
        page.errors                             # uncaught exceptions, console errors, CSP violations
        page.screenshot(path, selector=".network")
"""

from __future__ import annotations

import base64
import json
import os
import queue
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")


def _high(fd: int) -> int:
    """``fd`` moved to a number of 10 or more: bash maps the pipe ends onto 3 and 4, and one must not
    overwrite the other (under pytest's capture a fresh pipe can itself be 3 or 4)."""
    import fcntl

    high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return high


class Page:
    """One headless Chromium with one page; a context manager that always ends the browser."""

    def __init__(self, profile: Path, width: int = 1280, height: int = 1800) -> None:
        self.profile, self.size = profile, (width, height)
        self.errors: list[str] = []
        self.loads = 0
        self._replies: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._next = 0
        self._lock = threading.Lock()

    def __enter__(self) -> "Page":
        to_child, self._write = os.pipe()
        self._read, from_child = os.pipe()
        to_child, from_child = _high(to_child), _high(from_child)  # never 3 or 4 themselves (see _high)
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                "--disable-extensions", "--remote-debugging-pipe", f"--user-data-dir={self.profile}",
                f"--window-size={self.size[0]},{self.size[1]}", "about:blank"]
        self.proc = subprocess.Popen(["/bin/bash", "-c", f'exec "$0" "$@" 3<&{to_child} 4>&{from_child}',
                                      str(CHROMIUM), *args], pass_fds=(to_child, from_child),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child)
        os.close(from_child)
        threading.Thread(target=self._reader, daemon=True).start()
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=self.session)
        self.call("Emulation.setDeviceMetricsOverride", {"width": self.size[0], "height": self.size[1],
                                                         "deviceScaleFactor": 1, "mobile": False}, self.session)
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            self.call("Browser.close", timeout=10)
        except (RuntimeError, OSError):
            pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=15)
        os.close(self._write)

    # ---------------------------------------------------------------- protocol

    def _reader(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._read, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                self._dispatch(json.loads(raw))
        os.close(self._read)

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "id" in message:
            box = self._replies.get(message["id"])
            if box is not None:
                box.put(message)
            return
        method, params = message.get("method", ""), message.get("params", {})
        if method == "Page.loadEventFired":
            self.loads += 1
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.errors.append("exception: " + str(details.get("exception", {}).get("description") or details.get("text")))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.errors.append("console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            self.errors.append("log: " + str(params["entry"].get("text")))

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout: float = 30) -> dict[str, Any]:
        """Send one command and wait for its reply; RuntimeError on a protocol error or no reply."""
        with self._lock:
            self._next += 1
            ident = self._next
            self._replies[ident] = queue.Queue()
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode("utf-8") + b"\0")
        try:
            reply = self._replies[ident].get(timeout=timeout)
        except queue.Empty as exc:
            raise RuntimeError(f"no reply to {method} within {timeout} s") from exc
        finally:
            self._replies.pop(ident, None)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    # ---------------------------------------------------------------- page

    def open(self, url: str, timeout: float = 30) -> None:
        """Navigate and wait for the page's load event."""
        before = self.loads
        self.call("Page.navigate", {"url": url}, self.session)
        self.wait(lambda: self.loads > before, timeout, f"load of {url}")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (returned by value)."""
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, self.session)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails'].get('text')}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 30) -> Any:
        """Poll a JavaScript expression until it is truthy; return its value."""
        found: list[Any] = []

        def ready() -> bool:
            try:
                found[:] = [self.evaluate(expression)]
            except RuntimeError:
                return False
            return bool(found[0])

        self.wait(ready, timeout, expression)
        return found[0]

    @staticmethod
    def wait(condition: Any, timeout: float, what: str) -> None:
        end = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > end:
                raise TimeoutError(f"waited {timeout} s for {what}")
            time.sleep(0.05)

    def screenshot(self, path: Path, selector: str | None = None, max_height: int = 1400) -> Path:
        """A PNG of the page, or of the element ``selector`` (clipped to ``max_height`` pixels)."""
        params: dict[str, Any] = {"format": "png", "captureBeyondViewport": True}
        if selector:
            box = self.evaluate(f"(function () {{ var r = document.querySelector({json.dumps(selector)})"
                                ".getBoundingClientRect(); return [r.left + scrollX, r.top + scrollY, r.width, r.height]; })()")
            params["clip"] = {"x": box[0], "y": box[1], "width": box[2], "height": min(box[3], max_height), "scale": 1}
        data = self.call("Page.captureScreenshot", params, self.session)["data"]
        path.write_bytes(base64.b64decode(data))
        return path


def small_png(path: Path, colors: int = 96) -> Path:
    """A screenshot rewritten as an optimised palette PNG (commit-sized: the charts have few colours)."""
    from PIL import Image

    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=colors, dither=Image.Dither.NONE).save(path, optimize=True)
    return path
