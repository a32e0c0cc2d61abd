"""SIGKILL the crawl at random points; each restart resumes; nothing is lost or doubled."""

from __future__ import annotations

import contextlib
import json
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from ifes_archive.archive.corpus.rebuild import rebuild
from ifes_archive.archive.page.joomla import state_key
from ifes_archive.archive.warcs.verify import verify_file
from ifes_archive.fixtures.epochs import site_at
from ifes_archive.fixtures.mirror import Mirror
from ifes_archive.fixtures.server import MIRROR_SETTINGS
from ifes_archive.fixtures.site import build_site
from ifes_archive.fixtures.timeline import wait_for_epoch
from tests.conftest import Crawl, serve
from tests.warcs import parse_http, read_raw_records

KILLS = 3
#: The mirror's size: 60 articles hold edits, additions and withdrawals at epoch 1 (the recrawl
#: test checks it); a kill lands among as many concurrent writes as at 180, in a third the time.
ARTICLES = 60
MIRROR = ("--articles", str(ARTICLES))
#: Seeded, so a failure can be replayed: kill when the WARC files of the folder have grown to
#: this many bytes (a point in the crawl, not a time: the machine may be slow or loaded). A
#: whole crawl of the 60-article mirror writes about 0.7 MB; a kill after the crawl ended fails
#: the test (the kills must land mid-crawl).
KILL_AT_BYTES = sorted(random.Random(20261128).sample(range(40_000, 500_000, 5_000), KILLS))


def _size(warc: Path) -> int:
    total = 0
    for path in warc.glob("*") if warc.is_dir() else []:
        with contextlib.suppress(FileNotFoundError):  # renamed from .open while we looked
            total += path.stat().st_size
    return total


def _kill_when_grown(process: subprocess.Popen, warc: Path, size: int,
                     sig: signal.Signals = signal.SIGKILL) -> None:
    """Kill once the folder holds ``size`` bytes and this run has a file open: a file the killed
    run before it left open does not count (two kill points close together would otherwise kill
    the run before it wrote anything)."""
    left = set(warc.glob("*.open"))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if _size(warc) >= size and set(warc.glob("*.open")) - left:
            break
        time.sleep(0.02)
    process.send_signal(sig)
    process.wait()


def _command(base_url: str, out: Path) -> list[str]:
    # Slower than the default mirror settings, so a kill lands mid-crawl.
    settings = {**MIRROR_SETTINGS, "CONCURRENT_REQUESTS_PER_DOMAIN": "2", "LOG_LEVEL": "INFO"}
    pairs = [a for k, v in settings.items() for a in ("-s", f"{k}={v}")]
    return [sys.executable, "-m", "ifes_archive.crawler.cli", "crawl", "--base-url", base_url, "--out",
            str(out), *pairs]


def _complete_article_captures(out: Path, skip: set[str] | frozenset[str] = frozenset(),
                               revisits: bool = False) -> Counter:
    """Count, per article page, its complete 200 captures (and its revisits, if asked) in the
    folder's files but those named in ``skip``."""
    counts: Counter = Counter()
    for path in sorted((out / "warc").iterdir()):
        if path.name in skip:
            continue
        for record in read_raw_records(path):
            if (revisits and record.type == "revisit") or (
                    record.type == "response" and "WARC-Truncated" not in record.headers
                    and parse_http(record.block).start_line.startswith(b"HTTP/1.1 200")):
                key = state_key(record.headers["WARC-Target-URI"])
                if key.startswith("article:"):
                    counts[key] += 1
    return counts


#: The first print view asked for answers nothing for a minute: the crawl is stopped (SIGTERM)
#: while it waits, so the stop cuts an article between its page and its print view.
STALLED_PRINT_VIEW = "pop=1=stall:60x1"


#: Article pages and print views the server has answered when the SIGTERM lands: the first
#: article's print view (its chain goes ahead of the listings) was asked for by then, and
#: stalls.
TERM_AFTER_VIEWS = 6


