"""pywb for the replay tests: its own environment (``.venv-pywb``, built by ``make test``;
:func:`tests.extras.need_pywb` skips or fails a test without it), ``wayback`` started on a
free loopback port, and plain HTTP gets against it."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from tests.extras import need_pywb

if TYPE_CHECKING:
    from collections.abc import Iterator
    from email.message import Message

START_TIMEOUT = 60.0


@contextmanager
def wayback(home: Path) -> Iterator[str]:
    """Run ``wayback`` in ``home`` (its config.yaml or collections/) and yield its root URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([need_pywb() / "wayback", "-p", str(port), "-b", "127.0.0.1"],
                               cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while get(root)[0] is None:
            assert time.monotonic() < deadline and process.poll() is None, "pywb did not start"
            time.sleep(0.3)
        yield root
    finally:
        process.terminate()
        process.wait(timeout=10)


def get(url: str) -> tuple[int | None, bytes, Message | None]:
    """Return (status, body, headers) of a GET; status None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read(), answer.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers
    except (urllib.error.URLError, ConnectionError):
        return None, b"", None
