"""Tests of the capturing HTTP/1.1 client: exact bytes both ways, keep-alive, and every failure.

Real sockets on 127.0.0.1, port 0: the mirror's server in-process (it logs the bytes it wrote,
so wire bytes can be compared byte for byte) or a scripted raw-socket server defined here for
what the mirror never does (1xx, bodies read to close, garbage, dropped kept-alive connections).
Each test drives the client with ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import ssl
import struct
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from ifes_archive.crawler.http11 import Http11Client
from ifes_archive.crawler.http_exchange import Fetched, FetchError
from ifes_archive.fixtures.faults import parse_fault
from ifes_archive.fixtures.mirror import MirrorResponse
from ifes_archive.fixtures.server import MirrorServer, read_exchange_log
from tests.stub_pages import PAGE_HEADERS, page_body

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ifes_archive.fixtures.exchangelog import Exchange

#: Short enough to keep the suite fast, long enough for loopback on a busy machine.
TIMEOUT = 5.0
#: How often a test repeats an exchange whose outcome depends on a race on loopback.
RACE_TRIES = 20
#: Never used (no TLS here); built once because the client's default context takes ~70 ms.
TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
HEADERS = [(b"User-Agent", b"ifes-archive-test"), (b"Accept", b"*/*")]


class StubApp:
    """A stand-in for the mirror: the same page shape for every target."""

    def respond(self, method: str, target: str, base_url: str,
                request_headers: list[tuple[str, str]]) -> MirrorResponse:
        return MirrorResponse(200, "OK", list(PAGE_HEADERS), page_body(target))


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[MirrorServer]:
    """The server with faults, chunking on ``/chunked`` and an exchange log in ``tmp/log``."""
    faults = [parse_fault(spec) for spec in (
        "/truncate=truncate:3000", "/reset=reset", "/trickle=trickle:2", "/flaky=503x1")]
    with MirrorServer(StubApp(), faults=faults, log_dir=tmp_path / "log",
                      chunked=r"^/chunked") as server:
        yield server


def logged(tmp_path: Path, count: int) -> list[Exchange]:
    """Return the exchange log once it holds ``count`` exchanges (written after the last byte)."""
    deadline = time.monotonic() + TIMEOUT
    while len(exchanges := read_exchange_log(tmp_path / "log")) < count:
        assert time.monotonic() < deadline, f"{len(exchanges)} exchanges logged, not {count}"
        time.sleep(0.01)
    return exchanges


def fetch(url: str, method: str = "GET", headers: list[tuple[bytes, bytes]] | None = None,
          **options: object) -> Fetched:
    """Fetch one URL with a fresh client (closed afterwards)."""
    return fetch_all([url], method, headers, **options)[0]


def fetch_all(urls: list[str], method: str = "GET",
              headers: list[tuple[bytes, bytes]] | None = None, pause: float = 0.0,
              methods: list[str] | None = None, **options: object) -> list[Fetched]:
    """Fetch ``urls`` in turn with one client, ``pause`` seconds apart."""

    async def run() -> list[Fetched]:
        client = Http11Client(connect_timeout=TIMEOUT, user_ssl=TLS)
        results: list[Fetched] = []
        try:
            for url, verb in zip(urls, methods or [method] * len(urls)):
                if results:
                    await asyncio.sleep(pause)
                results.append(await client.fetch(url, verb, list(headers or HEADERS),
                                                  **{"timeout": TIMEOUT, **options}))
        finally:
            await client.close()
        return results

    return asyncio.run(run())


def fetch_error(url: str, method: str = "GET", **options: object) -> FetchError:
    """Return the FetchError a fetch of ``url`` raises."""
    with pytest.raises(FetchError) as caught:
        fetch(url, method, **options)
    return caught.value


# --- a scripted raw-socket server --------------------------------------------------------------

def read_request(conn: socket.socket) -> bytes:
    """Return one request (head and Content-Length body) read off ``conn``; b"" at EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            return data
        data += piece
    head = data[:data.index(b"\r\n\r\n") + 4]
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(data) < len(head) + length:
        data += conn.recv(65536)
    return data