def _stop_when_printing(process: subprocess.Popen, exchanges: Path) -> None:
    """SIGTERM the crawl once the server has answered a few article pages (the first print
    view, asked for after the first of them, waits on the stall): a point in the crawl, not a
    time."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if sum(b"task=view" in path.read_bytes()
               for path in exchanges.glob("*.req")) >= TERM_AFTER_VIEWS:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    process.wait()


def _checks(records: list[dict]) -> dict[int, list[str]]:
    """Article id -> the checks of its newest record but ``crumb`` (the breadcrumb is that of
    the menu item the article was first reached under, which depends on the order of the
    crawl, not on its stops)."""
    return {r["article_id"]: sorted(c["check"] for c in r["checks"] if c["check"] != "crumb")
            for r in records}


def test_killed_crawls_resume_without_loss_or_doubles(tmp_path: Path) -> None:
    out = tmp_path / "out"
    left_open = 0
    for served in serve(tmp_path, *MIRROR, "--fault", STALLED_PRINT_VIEW, "--fault",
                        r"task=(view|category|blog)=slow:0.05"):
        # A clean stop first (SIGTERM): an article's print view is cut by it, its page kept.
        log = tmp_path / "stopped.log"
        with open(log, "w", encoding="utf-8") as stderr:
            stopped = subprocess.Popen(_command(served.base_url, out),
                                       stdout=subprocess.DEVNULL, stderr=stderr)
            _stop_when_printing(stopped, served.log_dir)
        cut = [line for line in log.read_text(encoding="utf-8").splitlines()
               if "pop=1" in line and "RunEnded" in line]
        assert cut, "the SIGTERM did not cut a print view"
        assert not list((out / "warc").glob("*.open")), "the SIGTERM left a file open"
        # The kill points count from what the stopped run wrote (a kill point the folder had
        # passed already would kill the next run as it opens its file, before it writes).
        base = _size(out / "warc")
        # Its files are left out of the count of doubles: a later page of an article it cut
        # makes the next run fetch the article whole (crawler/runend.py), page 0 again.
        stopped_files = {p.name for p in (out / "warc").iterdir()}
        for size in KILL_AT_BYTES:
            process = subprocess.Popen(_command(served.base_url, out), stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            _kill_when_grown(process, out / "warc", base + size)
            left_open += len(list((out / "warc").glob("*.open")))
        done = subprocess.run(_command(served.base_url, out), capture_output=True, text=True,
                              timeout=600)
        once = subprocess.run(_command(served.base_url, tmp_path / "once"), capture_output=True,
                              text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert once.returncode == 0, once.stderr[-3000:]
    crawl = Crawl(out, done.returncode, done.stdout, done.stderr)
    one_run = _checks(Crawl(tmp_path / "once", 0, "", "").records())
    assert _checks(crawl.records()) == one_run, \
        "a record of the stopped and resumed crawl lacks a check a one-run crawl gives it"
    files = list((out / "warc").iterdir())
    assert not [p for p in files if p.name.endswith(".open")], "interrupted files not closed out"
    assert len(files) >= KILLS + 1
    for path in files:
        report = verify_file(path)
        assert report.ok, (path.name, report.problems[:5])
    doubled = {k: n for k, n in _complete_article_captures(out, skip=stopped_files).items()
               if n > 1}
    assert not doubled, f"re-fetched after a restart: {doubled}"
    site = Mirror(build_site(articles=ARTICLES))
    ids = [r["article_id"] for r in crawl.records()]
    assert len(ids) == len(set(ids)), "a record is doubled"
    assert set(ids) == set(site.crawlable_article_ids()), "a record is lost"
    assert left_open == KILLS, "the kills did not land mid-crawl"
    rebuilt = tmp_path / "rebuilt.jsonl"
    rebuild([out / "warc"], rebuilt, workers=2, progress=False)
    assert rebuilt.read_bytes() == (out / "articles.jsonl").read_bytes(), \
        "the WARCs of the killed and resumed runs do not give the crawl's corpus"
    assert _checks([json.loads(line) for line in rebuilt.read_text().splitlines()]) == one_run
    assert crawl.summary["captures"] < crawl.summary["requests"], "the last run fetched everything again"


def test_a_killed_recrawl_resumes_and_keeps_versions_exact(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _, (changes,) = site_at(articles=ARTICLES, epoch=1)
    assert changes.edited and changes.added and changes.removed, changes
    for served in serve(tmp_path, *MIRROR, "--validators", "--fault",
                        r"task=(view|category|blog)=slow:0.05"):
        first = subprocess.run(_command(served.base_url, out), capture_output=True, text=True,
                               timeout=600)
        assert first.returncode == 0, first.stderr[-3000:]
        before = {p.name for p in (out / "warc").iterdir()}
        base = _size(out / "warc")
        assert served.process is not None
        served.process.send_signal(signal.SIGUSR1)
        wait_for_epoch(served.base_url, 1)
        left_open = 0
        for grown in sorted(random.Random(5).sample(range(10_000, 100_000, 2_000), KILLS)):
            process = subprocess.Popen(_command(served.base_url, out), stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            _kill_when_grown(process, out / "warc", base + grown)
            left_open += len(list((out / "warc").glob("*.open")))
        done = subprocess.run(_command(served.base_url, out), capture_output=True, text=True,
                              timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert left_open == KILLS, "the kills did not land mid-recrawl"
    assert not list((out / "warc").glob("*.open"))
    for path in (out / "warc").iterdir():
        report = verify_file(path)
        assert report.ok, (path.name, report.problems[:5])
    recrawled = _complete_article_captures(out, skip=before, revisits=True)
    doubled = {k: n for k, n in recrawled.items() if n > 1}
    assert not doubled, f"fetched twice by the resumed recrawl: {doubled}"
    versions: dict[int, list[dict]] = {}
    for record in Crawl(out, 0, "", "").records():
        versions.setdefault(record["article_id"], []).append(record)
    for article_id, kept in versions.items():
        expected = 2 if article_id in changes.edited else 1
        assert len(kept) == expected, (article_id, [r["first_seen"] for r in kept])
        assert kept[-1]["status"] == ("gone" if article_id in changes.removed else "current")
    assert changes.added <= set(versions)
    rebuilt = tmp_path / "rebuilt.jsonl"
    rebuild([out / "warc"], rebuilt, workers=2, progress=False)
    assert rebuilt.read_bytes() == (out / "articles.jsonl").read_bytes()
