"""Crawls of a mirror answering br, deflate (zlib-wrapped and raw), zstd, and all of them mixed:
the WARCs keep what the server sent, verify passes, the rebuild gives the crawl's corpus byte for
byte, and the records are the gzip crawl's. What the crawl asks for (``ACCEPT_ENCODING``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from ifes_archive.archive.corpus.rebuild import rebuild
from ifes_archive.archive.types import content_digest
from ifes_archive.archive.warcs.http_messages import read_http
from ifes_archive.archive.warcs.reader import open_records, response_entity
from ifes_archive.archive.warcs.verify import verify_file
from ifes_archive.crawler import settings as defaults
from ifes_archive.crawler.middlewares import AcceptEncodingMiddleware
from ifes_archive.crawler.run import BadSetting, project_settings
from tests.conftest import Crawl, run_crawl, serve

#: Every coding the reader decodes: what a crawl meeting deflate and zstd asks for.
EVERY = "gzip, deflate, br, zstd"
#: The mirror's --codings, the crawl's ACCEPT_ENCODING (None: the default, gzip and br), and
#: the Content-Encoding its text responses show between them ("deflate-raw": sent as deflate,
#: no zlib header; None: identity).
CASES = {
    "br": ("br", None, {"br"}),
    "deflate": ("deflate,deflate-raw", EVERY, {"deflate", "deflate-raw"}),
    "mixed": ("br,deflate,deflate-raw,zstd,gzip,identity", EVERY,
              {"br", "deflate", "deflate-raw", "zstd", "gzip", None}),
    "mixed-asked-default": ("br,deflate,deflate-raw,zstd,gzip,identity", None,
                            {"br", "gzip", None}),
}
#: Fields of a record that name the crawl rather than the article (where and when captured).
CRAWL_FIELDS = ("url", "captures", "first_seen", "last_seen")
#: What warcio's content_stream() decodes here: no zstd, and its br expects brotlipy's API
#: (``unused_data``), which the brotli package Scrapy needs does not have (warcio issue #73).
WARCIO_CODINGS = {"gzip", "deflate"}
#: A smaller site, crawled one request at a time: the crawl order, and so which menu item an
#: article is first reached through (its breadcrumb), is the same in every crawl.
SITE = ("--articles", "60")
SERIAL = {"CONCURRENT_REQUESTS": "1"}


def _crawl(tmp: Path, codings: str, accept: str | None = None) -> tuple[Crawl, str]:
    """Return a crawl of the mirror answering with ``codings``, and the base URL it had."""
    asked = {} if accept is None else {"ACCEPT_ENCODING": accept}
    for served in serve(tmp, *SITE, "--codings", codings):
        crawl = run_crawl(served.base_url, tmp / "out", **SERIAL, **asked)
        assert crawl.returncode == 0, crawl.stderr[-3000:]
    return crawl, served.base_url


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Crawl, str]:
    """The same site crawled as the live site answers: gzip."""
    return _crawl(tmp_path_factory.mktemp("gzip"), "gzip")


@pytest.fixture(scope="module", params=list(CASES))
def coded(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Crawl, str]:
    """A crawl of the mirror answering with the codings of ``CASES``, and its base URL."""
    codings, accept, _ = CASES[request.param]
    return (request.param, *_crawl(tmp_path_factory.mktemp("coded"), codings, accept))


def _codings_sent(crawl: Crawl) -> tuple[dict[str | None, int], set[str]]:
    """Return how many text responses came in each coding, and every Accept-Encoding asked."""
    sent: dict[str | None, int] = {}
    asked = set()
    for path in crawl.warc_files:
        with open_records(path) as records:
            for record in records:
                head = record.http_head()
                if record.head.type == "request" and head is not None:
                    asked.update(head.values("Accept-Encoding"))
                elif record.head.type == "response" and head is not None and head.status == 200 \
                        and (head.content_type or "").startswith("text/html"):
                    scan = read_http(record.chunks())
                    coding = head.value("Content-Encoding")
                    if coding == "deflate" and not scan.entity_prefix.startswith(b"\x78"):
                        coding = "deflate-raw"  # no zlib header
                    sent[coding] = sent.get(coding, 0) + 1
    return sent, asked


def test_the_warcs_keep_the_codings_the_server_sent(coded: tuple[str, Crawl, str]) -> None:
    case, crawl, _ = coded
    _, accept, expected = CASES[case]
    sent, asked = _codings_sent(crawl)
    assert asked == {accept or defaults.ACCEPT_ENCODING}
    assert set(sent) == expected, sent
    assert sum(sent.values()) > 150  # every article page, listing and print view


def test_verify_passes_and_every_body_decodes(coded: tuple[str, Crawl, str]) -> None:
    _, crawl, _ = coded
    for path in crawl.warc_files:
        report = verify_file(path)
        assert report.ok and report.records > 300, report.problems[:5]
        assert report.notes == []  # no body that fails to decode as its Content-Encoding says


def test_rebuild_equals_the_crawl_byte_for_byte(coded: tuple[str, Crawl, str],
                                                tmp_path: Path) -> None:
    _, crawl, _ = coded
    out = tmp_path / "corpus.jsonl"
    rebuild(crawl.warc_files, out, workers=1, progress=False)
    assert out.read_bytes() == (crawl.out / "articles.jsonl").read_bytes()


def _articles(crawl: Crawl, base_url: str) -> dict[tuple[int, int], dict]:
    records = {}
    for record in crawl.records():
        assert record["url"].startswith(base_url)
        # The digest covers the url, which names the server's port: it must be the digest of
        # what the record says, and is compared as the digest of the record at its path.
        assert record["digest"] == content_digest(record)
        kept = {k: v for k, v in record.items() if k not in CRAWL_FIELDS}
        kept = {**kept, "url": record["url"][len(base_url):]}
        records[record["article_id"], record["version"]] = {**kept, "digest": content_digest(kept)}
    return records


def test_the_records_are_the_gzip_crawls(coded: tuple[str, Crawl, str],
                                         reference: tuple[Crawl, str]) -> None:
    _, crawl, base_url = coded
    ours, theirs = _articles(crawl, base_url), _articles(*reference)
    assert len(ours) > 40 and ours.keys() == theirs.keys()
    for key, record in ours.items():
        assert record == theirs[key], key


def test_warcio_reads_the_same_entities(coded: tuple[str, Crawl, str]) -> None:
    """warcio's content_stream() (gzip, deflate either way, br) gives what the reader gives."""
    case, crawl, _ = coded
    if not CASES[case][2] & WARCIO_CODINGS:
        pytest.skip(f"warcio reads none of the {case} crawl's codings here (WARCIO_CODINGS)")
    decoded = 0
    for path in crawl.warc_files:
        with open(path, "rb") as stream, open_records(path) as records:
            for theirs, ours in zip(ArchiveIterator(stream), records, strict=True):
                assert theirs.rec_headers.get_header("WARC-Record-ID") == ours.head.id
                head = ours.http_head() if ours.head.type == "response" else None
                if head is None or not set(head.codings) <= WARCIO_CODINGS:
                    continue
                entity = response_entity(ours)
                assert entity.problem is None
                assert theirs.content_stream().read() == entity.body, ours.head.id
                decoded += bool(head.codings)
    assert decoded > 20


def _asked(**settings: object) -> bytes | None:
    middleware = AcceptEncodingMiddleware.from_crawler(get_crawler(settings_dict=settings))
    request = Request("http://127.0.0.1/")
    middleware.process_request(request)
    return request.headers.get("Accept-Encoding")


def test_the_crawl_asks_what_the_setting_says_and_nothing_the_reader_cannot_read() -> None:
    assert _asked(ACCEPT_ENCODING=defaults.ACCEPT_ENCODING) == b"gzip, br"
    assert _asked(ACCEPT_ENCODING="zstd, deflate;q=0.5") == b"zstd, deflate;q=0.5"
    with pytest.raises(NotConfigured):
        _asked(ACCEPT_ENCODING="gzip", COMPRESSION_ENABLED=False)
    with pytest.raises(NotConfigured):
        _asked(ACCEPT_ENCODING="")
    with pytest.raises(ValueError, match="compress"):
        _asked(ACCEPT_ENCODING="gzip, compress")
    # said before the crawl starts, in one line (ifes-archive crawl -s ACCEPT_ENCODING=...)
    with pytest.raises(BadSetting, match="ACCEPT_ENCODING asks for compress"):
        project_settings({"ACCEPT_ENCODING": "gzip, compress"})
