"""Failing loudly: an archive that cannot be written, a disk that fills, a crawl state that goes
away — the run stops at once with one clear line and exit status 4, what it archived stays
readable, its report says why, and the next run resumes. User errors in any command: one line,
the documented status, no traceback."""

from __future__ import annotations

import gzip
import os
import resource
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from ifes_archive.archive.types import record_json
from ifes_archive.archive.warcs.verify import verify_file
from ifes_archive.crawler.cli import main as cli
from ifes_archive.fixtures.mirror import Mirror
from ifes_archive.fixtures.site import build_site
from tests.archive.typed import a_record
from tests.conftest import crawl_command, run_crawl, serve

SITE = Mirror(build_site())
UNWRITABLE = 4


@contextmanager
def tmpfs(path: Path, size: str, read_only: bool = False):
    """Mount a tmpfs of ``size`` at ``path`` for the duration; yield False when this machine
    does not let us (the test then uses its fallback or is skipped)."""
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                             capture_output=True).returncode == 0
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _one_line(stderr: str, start: str) -> None:
    assert "Traceback" not in stderr, stderr[-3000:]
    lines = [line for line in stderr.splitlines() if line.startswith("ifes-archive crawl:")]
    assert len(lines) == 1 and lines[0].startswith(start), stderr[-2000:]


def test_an_unwritable_warc_folder_stops_before_any_request(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with tmpfs(out / "warc", "1m", read_only=True) as mounted:
        if not mounted:
            if os.geteuid() == 0:
                pytest.skip("no mount here, and root writes through permissions")
            (out / "warc").chmod(0o555)
        for served in serve(tmp_path, "--articles", "40"):
            crawl = run_crawl(served.base_url, out)
            assert served.exchanges() == [], "not one request sent"
    assert crawl.returncode == UNWRITABLE
    _one_line(crawl.stderr, f"ifes-archive crawl: cannot write to {out / 'warc'}")


def test_an_archive_folder_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("not a folder")
    crawl = run_crawl("http://127.0.0.1:9/", out)
    assert crawl.returncode == UNWRITABLE
    _one_line(crawl.stderr, f"ifes-archive crawl: {out} is a file, not a folder")


def _limit_file_size(limit: int):  # noqa: ANN202 - the fallback for a full disk
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes then fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_full_disk_stops_the_crawl_at_once_and_the_next_run_resumes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with tmpfs(out, "1200k") as mounted:
        for served in serve(tmp_path, "--articles", "180"):
            limit = None if mounted else _limit_file_size(700_000)
            stopped = run_crawl(served.base_url, out, preexec_fn=limit)
            sent = len(served.exchanges())
            report = stopped.summary  # this run's (the next run writes its own)
            if mounted:
                subprocess.run(["mount", "-o", "remount,size=64m", str(out)], check=True)
            resumed = run_crawl(served.base_url, out)
        assert stopped.returncode == UNWRITABLE, stopped.stderr[-3000:]
        _one_line(stopped.stderr, "ifes-archive crawl: stopped: cannot write")
        assert report["stopped"].startswith("cannot write") and report["finish_reason"] == \
            "storage_failure"
        # Stopped at once: what was in flight, no more (not every page fetched five times).
        assert sent <= report["captures"] + 20, (sent, report["captures"])
        for path in stopped.warc_files:
            assert verify_file(path).ok, verify_file(path).problems[:5]
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert {r["article_id"] for r in resumed.records()} == set(SITE.crawlable_article_ids())
        for path in resumed.warc_files:
            assert verify_file(path).ok


def test_a_lost_crawl_state_stops_the_crawl_and_the_next_run_relearns_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for served in serve(tmp_path, "--articles", "180"):
        command = crawl_command(served.base_url, out, DOWNLOAD_DELAY="0.02",
                                CONCURRENT_REQUESTS_PER_DOMAIN="1")
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        state = out / "state.sqlite"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            if state.exists() and sum(p.stat().st_size for p in (out / "warc").glob("*")) > 100_000:
                state.unlink()
                break
            time.sleep(0.02)
        _stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == UNWRITABLE, stderr[-3000:]
        _one_line(stderr, "ifes-archive crawl: stopped: the crawl state")
        assert "removed or replaced during the run" in stderr
        resumed = run_crawl(served.base_url, out)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "learned" in resumed.stderr
    assert {r["article_id"] for r in resumed.records()} == set(SITE.crawlable_article_ids())


# --- user errors: one line, no traceback, in every command ------------------------------------

def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ifes_archive.crawler.cli", *args], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize(("args", "status", "says"), [
    (["crawl", "--out", "{tmp}/o", "-s", "DOWNLOAD_DELAY=soon"], 2, "setting DOWNLOAD_DELAY"),
    (["crawl", "--out", "{tmp}/o", "-s", "NOEQUALS"], 2, "NAME=VALUE"),
    (["crawl", "--out", "{tmp}/o", "--base-url", "ftp://example.org/"], 2, "http or https"),
    (["verify", "{tmp}/missing.warc.gz"], 2, "no WARC file"),
    (["rebuild", "{tmp}/missing", "--out", "{tmp}/c.jsonl"], 2, "no such file or folder"),
    (["rebuild", "{tmp}/notwarc.warc.gz", "--out", "{tmp}/c.jsonl"], 2, "not a WARC file"),
    (["rebuild", "{tmp}/broken.warc.gz", "--out", "{tmp}/c.jsonl"], 1, "nothing could be read"),
    (["rebuild", "{tmp}/broken.warc.gz", "--out", "{tmp}/broken.warc.gz/x"], 4, "cannot write"),
    (["index", "{tmp}"], 2, "no WARC files"),
    (["history", "{tmp}/missing", "5"], 2, "no corpus"),
    (["history", "{tmp}/damaged.jsonl", "5"], 2, "a line about article 5 is no record"),
    (["persons", "{tmp}/missing"], 2, "no corpus"),
    (["extract", "{tmp}/missing.html"], 2, "cannot read"),
])
def test_user_errors_are_one_line_and_a_documented_status(tmp_path: Path, args: list[str],
                                                          status: int, says: str) -> None:
    (tmp_path / "notwarc.warc.gz").write_bytes(b"this is not a WARC file at all")
    # a WARC file by its first bytes, and nothing more
    (tmp_path / "broken.warc.gz").write_bytes(gzip.compress(b"WARC/1.1\r\nno WARC header"))
    # a corpus line about article 5 that no record is (typed: no field left to print as None)
    (tmp_path / "damaged.jsonl").write_text('{"article_id": 5, "title": 3}\n', encoding="utf-8")
    done = _run(*[a.format(tmp=tmp_path) for a in args])
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("ifes-archive ")]
    assert len(errors) == 1 and says in errors[0], done.stderr


def test_history_escapes_what_the_site_wrote(tmp_path: Path, capsys) -> None:
    # A whole record (the corpus is typed: issue 21), its title and text what a hostile site wrote.
    record = a_record(article_id=5, title="Evil\x1b[2J\x1b]0;pwned\x07", text="a\u202eb")
    (tmp_path / "articles.jsonl").write_text(record_json(record, version=1, status="current")
                                             + "\n", encoding="utf-8")
    assert cli(["history", str(tmp_path), "5"]) == 0
    printed = capsys.readouterr().out
    assert "\x1b" not in printed and "\x07" not in printed
    assert "Evil\\x1b[2J\\x1b]0;pwned\\x07" in printed
