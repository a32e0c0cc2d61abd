"""The one reader of WARC records: typed heads, streamed blocks, bounded HTTP entities.

Everything that reads captures back goes through here — ``verify``, ``rebuild``, the crawl's
state recovery, the close-out of files a crash left open, a resumed run answering from its own
records — so they agree on what a record is. Records are iterated with warcio and never held
whole: a block is read in pieces of :data:`READ_CHUNK` bytes. The HTTP message inside a block is
parsed with h11, the parser the crawl's client read the bytes with when they came in, so a
response the crawl took for a response (bare LF line ends included) is one here too, and one it
refused (``Content-Length: abc``) is refused here with the same words.

Bounds: an HTTP head (interim responses and each header block) is at most ``max_head`` bytes
(:data:`MAX_HTTP_HEAD`); an entity kept or decoded is at most ``max_size`` bytes
(:data:`DEFAULT_MAX_BODY`, the crawl's ``DOWNLOAD_MAXSIZE`` default) — past it the caller learns
that the body is over the bound, and nothing more is decoded.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO

import h11
from warcio.archiveiterator import ArchiveIterator

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from pathlib import Path

#: 20 MiB: the crawl's DOWNLOAD_MAXSIZE default; pages of the site are tens of kB.
DEFAULT_MAX_BODY = 20 * 1024 * 1024
#: 20 MiB of body (decoded) across one article's pages: the crawl's ARTICLE_MAXSIZE default and
#: the rebuild's. The site's longest articles are a few hundred kB; building a record costs
#: several times its pages, so a run of huge pages must stop somewhere.
DEFAULT_MAX_ARTICLE = 20 * 1024 * 1024
#: One HTTP head (status line and headers) at most; Apache allows 100 lines of 8190 bytes.
MAX_HTTP_HEAD = 64 * 1024
#: Interim (1xx) responses accepted before the final one; a server sending more is abusive.
MAX_INTERIM_RESPONSES = 16
READ_CHUNK = 64 * 1024
#: WARC header naming how many bytes at the end of a response block came after the end of the
#: HTTP message (a second response riding along, a body after a 304, a Content-Length short of
#: the body): kept as they came, not part of the payload.
TRAILING_FIELD = "WARC-Trailing-Bytes"

try:
    import brotli
except ImportError:  # PyPy: the CFFI binding of the same library (as Scrapy takes it)
    import brotlicffi as brotli  # type: ignore[import-not-found,unused-ignore]
try:
    # (one of the two is found, depending on the Python: each ignore is unused on the other)
    from compression import zstd  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # Python < 3.14: the backport of the standard library's module
    from backports import zstd  # type: ignore[import-not-found,no-redef,unused-ignore]


#: How the message of :class:`BodyTooLarge` starts (a body over its bound is not a defect).
TOO_LARGE = "body over"


class BodyTooLarge(Exception):
    """A decoded or kept body went over its bound."""


class ContentCodingError(Exception):
    """A body that does not decode as its ``Content-Encoding`` says."""


# --- content codings --------------------------------------------------------------------------

class _Gzip:
    """gzip (several members allowed, as gzip(1) writes them); zlib-wrapped or raw for deflate.

    RFC 9110 says ``deflate`` is zlib-wrapped, but servers (IIS, some PHP set-ups) send it raw;
    browsers take both, and so does this: until the zlib reading has produced output, the input
    is kept, and a zlib error starts it again as raw deflate (however the bytes were split)."""

    def __init__(self, wbits: int):
        self._wbits = wbits
        self._inner = zlib.decompressobj(wbits)
        #: Input seen while a deflate body may still be raw rather than zlib-wrapped.
        self._undecided: bytearray | None = bytearray() if wbits == zlib.MAX_WBITS else None

    def decode(self, data: bytes, limit: int) -> tuple[bytes, bytes]:
        """Return (output of at most ``limit`` bytes, input not consumed yet)."""
        try:
            if self._inner.eof:
                rest = self._inner.unused_data + data
                if self._wbits != zlib.MAX_WBITS | 16 or not rest.startswith(b"\x1f\x8b"):
                    return b"", b""  # trailing garbage after the stream: ignored, as gzip(1) does
                self._inner = zlib.decompressobj(self._wbits)
                data = rest
            if self._undecided is not None:
                self._undecided += data
            out = self._inner.decompress(data, limit)
        except zlib.error as exc:
            if self._undecided is not None:
                return self._as_raw_deflate(limit)
            raise ContentCodingError(str(exc)) from exc
        if out or self._inner.eof or len(self._undecided or b"") > READ_CHUNK:
            self._undecided = None
        # At the end of a member the rest of the input is in unused_data (next call).
        return out, b"" if self._inner.eof else self._inner.unconsumed_tail

    def _as_raw_deflate(self, limit: int) -> tuple[bytes, bytes]:
        assert self._undecided is not None
        seen, self._undecided = bytes(self._undecided), None
        self._wbits, self._inner = -zlib.MAX_WBITS, zlib.decompressobj(-zlib.MAX_WBITS)
        return self.decode(seen, limit)

    def complete(self) -> bool:
        return bool(self._inner.eof)


class _Brotli:
    def __init__(self) -> None:
        self._inner = brotli.Decompressor()

    def decode(self, data: bytes, limit: int) -> tuple[bytes, bytes]:
        try:
            if data and not self._inner.can_accept_more_data():
                out = self._inner.process(b"", output_buffer_limit=limit)
                return out, data
            return self._inner.process(data, output_buffer_limit=limit), b""
        except brotli.error as exc:
            raise ContentCodingError(str(exc)) from exc

    def complete(self) -> bool:
        return self._inner.is_finished()


class _Zstd:
    """zstd (RFC 8878): several frames in a row decode as one stream, as zstd(1) reads them."""

    def __init__(self) -> None:
        self._inner = zstd.ZstdDecompressor()

    def decode(self, data: bytes, limit: int) -> tuple[bytes, bytes]:
        try:
            if self._inner.eof:
                data = self._inner.unused_data + data
                if not data:
                    return b"", b""
                self._inner = zstd.ZstdDecompressor()
            out = self._inner.decompress(data, limit)
        except zstd.ZstdError as exc:
            raise ContentCodingError(str(exc)) from exc
        # It keeps its own input (needs_input says when it is empty); at the end of a frame the
        # rest is in unused_data, taken up by the next call.
        return out, b""

    def complete(self) -> bool:
        return bool(self._inner.eof) and not self._inner.unused_data


_DECODERS: dict[str, Callable[[], Any]] = {
    "gzip": lambda: _Gzip(zlib.MAX_WBITS | 16),
    "x-gzip": lambda: _Gzip(zlib.MAX_WBITS | 16),
    "deflate": lambda: _Gzip(zlib.MAX_WBITS),
    "br": _Brotli,
    "zstd": _Zstd,
}


def _decoder(coding: str) -> Any:
    try:
        return _DECODERS[coding]()
    except KeyError:
        raise ContentCodingError(f"unsupported content coding {coding!r}") from None


#: The codings :class:`ContentDecoder` reads: the crawl asks for some of them (its
#: ``ACCEPT_ENCODING`` setting may name no other), and reads all of them when a server sends
#: one unasked, so whatever a server answers with, the rebuild reads too.
SUPPORTED_CODINGS = tuple(_DECODERS)


def content_codings(values: Iterable[str]) -> list[str]:
    """Return the content codings of ``Content-Encoding`` values, in the order applied."""
    codings = [c.strip().lower() for value in values for c in value.split(",")]
    return [c for c in codings if c and c != "identity"]


class ContentDecoder:
    """Decodes a body through its content codings as it streams by, never producing more than
    ``max_size`` bytes: :meth:`feed` yields decoded pieces and raises :class:`BodyTooLarge` once
    the total would pass the bound, :class:`ContentCodingError` on bytes that do not decode."""

    def __init__(self, codings: list[str], max_size: int = DEFAULT_MAX_BODY):
        # Applied in order by the server, so undone last-first.
        self._stages = [_decoder(c) for c in reversed(codings)]
        self.max_size = max_size
        self.decoded = 0

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Yield the decoded output of ``data`` (in pieces of at most :data:`READ_CHUNK`)."""
        yield from self._through(0, bytes(data))

    def _through(self, stage: int, data: bytes) -> Iterator[bytes]:
        if stage == len(self._stages):
            self.decoded += len(data)
            if self.max_size and self.decoded > self.max_size:
                raise BodyTooLarge(f"{TOO_LARGE} {self.max_size} bytes once decoded")
            if data:
                yield data
            return
        decoder = self._stages[stage]
        pending = data
        while True:
            out, pending = decoder.decode(pending, READ_CHUNK)
            if out:
                yield from self._through(stage + 1, out)
            if not out and not pending:
                return

    def complete(self) -> bool:
        """Whether every coding reached the end of its stream."""
        return all(stage.complete() for stage in self._stages)


