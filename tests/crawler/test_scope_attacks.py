"""A hostile site tries to make the crawler fetch from another host (issue 19): through aliases
of its own origin (``x@HOST``, ``HOST:0PORT``, ``LOCALHOST``, ``localhost.``) that once earned
each its own robots.txt, and through robots.txt redirects (to 127.0.0.2 with ``?x=/robots.txt``,
to an IPv6 loopback, to a page of the site whose query ends in ``/robots.txt``).

Each attack crawls a real site on 127.0.0.1 (the fixture mirror wrapped by :class:`Hostile`)
while a "private" server on 127.0.0.2 counts every request it gets: it must get none, no WARC
record may name a URL outside the scope, the crawl log must name the refusal, and a release built
from the archive must hold no such record in its ``archive.wacz``. robots.txt in UTF-16 is read
and obeyed; one of 40 MB is read to ``ROBOTSTXT_MAX_SIZE`` and no further, at first contact and
in the crawl.
"""

from __future__ import annotations

import asyncio
import codecs
import socket
import socketserver
import threading
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from warcio.archiveiterator import ArchiveIterator

from ifes_archive.archive.origin import origin_of
from ifes_archive.crawler.crawllog import OUT_OF_SCOPE, parse_line
from ifes_archive.crawler.policy import Rfc9309RobotsMiddleware, ScopeMiddleware, robots_text
from ifes_archive.crawler.probe import run_probe
from ifes_archive.crawler.run import project_settings
from ifes_archive.crawler.scope import OutOfScope
from ifes_archive.fixtures.mirror import Mirror, MirrorResponse
from ifes_archive.fixtures.server import MirrorServer
from ifes_archive.fixtures.site import build_site
from tests.conftest import Crawl, build_release_cli, run_crawl
from tests.crawler.components import Downloader, close_crawler, open_crawler

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

ARTICLES = 30
SITE = Mirror(build_site(articles=ARTICLES))
FAST = {"RETRY_TIMES": "0", "ROBOTSTXT_RETRY_DELAY": "0.3", "DOWNLOAD_TIMEOUT": "5"}
SECRET = b"SECRET: the private server's answer"
ROBOTS_RULES = b"User-agent: *\nDisallow: /index2.php\n"


class Counting:
    """The private server: answers every request with :data:`SECRET`, and counts them."""

    def __init__(self) -> None:
        self.targets: list[str] = []

    def respond(self, method: str, target: str, base_url: str,
                request_headers: list[tuple[str, str]]) -> MirrorResponse:
        self.targets.append(target)
        return MirrorResponse(200, "OK", [("Content-Type", "text/plain")], SECRET)


class Hostile:
    """The mirror, with robots.txt answered by ``robots`` (given the request target and how
    many times ``/robots.txt`` was asked; None: the mirror's own), links to ``aliases`` added
    to its front page, and ``/alias-*`` plain pages. Every request target is kept."""

    def __init__(self, robots: Callable[[str, int], MirrorResponse | None],
                 aliases: tuple[str, ...] = ()) -> None:
        self.robots, self.aliases = robots, aliases
        self.targets: list[str] = []
        self.hosts: list[str] = []

    def respond(self, method: str, target: str, base_url: str,
                request_headers: list[tuple[str, str]]) -> MirrorResponse:
        self.targets.append(target)
        self.hosts += [v for k, v in request_headers if k.lower() == "host"]
        if target.split("?")[0] == "/robots.txt":
            answer = self.robots(target, self.targets.count("/robots.txt"))
            if answer is not None:
                return answer
        if target.startswith("/alias-"):
            return MirrorResponse(200, "OK", [("Content-Type", "text/html")],
                                  b"<html><body>an old static page</body></html>")
        response = SITE.respond(method, target, base_url, request_headers)
        if target == "/" and self.aliases:
            links = "".join(f'<a href="{url}">alias</a>' for url in self.aliases).encode()
            response = replace(response, body=response.body.replace(b"</body>",
                                                                    links + b"</body>"))
        return response


