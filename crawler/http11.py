"""A small HTTP/1.1 client on asyncio streams that keeps the bytes of every exchange.

Scrapy's Twisted client hands on a rebuilt response: no reason phrase, no ``Content-Length`` or
``Transfer-Encoding``, repeated headers folded. For an archive that is not good enough, so this
client writes the request bytes itself (serialised by h11, so they are what went out) and tees
every byte the transport delivers before h11 parses it. The result carries both the parsed
response and an :class:`~archive.warcs.writer.HttpExchange` with the wire bytes (one exchange's
state, bounds and result: :mod:`crawler.http_exchange`).

Connections are kept alive and reused per origin (polite to the server, and fast; or not at all
with ``keep_alive=False``), but only at a clean message boundary: a response followed by more
bytes than its framing says (a second response riding along, a body after a 304, a
Content-Length short of the body) closes the connection, the extra bytes kept in the exchange
and counted (``trailing``); a pooled connection that received anything while idle is closed,
never reused, and what it received is handed to ``on_stray`` — otherwise the leftovers would
become the next URL's answer. An origin that did either once gets one connection per request
from then on. (Bytes a server sends after a pause can still reach a kept-alive connection just
after the next request went out, where nothing tells them from its answer: only
``keep_alive=False`` rules that out.)

Every size is bounded: bytes received for one exchange (interim responses, heads, chunk framing
and body) by ``maxwire``, one head by ``max_head``, interim responses by
:data:`~archive.warcs.http_messages.MAX_INTERIM_RESPONSES`, the body by ``maxsize`` as sent and
again once its content coding is undone (decoded as it arrives, so a gzip bomb stops after a few
kB).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, urlsplit

import h11

from ifes_archive.archive.origin import origin_of
from ifes_archive.archive.warcs.http_messages import (
    MAX_HTTP_HEAD,
    MAX_INTERIM_RESPONSES,
)
from ifes_archive.archive.warcs.writer import utc_now
from ifes_archive.crawler.http_exchange import (
    ExchangeState,
    Fetched,
    FetchError,
    check_declared_size,
    check_size,
    decode_piece,
    start_decoding,
    wire_bound,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

READ_SIZE = 64 * 1024
#: Idle keep-alive connections kept per origin; the crawl asks one host at a time.
MAX_IDLE_PER_ORIGIN = 4
#: Seconds a TCP (and TLS) connect may take at most, however long DOWNLOAD_TIMEOUT lets a whole
#: exchange run: a server that cannot open a connection in this long is not answering.
CONNECT_TIMEOUT = 30.0


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    protocol: h11.Connection
    reused: bool = False
    #: The URL of the last exchange on it (whom bytes arriving while idle would belong to).
    last_url: str = ""

    @property
    def ip_address(self) -> str | None:
        peer = self.writer.get_extra_info("peername")
        return peer[0] if peer else None

    def close(self) -> None:
        self.writer.close()


def _no_verify_context() -> ssl.SSLContext:
    # Like Scrapy's default: an archive captures what a site serves, valid certificate or not.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class Http11Client:
    """Fetches URLs over HTTP/1.1 with keep-alive, returning wire bytes with every response."""

    def __init__(self, connect_timeout: float = CONNECT_TIMEOUT,
                 user_ssl: ssl.SSLContext | None = None, max_head: int = MAX_HTTP_HEAD,
                 on_stray: Callable[[str, bytes], None] | None = None, keep_alive: bool = True):
        self._connect_timeout = connect_timeout
        #: False: one request per connection (``Connection: close``), as Heritrix does by
        #: default — no server can make one URL's answer another's, however it misbehaves.
        self._keep_alive = keep_alive
        #: Origins that sent bytes out of step once: never reused again this run.
        self._out_of_step: set[tuple[str, str, int]] = set()
        self._ssl = user_ssl or _no_verify_context()
        self._max_head = max_head
        #: Told (URL of the last exchange, bytes) when an idle connection received something.
        self._on_stray = on_stray
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}

    @classmethod
    def from_settings(cls, settings: BaseSettings,
                      on_stray: Callable[[str, bytes], None] | None = None) -> Http11Client:
        """Return the client the crawl's settings ask for (``DOWNLOAD_TIMEOUT`` bounds the
        connect, ``DOWNLOAD_MAXHEADSIZE``, ``DOWNLOAD_KEEPALIVE``)."""
        return cls(connect_timeout=min(settings.getfloat("DOWNLOAD_TIMEOUT"), CONNECT_TIMEOUT),
                   max_head=settings.getint("DOWNLOAD_MAXHEADSIZE"),
                   on_stray=on_stray, keep_alive=settings.getbool("DOWNLOAD_KEEPALIVE"))

    async def fetch(self, url: str, method: str, headers: list[tuple[bytes, bytes]],
                    body: bytes = b"", timeout: float = 180.0, maxsize: int = 0,
                    maxwire: int = 0, cut: bool = False) -> Fetched:
        """Return the response to one request; raise :class:`FetchError` when it fails.

        ``maxsize`` bounds the body (as sent, and decoded), ``maxwire`` every byte received
        (0: :func:`wire_bound` of ``maxsize``); 0 and 0 for no bound. With ``cut``, an answer
        whose ``Content-Length`` is over ``maxsize`` is still read, up to ``maxsize`` (the
        :class:`FetchError` then holds its first bytes: robots.txt's first 500 KiB)."""
        bounds: tuple[int, int, bool] = (maxsize, maxwire or wire_bound(maxsize, self._max_head),
                                         cut)
        parts, where = urlsplit(url), origin_of(url)
        if where is None:  # the host the scope judged is the host connected to, or none is
            raise FetchError("connect", f"{url}: no valid http(s) host to connect to")
        origin = (where.scheme, where.host, where.port)
        deadline = asyncio.get_running_loop().time() + timeout
        close = not self._keep_alive or origin in self._out_of_step
        request = _h11_request(method, parts, where.netloc, headers, body, close)
        connection = await self._connection(origin, deadline)
        try:
            return await self._exchange(origin, connection, url, request, body, deadline, bounds)
        except _StaleConnection:
            fresh = await self._connection(origin, deadline, pooled=False)
            return await self._exchange(origin, fresh, url, request, body, deadline, bounds)

    async def close(self) -> None:
        """Close every idle connection."""
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()

    async def _connection(self, origin: tuple[str, str, int], deadline: float,
                          pooled: bool = True) -> _Connection:
        idle = self._idle.get(origin, [])
        if pooled and idle:
            await asyncio.sleep(0)  # let whatever arrived while idle reach the readers
        while pooled and idle:
            connection = idle.pop()
            stray = _salvage(connection.reader)
            # A FIN leaves the reader at EOF; an RST closes the transport; bytes that came
            # while idle answer nothing we asked: the connection is out of step.
            if not stray and not connection.reader.at_eof() and not connection.writer.is_closing():
                connection.reused = True
                return connection
            if stray:
                self._out_of_step.add(origin)
                if self._on_stray is not None:
                    self._on_stray(connection.last_url, stray)
            connection.close()
        scheme, host, port = origin
        tls = self._ssl if scheme == "https" else None
        wait = min(self._connect_timeout, _remaining(deadline))
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port, ssl=tls, server_hostname=host if tls else None,
                                        limit=READ_SIZE), wait)
        except (OSError, asyncio.TimeoutError) as exc:
            kind = "timeout" if isinstance(exc, asyncio.TimeoutError) else "connect"
            raise FetchError(kind, f"cannot connect to {host}:{port}: {exc!r}") from exc
        return _Connection(reader, writer, h11.Connection(
            h11.CLIENT, max_incomplete_event_size=self._max_head))

    async def _exchange(self, origin: tuple[str, str, int], connection: _Connection, url: str,
                        request: h11.Request, body: bytes, deadline: float,
                        bounds: tuple[int, int, bool]) -> Fetched:
        sent = _serialise(connection.protocol, request, body)
        state = ExchangeState(url, utc_now(), sent, connection.ip_address, method=request.method)
        connection.last_url = url
        try:
            await self._send(connection, state, deadline)
            await self._read_response(connection, state, deadline, bounds)
        except BaseException:
            connection.close()
            raise
        trailing = len(connection.protocol.trailing_data[0])
        if trailing:
            logger.warning("%s: %d bytes after the end of the response: connection closed, "
                           "the bytes kept in the capture", url, trailing)
            self._out_of_step.add(origin)
            connection.close()
        else:
            self._release(origin, connection)
        response = state.response
        assert response is not None
        if state.decoder is not None and state.decode_problem is None \
                and not state.decoder.complete():
            state.decode_problem = "the content coding's stream ends early"
        return Fetched(response.status_code, response.reason.decode("latin-1"),
                       "HTTP/" + response.http_version.decode("ascii"),
                       list(response.headers.raw_items()), bytes(state.body),
                       state.freeze(None, trailing),
                       bytes(state.decoded) if state.decoder or state.decode_problem
                       else bytes(state.body), state.decode_problem)

    @staticmethod
    async def _send(connection: _Connection, state: ExchangeState, deadline: float) -> None:
        try:
            connection.writer.write(state.sent)
            await asyncio.wait_for(connection.writer.drain(), _remaining(deadline))
        except asyncio.TimeoutError as exc:  # before OSError: it is one
            raise FetchError("timeout", f"{state.url}: the request was not taken in time") from exc
        except OSError as exc:
            if connection.reused:  # the server dropped it while it was idle
                raise _StaleConnection from exc
            raise FetchError("dataloss", f"{state.url}: connection lost sending the request: "
                                         f"{exc!r}") from exc

    async def _read_response(self, connection: _Connection, state: ExchangeState, deadline: float,
                             bounds: tuple[int, int, bool]) -> None:
        maxsize, maxwire, cut = bounds
        protocol = connection.protocol
        while True:
            try:
                event = protocol.next_event()
            except h11.RemoteProtocolError as exc:
                self._fail_protocol(connection, state, exc)
            if event is h11.NEED_DATA:
                await self._receive(connection, state, deadline, maxwire)
            elif isinstance(event, h11.InformationalResponse):
                state.interim += 1
                if state.interim > MAX_INTERIM_RESPONSES:
                    raise FetchError("protocol", f"{state.url}: more than "
                                     f"{MAX_INTERIM_RESPONSES} interim (1xx) responses",
                                     state.freeze("unspecified"))
            elif isinstance(event, h11.Response):
                state.response = event
                if not cut:  # else read up to maxsize, then cut (the check below)
                    check_declared_size(event, state, maxsize, protocol)
                start_decoding(event, state, maxsize)
            elif isinstance(event, h11.Data):
                state.body += event.data
                check_size(state, maxsize, protocol)
                decode_piece(state, bytes(event.data), protocol)
            elif isinstance(event, h11.EndOfMessage):
                return

    async def _receive(self, connection: _Connection, state: ExchangeState, deadline: float,
                       maxwire: int) -> None:
        if maxwire and len(state.received) >= maxwire:
            raise FetchError("maxsize", f"{state.url}: over {maxwire} bytes received "
                             "(DOWNLOAD_MAXWIRESIZE)", state.freeze("length"))
        size = min(READ_SIZE, maxwire - len(state.received)) if maxwire else READ_SIZE
        try:
            data = await asyncio.wait_for(connection.reader.read(size), _remaining(deadline))
        except asyncio.TimeoutError as exc:
            raise FetchError("timeout", f"no answer in time from {state.url}",
                             state.freeze("time") if state.received else None) from exc
        except OSError as exc:
            data = _salvage(connection.reader)
            if not data:
                if connection.reused and not state.received:
                    raise _StaleConnection from exc
                raise FetchError("dataloss", f"connection lost: {exc!r}",
                                 state.freeze("disconnect") if state.received else None) from exc
        if not data and not state.received:
            if connection.reused:
                raise _StaleConnection
            # h11 would call this a protocol error; it is a server that hung up on us.
            raise FetchError("dataloss", f"{state.url}: connection closed before any response")
        state.received += data
        connection.protocol.receive_data(data)

    @staticmethod
    def _fail_protocol(connection: _Connection, state: ExchangeState,
                       exc: h11.RemoteProtocolError) -> None:
        if connection.reused and not state.received:
            raise _StaleConnection from exc
        # The peer hung up inside the message (data loss), or sent something that is no HTTP.
        closed = connection.protocol.trailing_data[1]
        kind = "dataloss" if closed else "protocol"
        truncated = "disconnect" if closed else "unspecified"
        exchange = state.freeze(truncated) if state.received else None
        raise FetchError(kind, f"{state.url}: {exc}", exchange) from exc

    def _release(self, origin: tuple[str, str, int], connection: _Connection) -> None:
        protocol = connection.protocol
        if protocol.our_state is h11.DONE and protocol.their_state is h11.DONE:
            protocol.start_next_cycle()
            idle = self._idle.setdefault(origin, [])
            if len(idle) < MAX_IDLE_PER_ORIGIN:
                idle.append(connection)
                return
        connection.close()


