"""One HTTP/1.1 exchange as :mod:`crawler.http11` receives it: the bytes that crossed the wire,
the response as it grows, every size bound checked as the bytes come (``DOWNLOAD_MAXSIZE`` as
declared, as sent and once its content coding is undone), and what it gives back: a
:class:`Fetched` response, or a :class:`FetchError` that keeps whatever crossed the wire.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ifes_archive.archive.warcs.codings import (
    BodyTooLarge,
    ContentCodingError,
    ContentDecoder,
    content_codings,
)
from ifes_archive.archive.warcs.http_messages import MAX_HTTP_HEAD, held_entity
from ifes_archive.archive.warcs.writer import HttpExchange

if TYPE_CHECKING:
    from datetime import datetime

    import h11


class FetchError(Exception):
    """The exchange failed; ``exchange`` holds whatever crossed the wire before it did."""

    def __init__(self, kind: str, message: str, exchange: HttpExchange | None = None):
        super().__init__(message)
        #: One of: connect, timeout, dataloss, protocol, maxsize.
        self.kind = kind
        self.exchange = exchange


@dataclass
class Fetched:
    """A complete HTTP response and the exchange it came from."""

    status: int
    reason: str
    http_version: str
    headers: list[tuple[bytes, bytes]]
    #: The entity, transfer coding removed, content coding kept.
    body: bytes
    exchange: HttpExchange
    #: The entity with its content coding undone too (``body`` when it has none).
    decoded: bytes = b""
    #: Why ``decoded`` is not the whole entity (a coding that fails half-way), or None.
    decode_problem: str | None = None


@dataclass
class ExchangeState:
    """The mutable state of one exchange in progress."""

    url: str
    date: datetime
    sent: bytes
    ip_address: str | None
    received: bytearray = field(default_factory=bytearray)
    body: bytearray = field(default_factory=bytearray)
    response: h11.Response | None = None
    method: bytes = b"GET"
    interim: int = 0
    decoder: ContentDecoder | None = None
    decoded: bytearray = field(default_factory=bytearray)
    decode_problem: str | None = None

    def freeze(self, truncated: str | None, trailing: int = 0,
               parser: h11.Connection | None = None) -> HttpExchange:
        """Return the exchange as it stands. Given the ``parser``, the bytes it has not read
        yet are left out (a body cut at a size bound ends where the bound was crossed)."""
        unread = len(parser.trailing_data[0]) if parser is not None else 0
        wire = bytes(self.received[:len(self.received) - unread])
        # A cut-off answer: the payload is the entity its bytes hold (read as verify reads it).
        payload = held_entity(wire) if truncated else bytes(self.body)
        return HttpExchange(self.url, self.date, self.sent, wire, payload, self.ip_address,
                            truncated, trailing)


def wire_bound(maxsize: int, max_head: int = MAX_HTTP_HEAD) -> int:
    """Return the bound on bytes received for a body bound of ``maxsize``: twice it and a whole
    head (the interim responses and chunk framing of an honest server take far less), 0 for
    none."""
    return 2 * maxsize + max_head if maxsize else 0


def _declared_length(response: h11.Response) -> int | None:
    for name, value in response.headers:
        if name == b"content-length":
            return int(value)
    return None


def check_declared_size(response: h11.Response, state: ExchangeState, maxsize: int,
                         parser: h11.Connection) -> None:
    if state.method == b"HEAD" or response.status_code in (204, 304):
        return  # Content-Length is that of an entity not sent
    declared = _declared_length(response)
    if maxsize and declared is not None and declared > maxsize:
        raise FetchError("maxsize", f"{state.url}: Content-Length {declared} > {maxsize} "
                         "(DOWNLOAD_MAXSIZE)",
                         state.freeze("length", parser=parser))


def check_size(state: ExchangeState, maxsize: int, parser: h11.Connection) -> None:
    if maxsize and len(state.body) > maxsize:
        raise FetchError("maxsize", f"{state.url}: body over {maxsize} bytes (DOWNLOAD_MAXSIZE)",
                         state.freeze("length", parser=parser))


def start_decoding(response: h11.Response, state: ExchangeState, maxsize: int) -> None:
    if state.method == b"HEAD" or response.status_code in (204, 304):
        return
    codings = content_codings(v.decode("latin-1") for k, v in response.headers
                              if k == b"content-encoding")
    if not codings:
        return
    try:
        state.decoder = ContentDecoder(codings, maxsize)
    except ContentCodingError as exc:
        state.decode_problem = str(exc)


def decode_piece(state: ExchangeState, data: bytes, parser: h11.Connection) -> None:
    """Undo the content coding of the next piece of body; stop at ``maxsize`` decoded bytes."""
    if state.decoder is None or state.decode_problem is not None:
        return
    try:
        for piece in state.decoder.feed(data):
            state.decoded += piece
    except BodyTooLarge as exc:
        raise FetchError("maxsize", f"{state.url}: {exc} (DOWNLOAD_MAXSIZE)",
                         state.freeze("length", parser=parser)) from exc
    except ContentCodingError as exc:
        state.decode_problem = f"the content coding does not decode: {exc}"