def redirect(location: str) -> MirrorResponse:
    return MirrorResponse(302, "Found", [("Location", location), ("Content-Type", "text/html")],
                          b"<html><body>moved</body></html>")


def robots(body: bytes) -> MirrorResponse:
    return MirrorResponse(200, "OK", [("Content-Type", "text/plain")], body)


@pytest.fixture
def private() -> Iterator[tuple[Counting, str]]:
    """The private server on 127.0.0.2: (its request counter, its base URL)."""
    app = Counting()
    with MirrorServer(app, host="127.0.0.2") as server:
        yield app, server.base_url


def _crawl(tmp_path: Path, app: Hostile, host: str = "127.0.0.1") -> tuple[Crawl, str]:
    with MirrorServer(app) as server:
        base = server.base_url.replace("127.0.0.1", host)
        crawl = run_crawl(base, tmp_path / "out", **FAST)
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    return crawl, base


def _targets(paths: list[Path]) -> list[str]:
    """Return the WARC-Target-URI of every record of the WARC files (read with warcio)."""
    uris = []
    for path in paths:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                uri = record.rec_headers.get_header("WARC-Target-URI")
                if uri:
                    uris.append(uri)
    return uris


def _outside(uris: list[str], base: str) -> list[str]:
    return [uri for uri in uris if origin_of(uri) != origin_of(base)]


def _log(crawl: Crawl) -> list[dict[str, str]]:
    return [parse_line(line) for line in
            Path(crawl.summary["crawl_log"]).read_text().splitlines()]


def _wacz_targets(release: Path, tmp_path: Path) -> list[str]:
    """Return the WARC-Target-URI of every record in the release's archive.wacz."""
    with zipfile.ZipFile(release / "archive.wacz") as wacz:
        names = [n for n in wacz.namelist() if n.startswith("archive/") and ".warc" in n]
        assert names, "the WACZ holds WARC files"
        wacz.extractall(tmp_path / "wacz", members=names)
    return _targets([tmp_path / "wacz" / name for name in names])


# --- aliases of the site's origin -------------------------------------------------------------

def test_aliases_of_the_site_share_its_one_robots_txt_and_reach_no_other_host(
        tmp_path: Path, private: tuple[Counting, str]) -> None:
    counter, private_url = private
    secret = f"{private_url}private/secret.txt?x=/robots.txt"
    # robots.txt answers honestly once; asked again (for an alias), it redirects to 127.0.0.2.
    app = Hostile(lambda _, asked: None if asked == 1 else redirect(secret), aliases=())
    with MirrorServer(app) as server:
        port = server.base_url.rsplit(":", 1)[1].strip("/")
        app.aliases = (f"http://x@localhost:{port}/alias-1.html",
                       f"http://x:y@LOCALHOST:{port}/alias-2.html",
                       f"http://LocalHost:{port}/alias-3.html",
                       f"http://localhost.:{port}/alias-4.html",
                       f"http://localhost:0{port}/alias-5.html",
                       f"http://x@127.0.0.1:{port}/alias-6.html")  # another host: not the site
        base = f"http://localhost:{port}/"
        crawl = run_crawl(base, tmp_path / "out", **FAST)
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert counter.targets == [], "the private server was asked"
    assert app.targets.count("/robots.txt") == 1, "one origin, one robots.txt"
    # Each alias of the site is fetched once, under the site's one spelling.
    for number in range(1, 6):
        assert app.targets.count(f"/alias-{number}.html") == 1, number
    assert "/alias-6.html" not in app.targets  # 127.0.0.1 is not localhost: out of scope
    assert set(app.hosts) == {f"localhost:{port}"}
    uris = _targets(crawl.warc_files)
    assert f"{base}alias-1.html" in uris and _outside(uris, base) == []
    refused = [x["url"] for x in _log(crawl) if int(x["status"]) == OUT_OF_SCOPE]
    assert refused == [], "the other host's alias is not followed at all (should_follow)"