def decode_body(body: bytes, codings: list[str], max_size: int = DEFAULT_MAX_BODY,
                cut: bool = False) -> tuple[bytes, str | None]:
    """Return (the decoded body, why it is not all of it or None).

    Like browsers and Scrapy's gunzip, a body that breaks off or goes bad half-way gives what
    decoded before that; one whose first bytes already fail gives ``b""`` and the reason.
    Past ``max_size`` it raises :class:`BodyTooLarge`, or with ``cut`` gives the first
    ``max_size`` bytes at most."""
    if not codings:
        if max_size and len(body) > max_size:
            if cut:
                return body[:max_size], f"{TOO_LARGE} {max_size} bytes"
            raise BodyTooLarge(f"{TOO_LARGE} {max_size} bytes")
        return body, None
    try:
        decoder = ContentDecoder(codings, max_size)
    except ContentCodingError as exc:
        return b"", str(exc)
    out = bytearray()
    try:
        for start in range(0, len(body), READ_CHUNK):
            for piece in decoder.feed(body[start:start + READ_CHUNK]):
                out += piece
    except ContentCodingError as exc:
        return bytes(out), f"{'+'.join(codings)} does not decode: {exc}"
    except BodyTooLarge as exc:
        if not cut:
            raise
        return bytes(out), str(exc)
    if not decoder.complete():
        return bytes(out), f"{'+'.join(codings)} stream ends early"
    return bytes(out), None


