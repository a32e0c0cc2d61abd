"""A misbehaving server: every exchange is still captured, retries wait, the crawl goes on."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from ifes_archive.archive.warcs.verify import verify_file
from ifes_archive.fixtures.mirror import Mirror
from ifes_archive.fixtures.site import build_site
from tests.conftest import Crawl, run_crawl, serve
from tests.warcs import parse_http, read_raw_records

SITE = Mirror(build_site())
SINGLE = [i for i in SITE.crawlable_article_ids()
          if SITE.site.article(i).page_count == 1 and SITE.site.article(i).id != SITE.site.seed_article_id]
UNAVAILABLE, RESET, TRUNCATED, SLOW, BROKEN, CUT = SINGLE[:6]


def _only(article_id: int) -> str:
    return rf"task=view&id={article_id}(&|$)"


FAULTS = {
    UNAVAILABLE: "503:1x1",   # Retry-After: 1, once
    RESET: "resetx1",         # reset before a byte, once
    TRUNCATED: "truncate:100x1",
    SLOW: "slow:4x1",         # head at once, body after 4 s: over DOWNLOAD_TIMEOUT
    BROKEN: "500",            # always
    CUT: "reset:300x1",       # reset after 300 bytes of the response
}


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("faulty")
    args = [a for i, kind in FAULTS.items() for a in ("--fault", f"{_only(i)}={kind}")]
    for served in serve(tmp, *args):
        yield served, run_crawl(served.base_url, tmp / "out", DOWNLOAD_TIMEOUT="2",
                                RETRY_TIMES="2", RETRY_BACKOFF_BASE="0.1")


def _responses(crawl: Crawl, article_id: int) -> list:
    """The captures of the article's page (its print view, index2.php, aside)."""
    return [r for p in crawl.warc_files for r in read_raw_records(p) if r.type == "response"
            and f"id={article_id}&" in r.headers["WARC-Target-URI"] + "&"
            and "task=view" in r.headers["WARC-Target-URI"]
            and "/index2.php" not in r.headers["WARC-Target-URI"]]


def _when(record) -> datetime:
    return datetime.fromisoformat(record.headers["WARC-Date"].replace("Z", "+00:00"))


def test_crawl_finishes_and_reports_the_failure(faulty) -> None:
    _, crawl = faulty
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    assert crawl.summary["finish_reason"] == "finished"
    assert crawl.summary["failed"] == 3  # two gone pages and the always-broken article
    assert f"id={BROKEN}" in crawl.stderr


def test_every_fault_still_gives_a_record_but_the_broken_one(faulty) -> None:
    _, crawl = faulty
    ids = {r["article_id"] for r in crawl.records()}
    assert {UNAVAILABLE, RESET, TRUNCATED, SLOW, CUT} <= ids
    assert BROKEN not in ids
    assert len(ids) == len(SITE.crawlable_article_ids()) - 1


def test_retry_after_is_honoured_and_both_answers_kept(faulty) -> None:
    _, crawl = faulty
    first, second = _responses(crawl, UNAVAILABLE)
    assert parse_http(first.block).start_line == b"HTTP/1.1 503 Service Unavailable"
    assert parse_http(first.block).values("Retry-After") == ["1"]
    assert parse_http(second.block).start_line == b"HTTP/1.1 200 OK"
    assert (_when(second) - _when(first)).total_seconds() >= 1.0


def test_truncated_and_cut_answers_are_captured_as_truncated(faulty) -> None:
    _, crawl = faulty
    for article_id, reason in ((TRUNCATED, "disconnect"), (CUT, "disconnect"), (SLOW, "time")):
        partial, whole = _responses(crawl, article_id)
        assert partial.headers["WARC-Truncated"] == reason, article_id
        assert "WARC-Truncated" not in whole.headers
        assert len(partial.block) < len(whole.block)


def test_reset_before_any_byte_leaves_no_capture_then_succeeds(faulty) -> None:
    _, crawl = faulty
    (only,) = _responses(crawl, RESET)
    assert parse_http(only.block).start_line == b"HTTP/1.1 200 OK"


def test_the_always_broken_article_is_captured_each_time(faulty) -> None:
    _, crawl = faulty
    answers = _responses(crawl, BROKEN)
    assert len(answers) == 3  # first try and RETRY_TIMES=2 retries
    assert all(parse_http(r.block).start_line.startswith(b"HTTP/1.1 500 ") for r in answers)


def test_captures_of_a_faulty_crawl_verify(faulty) -> None:
    _, crawl = faulty
    for path in crawl.warc_files:
        assert verify_file(path).ok, verify_file(path).problems[:5]


def test_chunked_responses_keep_their_framing_and_digest_the_entity(tmp_path: Path) -> None:
    for served in serve(tmp_path, "--chunked", r"task=view"):
        crawl = run_crawl(served.base_url, tmp_path / "out")
        sent = {e.target: e.response_bytes for e in served.exchanges()}
    assert crawl.returncode == 0
    chunked = [r for p in crawl.warc_files for r in read_raw_records(p) if r.type == "response"
               and parse_http(r.block).values("Transfer-Encoding") == ["chunked"]]
    assert len(chunked) > 100
    for record in chunked:
        target = record.headers["WARC-Target-URI"].split("/", 3)[3]
        assert record.block == sent["/" + target]
    for path in crawl.warc_files:
        assert verify_file(path).ok  # payload digest over the de-chunked entity
    assert len(crawl.records()) == len(SITE.crawlable_article_ids())


def test_standard_tools_read_a_faulty_crawl(faulty) -> None:
    import subprocess
    import sys

    from warcio.archiveiterator import ArchiveIterator

    _, crawl = faulty
    for path in crawl.warc_files:
        with open(path, "rb") as stream:
            count = sum(1 for _ in ArchiveIterator(stream))
        assert count == len(read_raw_records(path))
        index = subprocess.run([sys.executable, "-m", "cdxj_indexer.main", str(path)],
                               capture_output=True, text=True)
        assert index.returncode == 0 and index.stdout.count("\n") > 100, index.stderr[-500:]
