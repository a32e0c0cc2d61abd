"""Shared fixtures: the mirror served on loopback, and crawls of it run in subprocesses.

Crawls run in a child process (``ifes-archive crawl``), as a user runs them; Twisted's reactor
cannot be restarted inside one test process anyway. The project's ``python -m`` children are forked
by a pre-warmed zygote (:mod:`tests.zygote`, put in place of ``subprocess.Popen`` for the session;
``IFES_TEST_ZYGOTE=0`` execs each child afresh as before).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ifes_archive.archive.warcs.folder import ArchiveFolder
from ifes_archive.fixtures.server import MIRROR_SETTINGS, read_exchange_log, start_server_process
from tests import zygote

if TYPE_CHECKING:
    from collections.abc import Iterator

CRAWL_TIMEOUT = 600


@dataclass
class Served:
    """A mirror server running in a subprocess, with its exchange log."""

    base_url: str
    log_dir: Path
    process: subprocess.Popen | None = None

    def exchanges(self) -> list:
        return read_exchange_log(self.log_dir)


@dataclass
class Crawl:
    """The outcome of one ``ifes-archive crawl`` run."""

    out: Path
    returncode: int
    stdout: str
    stderr: str

    @property
    def warc_files(self) -> list[Path]:
        return ArchiveFolder(self.out).warc_files()

    @property
    def summary(self) -> dict:
        return json.loads(ArchiveFolder(self.out).summary.read_text())

    def records(self) -> list[dict]:
        lines = ArchiveFolder(self.out).articles.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]


def serve(tmp: Path, *args: str) -> Iterator[Served]:
    """Serve a mirror with an exchange log in ``tmp``; stop it afterwards."""
    log_dir = tmp / "exchanges"
    process, base_url = start_server_process(["--log-dir", str(log_dir), *args])
    try:
        yield Served(base_url, log_dir, process)
    finally:
        process.terminate()
        process.wait(timeout=10)


def crawl_command(base_url: str, out: Path, **settings: str) -> list[str]:
    """Return the ``ifes-archive crawl`` command line with mirror-friendly settings."""
    merged = {**MIRROR_SETTINGS, "LOG_LEVEL": "INFO", **settings}
    pairs = [a for k, v in merged.items() for a in ("-s", f"{k}={v}")]
    return [sys.executable, "-m", "ifes_archive.crawler.cli", "crawl", "--base-url", base_url,
            "--out", str(out), *pairs]


def run_crawl(base_url: str, out: Path, preexec_fn=None, **settings: str) -> Crawl:  # noqa: ANN001
    """Crawl ``base_url`` into ``out`` in a subprocess with mirror-friendly settings."""
    done = subprocess.run(crawl_command(base_url, out, **settings), capture_output=True,
                          text=True, timeout=CRAWL_TIMEOUT, preexec_fn=preexec_fn)
    return Crawl(out, done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="session")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The default mirror (180 articles), served for the whole session."""
    yield from serve(tmp_path_factory.mktemp("mirror"))


