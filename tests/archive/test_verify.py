"""``ifes-archive verify`` on the crawl's own record of a server that answers an HTTP/1.1
request with the HTTP/2 connection preface: true as it stands (a note, exit 0). Another answer
that is no HTTP at all stays a problem.

The records are the crawl's: its capturing handler fetches from a server on loopback that
answers so, into an archive folder, as a crawl does (tests/crawler/components.py).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from scrapy import Request

from ifes_archive.crawler.cli import main
from tests.crawler.components import Downloader, close_crawler, open_crawler
from tests.crawler.test_http11 import ScriptedServer, answer
from tests.warcs import read_raw_records

#: The preface (RFC 9113, 3.4) and an empty SETTINGS frame, as an h2-only server sends them.
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"


def _captured(answered: bytes, archive: Path) -> Path:
    """Return the WARC file of one fetch from a server answering ``answered``."""
    with ScriptedServer(answer(answered)) as server:
        crawler = open_crawler(archive, base_url=server.url)
        try:
            with contextlib.suppress(Exception):  # the fetch fails: a protocol error
                Downloader(crawler).fetch(Request(server.url + "index.php"))
        finally:
            close_crawler(crawler)
    (warc,) = sorted((archive / "warc").glob("*.warc.gz"))
    return warc


@pytest.mark.parametrize(("answered", "status"), [(PREFACE, 0),
                                                  (b"<html>not HTTP at all</html>\r\n\r\n", 1)])
def test_an_http2_preface_answer_is_a_true_record(answered: bytes, status: int, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    warc = _captured(answered, tmp_path / "archive")
    (response,) = [r for r in read_raw_records(warc) if r.type == "response"]
    assert response.block == answered and response.headers["WARC-Truncated"] == "unspecified"
    assert main(["verify", str(warc)]) == status
    out = capsys.readouterr().out
    if status == 0:
        assert "1 problems" not in out and "note: " in out and "HTTP/2 connection preface" in out
    else:
        assert "malformed HTTP response" in out
