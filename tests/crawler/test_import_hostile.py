"""``ifes-archive import`` against a hostile or broken archive, served on loopback by a small
server of this test: a CDX page that never ends, one that trickles, a malformed line, status
``-`` rows, duplicate timestamps, a resume key given again, a TimeMap that links back to
itself, an index that pages on for ever, a capture too large. Each gives a clear line and an
exit status, never a hang or a traceback; each bound is named in the report (exit 5)."""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from ifes_archive.crawler.cli import main
from tests.warcs import read_raw_records

SITE = "http://ifes.example/"
ARTICLE = SITE + "index.php?option=com_content&task=view&id={}&Itemid=1"
FIELDS = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
PAGE = (b"<html><head><title>IFES</title></head><body><table class='contentpaneopen'><tr>"
        b"<td class='contentheading'>Article %d</td></tr><tr><td>Words of article %d.</td>"
        b"</tr></table></body></html>")
#: Seconds the whole test of a trickling index may take: the import's timeout is 2 s, this is
#: a generous margin on a loaded machine (the figure is printed).
TRICKLE_BOUND = 60


def row(timestamp: str, article: int, status: str = "200") -> list[str]:
    url = ARTICLE.format(article)
    return [f"example,ifes)/index.php?id={article}", timestamp, url, "text/html", status, "D",
            "1"]


def table(*rows: list[str], resume: str = "") -> bytes:
    return json.dumps([FIELDS, *rows, *([[], [resume]] if resume else [])]).encode()