class _StaleConnection(Exception):
    """A kept-alive connection the server had already closed: try again on a fresh one."""


def _salvage(reader: asyncio.StreamReader) -> bytes:
    """Return (and take) the bytes that arrived before the connection was reset.

    ``StreamReader.read`` raises the reset even when the whole response is already buffered
    (a server that sends its answer and then an RST); the archive wants those bytes.
    """
    buffered = getattr(reader, "_buffer", None)  # where CPython's StreamReader keeps them
    if not buffered:
        return b""
    data = bytes(buffered)
    buffered.clear()
    return data


def _remaining(deadline: float) -> float:
    return max(0.0, deadline - asyncio.get_running_loop().time())


def _h11_request(method: str, parts: SplitResult, host: str,
                 headers: list[tuple[bytes, bytes]], body: bytes, close: bool = False,
                 ) -> h11.Request:
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    names = {name.lower() for name, _ in headers}
    all_headers = [(b"Host", host.encode("ascii"))]
    all_headers += [(name, value) for name, value in headers if name.lower() != b"host"]
    if body and b"content-length" not in names:
        all_headers.append((b"Content-Length", str(len(body)).encode()))
    if close and b"connection" not in names:
        all_headers.append((b"Connection", b"close"))
    return h11.Request(method=method, target=target.encode("ascii"), headers=all_headers)


def _serialise(protocol: h11.Connection, request: h11.Request, body: bytes) -> bytes:
    wire = protocol.send(request) or b""
    if body:
        wire += protocol.send(h11.Data(data=body)) or b""
    return wire + (protocol.send(h11.EndOfMessage()) or b"")


