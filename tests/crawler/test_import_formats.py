"""``ifes-archive import`` against the Internet Archive's answer formats, served on loopback
from fixtures written from its documentation (the CDX server's JSON with a resume key, the raw
``id_`` replay with ``X-Archive-Orig-*`` headers, a TimeMap paged with ``rel="timemap"``), and
the plain CDX line formats read back. Nothing here reaches the internet."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from ifes_archive.archive.corpus.imports.cdx import parse_cdx
from ifes_archive.archive.corpus.imports.records import SOURCE_URI
from ifes_archive.crawler.archive_client import retry_after
from ifes_archive.crawler.cli import main
from tests.warcs import parse_http, read_raw_records

SITE = "http://ifes.example/"
ARTICLE = SITE + "index.php?option=com_content&task=view&id={}&Itemid=1"
PRINT = SITE + "index2.php?option=com_content&task=view&id={}&pop=1&page=0&Itemid=1"
LISTING = SITE + "index.php?option=com_content&task=category&sectionid=1&id=2&Itemid=3"
FIELDS = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]


def row(timestamp: str, url: str, status: str = "200", mime: str = "text/html") -> list[str]:
    return ["example,ifes)/" + url[len(SITE):], timestamp, url, mime, status, "DIGEST", "999"]


#: The CDX answers: page one ends with a resume key; page two holds a duplicate row, a revisit
#: row (status "-"), an image, a redirect and a page of another site.
PAGE_ONE = [FIELDS, row("20090301120000", ARTICLE.format(5)),
            row("20090301120005", PRINT.format(5)), row("20100101000000", ARTICLE.format(6)),
            [], ["example,ifes)/index.php?option=com_content 20100101000000"]]
PAGE_TWO = [FIELDS, row("20100101000000", ARTICLE.format(6)),
            row("20110101000000", ARTICLE.format(5), "-", "warc/revisit"),
            row("20110202000000", ARTICLE.format(7)), row("20120101000000", LISTING, "404"),
            row("20120101000000", SITE + "images/logo.gif", "200", "image/gif"),
            row("20120101000000", SITE + "index.php?option=com_frontpage", "301"),
            row("20120101000000", "http://other.example/index.php?option=com_content&task=view&id=1")]
#: A page as the site sent it, and one the archive rewrote (id 7).
PAGE = b"<html><head><title>IFES</title></head><body><p>Article %d</p></body></html>"
BANNER = b"<html><head><script src='/_static/wombat.js'></script></head><body></body></html>"


def replay_headers(timestamp: str, length: int) -> list[tuple[str, str]]:
    """Headers of the Internet Archive's id_ replay: originals prefixed, its own plain."""
    moment = f"{timestamp[6:8]} {['Jan', 'Feb', 'Mar'][int(timestamp[4:6]) - 1]} {timestamp[:4]}"
    http_date = f"Sun, {moment} {timestamp[8:10]}:{timestamp[10:12]}:{timestamp[12:14]} GMT"
    return [("Server", "nginx"), ("Date", "Mon, 07 Dec 2026 12:00:00 GMT"),
            ("Content-Type", "text/html; charset=windows-1251"),
            ("X-Archive-Orig-Server", "Apache/1.3.37 (Unix)"),
            ("X-Archive-Orig-Date", http_date), ("X-Archive-Orig-Content-Length", "12345"),
            ("X-Archive-Orig-Connection", "close"), ("Memento-Datetime", http_date),
            ("Link", f'<{SITE}>; rel="original"'), ("X-Archive-Src", "IA-000.arc.gz"),
            ("Content-Length", str(length))]