def reset(conn: socket.socket) -> None:
    """Close ``conn`` with an RST rather than a FIN."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


class ScriptedServer:
    """Listens on 127.0.0.1:0; runs ``script(conn, n)`` for the n-th connection (from 0)."""

    def __init__(self, script: Callable[[socket.socket, int], None]):
        self.script = script
        self.requests: list[list[bytes]] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._stopped = threading.Event()
        self._threads = [threading.Thread(target=self._accept, daemon=True)]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/"

    @property
    def connections(self) -> int:
        return len(self.requests)

    def receive(self, conn: socket.socket, n: int) -> bytes:
        """Read one request on connection ``n`` and remember it."""
        request = read_request(conn)
        if request:
            self.requests[n].append(request)
        return request

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.requests.append([])
            thread = threading.Thread(target=self._run, args=(conn, len(self.requests) - 1),
                                      daemon=True)
            self._threads.append(thread)
            thread.start()

    def _run(self, conn: socket.socket, n: int) -> None:
        conn.settimeout(TIMEOUT)
        try:
            self.script(conn, n)
        except OSError:
            pass  # the client gave up first: what the test is about
        finally:
            conn.close()

    def __enter__(self) -> ScriptedServer:
        self._threads[0].start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped.set()
        for thread in self._threads:
            thread.join(TIMEOUT)
        self._listener.close()


def answer(*responses: bytes) -> Callable[[socket.socket, int], None]:
    """Return a script that reads a request and answers ``responses[n]``, then closes."""

    def script(conn: socket.socket, n: int) -> None:
        conn.recv(65536)
        conn.sendall(responses[n])

    return script


OK_KEEP_ALIVE = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nfirst"
OK_FRESH = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nfresh"


# --- request bytes -----------------------------------------------------------------------------

def test_request_bytes_are_exact_with_host_first_and_the_full_query() -> None:
    with ScriptedServer(lambda conn, n: (server.receive(conn, n), conn.sendall(OK_FRESH))
                        ) as server:
        url = server.url + "index.php?option=com_content&task=view&id=42&Itemid=59&x=%D0%B0"
        fetched = fetch(url, headers=[(b"User-Agent", b"ua"), (b"Host", b"ignored"),
                                      (b"Accept-Language", b"ru, en;q=0.5")])
    host = urlsplit(url).netloc.encode()
    expected = (b"GET /index.php?option=com_content&task=view&id=42&Itemid=59&x=%D0%B0 HTTP/1.1"
                b"\r\nHost: " + host + b"\r\nUser-Agent: ua\r\n"
                b"Accept-Language: ru, en;q=0.5\r\n\r\n")
    assert server.requests == [[expected]]
    assert fetched.exchange.request_bytes == expected and fetched.exchange.target_uri == url


def test_post_sends_the_body_with_its_length(mirror: MirrorServer, tmp_path: Path) -> None:
    body = "searchword=Китай&option=search".encode()
    form = (b"Content-Type", b"application/x-www-form-urlencoded")
    fetched = fetch(mirror.base_url + "index.php", "POST", [form], body=body)
    request = logged(tmp_path, 1)[0].request_bytes
    assert fetched.status == 200 and fetched.exchange.request_bytes == request
    assert request.startswith(b"POST /index.php HTTP/1.1\r\nHost: ")
    assert request.endswith(b"\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                            b"Content-Length: %d\r\n\r\n" % len(body) + body)


# --- responses as they came --------------------------------------------------------------------

def test_response_bytes_are_the_server_bytes(mirror: MirrorServer, tmp_path: Path) -> None:
    fetched = fetch(mirror.base_url + "a?x=1")
    sent = logged(tmp_path, 1)[0]
    exchange = fetched.exchange
    assert exchange.request_bytes == sent.request_bytes
    assert exchange.response_bytes == sent.response_bytes
    assert (fetched.status, fetched.reason, fetched.http_version) == (200, "OK", "HTTP/1.1")
    assert fetched.body == exchange.payload == page_body("/a?x=1")
    assert [(k.decode(), v.decode()) for k, v in fetched.headers][2:2 + len(PAGE_HEADERS)] == PAGE_HEADERS
    assert exchange.truncated is None and exchange.ip_address == "127.0.0.1"
    assert exchange.date.utcoffset() is not None and exchange.date.utcoffset().total_seconds() == 0


def test_keep_alive_reuses_one_connection(mirror: MirrorServer, tmp_path: Path) -> None:
    results = fetch_all([mirror.base_url + "one", mirror.base_url + "two",
                         mirror.base_url + "three"])
    exchanges = logged(tmp_path, 3)
    assert len({e.client for e in exchanges}) == 1
    assert [f.exchange.response_bytes for f in results] == [e.response_bytes for e in exchanges]


def test_chunked_is_dechunked_and_the_wire_stays_chunked(mirror: MirrorServer,
                                                        tmp_path: Path) -> None:
    first, second = fetch_all([mirror.base_url + "chunked/page", mirror.base_url + "after"])
    chunked, _ = logged(tmp_path, 2)
    assert first.body == first.exchange.payload == page_body("/chunked/page")
    assert first.exchange.response_bytes == chunked.response_bytes
    assert b"Transfer-Encoding: chunked\r\n" in first.exchange.response_bytes
    assert first.exchange.response_bytes.endswith(b"\r\n0\r\n\r\n")
    assert (b"transfer-encoding", b"chunked") in [(k.lower(), v) for k, v in first.headers]
    assert second.body == page_body("/after")  # the connection survived the chunked body


def test_gzip_is_kept_encoded(mirror: MirrorServer, tmp_path: Path) -> None:
    fetched = fetch(mirror.base_url + "zipped", headers=[(b"Accept-Encoding", b"gzip")])
    assert (b"Content-Encoding", b"gzip") in fetched.headers
    assert fetched.body == fetched.exchange.payload != page_body("/zipped")
    assert gzip.decompress(fetched.body) == page_body("/zipped")
    assert fetched.exchange.response_bytes == logged(tmp_path, 1)[0].response_bytes


def test_head_has_no_body_and_keeps_the_connection(mirror: MirrorServer, tmp_path: Path) -> None:
    head, get = fetch_all([mirror.base_url + "h"] * 2, methods=["HEAD", "GET"])
    exchanges = logged(tmp_path, 2)
    length = dict(head.headers)[b"Content-Length"]
    assert head.body == b"" and int(length) == len(page_body("/h"))
    assert head.exchange.response_bytes == exchanges[0].response_bytes
    assert head.exchange.response_bytes.endswith(b"\r\n\r\n")
    assert get.status == 200 and exchanges[0].client == exchanges[1].client


def test_error_status_is_a_response_not_an_error(mirror: MirrorServer) -> None:
    busy, fine = fetch_all([mirror.base_url + "flaky", mirror.base_url + "flaky"])
    assert (busy.status, busy.reason) == (503, "Service Unavailable")
    assert (b"Retry-After", b"1") in busy.headers and fine.status == 200


def test_body_without_length_is_read_to_close() -> None:
    response = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nno length, read until close"
    with ScriptedServer(answer(response)) as server:
        fetched = fetch(server.url)
    assert fetched.body == b"no length, read until close"
    assert fetched.exchange.response_bytes == response and fetched.exchange.truncated is None


def test_http10_response_is_read_to_close() -> None:
    response = b"HTTP/1.0 200 OK\r\nServer: old\r\n\r\nold body"
    with ScriptedServer(answer(response, response)) as server:
        first, second = fetch_all([server.url, server.url])
    assert (first.http_version, first.body, second.body) == ("HTTP/1.0", b"old body", b"old body")
    assert server.connections == 2


def test_informational_responses_are_skipped() -> None:
    response = (b"HTTP/1.1 100 Continue\r\n\r\n"
                b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    with ScriptedServer(answer(response)) as server:
        fetched = fetch(server.url)
    assert (fetched.status, fetched.headers, fetched.body) == (
        200, [(b"Content-Length", b"2")], b"ok")
    assert fetched.exchange.response_bytes == response


# --- stale kept-alive connections --------------------------------------------------------------

@pytest.mark.parametrize("close", [socket.socket.close, reset], ids=["fin", "rst"])
def test_kept_alive_connection_closed_on_the_request_is_retried_fresh(close: Callable) -> None:
    def script(conn: socket.socket, n: int) -> None:
        if n == 0:
            server.receive(conn, n)
            conn.sendall(OK_KEEP_ALIVE)
            server.receive(conn, n)  # the server's idle timeout: closed without an answer
            close(conn)
        else:
            server.receive(conn, n)
            conn.sendall(OK_FRESH)

    with ScriptedServer(script) as server:
        first, second = fetch_all([server.url + "a", server.url + "b"])
    assert (first.body, second.body) == (b"first", b"fresh")
    assert second.exchange.response_bytes == OK_FRESH
    assert server.requests[1] == [server.requests[0][1]] == [second.exchange.request_bytes]


@pytest.mark.parametrize("close", [socket.socket.close, reset], ids=["fin", "rst"])
def test_kept_alive_connection_closed_while_idle_is_replaced(close: Callable) -> None:
    def script(conn: socket.socket, n: int) -> None:
        server.receive(conn, n)
        conn.sendall(OK_KEEP_ALIVE if n == 0 else OK_FRESH)
        if n == 0:
            time.sleep(0.02)  # the client has read the answer and pooled the connection
            close(conn)

    with ScriptedServer(script) as server:
        first, second = fetch_all([server.url, server.url], pause=0.1)
    assert (first.body, second.body) == (b"first", b"fresh")
    assert server.connections == 2 and second.exchange.response_bytes == OK_FRESH


def reset_after(response: bytes) -> Callable[[socket.socket, int], None]:
    """Return a script that answers ``response`` and resets the connection at once."""
    return lambda conn, n: (conn.recv(65536), conn.sendall(response), reset(conn))


def test_answer_followed_at_once_by_a_reset_is_kept() -> None:
    with ScriptedServer(reset_after(OK_FRESH)) as server:
        # The reset overtakes the buffered answer only now and then: try it often.
        fetched = [fetch(server.url) for _ in range(RACE_TRIES)]
    assert {(f.body, f.exchange.response_bytes) for f in fetched} == {(b"fresh", OK_FRESH)}


def test_body_read_to_close_ended_by_a_reset_is_dataloss() -> None:
    response = OK_FRESH.replace(b"Content-Length: 5\r\n", b"")
    with ScriptedServer(reset_after(response)) as server:
        error = fetch_error(server.url)
    assert error.kind == "dataloss" and error.exchange is not None
    assert error.exchange.response_bytes == response and error.exchange.truncated == "disconnect"


def test_fresh_connection_closed_without_answer_is_an_error() -> None:
    with ScriptedServer(lambda conn, n: server.receive(conn, n)) as server:
        error = fetch_error(server.url)
    assert error.kind == "dataloss" and error.exchange is None
    assert server.connections == 1


# --- failures ----------------------------------------------------------------------------------

def test_truncated_body_is_dataloss_with_the_partial_bytes(mirror: MirrorServer,
                                                          tmp_path: Path) -> None:
    error = fetch_error(mirror.base_url + "truncate")
    sent = logged(tmp_path, 1)[0]
    assert error.kind == "dataloss" and error.exchange is not None
    assert error.exchange.truncated == "disconnect"
    assert error.exchange.response_bytes == sent.response_bytes
    assert error.exchange.payload == page_body("/truncate")[:3000]


def test_reset_before_any_byte_leaves_no_exchange(mirror: MirrorServer) -> None:
    error = fetch_error(mirror.base_url + "reset")
    assert error.kind == "dataloss" and error.exchange is None


def test_timeout_mid_body_keeps_what_came(mirror: MirrorServer) -> None:
    started = time.monotonic()
    error = fetch_error(mirror.base_url + "trickle", timeout=0.3)
    assert error.kind == "timeout" and time.monotonic() - started < 2
    assert error.exchange is not None and error.exchange.truncated == "time"
    head, _, body = error.exchange.response_bytes.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK") and 0 < len(body) < len(page_body("/trickle"))
    assert error.exchange.payload == body == page_body("/trickle")[:len(body)]


def test_timeout_before_any_byte_leaves_no_exchange() -> None:
    # The server reads the request, then waits for the client to give up and hang up.
    with ScriptedServer(lambda conn, n: (conn.recv(65536), conn.recv(65536))) as server:
        error = fetch_error(server.url, timeout=0.3)
    assert error.kind == "timeout" and error.exchange is None


def test_maxsize_by_content_length(mirror: MirrorServer) -> None:
    error = fetch_error(mirror.base_url + "big", maxsize=5000)
    assert error.kind == "maxsize" and error.exchange is not None
    assert error.exchange.truncated == "length"
    assert error.exchange.response_bytes.startswith(b"HTTP/1.1 200 OK\r\n")


def test_maxsize_while_streaming(mirror: MirrorServer) -> None:
    error = fetch_error(mirror.base_url + "chunked/big", maxsize=5000)
    assert error.kind == "maxsize" and error.exchange is not None
    assert error.exchange.truncated == "length"
    assert 5000 < len(error.exchange.payload) < len(page_body("/chunked/big"))
    assert page_body("/chunked/big").startswith(error.exchange.payload)


def test_maxsize_is_not_hit_at_the_limit_nor_by_head(mirror: MirrorServer) -> None:
    size = len(page_body("/exact"))
    assert fetch(mirror.base_url + "exact", maxsize=size).body == page_body("/exact")
    assert fetch(mirror.base_url + "exact", "HEAD", maxsize=100).status == 200


def test_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = fetch_error(f"http://127.0.0.1:{port}/")
    assert error.kind == "connect" and error.exchange is None


@pytest.mark.parametrize("garbage", [
    b"HTTP/1.1 abc Broken\r\nContent-Length: 2\r\n\r\nok",
    b"<html>not HTTP at all</html>\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nBad Header Line\r\n\r\n",
])
def test_malformed_response_is_a_protocol_error_with_the_bytes(garbage: bytes) -> None:
    with ScriptedServer(answer(garbage)) as server:
        error = fetch_error(server.url)
    assert error.kind == "protocol" and error.exchange is not None
    assert error.exchange.response_bytes == garbage


# --- never out of step: bytes beyond a message ------------------------------------------------

def page(path: str, extra: bytes = b"", short_by: int = 0) -> bytes:
    """Return a keep-alive response naming ``path``, its Content-Length ``short_by`` bytes
    short, ``extra`` bytes riding along after it."""
    body = f"<html>page {path}</html>".encode()
    return (b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: keep-alive\r\n\r\n"
            % (len(body) - short_by) + body + extra)


def target_of(request: bytes) -> str:
    return request.split(b" ", 2)[1].decode()


def serve_requests(server: ScriptedServer, conn: socket.socket, n: int,
                   answer_for: Callable[[str], list[bytes]]) -> None:
    """Answer every request on the connection with ``answer_for(path)`` (written piece by
    piece, a short pause between pieces)."""
    while request := server.receive(conn, n):
        for i, piece in enumerate(answer_for(target_of(request))):
            if i:
                time.sleep(0.02)
            conn.sendall(piece)


def test_a_response_riding_along_is_kept_and_never_answers_the_next_request() -> None:
    smuggled = page("/smuggled")
    with ScriptedServer(lambda conn, n: serve_requests(
            server, conn, n, lambda path: [page(path, extra=smuggled)])) as server:
        first, second = fetch_all([server.url + "one", server.url + "two"])
    assert (first.body, second.body) == (b"<html>page /one</html>", b"<html>page /two</html>")
    assert first.exchange.response_bytes == page("/one", extra=smuggled)
    assert first.exchange.trailing == len(smuggled) and first.exchange.payload == first.body
    assert server.connections == 2  # the out-of-step connection was closed


@pytest.mark.parametrize("answer", [
    lambda path: [page(path, short_by=7)],  # Content-Length 7 bytes short of the body
    lambda path: [b"HTTP/1.1 304 Not Modified\r\nETag: \"1\"\r\n\r\n" + page(path)],
], ids=["content-length-short", "body-after-304"])
def test_bytes_beyond_the_framing_close_the_connection(answer: Callable) -> None:
    with ScriptedServer(lambda conn, n: serve_requests(server, conn, n, answer)) as server:
        results = fetch_all([server.url + "a", server.url + "b", server.url + "c"])
    for fetched, path in zip(results, ("/a", "/b", "/c")):
        assert fetched.exchange.trailing > 0
        assert fetched.exchange.response_bytes == answer(path)[0]
    assert server.connections == 3


def test_bytes_arriving_on_an_idle_connection_answer_nothing() -> None:
    stray: list[tuple[str, bytes]] = []

    async def run() -> list[Fetched]:
        client = Http11Client(connect_timeout=TIMEOUT, user_ssl=TLS,
                              on_stray=lambda url, data: stray.append((url, data)))
        try:
            first = await client.fetch(server.url + "one", "GET", HEADERS, timeout=TIMEOUT)
            await asyncio.sleep(0.2)  # the late leftovers arrive while the connection idles
            second = await client.fetch(server.url + "two", "GET", HEADERS, timeout=TIMEOUT)
            return [first, second]
        finally:
            await client.close()

    late = page("/late")
    with ScriptedServer(lambda conn, n: serve_requests(
            server, conn, n, lambda path: [page(path), late])) as server:
        first, second = asyncio.run(run())
        url = server.url
    assert (first.body, second.body) == (b"<html>page /one</html>", b"<html>page /two</html>")
    assert stray == [(url + "one", late)] and server.connections == 2


@pytest.mark.parametrize("keep_alive", [True, False], ids=["kept-alive", "one-per-request"])
def test_no_answer_is_ever_attributed_to_another_url_under_pipelining_abuse(
        keep_alive: bool) -> None:
    """Every way a server can run ahead of the client, mixed at random over many requests: each
    URL gets its own page, every byte is in an exchange or was reported as stray. Kept alive,
    the client stops reusing connections to the server at its first sign of running ahead (a
    server that first sends leftovers after a pause is the one case only one connection per
    request rules out: the crawl's default)."""
    import random

    rng = random.Random(10)
    abuses = [
        lambda path: [page(path)],
        lambda path: [page(path, extra=page("/smuggled"))],
        lambda path: [page(path, short_by=7) + b"trails"],
        lambda path: [page(path), page("/late")],
        lambda path: [page(path)[:30], page(path)[30:] + page("/split")],
        lambda path: [b"HTTP/1.1 100 Continue\r\n\r\n" + page(path) + b"HTTP/1.1 100 Con"],
    ]
    plan: dict[str, Callable] = {}
    stray: list[bytes] = []

    def answer_for(path: str) -> list[bytes]:
        return plan[path](path)

    async def run(urls: list[str]) -> list[Fetched]:
        client = Http11Client(connect_timeout=TIMEOUT, user_ssl=TLS, keep_alive=keep_alive,
                              on_stray=lambda url, data: stray.append(data))
        results = []
        try:
            for url in urls:
                results.append(await client.fetch(url, "GET", HEADERS, timeout=TIMEOUT))
                await asyncio.sleep(rng.choice([0, 0, 0.05]))
        finally:
            await client.close()
        return results

    with ScriptedServer(lambda conn, n: serve_requests(server, conn, n, answer_for)) as server:
        paths = [f"/p{i}" for i in range(60)]
        plan.update({path: rng.choice(abuses) for path in paths})
        plan[paths[0]] = abuses[1]  # kept alive, the first sign comes before any pause
        results = asyncio.run(run([server.url + path[1:] for path in paths]))
    sent = {path: b"".join(plan[path](path)) for path in paths}
    for path, fetched in zip(paths, results):
        own = f"<html>page {path}</html>".encode()
        # (A Content-Length short of the body gives as much of it as the length says.)
        assert fetched.body == (own[:-7] if plan[path] is abuses[2] else own), path
        # What the client read for a URL is what the server sent for it, from its first byte.
        assert sent[path].startswith(fetched.exchange.response_bytes), path
    # Bytes read while a connection idled are the end of some earlier URL's answer.
    assert all(any(answer.endswith(data) for answer in sent.values()) for data in stray)