@pytest.fixture(scope="session")
def crawl(mirror: Served, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """One full crawl of the default mirror, shared by the tests that read its output."""
    result = run_crawl(mirror.base_url, tmp_path_factory.mktemp("crawl") / "out")
    assert result.returncode == 0, result.stderr[-3000:]
    return result


#: The date every test release is built with (a release's bytes depend on it and nothing else).
RELEASE_DATE = "2026-12-01"


def build_release_cli(archive: Path, out: Path, *options: str) -> int:
    """Run ``ifes-archive release ARCHIVE --out OUT --date RELEASE_DATE OPTIONS`` in-process."""
    from ifes_archive.crawler.cli import main

    return main(["release", str(archive), "--out", str(out), "--date", RELEASE_DATE,
                 "--no-progress", *options])


@pytest.fixture(scope="session")
def release(crawl: Crawl, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The release of the default crawl, shared by the tests that read it."""
    out = tmp_path_factory.mktemp("release") / "release"
    assert build_release_cli(crawl.out, out) == 0
    return out


#: A small site that changes a lot from one week to the next: 60 articles, a fifth edited a week.
RECRAWL_ARTICLES, RECRAWL_CHANGE_RATE = 60, 0.2
RECRAWL_MIRROR = ("--validators", "--articles", str(RECRAWL_ARTICLES), "--change-rate",
                  str(RECRAWL_CHANGE_RATE))


@dataclass
class Recrawl:
    """An archive that lived through two crawls of a changing mirror, a week apart."""

    archive: Path
    crawl: Crawl
    """The second crawl."""
    before: Path
    """The release made after the first crawl."""
    after: Path
    """The default release made after the second crawl."""


@pytest.fixture(scope="session")
def recrawl(tmp_path_factory: pytest.TempPathFactory) -> Recrawl:
    """Two crawls of the small changing mirror (epochs 0 and 1), a release after each: shared by
    the tests that read them (release history and changes), which copy the archive before
    writing anything into it but the person ids every release keeps there."""
    from ifes_archive.fixtures.timeline import wait_for_epoch

    tmp = tmp_path_factory.mktemp("recrawl")
    for served in serve(tmp, *RECRAWL_MIRROR):
        first = run_crawl(served.base_url, tmp / "archive")
        assert first.returncode == 0, first.stderr[-2000:]
        assert build_release_cli(first.out, tmp / "release-1") == 0
        served.process.send_signal(signal.SIGUSR1)
        wait_for_epoch(served.base_url, 1)
        second = run_crawl(served.base_url, tmp / "archive")
        assert second.returncode == 0, second.stderr[-2000:]
    assert build_release_cli(second.out, tmp / "release-2") == 0
    return Recrawl(tmp / "archive", second, tmp / "release-1", tmp / "release-2")


@pytest.fixture(scope="session")
def requisites_crawl(tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """One crawl of the default mirror with page requisites on, shared by the tests that read it
    (what it captured, what the card says of it). A mirror of its own: the session's mirror logs
    every exchange, and test_capture holds the session crawl's WARCs to that log."""
    tmp = tmp_path_factory.mktemp("requisites")
    for served in serve(tmp):
        done = run_crawl(served.base_url, tmp / "out", PAGE_REQUISITES="True")
    assert done.returncode == 0, done.stderr[-2000:]
    return done


#: The modules that take longest (``make test``'s --durations), longest first: ``make test``
#: hands whole modules to its two workers (``--dist loadfile``, so a module's fixtures are built
#: once), and starting the long ones first leaves no worker alone with one at the end.
LONGEST_FIRST = (
    "crawler/test_import.py", "crawler/test_hostile_soak.py", "crawler/test_crash.py",
    "crawler/test_time_passing.py", "crawler/test_scrapyd.py", "crawler/test_fail_loudly.py",
    "crawler/test_recrawl.py", "archive/test_replay.py", "crawler/test_run_end.py",
    "crawler/test_bounds.py", "crawler/test_spider.py", "archive/test_browse.py",
    "crawler/test_faults.py", "crawler/test_policy.py", "archive/test_rebuild.py",
)


def _rank(item: pytest.Item) -> int:
    """The module's place in :data:`LONGEST_FIRST`; the others after, in collection order."""
    module = "/".join(item.path.parts[-2:])
    return LONGEST_FIRST.index(module) if module in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_configure(config: pytest.Config) -> None:
    """Start the project's ``python -m`` children through the zygote (:mod:`tests.zygote`)."""
    subprocess.Popen = zygote.Popen  # type: ignore[misc]


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop this process's zygote and give ``subprocess`` its own Popen back."""
    zygote.stop()
    subprocess.Popen = zygote.REAL_POPEN  # type: ignore[misc]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the modules longest first (a stable sort: each module's own order is kept)."""
    items.sort(key=_rank)
