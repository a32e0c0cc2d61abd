"""HTTP messages in record blocks, parsed with h11 as the crawl's client read them.

The parser the crawl's client read the bytes with when they came in, so a response the crawl
took for a response (bare LF line ends included) is one here too, and one it refused
(``Content-Length: abc``) is refused here with the same words. An HTTP head (interim responses
and each header block) is at most ``max_head`` bytes (:data:`MAX_HTTP_HEAD`); an entity kept or
decoded is bounded as :mod:`archive.warcs.codings` bounds it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import h11

from ifes_archive.archive.warcs.codings import (
    DEFAULT_MAX_BODY,
    TOO_LARGE,
    BodyTooLarge,
    ContentCodingError,
    ContentDecoder,
    content_codings,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

#: One HTTP head (status line and headers) at most; Apache allows 100 lines of 8190 bytes.
MAX_HTTP_HEAD = 64 * 1024
#: Interim (1xx) responses accepted before the final one; a server sending more is abusive.
MAX_INTERIM_RESPONSES = 16


@dataclass(frozen=True)
class HttpHead:
    """The head of an HTTP message in a record: for a response the final one (after any 1xx)."""

    start_line: bytes
    headers: tuple[tuple[str, str], ...]
    #: The status of a response (0 for a request).
    status: int = 0
    method: str = ""
    target: str = ""
    #: Interim (1xx) responses before the final one.
    interim: int = 0

    def values(self, name: str) -> list[str]:
        """Return every value of header ``name`` (case-insensitive), in order."""
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def value(self, name: str) -> str | None:
        """Return the last value of header ``name``, None when absent."""
        values = self.values(name)
        return values[-1] if values else None

    @property
    def codings(self) -> list[str]:
        return content_codings(self.values("Content-Encoding"))

    @property
    def content_type(self) -> str | None:
        return self.value("Content-Type")


def _text_headers(headers: Any) -> tuple[tuple[str, str], ...]:
    return tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in headers.raw_items())


@dataclass
class HttpScan:
    """What one pass over the bytes of an HTTP message found."""

    head: HttpHead | None = None
    #: Why the bytes are not a (whole) HTTP message: h11's words, or None.
    error: str | None = None
    #: The message ended where its framing says.
    complete: bool = False
    #: Bytes of the entity seen (transfer coding removed).
    entity_length: int = 0
    #: Bytes after the end of the message.
    trailing: int = 0
    #: SHA-1 of the entity (transfer coding removed) when asked for.
    payload_sha1: Any = None
    #: The first bytes of the entity (what it looks like: a gzip magic number, say).
    entity_prefix: bytes = b""
    #: The entity kept (transfer coding removed; content coding too when decoding), when asked.
    body: bytearray = field(default_factory=bytearray)
    #: Why ``body`` is not the whole decoded entity: over the bound, or a coding that fails.
    body_problem: str | None = None


class HttpReader:
    """Feeds the bytes of one HTTP message through h11 (as the crawl's client did) and collects
    an :class:`HttpScan`. ``keep``: keep the entity (bounded by ``max_size``); ``decode``: undo
    its content coding first (or, without ``keep``, only check that it decodes); ``digest``:
    hash the entity."""

    def __init__(self, response: bool = True, *, keep: bool = False, decode: bool = False,
                 digest: bool = False, max_size: int = DEFAULT_MAX_BODY,
                 max_head: int = MAX_HTTP_HEAD, method: bytes = b"GET"):
        self.scan = HttpScan(payload_sha1=hashlib.sha1() if digest else None)
        self._keep, self._decode, self._max_size = keep, decode, max_size
        self._decoder: ContentDecoder | None = None
        self._interim = 0
        self._h11 = h11.Connection(h11.CLIENT if response else h11.SERVER,
                                   max_incomplete_event_size=max_head)
        if response:  # h11 reads a response only after a request went out
            self._h11.send(h11.Request(method=method, target=b"/", headers=[(b"Host", b"_")]))
            self._h11.send(h11.EndOfMessage())

    @property
    def done(self) -> bool:
        """Whether the message ended (or failed): what follows is trailing bytes."""
        return self.scan.complete or self.scan.error is not None

    @property
    def has_head(self) -> bool:
        return self.scan.head is not None or self.scan.error is not None

    def feed(self, data: bytes) -> None:
        """Take the next bytes of the block."""
        if self.done:
            self.scan.trailing += len(data)
            return
        self._h11.receive_data(data)
        self._events()

    def end(self) -> HttpScan:
        """The block ended: return what was found."""
        if not self.done:
            self._h11.receive_data(b"")
            self._events()
        if self._decoder is not None and self.scan.complete and self.scan.body_problem is None \
                and not self._decoder.complete():
            self.scan.body_problem = f"{'+'.join(self.scan.head.codings)} stream ends early"  # type: ignore[union-attr]
        return self.scan

    def _events(self) -> None:
        while not self.done:
            try:
                event = self._h11.next_event()
            except h11.RemoteProtocolError as exc:
                self.scan.error = str(exc)
                return
            if event is h11.NEED_DATA or event is h11.PAUSED:
                return
            self._on(event)
        if self.scan.complete:
            leftover, _ = self._h11.trailing_data
            self.scan.trailing += len(leftover)

    def _on(self, event: Any) -> None:
        scan = self.scan
        if isinstance(event, h11.InformationalResponse):
            self._interim += 1
            if self._interim > MAX_INTERIM_RESPONSES:
                scan.error = f"more than {MAX_INTERIM_RESPONSES} interim (1xx) responses"
        elif isinstance(event, h11.Response):
            scan.head = HttpHead(_start_line(event), _text_headers(event.headers),
                                 status=event.status_code, interim=self._interim)
            self._start_body()
        elif isinstance(event, h11.Request):
            scan.head = HttpHead(event.method + b" " + event.target + b" HTTP/"
                                 + event.http_version, _text_headers(event.headers),
                                 method=event.method.decode("latin-1"),
                                 target=event.target.decode("latin-1"))
        elif isinstance(event, h11.Data):
            self._on_data(bytes(event.data))
        elif isinstance(event, h11.EndOfMessage):
            scan.complete = True
        elif isinstance(event, h11.ConnectionClosed):
            scan.error = "connection closed before the message ended"

    def _start_body(self) -> None:
        head = self.scan.head
        assert head is not None
        if not self._decode or not head.codings:
            return
        try:
            self._decoder = ContentDecoder(head.codings, self._max_size)
        except ContentCodingError as exc:
            self.scan.body_problem = str(exc)

    def _on_data(self, data: bytes) -> None:
        scan = self.scan
        if len(scan.entity_prefix) < 16:
            scan.entity_prefix += data[:16 - len(scan.entity_prefix)]
        scan.entity_length += len(data)
        if scan.payload_sha1 is not None:
            scan.payload_sha1.update(data)
        if scan.body_problem is not None:
            return
        try:
            if self._decoder is not None:
                for piece in self._decoder.feed(data):
                    self._kept(piece)
            elif self._keep:
                if self._max_size and len(scan.body) + len(data) > self._max_size:
                    raise BodyTooLarge(f"{TOO_LARGE} {self._max_size} bytes")
                scan.body += data
        except BodyTooLarge as exc:
            scan.body_problem = str(exc)
        except ContentCodingError as exc:
            scan.body_problem = f"{'+'.join(scan.head.codings)} does not decode: {exc}"  # type: ignore[union-attr]

    def _kept(self, piece: bytes) -> None:
        if self._keep:
            self.scan.body += piece


def _start_line(response: Any) -> bytes:
    return (b"HTTP/" + response.http_version + b" " + str(response.status_code).encode()
            + (b" " + response.reason if response.reason else b""))


def read_http(chunks: Iterable[bytes], response: bool = True, **options: Any) -> HttpScan:
    """Return what the HTTP message in ``chunks`` (a block, in pieces) holds; ``options`` as
    :class:`HttpReader` takes them."""
    reader = HttpReader(response, **options)
    for chunk in chunks:
        reader.feed(chunk)
    return reader.end()


def read_http_head(chunks: Iterable[bytes], response: bool = True,
                   max_head: int = MAX_HTTP_HEAD) -> HttpHead | None:
    """Return the head of the HTTP message in ``chunks``, None when it has none that parses."""
    reader = HttpReader(response, max_head=max_head)
    for chunk in chunks:
        reader.feed(chunk)
        if reader.has_head:
            return reader.scan.head
    return reader.end().head


def held_entity(message: bytes, max_size: int = 0) -> bytes:
    """Return the entity (transfer coding removed) the bytes of a possibly cut-off response
    hold: what a truncated capture's payload digest is computed over."""
    reader = HttpReader(keep=True, max_size=max_size)
    reader.feed(message)
    scan = reader.end()
    return bytes(scan.body)