def test_a_link_and_a_redirect_under_aliases_are_one_request() -> None:
    base = "http://japanstudies.ru/"
    crawler = open_crawler(None, base_url=base)
    article = "/index.php?option=com_content&task=view&id=7"
    aliases = ("http://x@japanstudies.ru", "http://JapanStudies.RU:80", "http://japanstudies.ru.",
               "http://japanstudies.ru")
    links = "".join(f'<a href="{host}{path}">a</a>' for host in aliases
                    for path in ("/old.html", article))
    page = HtmlResponse(base, body=f"<html><body>{links}</body></html>".encode(),
                        request=Request(base))
    requests = [r for r in crawler.spider.parse(page) if isinstance(r, Request)]
    assert sorted(r.url for r in requests) == [f"{base}index.php?option=com_content&task=view"
                                               "&id=7", f"{base}old.html"]
    # A request that arrives spelled otherwise (a redirect, say) is fetched re-spelled: one
    # URL, one fingerprint for Scrapy's duplicate filter.
    scope = ScopeMiddleware.from_crawler(crawler)
    fingerprint = crawler.request_fingerprinter.fingerprint
    for host in aliases[:3]:
        respelled = scope.process_request(Request(f"{host}/old.html"))
        assert isinstance(respelled, Request) and respelled.url == f"{base}old.html"
        assert fingerprint(respelled) == fingerprint(Request(f"{base}old.html"))
        assert scope.process_request(respelled) is None


# --- robots.txt redirects -----------------------------------------------------------------------

def _robots_redirect_crawl(tmp_path: Path, location: str) -> tuple[Crawl, str, Hostile]:
    app = Hostile(lambda _, asked: redirect(location))
    crawl, base = _crawl(tmp_path, app)
    return crawl, base, app


def _assert_refused(crawl: Crawl, base: str, location: str) -> None:
    """No record outside the scope; the crawl log and the report name the refusal; robots.txt
    counts as unavailable (allow all)."""
    assert _outside(_targets(crawl.warc_files), base) == []
    refused = [x for x in _log(crawl) if int(x["status"]) == OUT_OF_SCOPE]
    assert [x["url"] for x in refused] == [location]
    (outcome,) = crawl.summary["robots"].values()
    assert outcome.startswith("allow all: redirected out of scope to " + location), outcome
    assert "not followed" in outcome
    assert {r["article_id"] for r in crawl.records()} == set(SITE.crawlable_article_ids())


def test_a_robots_redirect_to_another_host_is_not_followed(
        tmp_path: Path, private: tuple[Counting, str]) -> None:
    counter, private_url = private
    location = f"{private_url}private/secret.txt?x=/robots.txt"
    crawl, base, _ = _robots_redirect_crawl(tmp_path, location)
    assert counter.targets == []
    _assert_refused(crawl, base, location)
    release = tmp_path / "release"
    assert build_release_cli(crawl.out, release) == 0
    wacz = _wacz_targets(release, tmp_path)
    assert f"{base}robots.txt" in wacz and _outside(wacz, base) == []


def test_a_robots_redirect_to_an_ipv4_mapped_address_is_not_followed(
        tmp_path: Path, private: tuple[Counting, str]) -> None:
    counter, private_url = private
    port = private_url.rsplit(":", 1)[1].strip("/")
    location = f"http://[::ffff:127.0.0.2]:{port}/robots.txt"
    crawl, base, _ = _robots_redirect_crawl(tmp_path, location)
    assert counter.targets == []
    _assert_refused(crawl, base, location)


