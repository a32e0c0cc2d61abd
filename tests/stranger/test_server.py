"""The stranger server over real HTTP: the CLI prints its URL, pages are windows-1251 and parse."""

from __future__ import annotations

import gzip
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import lxml.html
import pytest

from ifes_archive.fixtures.stranger.serve import base_url, serve_in_thread

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def served():
    server, _thread = serve_in_thread(1, gzip=True)
    yield base_url(server), server
    server.shutdown()
    server.server_close()


def fetch(url: str, gz: bool = False) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gz else {})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, dict(resp.headers), resp.read()


def test_cli_prints_its_base_url_first():
    proc = subprocess.Popen(
        [sys.executable, "-m", "ifes_archive.fixtures.stranger.serve", "--seed", "1", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base = proc.stdout.readline().strip()
        assert base.startswith("http://127.0.0.1:") and base.endswith("/")
        status, _, body = fetch(base + "robots.txt")
        assert status == 200 and b"Disallow: /images/" in body
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_pages_are_windows_1251_and_parse_with_lxml(served):
    base, server = served
    site = server.RequestHandlerClass.app.site
    for aid in sorted(a.id for a in site.articles.values() if site.readable(a))[:15]:
        status, headers, body = fetch(f"{base}index.php?option=com_content&task=view&id={aid}")
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")  # Cyrillic chrome in single-byte windows-1251
        doc = lxml.html.fromstring(body.decode("cp1251"))
        heading = doc.xpath("string(//td[@class='contentheading'])").strip()
        assert heading == site.articles[aid].title_raw
        assert doc.xpath("//a[@class='pathway']") and doc.xpath(
            "//div[@id='leftcol']//a[@class='mainlevel']"
        )
        assert all(
            h.startswith(("http://", "index.php#", "#", "index.php"))
            for h in doc.xpath("//a/@href")
        )


def test_gzip_when_asked_and_keep_alive(served):
    base, _ = served
    _, headers, body = fetch(base + "index.php", gz=True)
    assert headers.get("Content-Encoding") == "gzip"
    assert "Главная".encode("cp1251") in gzip.decompress(body)
    _status, headers, body = fetch(base + "index.php")
    assert "Content-Encoding" not in headers and int(headers["Content-Length"]) == len(body)


def test_unknown_paths_are_404_and_refusals_are_200(served):
    base, server = served
    site = server.RequestHandlerClass.app.site
    with pytest.raises(urllib.error.HTTPError) as err:
        fetch(base + "images/stories/none.pdf")
    assert err.value.code == 404
    aid = next(a.id for a in site.articles.values() if a.access)
    status, _, body = fetch(f"{base}index.php?option=com_content&task=view&id={aid}")
    assert status == 200 and "недостаточно прав".encode("cp1251") in body