class Hostile(BaseHTTPRequestHandler):
    """The archive: ``/SCENARIO/cdx/search/cdx`` its index, ``/SCENARIO/web/...`` replay."""

    stop: ClassVar[threading.Event] = threading.Event()
    requests: ClassVar[list[str]] = []
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).requests.append(self.path)
        scenario, _, rest = self.path.lstrip("/").partition("/")
        if rest.startswith("cdx/search/cdx"):
            return getattr(self, f"cdx_{scenario}")(parse_qs(urlsplit(rest).query))
        if rest.startswith("timemap/"):
            return self.timemap(rest)
        return self.replay(scenario, rest[len("web/"):])

    # The index, scenario by scenario -----------------------------------------------------

    def cdx_endless(self, query: dict) -> None:
        """A 200 whose rows never end (no length, the connection kept open)."""
        self._head(200, [("Content-Type", "text/plain")])
        line = b"example,ifes)/x 20100101000000 " + ARTICLE.format(1).encode() + \
            b" text/html 200 D 1\n"
        while not self.stop.is_set():
            self.wfile.write(line * 1000)

    def cdx_trickle(self, query: dict) -> None:
        """A 200 that sends a byte now and then, for ever."""
        self._head(200, [("Content-Type", "text/plain"), ("Content-Length", "1000000")])
        while not self.stop.wait(0.2):
            self.wfile.write(b"e")
            self.wfile.flush()

    def cdx_malformed(self, query: dict) -> None:
        body = (b"example,ifes)/x 20100101000000 " + ARTICLE.format(1).encode()
                + b" text/html 200 D 1\n"
                + b"<html>garbage</html>\n"
                + b"example,ifes)/x not-a-timestamp " + ARTICLE.format(2).encode() + b" x 200\n"
                + b'{"timestamp": "20100101000000"}\n'
                + b"example,ifes)/x 20110101000000 " + ARTICLE.format(3).encode()
                + b" text/html 200 D 1\n")
        self._send(200, body)

    def cdx_dash(self, query: dict) -> None:
        """Revisit rows (status ``-``): one the archive resolves, one it cannot."""
        self._send(200, table(row("20100101000000", 1), row("20110101000000", 1, "-"),
                              row("20120101000000", 2, "-")))

    def cdx_dupes(self, query: dict) -> None:
        """One capture listed three times (twice alike, once its URL's origin spelt otherwise,
        one URL key), another beside it at the same second."""
        same = row("20100101000000", 1)
        spelt = [same[0], same[1], same[2].replace("ifes.example", "IFES.example:80")] + same[3:]
        self._send(200, table(same, same, row("20100101000000", 2), spelt))

    def cdx_loop(self, query: dict) -> None:
        """Resume keys A, then B, then A again."""
        key = query.get("resumeKey", [""])[0]
        pages = {"": (1, "A"), "A": (2, "B"), "B": (3, "A")}
        article, resume = pages[key]
        self._send(200, table(row(f"201{article}0101000000", article), resume=resume))

    def cdx_forever(self, query: dict) -> None:
        """A new resume key on every page, for ever."""
        key = int(query.get("resumeKey", ["0"])[0])
        self._send(200, table(row(f"20{10 + key % 10}0101000000", key % 3 + 1),
                              resume=str(key + 1)))

    def cdx_big(self, query: dict) -> None:
        self._send(200, table(row("20100101000000", 1), row("20100101000000", 9)))

    def timemap(self, rest: str) -> None:
        """Page 1 links page 2, page 2 links page 1; page 1 lists its memento twice, the
        second time its URL's origin spelt otherwise."""
        root = f"http://{self.headers['Host']}/tm/"
        second = rest.endswith("/2")
        link = f"{root}timemap/link/{SITE}*" + ("" if second else "/2")
        article = 2 if second else 1
        urls = [ARTICLE.format(article)] if second else \
            [ARTICLE.format(1), ARTICLE.format(1).replace("ifes.example", "ifes.EXAMPLE.:80")]
        body = "".join(f'<{root}web/2010010100000{article}/{url}>; rel="memento"; '
                       f'datetime="Fri, 01 Jan 2010 00:00:0{article} GMT",\n' for url in urls)
        body += f'<{link}>; rel="timemap"; from="Fri, 01 Jan 2010 00:00:00 GMT"'
        self._send(200, body.encode(), "application/link-format")

    # Replay ---------------------------------------------------------------------------------

    def replay(self, scenario: str, rest: str) -> None:
        stamp, _, url = rest.partition("id_/")
        found = re.search(r"[?&]id=(\d+)", url)
        article = int(found.group(1)) if found else 0
        if scenario == "dash" and article == 2:
            return self._send(404, b"not in this archive")  # no Memento-Datetime
        body = PAGE % (article, article)
        if scenario == "big" and article == 9:
            body = body + b"<!-- padding -->" * 100_000
        moment = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.strptime(stamp, "%Y%m%d%H%M%S"))
        self._send(200, body, "text/html; charset=utf-8", [("Memento-Datetime", moment)])

    def _head(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()

    def _send(self, status: int, body: bytes, content_type: str = "text/plain",
              extra: list[tuple[str, str]] | None = None) -> None:
        self._head(status, [("Content-Type", content_type), ("Content-Length", str(len(body))),
                            *(extra or [])])
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass

    def handle(self) -> None:
        # the import lets go of an answer it will not read to the end
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().handle()


@pytest.fixture()
def hostile():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    Hostile.stop, Hostile.requests = threading.Event(), []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        Hostile.stop.set()
        server.shutdown()
        server.server_close()


def run(root: str, scenario: str, folder: Path, *options: str) -> int:
    return main(["import", str(folder), "--cdx", f"{root}{scenario}/cdx/search/cdx",
                 "--base-url", SITE, "--delay", "0", "--retries", "0", "--no-progress",
                 *options])


def report_of(folder: Path) -> dict:
    return json.loads(sorted((folder / "reports").glob("import-*.json"))[-1].read_text())


def stored(folder: Path) -> list[tuple[str, str]]:
    return sorted((r.headers["WARC-Target-URI"], r.headers["WARC-Date"][:19])
                  for p in sorted((folder / "warc").glob("*.warc.gz"))
                  for r in read_raw_records(p) if r.type == "response")


def lines_of(err: str) -> list[str]:
    assert "Traceback" not in err, err
    return err.strip().splitlines()


def test_an_index_page_that_never_ends_is_cut_by_its_bound(hostile, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "archive"
    status = run(hostile, "endless", folder, "-s", "IMPORT_INDEX_MAXSIZE=200000")
    err = lines_of(capsys.readouterr().err)
    assert status == 5, err
    assert err[-1] == "ifes-archive import: bounded: import-index-size took effect"
    bounds = report_of(folder)["bounds"]
    assert bounds["import-index-size"]["setting"] == "IMPORT_INDEX_MAXSIZE"
    assert bounds["import-index-size"]["count"] == 1
    assert stored(folder) == []  # the cut page's rows are not used


def test_an_index_page_that_trickles_ends_at_the_timeout(hostile, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture) -> None:
    started = time.monotonic()
    status = run(hostile, "trickle", tmp_path / "archive", "--timeout", "2")
    took = time.monotonic() - started
    err = lines_of(capsys.readouterr().err)
    print(f"a trickling index page: given up after {took:.1f} s (timeout 2 s)")
    assert status == 1
    assert len(err) == 1, err
    (line,) = err
    assert line.startswith("ifes-archive import: the archive's index could not be read: ")
    assert line.endswith("no whole answer within 2 s (after 1 tries)")
    assert took < TRICKLE_BOUND


def test_malformed_lines_are_left_out_and_said(hostile, tmp_path: Path,
                                               capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "archive"
    status = run(hostile, "malformed", folder)
    err = lines_of(capsys.readouterr().err)
    assert status == 1
    assert any("3 malformed rows left out: '<html>garbage</html>'" in line for line in err), err
    assert err[-1].startswith("ifes-archive import: the archive's index was not read whole")
    assert stored(folder) == [(ARTICLE.format(1), "2010-01-01T00:00:00"),
                              (ARTICLE.format(3), "2011-01-01T00:00:00")]
    assert len(report_of(folder)["index_problems"]) == 1


def test_status_dash_rows_are_fetched_through_the_replay(hostile, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "archive"
    status = run(hostile, "dash", folder)
    err = lines_of(capsys.readouterr().err)
    assert status == 0, err
    assert len(err) == 1, err
    (line,) = err
    assert "id=2" in line and "the archive has no replay of it" in line
    assert stored(folder) == [(ARTICLE.format(1), "2010-01-01T00:00:00"),
                              (ARTICLE.format(1), "2011-01-01T00:00:00")]
    revisit = [r for p in (folder / "warc").glob("*.warc.gz") for r in read_raw_records(p)
               if r.type == "response" and r.headers["WARC-Date"].startswith("2011")]
    assert revisit[0].headers["ifes-original-status"] == "-"


def test_duplicate_rows_are_one_capture_fetched_once(hostile, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "archive"
    assert run(hostile, "dupes", folder) == 0, capsys.readouterr().err
    report = report_of(folder)
    assert (report["listed"], report["distinct"], report["stored"]) == (4, 2, 2)
    assert report["requests"] == 1 + 2
    assert stored(folder) == [(ARTICLE.format(1), "2010-01-01T00:00:00"),
                              (ARTICLE.format(2), "2010-01-01T00:00:00")]


def test_a_resume_key_given_again_ends_the_paging(hostile, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "archive"
    status = run(hostile, "loop", folder)
    err = lines_of(capsys.readouterr().err)
    assert status == 1
    assert any("gave the resume key 'A' again: its paging loops" in line for line in err), err
    report = report_of(folder)
    assert report["index_pages"] == 3 and report["stored"] == 3
    assert report["requests"] == 3 + 3


def test_a_timemap_that_links_back_ends_the_paging(hostile, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "archive"
    status = main(["import", str(folder), "--timemap", f"{hostile}tm/timemap/link/{SITE}*",
                   "--base-url", SITE, "--delay", "0", "--retries", "0", "--no-progress"])
    err = lines_of(capsys.readouterr().err)
    assert status == 1
    assert any("the TimeMap links this page again" in line for line in err), err
    assert [url for url, _ in stored(folder)] == [ARTICLE.format(1), ARTICLE.format(2)]
    report = report_of(folder)
    assert (report["listed"], report["distinct"], report["index_pages"]) == (3, 2, 2)
    assert report["requests"] == 2 + 2


def test_an_index_that_pages_for_ever_is_cut_by_its_bound(hostile, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "archive"
    status = run(hostile, "forever", folder, "-s", "IMPORT_MAX_INDEX_PAGES=5")
    err = lines_of(capsys.readouterr().err)
    assert status == 5, err
    report = report_of(folder)
    assert report["index_pages"] == 5
    assert report["bounds"]["import-index-pages"]["setting"] == "IMPORT_MAX_INDEX_PAGES"
    assert report["stored"] == report["distinct"] == 5


def test_a_capture_past_its_size_is_not_stored(hostile, tmp_path: Path,
                                               capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "archive"
    status = run(hostile, "big", folder, "-s", "IMPORT_CAPTURE_MAXSIZE=100000")
    err = lines_of(capsys.readouterr().err)
    assert status == 5, err
    assert any(line.startswith("import: not stored: ") and "id=9" in line for line in err), err
    assert stored(folder) == [(ARTICLE.format(1), "2010-01-01T00:00:00")]
    assert report_of(folder)["bounds"]["import-capture-size"]["count"] == 1


@pytest.mark.parametrize(("setting", "start"), [
    ("IMPORT_DELAY=soon", "setting IMPORT_DELAY='soon': not a number"),
    ("IMPORT_DELAY=inf", "setting IMPORT_DELAY='inf': not a number"),
    ("IMPORT_RETRIES=2.5", "setting IMPORT_RETRIES='2.5': not a whole number"),
    ("DOWNLOAD_DELAY=1", "setting DOWNLOAD_DELAY: not a setting of the import"),
    ("IMPORT_TIMEOUT", "setting must be NAME=VALUE"),
])
def test_a_bad_setting_is_one_line_and_no_request(setting: str, start: str, hostile,
                                                  tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    assert run(hostile, "dash", tmp_path / "archive", "-s", setting) == 2
    (line,) = lines_of(capsys.readouterr().err)
    assert line.startswith(f"ifes-archive import: {start}"), line
    assert Hostile.requests == []