class FakeArchive(BaseHTTPRequestHandler):
    """The Internet Archive's CDX server, raw replay and TimeMaps, from fixtures."""

    throttled: ClassVar[set[str]] = set()
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).requests.append(self.path)
        parts = urlsplit(self.path)
        if parts.path == "/cdx/search/cdx":
            page = PAGE_TWO if "resumeKey" in parse_qs(parts.query) else PAGE_ONE
            return self._send(200, [("Content-Type", "application/json")], json.dumps(page).encode())
        if parts.path.startswith("/web/timemap/link/"):
            return self._timemap("/2" in parts.path[-2:])
        stamp, _, url = self.path[len("/web/"):].partition("id_/")
        if url == ARTICLE.format(6) and url not in self.throttled:
            type(self).throttled.add(url)
            return self._send(429, [("Retry-After", "0")], b"slow down")
        body = BANNER if "id=7" in url else PAGE % len(url)
        status = 404 if url == LISTING else 200
        return self._send(status, replay_headers(stamp, len(body)), body)

    def _timemap(self, second: bool) -> None:
        root = f"http://{self.headers['Host']}/web/"
        if second:
            body = f'<{root}20110101000000/{ARTICLE.format(5)}>; rel="memento"; datetime="Sat, 01 Jan 2011 00:00:00 GMT"'
        else:
            body = (f'<{SITE}*>; rel="original",\n'
                    f'<{root}timemap/link/{SITE}*>; rel="self"; type="application/link-format",\n'
                    f'<{root}20090301120000/{ARTICLE.format(5)}>; rel="first memento"; datetime="Sun, 01 Mar 2009 12:00:00 GMT",\n'
                    f'<{root}20100101000000/{ARTICLE.format(6)}>; rel="memento"; datetime="Fri, 01 Jan 2010 00:00:00 GMT",\n'
                    f'<{root}timemap/link/{SITE}*/2>; rel="timemap"; type="application/link-format"; from="Fri, 01 Jan 2010 00:00:00 GMT"')
        self._send(200, [("Content-Type", "application/link-format")], body.encode())

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if not any(k == "Content-Length" for k, _ in headers):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def fake_archive():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeArchive)
    FakeArchive.throttled, FakeArchive.requests = set(), []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _responses(folder: Path) -> list:
    return [r for p in sorted((folder / "warc").glob("*.warc.gz")) for r in read_raw_records(p)
            if r.type == "response"]


