"""Time bounds hold against a server that makes the crawl wait (issue 19, hole 10).

``--max-time T`` and SIGTERM end the process within seconds even while a request waits on a
600-second ``Retry-After``, a download stalls, requests wait out a long download delay, or first
contact itself is kept waiting. What was waiting is listed as not fetched, the WARC files are
closed out, and the next crawl into the same folder fetches it. Crawls run in subprocesses
against the fixture mirror with fault injection, on loopback.

The issue's target is the process gone by T + 10 s; the assertions allow T + 30 s (a noisy
machine) and print the figure measured.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import CRAWL_TIMEOUT, Crawl, crawl_command, serve

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.conftest import Served

#: --max-time of the bounded runs, seconds.
MAX_TIME = 8
#: What the test allows past it (the issue's target is 10 s).
MARGIN = 30
#: The first article asked for answers 503 with Retry-After 600 (once); the second stalls 600 s.
FAULTS = ("task=view=503:600x1", "task=view=stall:600x1")
WAITED = re.compile(r"not fetched: the run ended while it waited \(Retry-After 600 s\)")


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[Served]:
    """The mirror whose first article asks for a 600 s wait and whose second stalls."""
    args = [a for fault in FAULTS for a in ("--fault", fault)]
    yield from serve(tmp_path / "server", *args)


def _timed(command: list[str]) -> tuple[Crawl, float]:
    out = command[command.index("--out") + 1]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=CRAWL_TIMEOUT)
    return Crawl(Path(out), done.returncode, done.stdout, done.stderr), \
        time.monotonic() - started


def _open_warcs(crawl: Crawl) -> list[str]:
    return [p.name for p in (crawl.out / "warc").iterdir() if p.name.endswith(".open")]


def _waited_for(crawl: Crawl) -> list[str]:
    """Return the URLs the run lists as not fetched because it ended during their wait."""
    return [f["url"] for f in crawl.summary["failures"] if WAITED.search(f["reason"])]


def _article_ids(crawl: Crawl) -> set[int]:
    return {record["article_id"] for record in crawl.records()}


def _id_of(url: str) -> int:
    match = re.search(r"[?&]id=(\d+)", url)
    assert match, url
    return int(match.group(1))


def test_max_time_ends_the_run_while_a_retry_after_waits_and_the_next_run_takes_it_up(
        hostile: Served, tmp_path: Path) -> None:
    out = tmp_path / "archive"
    command = crawl_command(hostile.base_url, out) + ["--max-time", str(MAX_TIME)]
    bounded, seconds = _timed(command)
    print(f"--max-time {MAX_TIME}: the process ended after {seconds:.1f} s")
    assert seconds < MAX_TIME + MARGIN, bounded.stderr[-3000:]
    assert bounded.returncode == 5, bounded.stderr[-3000:]
    assert "max-time" in bounded.summary["bounds"]
    waited = _waited_for(bounded)
    assert len(waited) == 1, bounded.summary["failures"]
    assert WAITED.search(bounded.stdout), bounded.stdout[-3000:]  # the report's text says it
    assert not _open_warcs(bounded)
    article = _id_of(waited[0])
    assert article not in _article_ids(bounded)

    following, _ = _timed(crawl_command(hostile.base_url, out))
    assert following.returncode == 0, following.stderr[-3000:]
    assert article in _article_ids(following)  # fetched and archived by the next crawl
    assert not _open_warcs(following)


def test_sigterm_ends_the_run_while_a_retry_after_waits(hostile: Served, tmp_path: Path) -> None:
    out = tmp_path / "archive"
    process = subprocess.Popen(crawl_command(hostile.base_url, out), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    _wait_for_the_503(hostile, process)
    time.sleep(1)  # the middleware is now waiting out the 600 s
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=CRAWL_TIMEOUT)
    seconds = time.monotonic() - sent
    print(f"SIGTERM: the process ended {seconds:.1f} s after it")
    assert seconds < MARGIN, stderr[-3000:]
    assert process.returncode == 143, stderr[-3000:]
    assert "stopped by SIGTERM" in stderr.strip().splitlines()[-1]
    crawl = Crawl(out, process.returncode, stdout, stderr)
    assert len(_waited_for(crawl)) == 1, crawl.summary["failures"]
    assert not _open_warcs(crawl)
    assert "Traceback" not in stderr


def _wait_for_the_503(served: Served, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if any(e.status == 503 for e in served.exchanges()):
            return
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"the server never answered 503: {process.communicate()[1][-3000:]}")


def test_max_time_holds_against_a_long_autothrottle_delay(hostile: Served,
                                                         tmp_path: Path) -> None:
    """AutoThrottle holds requests 60 s apart in Scrapy's download slot (first contact, which
    keeps DOWNLOAD_DELAY, is not slowed): the queued ones are dropped when the run ends."""
    command = crawl_command(hostile.base_url, tmp_path / "archive", AUTOTHROTTLE_ENABLED="True",
                            AUTOTHROTTLE_START_DELAY="60", CONCURRENT_REQUESTS_PER_DOMAIN="1",
                            ) + ["--max-time", "5"]
    bounded, seconds = _timed(command)
    print(f"--max-time 5, AutoThrottle at 60 s: the process ended after {seconds:.1f} s")
    assert seconds < 5 + MARGIN, bounded.stderr[-3000:]
    assert bounded.returncode == 5, bounded.stderr[-3000:]
    assert not _open_warcs(bounded)
    assert any("waited for its turn" in f["reason"] for f in bounded.summary["failures"])


def test_max_time_holds_during_first_contact(tmp_path: Path) -> None:
    """robots.txt answers 503 with Retry-After 600: first contact would wait; --max-time ends
    it, with one line and the bound's exit status."""
    served = serve(tmp_path / "server", "--fault", "robots.txt=503:600")
    mirror = next(served)
    try:
        command = crawl_command(mirror.base_url, tmp_path / "archive") + ["--max-time", "4"]
        bounded, seconds = _timed(command)
    finally:
        served.close()
    print(f"--max-time 4 in first contact: the process ended after {seconds:.1f} s")
    assert seconds < 4 + MARGIN, bounded.stderr[-3000:]
    assert bounded.returncode == 5, bounded.stderr[-3000:]
    assert "ran out during first contact" in bounded.stderr.strip().splitlines()[-1]
    assert "Traceback" not in bounded.stderr