class _Counted(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.server.connections += 1  # type: ignore[attr-defined]


def test_a_robots_redirect_to_ipv6_loopback_is_not_followed(tmp_path: Path) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 here")

    class Server(socketserver.TCPServer):
        address_family = socket.AF_INET6
        connections = 0

    try:
        listener = Server(("::1", 0), _Counted)
    except OSError:
        pytest.skip("cannot listen on ::1 here")
    with listener:
        thread = threading.Thread(target=listener.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        location = f"http://[::1]:{listener.server_address[1]}/robots.txt"
        try:
            crawl, base, _ = _robots_redirect_crawl(tmp_path, location)
        finally:
            listener.shutdown()
            thread.join()
    assert listener.connections == 0
    _assert_refused(crawl, base, location)


def test_a_robots_redirect_to_another_path_of_the_site_is_not_followed(tmp_path: Path) -> None:
    app = Hostile(lambda _, asked: None)
    with MirrorServer(app) as server:
        location = f"{server.base_url}index.php?x=/robots.txt"
        app.robots = lambda _, asked: redirect(location)
        crawl = run_crawl(server.base_url, tmp_path / "out", **FAST)
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert "/index.php?x=/robots.txt" not in app.targets
    refused = [x for x in _log(crawl) if int(x["status"]) == OUT_OF_SCOPE]
    assert [x["url"] for x in refused] == [location]
    (outcome,) = crawl.summary["robots"].values()
    assert "is not /robots.txt" in outcome and outcome.startswith("allow all"), outcome


def test_a_robots_redirect_to_robots_txt_in_scope_is_followed(tmp_path: Path) -> None:
    app = Hostile(lambda target, _: robots(ROBOTS_RULES) if target.endswith("?v=2")
                  else redirect("/robots.txt?v=2"))
    crawl, _ = _crawl(tmp_path, app)
    assert app.targets[:2] == ["/robots.txt", "/robots.txt?v=2"]
    assert not [t for t in app.targets if t.startswith("/index2.php")], "Disallow not obeyed"
    (outcome,) = crawl.summary["robots"].values()
    assert outcome.startswith("rules read"), outcome
    assert [x for x in _log(crawl) if int(x["status"]) == OUT_OF_SCOPE] == []


def test_the_download_handler_itself_refuses_a_request_outside_the_scope(
        tmp_path: Path, private: tuple[Counting, str]) -> None:
    counter, private_url = private
    crawler = open_crawler(tmp_path / "archive", base_url="http://127.0.0.1:9/")
    downloader = Downloader(crawler)
    for url in (f"{private_url}secret", f"http://x@{private_url[7:]}secret"):
        for meta in ({}, {"dont_obey_robotstxt": True, "robots_txt_of": "http://127.0.0.1:9"}):
            with pytest.raises(OutOfScope, match="outside the crawl's scope"):
                downloader.fetch(Request(url, meta=meta))
    assert counter.targets == []
    assert crawler.stats.get_value("capture/refused_out_of_scope") == 4
    asyncio.run(downloader.handler.close())
    close_crawler(crawler)
    assert _targets(sorted((tmp_path / "archive" / "warc").glob("*.warc.gz"))) == []
    log = [parse_line(line) for line in next((tmp_path / "archive" / "reports")
                                             .glob("*.crawl.log")).read_text().splitlines()]
    assert [(int(x["status"]), x["annotations"]) for x in log] == \
        [(OUT_OF_SCOPE, "out-of-scope,handler")] * 4


# --- robots.txt in UTF-16; robots.txt too large -------------------------------------------------

@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_a_utf16_robots_txt_is_read_and_obeyed(tmp_path: Path, codec: str) -> None:
    bom = codecs.BOM_UTF16_LE if codec == "utf-16-le" else codecs.BOM_UTF16_BE
    app = Hostile(lambda _, asked: robots(bom + ROBOTS_RULES.decode().encode(codec)))
    crawl, _ = _crawl(tmp_path, app)
    assert not [t for t in app.targets if t.startswith("/index2.php")], "Disallow not obeyed"
    (outcome,) = crawl.summary["robots"].values()
    assert outcome.startswith(f"rules read (read as {codec.upper()})"), outcome
    assert crawl.records(), "the rest of the site was crawled"


def test_robots_text_reads_utf16_with_or_without_its_byte_order_mark() -> None:
    rules = ROBOTS_RULES.decode()
    for codec, bom in (("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)):
        assert robots_text(bom + rules.encode(codec)) == (ROBOTS_RULES,
                                                          f" (read as {codec.upper()})")
        assert robots_text(rules.encode(codec))[0] == ROBOTS_RULES
        cut = robots_text((bom + rules.encode(codec))[:-1])[0]  # cut inside a character
        assert cut.startswith(ROBOTS_RULES[:-1])
    assert robots_text(codecs.BOM_UTF8 + ROBOTS_RULES) == (codecs.BOM_UTF8 + ROBOTS_RULES, "")
    assert robots_text(ROBOTS_RULES) == (ROBOTS_RULES, "")


#: A robots.txt far over ROBOTSTXT_MAX_SIZE (500 KiB): 40 MB of rules.
HUGE = 40 * 1024 * 1024
PIECE = 64 * 1024


class _HugeRobots(socketserver.BaseRequestHandler):
    """Answers robots.txt with 40 MB (``Content-Length`` declared, no coding),
    sent piece by piece until the client hangs up (counting the bytes it got out), and
    anything else with a 404."""

    def handle(self) -> None:
        if not self.request.recv(65536).startswith(b"GET /robots.txt "):
            self.request.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
                                 b"Connection: close\r\n\r\n")
            return
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {HUGE}\r\n"
                "Connection: close\r\n\r\n").encode()
        rule = b"User-agent: *\nDisallow: /private/\n"
        filler = (b"# " + b"x" * 61 + b"\n") * (PIECE // 64)
        try:
            self.request.sendall(head + rule)
            self.server.sent += len(rule)  # type: ignore[attr-defined]
            while self.server.sent < HUGE:  # type: ignore[attr-defined]
                self.request.sendall(filler)
                self.server.sent += len(filler)  # type: ignore[attr-defined]
        except OSError:
            return  # the client hung up: what it wanted was read


@pytest.fixture
def huge_robots() -> Iterator[tuple[socketserver.ThreadingTCPServer, str]]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _HugeRobots)
    server.daemon_threads = True
    server.sent = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_first_contact_reads_robots_txt_to_its_max_size_and_no_further(huge_robots) -> None:
    # First contact is the crawl's own first request: robots.txt comes through the crawl's
    # middleware and handler (the capture of the cut answer: the next test).
    server, base = huge_robots
    settings = project_settings({"RETRY_TIMES": "0", "DOWNLOAD_TIMEOUT": "10",
                                 "DOWNLOAD_DELAY": "0", "LOG_LEVEL": "WARNING"})
    report = run_probe(base, settings)
    limit = settings.getint("ROBOTSTXT_MAX_SIZE")
    policy = report.contact.robots[base[:-1]]
    assert policy.rule == "rules" and f"its first {limit} bytes" in policy.why
    assert not policy.allows(f"{base}private/x", report.user_agent)
    assert policy.allows(f"{base}public/x", report.user_agent)
    print(f"robots.txt: {HUGE} bytes offered, {server.sent} sent before the client hung up")
    assert server.sent < HUGE // 4, "the client read on past ROBOTSTXT_MAX_SIZE"


def test_the_crawl_reads_robots_txt_to_its_max_size_and_no_further(tmp_path: Path,
                                                                  huge_robots) -> None:
    server, base = huge_robots
    crawler = open_crawler(tmp_path / "archive", base_url=base, RETRY_TIMES=0,
                           DOWNLOAD_TIMEOUT=10)
    middleware = Rfc9309RobotsMiddleware(crawler)
    origin = origin_of(base)
    assert origin is not None
    downloader = Downloader(crawler)
    response = downloader.fetch(middleware._robots_request(f"{base}robots.txt", origin))  # noqa: SLF001
    asyncio.run(downloader.handler.close())
    close_crawler(crawler)
    limit = crawler.settings.getint("ROBOTSTXT_MAX_SIZE")
    assert "truncated" in response.flags
    assert limit <= len(response.body) < limit + 2 * PIECE
    assert response.body.startswith(b"User-agent: *\nDisallow: /private/\n")
    print(f"crawl: {server.sent} bytes sent of {HUGE}; {len(response.body)} handed on")
    assert server.sent < HUGE // 4
