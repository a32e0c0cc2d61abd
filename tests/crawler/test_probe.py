"""First contact with a site, probed and crawled: the mirror, a site that moved to another port,
one that moved to another site, one in another template, one closed by robots.txt, one that
answers 503 to everything. Each gives its verdict, its exit status and its one-line reason."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest

from ifes_archive.archive.warcs.reader import open_records, warcinfo_fields
from ifes_archive.crawler.cli import main
from ifes_archive.crawler.useragent import version
from ifes_archive.fixtures.mirror import MirrorResponse
from ifes_archive.fixtures.server import MirrorServer
from tests.conftest import run_crawl, serve

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.conftest import Served

#: Quick to give up: one retry, a short back-off.
#: (The crawl asks a robots.txt that answers 5xx again later, ROBOTSTXT_RETRIES times: not here.)
FAST = {"DOWNLOAD_DELAY": "0", "RETRY_TIMES": "1", "RETRY_BACKOFF_BASE": "0.05",
        "DOWNLOAD_TIMEOUT": "10", "ROBOTSTXT_RETRIES": "0"}
OPERATOR = "Jane Doe <jane@example.org>"
EXIT_UNREACHABLE, EXIT_ROBOTS, EXIT_OUT_OF_SCOPE, EXIT_NOT_TEMPLATE = 10, 11, 12, 13


class Recorder:
    """A stand-in site that notes every request-target (and when it came) before answering."""

    def __init__(self) -> None:
        self.targets: list[str] = []
        self.times: list[float] = []
        self._lock = threading.Lock()

    def respond(self, method: str, target: str, base_url: str,
                request_headers: list[tuple[str, str]]) -> MirrorResponse:
        with self._lock:
            self.targets.append(target)
            self.times.append(time.monotonic())
        return self.answer(target, base_url)

    def answer(self, target: str, base_url: str) -> MirrorResponse:
        raise NotImplementedError


class MovedTo(Recorder):
    """Every URL redirects, permanently, to the same path at another base URL."""

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url

    def answer(self, target: str, base_url: str) -> MirrorResponse:
        return MirrorResponse(301, "Moved Permanently",
                              [("Location", self.base_url + target.lstrip("/"))], b"")


class Unavailable(Recorder):
    def answer(self, target: str, base_url: str) -> MirrorResponse:
        return MirrorResponse(503, "Service Unavailable", [("Content-Type", "text/html")],
                              b"<html><body><h1>Service Unavailable</h1></body></html>")


class ClosedByRobots(Recorder):
    def answer(self, target: str, base_url: str) -> MirrorResponse:
        if target == "/robots.txt":
            return MirrorResponse(200, "OK", [("Content-Type", "text/plain")],
                                  b"User-agent: *\nDisallow: /\n")
        return MirrorResponse(200, "OK", [("Content-Type", "text/html")], b"<html>hi</html>")


class NotTheTemplate(Recorder):
    """The site's URLs in another template (Joomla 1.5's markup, UTF-8): no madeyourweb shell,
    no ``table.contentpaneopen``."""

    def answer(self, target: str, base_url: str) -> MirrorResponse:
        if target == "/robots.txt":
            return MirrorResponse(404, "Not Found", [("Content-Type", "text/html")], b"")
        query = {k.lower(): v[0] for k, v in parse_qs(urlsplit(target).query).items()}
        if query.get("task") == "view":
            main = self._article(int(query["id"]))
        else:
            links = "".join(f'<li><a href="{base_url}index.php?option=com_content&amp;task=view'
                            f'&amp;id={i}&amp;Itemid=2">Article {i}</a></li>' for i in (1, 2, 3))
            main = f'<h1 class="componentheading">Articles</h1><ul class="articles">{links}</ul>'
        menu = (f'<ul class="menu"><li><a href="{base_url}index.php?option=com_content&amp;'
                f'task=category&amp;sectionid=1&amp;id=1&amp;Itemid=2">Articles</a></li></ul>')
        page = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Centre</title></head>'
                f'<body><div id="wrapper"><div id="leftcolumn">{menu}</div>'
                f'<div id="maincolumn">{main}</div></div></body></html>')
        return MirrorResponse(200, "OK", [("Content-Type", "text/html; charset=utf-8")],
                              page.encode("utf-8"))

    @staticmethod
    def _article(article_id: int) -> str:
        paragraph = (f"Article {article_id} looks at the Japanese economy of the 1990s, its banks "
                     "and the long stagnation that followed the bubble, as seen from Moscow. ")
        return (f'<h2 class="contentheading">Article {article_id}</h2>'
                '<p class="createdate">Monday, 05 March 2012</p><div class="article-content">'
                + "".join(f"<p>{paragraph * 3}</p>" for _ in range(4)) + "</div>")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A mirror of its own (the session's keeps an exact log of its one crawl)."""
    yield from serve(tmp_path_factory.mktemp("small"), "--articles", "30")