# --- HTTP messages in record blocks ----------------------------------------------------------

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


# --- WARC records -----------------------------------------------------------------------------

@dataclass(frozen=True)
class RecordHead:
    """A record's WARC header fields, typed."""

    fields: tuple[tuple[str, str], ...]
    offset: int

    def get(self, name: str, default: str = "") -> str:
        """Return the value of WARC header ``name`` (case-insensitive), ``default`` if absent."""
        lower = name.lower()
        return next((v for k, v in self.fields if k.lower() == lower), default)

    def as_dict(self) -> dict[str, str]:
        return dict(self.fields)

    type = property(lambda self: self.get("WARC-Type"))
    id = property(lambda self: self.get("WARC-Record-ID"))
    date = property(lambda self: self.get("WARC-Date"))
    target_uri = property(lambda self: self.get("WARC-Target-URI"))
    concurrent_to = property(lambda self: self.get("WARC-Concurrent-To"))
    refers_to = property(lambda self: self.get("WARC-Refers-To"))
    refers_to_target_uri = property(lambda self: self.get("WARC-Refers-To-Target-URI"))
    refers_to_date = property(lambda self: self.get("WARC-Refers-To-Date"))
    profile = property(lambda self: self.get("WARC-Profile"))
    payload_digest = property(lambda self: self.get("WARC-Payload-Digest"))
    block_digest = property(lambda self: self.get("WARC-Block-Digest"))

    @property
    def truncated(self) -> str | None:
        """The ``WARC-Truncated`` reason, None for a whole record."""
        return self.get("WARC-Truncated") or None

    @property
    def content_length(self) -> int:
        """The declared block length (-1 when missing or unreadable)."""
        value = self.get("Content-Length", "-1").strip()
        return int(value) if value.isdigit() else -1

    @property
    def trailing_bytes(self) -> int:
        """Bytes at the end of the block that came after the HTTP message."""
        value = self.get(TRAILING_FIELD).strip()
        return int(value) if value.isdigit() else 0

    @property
    def is_http(self) -> bool:
        return self.get("Content-Type").lower().startswith("application/http")


