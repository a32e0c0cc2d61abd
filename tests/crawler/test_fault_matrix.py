"""The fault matrix: one crawl of a small mirror where each article misbehaves its own way.

For every row: what the crawl did (attempts, retries), what the WARC holds (records, marks), what
the crawl log and the report say. Across all rows: no crash, no hang, no traceback, every file
verifies, no record holds bytes the server sent for another URL, every byte the server sent is
in a record or the attempt is in the crawl log.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ifes_archive.archive.warcs.http_messages import read_http
from ifes_archive.archive.warcs.reader import open_records
from ifes_archive.archive.warcs.verify import verify_file
from ifes_archive.crawler.crawllog import parse_line
from ifes_archive.fixtures.hostile import SMUGGLED, SMUGGLED_BODY
from ifes_archive.fixtures.mirror import Mirror
from ifes_archive.fixtures.site import build_site
from tests.conftest import Crawl, Served, run_crawl, serve
from tests.warcs import read_raw_records

ARTICLES = 60
SITE = Mirror(build_site(articles=ARTICLES))
SINGLE = [i for i in SITE.crawlable_article_ids()
          if SITE.site.article(i).page_count == 1 and i != SITE.site.seed_article_id]
#: (row, fault): each on an article of its own.
ROWS = [
    ("500 always", "500"),
    ("502 always", "502"),
    ("503 with Retry-After, once", "503:1x1"),
    ("429 with Retry-After, once", "429:1x1"),
    ("reset mid-body, once", "reset:300x1"),
    ("stall, once", "stall:30x1"),
    ("slow drip past the timeout, once", "trickle:6x1"),
    ("truncated body, once", "truncate:100x1"),
    ("a second response riding along", "smuggle"),
    ("Content-Length 100 short of the body", "short:100"),
    ("bad chunk size", "badchunk"),
    ("chunk-extension flood", "chunkext:15000"),
    ("1xx flood", "interim:100000"),
    ("gzip that does not decode", "badgzip"),
    ("gzip bomb of 1 GiB", "bomb:1024"),
    ("huge page", "huge:3"),
    ("redirect loop", "loop"),
    ("redirect chain", "chain:3"),
    ("redirect off-host", "offhost"),
    ("redirect to another port", "otherport"),
    ("redirect to ftp:", "ftp"),
    ("binary content typed as HTML", "binary"),
    ("empty 200", "empty"),
    ("malformed status line", "badstatus"),
    ("malformed header line", "badheader"),
]
assert len(SINGLE) > len(ROWS), "the mirror is too small for the matrix"
ARTICLE_OF = {row: SINGLE[n] for n, (row, _) in enumerate(ROWS)}
SETTINGS = {"DOWNLOAD_TIMEOUT": "3", "RETRY_TIMES": "2", "RETRY_BACKOFF_BASE": "0.05",
                "RETRY_AFTER_MAX": "1", "DOWNLOAD_MAXSIZE": str(2 * 1024 * 1024)}


def _pattern(article_id: int) -> str:
    return rf"^/index\.php\?option=com_content&task=view&id={article_id}(&|$)"


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("matrix")
    args = ["--articles", str(ARTICLES)]
    for row, fault in ROWS:
        args += ["--fault", f"{_pattern(ARTICLE_OF[row])}={fault}"]
    for served in serve(tmp, *args):
        crawl = run_crawl(served.base_url, tmp / "out", **SETTINGS)
        yield served, crawl


def _is_article(uri: str, article_id: int) -> bool:
    return re.search(_pattern(article_id), "/" + uri.split("/", 3)[3]) is not None or \
        f"/__hop/0/index.php?option=com_content&task=view&id={article_id}&" in uri + "&"


def _records(crawl: Crawl, article_id: int, kind: str = "response") -> list:
    return [r for p in crawl.warc_files for r in read_raw_records(p)
            if r.type == kind and _is_article(r.headers["WARC-Target-URI"], article_id)]


def _log(crawl: Crawl) -> list[dict[str, str]]:
    path = Path(crawl.summary["crawl_log"])
    return [parse_line(line) for line in path.read_text().splitlines()]


def _attempts(crawl: Crawl, article_id: int) -> list[dict[str, str]]:
    return [line for line in _log(crawl) if _is_article(line["url"], article_id)]


def _failure(crawl: Crawl, article_id: int) -> list[str]:
    return [f["reason"] for f in crawl.summary["failures"]
            if _is_article(f["url"], article_id)]


def _articles(crawl: Crawl) -> set[int]:
    return {r["article_id"] for r in crawl.records()}


# --- the whole crawl ---------------------------------------------------------------------------

def test_the_crawl_finishes_without_a_traceback(matrix) -> None:
    _, crawl = matrix
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert crawl.summary["finish_reason"] == "finished"
    assert "Traceback" not in crawl.stderr


def test_every_file_verifies(matrix) -> None:
    _, crawl = matrix
    for path in crawl.warc_files:
        report = verify_file(path)
        assert report.ok, report.problems[:10]


def _sent_by_target(served: Served, wanted: dict[str, int]) -> dict[str, list[bytes]]:
    """Return what the server sent per target, once it logged as many answers as ``wanted``
    (an answer the client gave up on is logged when the server notices: soon after)."""
    deadline = time.monotonic() + 20
    while True:
        sent = defaultdict(list)
        for exchange in served.exchanges():
            if exchange.response_bytes:
                sent[exchange.target].append(exchange.response_bytes)
        if all(len(sent[t]) >= n for t, n in wanted.items()) or time.monotonic() > deadline:
            return sent
        time.sleep(0.2)


def _target(uri: str) -> str:
    parts = urlsplit(uri)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def test_no_record_holds_what_was_sent_for_another_url(matrix) -> None:
    """Each response record, in order per URL, is what the server sent for that URL (all of it,
    or a start of it when the record says it was cut, or the server flooded)."""
    served, crawl = matrix
    received = defaultdict(list)
    for path in crawl.warc_files:
        for record in read_raw_records(path):
            if record.type in ("response", "revisit"):
                received[_target(record.headers["WARC-Target-URI"])].append(record)
    assert received
    sent = _sent_by_target(served, {t: len(r) for t, r in received.items()})
    for target, records in received.items():
        answers = list(sent[target])  # (the server logs a cut answer late: any order)
        assert len(records) == len(answers), target
        for record in records:
            match = next((a for a in answers if _same(record, a)), None)
            assert match is not None, (target, record.block[:200])
            answers.remove(match)


def _same(record, answer: bytes) -> bool:
    """Whether ``record`` holds ``answer``: all of it, or its start when the record says it
    was cut (or the server flooded: the log keeps only the start of a flood)."""
    block = record.block
    if "WARC-Truncated" in record.headers or len(answer) >= (1 << 20):
        n = min(len(block), len(answer))
        return block[:n] == answer[:n]
    return block == answer


def test_the_smuggled_page_is_never_anyones_page(matrix) -> None:
    _, crawl = matrix
    for path in crawl.warc_files:
        with open_records(path) as records:
            for record in records:
                if record.head.type != "response":
                    continue
                scan = read_http(record.chunks(), keep=True, decode=True)
                assert SMUGGLED_BODY not in bytes(scan.body), record.head.target_uri
    for record in crawl.records():
        assert "smuggled" not in (record.get("title") or "").lower()


def test_every_attempt_is_in_the_crawl_log(matrix) -> None:
    """Every response record has its crawl-log line (same URL, status, bytes, digest); every
    failure of the report is in the log too."""
    _, crawl = matrix
    log = _log(crawl)
    assert all(len(line) == 12 for line in log)
    lines = defaultdict(list)
    for line in log:
        lines[line["url"]].append(line)
    for path in crawl.warc_files:
        for record in read_raw_records(path):
            if record.type not in ("response", "revisit"):
                continue
            uri = record.headers["WARC-Target-URI"]
            sizes = [int(line["size"]) for line in lines[uri]]
            assert len(record.block) in sizes or record.type == "revisit", (uri, sizes)
    for failure in crawl.summary["failures"]:
        assert lines[failure["url"]], failure


def test_the_articles_that_could_be_had_are_records(matrix) -> None:
    _, crawl = matrix
    broken = {ARTICLE_OF[row] for row in (
        "500 always", "502 always", "bad chunk size", "chunk-extension flood", "1xx flood",
        "gzip that does not decode", "gzip bomb of 1 GiB", "huge page", "redirect loop",
        "redirect off-host", "redirect to another port", "redirect to ftp:",
        "binary content typed as HTML", "empty 200", "malformed status line",
        "malformed header line")}
    assert _articles(crawl) == set(SITE.crawlable_article_ids()) - broken


# --- row by row -------------------------------------------------------------------------------

def _statuses(lines: list[dict[str, str]]) -> list[int]:
    return [int(line["status"]) for line in lines]


def _notes(line: dict[str, str]) -> set[str]:
    return set(line["annotations"].split(","))


@pytest.mark.parametrize(("row", "status"), [("500 always", 500), ("502 always", 502)])
def test_a_server_error_is_retried_captured_each_time_and_reported(matrix, row, status) -> None:
    _, crawl = matrix
    article = ARTICLE_OF[row]
    lines = _attempts(crawl, article)
    assert _statuses(lines) == [status] * 3
    assert [_notes(line) & {"retry:1", "retry:2"} for line in lines] == [set(), {"retry:1"}, {"retry:2"}]
    assert len(_records(crawl, article)) == 3
    assert _failure(crawl, article) == [f"HTTP {status}"]


@pytest.mark.parametrize("row", ["503 with Retry-After, once", "429 with Retry-After, once"])
def test_retry_after_is_waited_for_and_the_page_got(matrix, row) -> None:
    _, crawl = matrix
    article = ARTICLE_OF[row]
    lines = _attempts(crawl, article)
    assert _statuses(lines)[1:] == [200] and _statuses(lines)[0] in (503, 429)
    assert article in _articles(crawl) and not _failure(crawl, article)


@pytest.mark.parametrize(("row", "mark"), [("reset mid-body, once", "disconnect"),
                                           ("truncated body, once", "disconnect"),
                                           ("slow drip past the timeout, once", "time")])
def test_a_cut_answer_is_kept_marked_and_fetched_again(matrix, row, mark) -> None:
    _, crawl = matrix
    article = ARTICLE_OF[row]
    cut, whole = _records(crawl, article)
    assert cut.headers["WARC-Truncated"] == mark and "WARC-Truncated" not in whole.headers
    first, second = _attempts(crawl, article)
    assert f"truncated:{mark}" in _notes(first) and int(first["size"]) == len(cut.block)
    assert "retry:1" in _notes(second) and int(second["status"]) == 200
    assert article in _articles(crawl)


def test_a_stall_is_a_timeout_in_the_log_and_then_the_page(matrix) -> None:
    _, crawl = matrix
    article = ARTICLE_OF["stall, once"]
    first, second = _attempts(crawl, article)
    assert (int(first["status"]), int(first["size"])) == (-4, 0)
    assert int(second["status"]) == 200 and len(_records(crawl, article)) == 1


@pytest.mark.parametrize(("row", "extra"), [("a second response riding along", len(SMUGGLED)),
                                            ("Content-Length 100 short of the body", 100)])
def test_bytes_after_the_message_are_kept_marked_and_nobody_elses(matrix, row, extra) -> None:
    _, crawl = matrix
    article = ARTICLE_OF[row]
    (record,) = _records(crawl, article)
    assert record.headers["WARC-Trailing-Bytes"] == str(extra)
    (line,) = _attempts(crawl, article)
    assert f"trailing:{extra}" in _notes(line)
    assert article in _articles(crawl)


@pytest.mark.parametrize("row", ["bad chunk size", "1xx flood", "malformed status line",
                                 "malformed header line"])
def test_bytes_that_are_no_http_are_kept_marked_and_reported(matrix, row) -> None:
    _, crawl = matrix
    article = ARTICLE_OF[row]
    records = _records(crawl, article)
    assert len(records) == 3  # retried: a proxy in between may have garbled it
    assert all(r.headers["WARC-Truncated"] == "unspecified" for r in records)
    assert all(len(r.block) <= 600_000 for r in records)  # the 1xx flood stopped early
    assert _failure(crawl, article) and "DownloadFailedError" in _failure(crawl, article)[0]


@pytest.mark.parametrize(("row", "bound"), [("chunk-extension flood", 4 * 1024 * 1024 + 65536),
                                            ("gzip bomb of 1 GiB", 2 * 1024 * 1024),
                                            ("huge page", 2 * 1024 * 1024)])
def test_a_size_bound_cuts_the_answer_records_it_and_reports_it(matrix, row, bound) -> None:
    _, crawl = matrix
    article = ARTICLE_OF[row]
    # Not retried: the same bytes would come again. (On a loaded machine a flood may first
    # outlast the timeout: that attempt is cut and marked too, and retried.)
    *slow, record = _records(crawl, article)
    assert record.headers["WARC-Truncated"] == "length"
    assert all(r.headers["WARC-Truncated"] == "time" for r in slow)
    assert all(len(r.block) <= bound + 65536 for r in [*slow, record])
    *_, line = _attempts(crawl, article)
    assert {"truncated:length", "maxsize"} <= _notes(line)
    (reason,) = _failure(crawl, article)
    assert "DOWNLOAD_MAX" in reason


def test_a_body_that_does_not_decode_is_kept_and_reported(matrix) -> None:
    _, crawl = matrix
    article = ARTICLE_OF["gzip that does not decode"]
    (record,) = _records(crawl, article)
    assert "WARC-Truncated" not in record.headers  # every byte came: the server's fault
    (line,) = _attempts(crawl, article)
    assert "content-coding" in _notes(line)
    assert "UndecodableBody" in _failure(crawl, article)[0]


def test_a_redirect_loop_ends_at_its_first_repeat(matrix) -> None:
    _, crawl = matrix
    article = ARTICLE_OF["redirect loop"]
    assert [int(line["status"]) for line in _attempts(crawl, article)] == [302]
    assert "redirect loop" in _failure(crawl, article)[0]


def test_a_redirect_chain_is_followed_and_each_hop_kept(matrix) -> None:
    _, crawl = matrix
    article = ARTICLE_OF["redirect chain"]
    hops = [line for line in _log(crawl) if f"id={article}&" in line["url"] + "&"
            and "index.php?option=com_content&task=view" in line["url"]]
    assert [int(line["status"]) for line in hops] == [302, 302, 302, 200]
    assert hops[-1]["hops"].endswith("RRR")
    assert article in _articles(crawl) and not _failure(crawl, article)


@pytest.mark.parametrize("row", ["redirect off-host", "redirect to another port"])
def test_a_redirect_out_of_scope_is_not_followed_and_reported(matrix, row) -> None:
    _, crawl = matrix
    article = ARTICLE_OF[row]
    (redirect,) = _records(crawl, article)
    assert b" 302 " in redirect.block.split(b"\r\n", 1)[0]
    refused = [line for line in _log(crawl) if int(line["status"]) == -5000
               and f"id={article}&" in line["url"] + "&"]
    assert len(refused) == 1 and "out-of-scope" in _notes(refused[0])
    assert "redirected out of scope" in _failure(crawl, article)[0]


def test_a_redirect_to_ftp_is_reported(matrix) -> None:
    _, crawl = matrix
    article = ARTICLE_OF["redirect to ftp:"]
    assert len(_records(crawl, article)) == 1
    assert _failure(crawl, article) == ["HTTP 302"]


@pytest.mark.parametrize("row", ["binary content typed as HTML", "empty 200"])
def test_a_page_that_is_no_article_is_kept_and_reported(matrix, row) -> None:
    _, crawl = matrix
    article = ARTICLE_OF[row]
    (record,) = _records(crawl, article)
    assert "WARC-Truncated" not in record.headers
    assert _failure(crawl, article) == ["not an article page"]