def _probe(capsys: pytest.CaptureFixture[str], base_url: str, *args: str,
           **settings: str) -> tuple[int, str, str]:
    pairs = [a for k, v in {**FAST, **settings}.items() for a in ("-s", f"{k}={v}")]
    status = main(["probe", "--base-url", base_url, *pairs, *args])
    out, err = capsys.readouterr()
    return status, out, err


def _last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def _warcinfo_and_captures(out: Path) -> tuple[dict[str, str], list[tuple[str, str, int]]]:
    info: dict[str, str] = {}
    captures = []
    for path in sorted((out / "warc").glob("*.warc.gz")):
        with open_records(path) as records:
            for record in records:
                if record.head.type == "warcinfo":
                    info.update(warcinfo_fields(record))
                elif record.head.type in ("response", "revisit"):
                    http = record.http_head()
                    assert http is not None, record.head.offset
                    captures.append((record.head.type, record.head.target_uri, http.status))
    return info, captures


# The mirror ---------------------------------------------------------------------------------------


def test_probe_of_the_mirror_says_a_crawl_would_work(small: Served, capsys) -> None:
    status, out, _ = _probe(capsys, small.base_url)
    assert status == 0, out
    assert _last_line(out).startswith("verdict: ok (exit 0)")
    assert f"--base-url {small.base_url}" in _last_line(out)
    for role in ("front page", "listing", "article", "print view"):
        line = next(i for i, text in enumerate(out.splitlines()) if text.startswith(f"{role}: "))
        template = out.splitlines()[line + 3]
        assert template.startswith("  template:") and "lacks" not in template, (role, template)
    assert "robots.txt" in out and "rules" in out
    assert "charset declared: header windows-1251" in out
    assert "Главное меню: Главная (frontpage, Itemid 1)" in out
    assert "record of article" in out and "(template extraction)" in out


def test_probe_json_gives_the_record_and_the_pages(small: Served, capsys) -> None:
    status, out, _ = _probe(capsys, small.base_url, "--json")
    report = json.loads(out)
    assert status == report["exit_status"] == 0 and report["verdict"] == "ok"
    # A named listing (a section leads to one); a first article of several pages makes the
    # probe try the next one.
    roles = [p["role"] for p in report["pages"]]
    assert roles[0] == "front page" and roles[-1] == "print view"
    assert roles[1:-1] in ([*listing, *article] for listing in (["listing"],
                                                                ["section", "listing"])
                           for article in (["article"], ["article", "article"])), roles
    assert all(p["status"] == 200 and not p["misses"] for p in report["pages"])
    # Cross-checks of what the mirror says twice: all there, all agreeing.
    assert {"print-view", "listing-crumb", "crumb"} <= {c["check"] for c in report["checks"]}
    assert all(c["agrees"] for c in report["checks"]), report["checks"]
    record = report["record"]
    assert record["extractor"]["method"] == "template" and record["title"] and record["text"]
    assert "generic-extraction" not in record["flags"]
    assert report["first_contact"]["base_url"] == small.base_url
    assert report["first_contact"]["redirects"] == []
    assert report["user_agent"] == f"ifes-archive/{version()}"


def test_probe_is_polite_a_handful_of_requests_the_delay_apart(capsys) -> None:
    app = NotTheTemplate()
    with MirrorServer(app) as server:
        status, _out, _ = _probe(capsys, server.base_url, DOWNLOAD_DELAY="0.3")
    assert status == EXIT_NOT_TEMPLATE
    # robots.txt, the front page, a listing, an article, its print view.
    assert [urlsplit(t).path for t in app.targets] == ["/robots.txt", "/", "/index.php",
                                                       "/index.php", "/index2.php"], app.targets
    # Request starts are 0.3 s apart at least; connection set-up may skew the first a little.
    assert app.times[-1] - app.times[0] >= 0.3 * (len(app.times) - 1) - 0.2


