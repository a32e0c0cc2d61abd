"""The crawl's record worker ends with the crawl, and nothing the crawl fetched is lost with it.

Real crawls of a slowed 60-article mirror, in subprocesses, stopped mid-run once the worker is
building records: killed (SIGKILL: the worker and everything the crawl started go with it; the
next crawl resumes and the corpus is whole), stopped by SIGTERM, or by Ctrl-C (SIGINT to the
whole process group, as a terminal sends it: the worker ignores it and the crawl, stopping
cleanly, journals every record the worker had in hand before it ends the worker).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from typing import TYPE_CHECKING

import psutil
import pytest

from ifes_archive.archive.corpus.rebuild import rebuild
from ifes_archive.fixtures.mirror import Mirror
from ifes_archive.fixtures.site import build_site
from tests.conftest import CRAWL_TIMEOUT, Crawl, crawl_command, serve

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.conftest import Served

ARTICLES = 60
#: Slowed (as test_crash's mirror), so the signal lands mid-crawl.
FAULTS = ("--fault", r"task=(view|category|blog)=slow:0.05")
#: Seconds the crawl's children are given to go once it is gone.
GRACE = 5.0
#: Journal lines the run has written when it is stopped: records are coming back.
LINES = 5


@pytest.fixture
def slow_mirror(tmp_path: Path) -> Iterator[Served]:
    yield from serve(tmp_path / "server", "--articles", str(ARTICLES), *FAULTS)


def _command(served: Served, out: Path) -> list[str]:
    return crawl_command(served.base_url, out, CONCURRENT_REQUESTS_PER_DOMAIN="2",
                         RECORD_WORKER="True")


def _started(command: list[str], out: Path) -> tuple[subprocess.Popen, list[psutil.Process]]:
    """Start the crawl in a process group of its own; return it and everything it started,
    once its worker runs and LINES articles are journaled."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    crawl = psutil.Process(process.pid)
    journal = out / "articles.journal.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        children = crawl.children(recursive=True)
        workers = [c for c in children if "spawn_main" in " ".join(c.cmdline())]
        if workers and journal.exists() and len(journal.read_bytes().splitlines()) >= LINES:
            return process, children
        time.sleep(0.02)
    process.kill()
    raise AssertionError(f"no record worker at work: {process.communicate()[1][-3000:]}")


def _alive_after(processes: list[psutil.Process], seconds: float) -> list[int]:
    """Return the pids of ``processes`` still running ``seconds`` from now (killing them)."""
    _gone, alive = psutil.wait_procs(processes, timeout=seconds)
    alive = [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]
    for process in alive:
        process.kill()  # the test leaves nothing behind either way
    return [p.pid for p in alive]


def _every_article_once(out: Path) -> None:
    """Every crawlable article has its record, once."""
    ids = [r["article_id"] for r in Crawl(out, 0, "", "").records()]
    assert sorted(ids) == sorted(set(ids)), "a record is doubled"
    assert set(ids) == set(Mirror(build_site(articles=ARTICLES)).crawlable_article_ids())


def _corpus_is_whole(out: Path, tmp_path: Path) -> None:
    """Every crawlable article has its record, once; the WARC files give the same corpus."""
    _every_article_once(out)
    rebuilt = tmp_path / "rebuilt.jsonl"
    rebuild([out / "warc"], rebuilt, workers=2, progress=False)
    assert rebuilt.read_bytes() == (out / "articles.jsonl").read_bytes()


def test_the_worker_dies_with_a_killed_crawl_and_the_next_crawl_loses_nothing(
        slow_mirror: Served, tmp_path: Path) -> None:
    out = tmp_path / "out"
    process, children = _started(_command(slow_mirror, out), out)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    started = time.monotonic()
    alive = _alive_after(children, GRACE)
    print(f"SIGKILL: {len(children)} children, gone after {time.monotonic() - started:.2f} s")
    assert not alive, f"{alive} outlived the killed crawl"
    done = subprocess.run(_command(slow_mirror, out), capture_output=True, text=True,
                          timeout=CRAWL_TIMEOUT)
    assert done.returncode == 0, done.stderr[-3000:]
    _corpus_is_whole(out, tmp_path)


@pytest.mark.parametrize(("signum", "group", "status"), [
    (signal.SIGTERM, False, 143), (signal.SIGINT, True, 130)], ids=["sigterm", "ctrl-c"])
def test_a_stopped_crawl_journals_what_its_worker_had_and_ends_it(
        slow_mirror: Served, tmp_path: Path, signum: int, group: bool, status: int) -> None:
    out = tmp_path / "out"
    process, children = _started(_command(slow_mirror, out), out)
    if group:
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    _, stderr = process.communicate(timeout=CRAWL_TIMEOUT)
    alive = _alive_after(children, GRACE)
    assert not alive, f"{alive} outlived the stopped crawl"
    assert process.returncode == status, stderr[-3000:]
    stopped = Crawl(out, process.returncode, "", stderr)
    assert not [f for f in stopped.summary["failures"] if "record not built" in f["reason"]]
    # Every article the spider handed over was journaled (Scrapy's stats, dumped at close).
    items = re.search(r"'ifes/article_items': (\d+)", stderr)
    journaled = re.search(r"'ifes/articles': (\d+)", stderr)
    assert items and journaled and items.group(1) == journaled.group(1), stderr[-3000:]
    assert int(journaled.group(1)) >= LINES
    done = subprocess.run(_command(slow_mirror, out), capture_output=True, text=True,
                          timeout=CRAWL_TIMEOUT)
    assert done.returncode == 0, done.stderr[-3000:]
    # (Not held to the rebuild here: a run stopped cleanly may journal an article without the
    # print view its WARC holds, on main as well: its record lacks the print-view check.)
    _every_article_once(out)