def parse_warc_head(head: bytes, offset: int) -> RecordHead:
    """Return the WARC head ``head`` (version line and fields, without the blank line)."""
    lines = head.decode("utf-8", "replace").splitlines()[1:]
    fields = []
    for line in lines:
        name, sep, value = line.partition(":")
        if sep:
            fields.append((name.strip(), value.strip()))
    return RecordHead(tuple(fields), offset)


class WarcRecord:
    """One record while its file is being read: the head, and the block as a stream."""

    def __init__(self, head: RecordHead, record: Any, iterator: ArchiveIterator):
        self.head = head
        self._stream = record.raw_stream
        self._iterator = iterator
        self._pushback: list[bytes] = []
        #: Bytes of the block read so far.
        self.read_bytes = 0
        self._http_head: HttpHead | bool | None = False

    def chunks(self) -> Iterator[bytes]:
        """Yield the (rest of the) block in pieces of at most :data:`READ_CHUNK` bytes."""
        while self._pushback:
            yield self._pushback.pop(0)
        while chunk := self._stream.read(READ_CHUNK):
            self.read_bytes += len(chunk)
            yield chunk

    def http_head(self, max_head: int = MAX_HTTP_HEAD) -> HttpHead | None:
        """Return the HTTP head of the block (request or response), None when it has none;
        the bytes read for it are given back by :meth:`chunks`."""
        if self._http_head is False:
            taken: list[bytes] = []

            def remember() -> Iterator[bytes]:
                for chunk in self.chunks():
                    taken.append(chunk)
                    yield chunk

            response = self.head.type != "request"
            self._http_head = read_http_head(remember(), response, max_head) \
                if self.head.is_http else None
            self._pushback = taken + self._pushback
        return self._http_head  # type: ignore[return-value]

    def drain(self) -> int:
        """Read the block to its end; return how many bytes it had."""
        for _ in self.chunks():
            pass
        return self.read_bytes

    @property
    def complete(self) -> bool:
        """Whether the block (read to its end) is as long as ``Content-Length`` says."""
        return self.drain() == self.head.content_length

    @property
    def length(self) -> int:
        """Bytes the record takes in the file (the gzip member, for a .warc.gz)."""
        return int(self._iterator.get_record_length())


class CutShort(ValueError):
    """A WARC file that ends inside a record, or whose last bytes are no whole record."""


def iter_records(stream: BinaryIO, whole: bool = False) -> Iterator[WarcRecord]:
    """Yield every record of an open WARC file (gzipped or not), streamed. With ``whole``, raise
    :class:`CutShort` at the end if bytes are left that hold no whole record: warcio ends
    quietly at a gzip member cut off before its WARC head (an interrupted copy)."""
    iterator = ArchiveIterator(stream, no_record_parse=True)
    for record in iterator:
        # Where this record starts (warcio's get_record_offset would read it to its end).
        head = RecordHead(tuple(record.rec_headers.headers), iterator.offset)
        yield WarcRecord(head, record, iterator)
    size = os.fstat(stream.fileno()).st_size if whole else 0
    if iterator.offset < size:
        raise CutShort(f"the {size - iterator.offset} bytes from offset {iterator.offset} on "
                       "hold no whole record (a copy cut short?)")


@contextmanager
def open_records(path: Path, whole: bool = False) -> Iterator[Iterator[WarcRecord]]:
    """``with open_records(path) as records:`` iterate the records of one file (``whole``: as
    :func:`iter_records` takes it)."""
    with open(path, "rb") as stream:
        yield iter_records(stream, whole)


def unread_rest(path: Path) -> str | None:
    """Return why ``path`` cannot be read to its end (a record the file ends inside, bytes that
    are no record), None when every record in it is whole. Reads the whole file, streamed."""
    offset = 0
    try:
        with open_records(path, whole=True) as records:
            for record in records:
                offset = record.head.offset
                if not record.complete:
                    return f"the file ends inside the record at offset {offset} (a copy cut short?)"
    except CutShort as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - whatever stops the reading is the answer
        return f"unreadable after offset {offset}: {type(exc).__name__}: {exc}"
    return None