# A site that moved -------------------------------------------------------------------------------


def test_probe_follows_a_move_to_another_port_of_the_same_site(small: Served, capsys) -> None:
    with MirrorServer(MovedTo(small.base_url)) as old:
        status, out, _ = _probe(capsys, old.base_url)
    assert status == 0, out
    assert f"redirect {old.base_url} -> {small.base_url} (HTTP 301)" in out
    assert f"use --base-url {small.base_url}" in out


@pytest.fixture(scope="module")
def moved_crawl(small: Served, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("moved") / "out"
    app = MovedTo(small.base_url)
    with MirrorServer(app) as old:
        crawl = run_crawl(old.base_url, out, WARC_OPERATOR=OPERATOR)
    return old.base_url, app, crawl


def test_crawl_of_a_moved_site_runs_at_the_new_address(moved_crawl, small: Served) -> None:
    old_base, app, crawl = moved_crawl
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert f"{old_base} redirects to {small.base_url}" in crawl.stdout
    summary = crawl.summary
    assert summary["base_url"] == small.base_url
    assert summary["base_url_given"] == old_base
    assert summary["redirects"] == [f"{old_base} -> {small.base_url} (HTTP 301)"]
    records = crawl.records()
    assert records and all(r["url"].startswith(small.base_url) for r in records)
    # Only first contact asked the old address: robots.txt and the front page, each moved.
    assert app.targets == ["/robots.txt", "/"]


def test_both_addresses_are_in_warcinfo_and_the_redirects_in_the_warc(moved_crawl,
                                                                      small: Served) -> None:
    old_base, _, crawl = moved_crawl
    info, captures = _warcinfo_and_captures(crawl.out)
    assert info["ifes-base-url"] == small.base_url
    assert info["ifes-base-url-given"] == old_base
    assert info["ifes-base-url-redirects"] == f"{old_base} -> {small.base_url} (HTTP 301)"
    assert info["operator"] == OPERATOR
    assert info["http-header-user-agent"] == f"ifes-archive/{version()} (+mailto:jane@example.org)"
    # First contact's exchanges open the WARC, redirects included.
    assert captures[:4] == [("response", f"{old_base}robots.txt", 301),
                            ("response", f"{small.base_url}robots.txt", 200),
                            ("response", old_base, 301),
                            ("response", small.base_url, 200)]
    assert crawl.summary["captures"] == crawl.summary["requests"] == len(captures)


def test_every_request_of_the_crawl_carries_the_contact(moved_crawl, small: Served) -> None:
    _, _, crawl = moved_crawl
    agent = f"User-Agent: ifes-archive/{version()} (+mailto:jane@example.org)\r\n".encode()
    signed = [e for e in small.exchanges() if agent in e.request_bytes]
    _, captures = _warcinfo_and_captures(crawl.out)
    assert len(signed) == len([c for c in captures if c[1].startswith(small.base_url)]) > 50


def test_a_move_to_another_site_is_not_followed(capsys, tmp_path: Path) -> None:
    elsewhere = Unavailable()
    with MirrorServer(elsewhere) as other:
        target = other.base_url.replace("127.0.0.1", "localhost")
        with MirrorServer(MovedTo(target)) as old:
            status, out, _ = _probe(capsys, old.base_url)
            crawl = run_crawl(old.base_url, tmp_path / "out", **FAST)
    assert elsewhere.targets == []  # never contacted
    assert status == EXIT_OUT_OF_SCOPE
    reason = _last_line(out)
    assert reason.startswith("verdict: redirected-out-of-scope (exit 12)")
    assert f"--base-url {target}" in reason
    assert crawl.returncode == EXIT_OUT_OF_SCOPE, crawl.stderr[-2000:]
    assert "not crawling" in crawl.stderr and f"--base-url {target}" in crawl.stderr
    # What first contact asked is archived as every exchange is (robots.txt redirected off the
    # site: not followed; the front page's redirect), and nothing more: no request went further.
    _, captures = _warcinfo_and_captures(tmp_path / "out")
    assert captures == [("response", f"{old.base_url}robots.txt", 301),
                        ("response", old.base_url, 301)]
    assert crawl.summary["finish_reason"] == "redirected-out-of-scope"


# Sites a crawl cannot use ------------------------------------------------------------------------


def test_robots_txt_disallowing_everything(capsys, tmp_path: Path) -> None:
    app = ClosedByRobots()
    with MirrorServer(app) as server:
        status, out, _ = _probe(capsys, server.base_url)
        crawl = run_crawl(server.base_url, tmp_path / "out", **FAST)
    assert app.targets == ["/robots.txt"] * 2  # the probe's, the crawl's: nothing else
    assert status == EXIT_ROBOTS
    assert _last_line(out).startswith("verdict: blocked-by-robots (exit 11)")
    assert crawl.returncode == EXIT_ROBOTS, crawl.stderr[-2000:]
    assert f"{server.base_url}robots.txt disallows {server.base_url}" in crawl.stderr


def test_a_site_answering_503_to_everything(capsys, tmp_path: Path) -> None:
    app = Unavailable()
    with MirrorServer(app) as server:
        status, out, _ = _probe(capsys, server.base_url)
        crawl = run_crawl(server.base_url, tmp_path / "out", **FAST)
    # robots.txt asked twice (one retry) by each; the front page never: 503 disallows all.
    assert app.targets == ["/robots.txt"] * 4
    assert status == EXIT_UNREACHABLE
    assert "HTTP 503 Service Unavailable (2 attempts)" in _last_line(out)
    assert crawl.returncode == EXIT_UNREACHABLE, crawl.stderr[-2000:]
    assert "RFC 9309" in crawl.stderr


def test_a_site_that_does_not_answer(capsys, tmp_path: Path) -> None:
    with MirrorServer(Unavailable()) as server:
        base_url = server.base_url
    status, out, _ = _probe(capsys, base_url)  # the port is closed now
    assert status == EXIT_UNREACHABLE
    assert "cannot connect" in _last_line(out)


def test_a_site_in_another_template(capsys, tmp_path: Path) -> None:
    with MirrorServer(NotTheTemplate()) as server:
        status, out, _ = _probe(capsys, server.base_url)
        crawl = run_crawl(server.base_url, tmp_path / "out", **FAST)
    assert status == EXIT_NOT_TEMPLATE, out
    verdict = _last_line(out)
    assert verdict.startswith("verdict: not-the-template (exit 13)")
    assert "generic extraction only" in verdict and "td.contentheading" in verdict
    assert "record of article 1 (generic extraction)" in out
    assert "flags: generic-extraction" in out
    assert "lacks Joomla 1.0 links" not in out  # its links are Joomla's
    assert "lacks" in out and "madeyourweb breadcrumb" in out
    assert crawl.returncode == EXIT_NOT_TEMPLATE, crawl.stderr[-2000:]
    assert "no page of" in crawl.stderr and "ifes-archive probe" in crawl.stderr
    assert crawl.summary["not_articles"] == 3 and crawl.summary["articles"] == 0
    assert crawl.warc_files  # what was fetched is kept all the same


# Operator contact ---------------------------------------------------------------------------------


def test_a_crawl_outside_loopback_refuses_to_start_without_a_contact(tmp_path: Path) -> None:
    # 192.0.2.1 (TEST-NET-1) is never contacted: the refusal comes before any request.
    crawl = run_crawl("http://192.0.2.1/", tmp_path / "out", WARC_OPERATOR="", **FAST)
    assert crawl.returncode == 2
    (line,) = crawl.stderr.strip().splitlines()
    assert "192.0.2.1 needs a contact" in line and "--operator" in line
    assert not (tmp_path / "out").exists()


def test_plain_scrapy_refuses_too(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "ifes", "-a", "base_url=http://192.0.2.1/",
         "-s", f"ARCHIVE_DIR={tmp_path / 'archive'}"],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "WARC_OPERATOR": ""})
    assert "not crawling: a crawl of 192.0.2.1 needs a contact" in done.stderr
    assert "'finish_reason': 'no_operator_contact'" in done.stderr
    assert "downloader/request_count" not in done.stderr
