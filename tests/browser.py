"""Headless Chromium (Debian's package) driven over the DevTools protocol, for what a reader sees.

Chromium speaks the protocol on file descriptors 3 and 4 (``--remote-debugging-pipe``: JSON
messages ended by a NUL byte), so no WebSocket client and no driver binary are needed. Tests use
:func:`tests.extras.need_chromium` for the browser binary (a skip, or under ``make test`` a
failure, says why there is none).
"""

from __future__ import annotations

import base64
import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

#: Quiet, offline, no first-run work: the flags the issue asked for, and a pipe for the protocol.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--remote-debugging-pipe")
WINDOW = (1024, 900)
LOAD_TIMEOUT = 60.0


#: Puts the two pipe ends on fds 3 and 4 where the browser expects them, then becomes the browser.
_WIRING = ("import fcntl, os, sys\n"
           "read_end, write_end = (fcntl.fcntl(int(fd), fcntl.F_DUPFD, 10) for fd in sys.argv[1:3])\n"
           "for fd in sys.argv[1:3]: os.close(int(fd))\n"
           "os.dup2(read_end, 3); os.dup2(write_end, 4)\n"
           "os.close(read_end); os.close(write_end)\n"
           "os.execv(sys.argv[3], sys.argv[3:])\n")


class Chromium:
    """One headless Chromium with an empty profile; :meth:`open` gives a page to drive."""

    def __init__(self, binary: str, profile: Path, window: tuple[int, int] = WINDOW):
        to_child, self._to_browser = os.pipe()
        self._from_browser, from_child = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-c", _WIRING, str(to_child), str(from_child), binary,
             *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={window[0]},{window[1]}",
             "about:blank"],
            pass_fds=(to_child, from_child), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child)
        os.close(from_child)
        self._next_id = 0
        self._replies: dict[int, dict] = {}
        self._events: queue.Queue[dict] = queue.Queue()
        self._arrived = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        pending = b""
        while chunk := os.read(self._from_browser, 1 << 16):
            pending += chunk
            *messages, pending = pending.split(b"\0")
            for raw in messages:
                message = json.loads(raw)
                if "id" in message:
                    with self._arrived:
                        self._replies[message["id"]] = message
                        self._arrived.notify_all()
                else:
                    self._events.put(message)

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = LOAD_TIMEOUT) -> dict[str, Any]:
        """Send one protocol command and return its result (raise on a protocol error)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        with self._arrived:
            if not self._arrived.wait_for(lambda: self._next_id in self._replies, timeout):
                raise TimeoutError(f"no answer to {method}")
            reply = self._replies.pop(self._next_id)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def open(self, url: str) -> Page:
        """Open ``url`` in a new tab and wait until it has loaded."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        self.send("Page.enable", session=session)
        self.send("Page.navigate", {"url": url}, session=session)
        page.wait_for_event("Page.loadEventFired")
        return page

    def close(self) -> None:
        """Stop the browser."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)


class Page:
    """One tab of :class:`Chromium`."""

    def __init__(self, browser: Chromium, session: str):
        self.browser = browser
        self.session = session

    def wait_for_event(self, method: str, timeout: float = LOAD_TIMEOUT) -> dict:
        """Return the next event ``method`` of this tab (others are dropped)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {method} event")
            try:
                event = self.browser._events.get(timeout=left)  # noqa: SLF001
            except queue.Empty:
                continue
            if event.get("method") == method and event.get("sessionId") == self.session:
                return event

    def evaluate(self, expression: str) -> Any:
        """Return the value of a JavaScript expression in the page (promises awaited)."""
        result = self.browser.send("Runtime.evaluate", {
            "expression": expression, "returnByValue": True, "awaitPromise": True},
            session=self.session)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:60]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def frame_urls(self) -> dict[str, str]:
        """Return the id -> URL of every frame of the tab, nested ones included."""
        frames: dict[str, str] = {}
        pending = [self.browser.send("Page.getFrameTree", session=self.session)["frameTree"]]
        while pending:
            tree = pending.pop()
            frames[tree["frame"]["id"]] = tree["frame"]["url"]
            pending += tree.get("childFrames", [])
        return frames

    def evaluate_in_frame(self, frame_id: str, expression: str) -> Any:
        """Return the value of a JavaScript expression in one frame (any origin)."""
        context = self.browser.send("Page.createIsolatedWorld", {"frameId": frame_id},
                                    session=self.session)["executionContextId"]
        result = self.browser.send("Runtime.evaluate", {
            "expression": expression, "returnByValue": True, "contextId": context},
            session=self.session)
        return result["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        """Save a PNG of what the tab shows and return its path."""
        data = self.browser.send("Page.captureScreenshot", {"format": "png"},
                                 session=self.session)["data"]
        path.write_bytes(base64.b64decode(data))
        return path