@contextmanager
def record_at(path: Path, offset: int) -> Iterator[WarcRecord]:
    """``with record_at(path, offset) as record:`` the record at ``offset`` of ``path``."""
    with open(path, "rb") as stream:
        stream.seek(offset)
        record = next(iter_records(stream), None)
        if record is None:
            raise ValueError(f"no WARC record at {path}:{offset}")
        yield record


def warcinfo_fields(record: WarcRecord, limit: int = MAX_HTTP_HEAD) -> dict[str, str]:
    """Return the ``name: value`` fields of a warcinfo record (its first ``limit`` bytes)."""
    block = bytearray()
    for chunk in record.chunks():
        block += chunk
        if len(block) >= limit:
            break
    return warcinfo_block_fields(bytes(block[:limit]))


def warcinfo_block_fields(block: bytes) -> dict[str, str]:
    """Return the ``name: value`` fields of a warcinfo record's block (or its first bytes)."""
    fields: dict[str, str] = {}
    for line in block.decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip():
            fields.setdefault(name.strip(), value.strip())
    return fields


@dataclass(frozen=True)
class Entity:
    """The body of a captured response, as a reader of the page wants it."""

    head: HttpHead
    #: Transfer coding removed; content coding removed too when decoding was asked for.
    body: bytes
    #: Why ``body`` is not all of it (over the bound, a coding that fails), or None.
    problem: str | None


def response_entity(record: WarcRecord, max_size: int = DEFAULT_MAX_BODY,
                    decode: bool = True) -> Entity:
    """Return the entity of a response record; ValueError when its block is no HTTP response.

    With ``decode`` the content coding is undone (a body that goes bad half-way gives what
    decoded before it, as browsers do); the kept bytes never pass ``max_size``."""
    scan = read_http(record.chunks(), keep=True, decode=decode, max_size=max_size)
    if scan.head is None:
        raise ValueError(f"no HTTP response: {scan.error}")
    problem = scan.body_problem
    if problem is None and scan.error is not None and not record.head.truncated:
        problem = scan.error
    return Entity(scan.head, bytes(scan.body), problem)


# --- conveniences for small files (tests, tools): blocks held whole ---------------------------

@dataclass(frozen=True)
class RawRecord:
    """A record's WARC headers and its whole block (for small files: tests and tools)."""

    offset: int
    headers: dict[str, str]
    block: bytes

    @property
    def type(self) -> str:
        return self.headers.get("WARC-Type", "")

    @property
    def id(self) -> str:
        return self.headers.get("WARC-Record-ID", "")


def read_raw_records(path: Path) -> list[RawRecord]:
    """Return every record of ``path`` with its whole block (holds the file: small files only)."""
    with open_records(path) as records:
        return [RawRecord(r.head.offset, r.head.as_dict(), b"".join(r.chunks()))
                for r in records]


@dataclass
class HttpMessage:
    """An HTTP message split into start line, headers (in order) and body as transferred."""

    start_line: bytes
    headers: list[tuple[str, str]]
    body: bytes

    def values(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


def parse_http(block: bytes) -> HttpMessage:
    """Return ``block`` split into the final head and the bytes after it; ValueError when the
    block holds no HTTP head (for small blocks: tests and tools)."""
    response = block.startswith(b"HTTP/")
    reader = HttpReader(response)
    reader.feed(block)
    scan = reader.end()
    if scan.head is None:
        raise ValueError(f"no HTTP head: {scan.error}")
    body = _after_head(block, scan.head.interim + 1)
    return HttpMessage(scan.head.start_line, list(scan.head.headers), body)


def _after_head(block: bytes, heads: int) -> bytes:
    position = 0
    for _ in range(heads):
        ends = [i for i in (block.find(b"\r\n\r\n", position), block.find(b"\n\n", position))
                if i >= 0]
        if not ends:
            return b""
        end = min(ends)
        position = end + (4 if block.startswith(b"\r\n\r\n", end) else 2)
    return block[position:]