def test_cdx_import_of_the_internet_archive_kind(fake_archive, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "archive"
    status = main(["import", str(folder), "--cdx", f"{fake_archive}cdx/search/cdx",
                   "--base-url", SITE, "--delay", "0", "--no-progress"])
    out = capsys.readouterr()
    assert status == 0, out.err
    assert "refused" in out.err and "id=7" in out.err and "replay code" in out.err
    (report_path,) = (folder / "reports").glob("import-*.json")
    report = json.loads(report_path.read_text())
    # 10 rows: one a duplicate, one an image, one a redirect, one of another site.
    assert (report["listed"], report["distinct"], report["stored"]) == (10, 6, 5)
    assert report["index_pages"] == 2 and report["requests"] == 2 + 6 + 1  # one 429 retried
    records = {(r.headers["WARC-Target-URI"], r.headers["WARC-Date"]): r for r in _responses(folder)}
    first = records[(ARTICLE.format(5), "2009-03-01T12:00:00.000000Z")]
    head = parse_http(first.block)
    names = {k.lower(): v for k, v in head.headers}
    assert names["server"] == "Apache/1.3.37 (Unix)"  # the site's, not the archive's nginx
    assert names["content-length"] == str(len(PAGE % len(ARTICLE.format(5))))
    assert "memento-datetime" not in names and "x-archive-src" not in names
    assert "connection" not in names and "link" not in names
    assert first.headers[SOURCE_URI] == f"{fake_archive}web/20090301120000id_/{ARTICLE.format(5)}"
    assert first.headers["ifes-original-status"] == "200"
    (metadata,) = [r for p in sorted((folder / "warc").glob("*.warc.gz"))
                   for r in read_raw_records(p) if r.type == "metadata"
                   and r.headers["WARC-Concurrent-To"] == first.headers["WARC-Record-ID"]]
    assert b"original-headers: the archive's X-Archive-Orig-* headers" in metadata.block
    assert b"X-Archive-Orig-Content-Length: 12345" in metadata.block  # the answer, verbatim
    revisit = records[(ARTICLE.format(5), "2011-01-01T00:00:00.000000Z")]
    assert revisit.headers["ifes-original-status"] == "-"
    gone = records[(LISTING, "2012-01-01T00:00:00.000000Z")]
    assert gone.block.startswith(b"HTTP/1.1 404 ")
    # A second run finds everything imported: it asks the index again and fetches only the
    # refused capture again.
    assert main(["import", str(folder), "--cdx", f"{fake_archive}cdx/search/cdx",
                 "--base-url", SITE, "--delay", "0", "--no-progress"]) == 0
    assert len(_responses(folder)) == 5


def test_timemap_import_follows_its_pages(fake_archive, tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    status = main(["import", str(folder), "--timemap", f"{fake_archive}web/timemap/link/{SITE}*",
                   "--base-url", SITE, "--delay", "0", "--no-progress"])
    assert status == 0
    stored = sorted((r.headers["WARC-Target-URI"], r.headers["WARC-Date"])
                    for r in _responses(folder))
    assert stored == [(ARTICLE.format(5), "2009-03-01T12:00:00.000000Z"),
                      (ARTICLE.format(5), "2011-01-01T00:00:00.000000Z"),
                      (ARTICLE.format(6), "2010-01-01T00:00:00.000000Z")]
    assert all("id_/" in r.headers[SOURCE_URI] for r in _responses(folder))


def test_plain_cdx_lines_and_pywb_answers_are_read() -> None:
    plain = ("example,ifes)/index.php?id=5 20090301120000 http://ifes.example/index.php?id=5 "
             "text/html 200 AAAA 1234\n"
             "example,ifes)/index.php?id=5 20100301120000 http://ifes.example/index.php?id=5 "
             "warc/revisit - AAAA 567\n\nexample,ifes)/index.php?id=6+20100301120000\n")
    page = parse_cdx(plain)
    assert [(c.timestamp, c.statuscode) for c in page.captures] == \
        [("20090301120000", "200"), ("20100301120000", "-")]
    assert page.resume_key == "example,ifes)/index.php?id=6+20100301120000"
    pywb = ('{"urlkey": "k", "timestamp": "20090301120000", "url": "http://ifes.example/", '
            '"mime": "text/html", "status": "200"}\n'
            'k 20100301120000 {"url": "http://ifes.example/", "status": "404"}\n')
    assert [(c.original, c.statuscode) for c in parse_cdx(pywb).captures] == \
        [("http://ifes.example/", "200"), ("http://ifes.example/", "404")]
    with pytest.raises(ValueError):
        parse_cdx("<html>not a cdx answer</html>")


def test_retry_after_in_seconds_and_as_a_date() -> None:
    assert retry_after("7") == 7.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=lambda: 1445412470.0) == 10.0
    assert retry_after("soon") is None and retry_after(None) is None


def test_a_page_whose_links_lead_into_the_archive_is_refused() -> None:
    from ifes_archive.archive.corpus.imports.records import rewritten

    root = "https://web.archive.org/web/"
    page = b'<a href="/web/20090301120000/http://ifes.example/index.php?id=5">next</a>'
    assert rewritten(page, root) == "its links are rewritten to the archive's replay URLs"
    assert rewritten(PAGE % 1, root) is None
    assert rewritten(b'<a href="http://ifes.example/web/2009/">', root) is None


@pytest.mark.parametrize(("args", "status", "start"), [
    (["--cdx", "ftp://archive.example/cdx"], 2, "the index must be an http or https URL"),
    (["--cdx", "https://web.archive.org/cdx/search/cdx"], 2,
     "an import from web.archive.org needs a contact for its operator"),
    (["--cdx", "https://web.archive.org/cdx/search/cdx", "--operator", "Jane"], 2,
     "the operator 'Jane' holds no e-mail address or URL"),
])
def test_user_errors_are_one_line_and_no_request(args: list[str], status: int, start: str,
                                                 tmp_path: Path, capsys: pytest.CaptureFixture,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WARC_OPERATOR", raising=False)
    assert main(["import", str(tmp_path / "archive"), *args, "--no-progress"]) == status
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (line,) = err.strip().splitlines()
    assert line.startswith(f"ifes-archive import: {start}"), line
    assert not (tmp_path / "archive").exists()


def test_a_folder_that_is_a_file_is_one_line(fake_archive, tmp_path: Path,
                                             capsys: pytest.CaptureFixture) -> None:
    target = tmp_path / "archive"
    target.write_text("not a folder")
    assert main(["import", str(target), "--cdx", f"{fake_archive}cdx/search/cdx",
                 "--base-url", SITE, "--delay", "0", "--no-progress"]) == 4
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("ifes-archive import: cannot write")


def test_a_crawl_state_learns_nothing_from_imported_captures(fake_archive,
                                                             tmp_path: Path) -> None:
    """A crawl that finds no state beside WARC files relearns it from them, but not from an
    import's: the state holds what the crawls captured (an archive's validators of years ago
    would make conditional requests); the import noted the articles it holds instead."""
    from ifes_archive.archive.warcs.state import CrawlState
    from ifes_archive.crawler.session import recover_state

    folder = tmp_path / "archive"
    assert main(["import", str(folder), "--cdx", f"{fake_archive}cdx/search/cdx",
                 "--base-url", SITE, "--delay", "0", "--no-progress"]) == 0
    files = sorted((folder / "warc").glob("*.warc.gz"))
    assert files and _responses(folder)
    state = CrawlState(tmp_path / "state.sqlite")
    try:
        assert recover_state(state, files, 0, [SITE]) == 0
        assert state.known_articles() == []
    finally:
        state.close()
    held = json.loads((folder / "articles.archived.json").read_text())
    assert held == {f"127.0.0.1:{urlsplit(fake_archive).port}": [5, 6]}  # 7 was refused
