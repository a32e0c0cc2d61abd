"""The one reader of WARC records: typed heads, streamed blocks, bounded HTTP entities.

Everything that reads captures back goes through here — ``verify``, ``rebuild``, the crawl's
state recovery, the close-out of files a crash left open, a resumed run answering from its own
records — so they agree on what a record is. Records are iterated with warcio and never held
whole: a block is read in pieces of :data:`~archive.warcs.codings.READ_CHUNK` bytes. The HTTP
message inside a block is parsed by :mod:`archive.warcs.http_messages` (h11, as the crawl's
client parsed it), its content coding undone by :mod:`archive.warcs.codings`, both bounded.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator

from ifes_archive.archive.warcs.codings import DEFAULT_MAX_BODY, READ_CHUNK
from ifes_archive.archive.warcs.http_messages import (
    MAX_HTTP_HEAD,
    HttpHead,
    read_http,
    read_http_head,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

#: WARC header naming how many bytes at the end of a response block came after the end of the
#: HTTP message (a second response riding along, a body after a 304, a Content-Length short of
#: the body): kept as they came, not part of the payload.
TRAILING_FIELD = "WARC-Trailing-Bytes"


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
