"""WARC/1.1 capture writing: request/response pairs kept exactly as they crossed the wire.

The writer takes an :class:`HttpExchange` (the bytes the client sent, the bytes the transport
received) and stores it as a ``request`` and a ``response`` record that share ``WARC-Date`` and
``WARC-Target-URI`` and point at each other with ``WARC-Concurrent-To``. Nothing is parsed and
re-serialised: the record block *is* the received byte string, so status line, header order,
repeated headers, transfer and content coding all survive.

Files are named ``PREFIX-YYYYMMDDhhmmss-NNNNN-HOST.warc.gz`` (the IIPC/Heritrix convention), are
written as ``NAME.open`` and renamed when closed, hold one gzip member per record and roll over
at a size limit. Every record is flushed as soon as it is written, so a crash loses at most the
record being written; :mod:`archive.warcs.closeout` finishes files left behind by a crash.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import socket
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from ifes_archive.archive.types import CapturePointer
from ifes_archive.archive.warcs.reader import TRAILING_FIELD

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

logger = logging.getLogger(__name__)

WARC_VERSION = "WARC/1.1"
#: The WARC 1.1 specification, named in every warcinfo record's ``conformsTo``.
WARC_1_1_SPEC = "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
#: 1 GB is the customary maximum WARC file size (Heritrix, the WARC 1.1 annex on file naming).
DEFAULT_MAX_SIZE = 1_000_000_000
OPEN_SUFFIX = ".open"
#: zlib window bits that accept exactly one gzip member.
GZIP_WBITS = 16 + zlib.MAX_WBITS
#: zlib level 6 (gzip's default): within a few per cent of level 9 on HTML, several times faster.
GZIP_LEVEL = 6
_SERIAL_RE = re.compile(r"^(?P<prefix>.+)-(?P<ts>\d{14})-(?P<serial>\d{5})-")


#: warcinfo fields: the site's base URL this run, the base URLs in scope (whose hosts an offline
#: rebuild keeps to), and the base URL of the run before when the site moved since.
BASE_FIELD = "ifes-base-url"
SCOPE_FIELD = "ifes-scope"
MOVED_FIELD = "ifes-moved-from"
#: warcinfo field naming the crawl run a file belongs to (a resumed run keeps its label): an
#: offline rebuild groups captures into runs by it, as the crawl saw them.
RUN_FIELD = "ifes-run"

@dataclass(frozen=True)
class HttpExchange:
    """One HTTP request and whatever came back, as raw bytes."""

    target_uri: str
    #: When the request was sent (UTC); shared by both records.
    date: datetime
    #: The request exactly as written to the transport (request line, headers, body).
    request_bytes: bytes
    #: Everything the transport received for this exchange, head and body as transferred.
    response_bytes: bytes
    #: The entity with any transfer coding removed (content coding kept): the WARC payload.
    payload: bytes
    ip_address: str | None = None
    #: ``WARC-Truncated`` reason when the response is incomplete: length, time, disconnect or
    #: unspecified (the bytes stopped being HTTP).
    truncated: str | None = None
    #: Bytes at the end of ``response_bytes`` that came after the end of the HTTP message.
    trailing: int = 0

    @cached_property
    def payload_digest(self) -> str:
        """``sha1:BASE32`` of ``payload``, computed once (the response record, the revisit
        check, the crawl state and the crawl log all name it)."""
        return sha1_digest(self.payload)


#: Revisit profiles of WARC 1.1 §6.7.
REVISIT_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
REVISIT_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


@dataclass(frozen=True)
class Revisit:
    """Makes an exchange a ``revisit`` of an earlier capture instead of a full response."""

    profile: str
    #: The earlier response record: id, target URI, date, and its payload digest.
    refers_to: str
    refers_to_uri: str
    refers_to_date: str
    payload_digest: str


def sha1_digest(data: bytes) -> str:
    """Return ``sha1:BASE32`` as WARC digests are written."""
    return digest_text(hashlib.sha1(data))


def digest_text(sha1: hashlib._Hash) -> str:
    """Return a running SHA-1 as WARC digests are written (``sha1:BASE32``)."""
    return "sha1:" + base64.b32encode(sha1.digest()).decode("ascii")


def warc_date(moment: datetime) -> str:
    """Return a WARC/1.1 date (UTC, microseconds)."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_record_id() -> str:
    """Return a fresh ``<urn:uuid:...>`` record id."""
    return f"<urn:uuid:{uuid.uuid4()}>"


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(timezone.utc)


def _safe_host(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "_", name) or "localhost"


class _GzipMembers:
    """A file-like sink that ends a gzip member at every ``flush`` (one member per record) and
    writes to the file only on :meth:`commit`, in one ``write``: a request/response pair reaches
    the file whole, so a killed crawl cannot leave half a pair behind.

    warcio's own gzip wrapper always compresses at level 9; :data:`GZIP_LEVEL` is as small and
    much faster on HTML.
    """

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.pending = bytearray()
        self._compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, GZIP_WBITS)

    def write(self, data: bytes) -> None:
        self.pending += self._compressor.compress(data)

    def flush(self) -> None:
        self.pending += self._compressor.flush()
        self._compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, GZIP_WBITS)

    def position(self) -> int:
        """Return the file offset the next record will start at."""
        return self.stream.tell() + len(self.pending)

    def commit(self) -> None:
        """Write the records so far to the file (a single system call unless the disk fails).
        On a failure the file is cut back to where it was and the records are dropped (the
        error goes up: the exchange counts as not captured), so no torn member stays inside."""
        start = self.stream.tell()
        view = memoryview(self.pending)
        try:
            while view:
                written = self.stream.write(view)
                view = view[written or 0:]
        except BaseException:
            view.release()
            self.pending = bytearray()
            try:
                self.stream.truncate(start)
                self.stream.seek(start)
            except OSError:
                logger.exception("could not cut a failed write back out of %s", self.stream)
            raise
        view.release()
        self.pending = bytearray()


@dataclass
class _OpenFile:
    path: Path  # the final name, without .open
    stream: BinaryIO  # unbuffered: _GzipMembers.commit is the one write of a pair
    members: _GzipMembers
    writer: WARCWriter


@dataclass
class CaptureWriter:
    """Writes HTTP exchanges to rolling WARC/1.1 files in one folder."""

    directory: Path
    prefix: str = "ifes"
    max_size: int = DEFAULT_MAX_SIZE
    #: Fields of the warcinfo record that opens every file (software, operator, robots...).
    warcinfo: Mapping[str, str] = field(default_factory=dict)
    hostname: str = field(default_factory=socket.gethostname)
    make_id: Callable[[], str] = new_record_id
    now: Callable[[], datetime] = utc_now
    #: Flush the OS buffers to disk (fsync) every this many exchanges; 0 = only on close.
    fsync_every: int = 50
    _current: _OpenFile | None = field(default=None, init=False, repr=False)
    _serial: int = field(default=-1, init=False, repr=False)
    _unsynced: int = field(default=0, init=False, repr=False)
    files: list[Path] = field(default_factory=list, init=False)

    def write_exchange(self, exchange: HttpExchange,
                       revisit: Revisit | None = None) -> CapturePointer:
        """Write the request and response (or revisit) records; return the response's pointer."""
        current = self._file_for_next_pair()
        date = warc_date(exchange.date)
        response_id, request_id = self.make_id(), self.make_id()
        if revisit is None:
            response = _response_record(exchange, date, response_id, request_id)
        else:
            response = _revisit_record(exchange, date, response_id, request_id, revisit)
        offset = current.members.position()
        current.writer.write_record(response)
        length = current.members.position() - offset
        current.writer.write_record(_request_record(exchange, date, request_id, response_id))
        self._after_write(current)
        return CapturePointer(current.path.name, offset, length, response_id,
                              exchange.target_uri, date)

    def write_response(self, exchange: HttpExchange,
                       extra: Sequence[tuple[str, str]] = ()) -> CapturePointer:
        """Write a lone ``response`` record, its fields followed by ``extra``; return its pointer.
        For a capture no request of ours made (one imported from a web archive): no request
        record goes with it."""
        current = self._file_for_next_pair()
        date, record_id = warc_date(exchange.date), self.make_id()
        headers = [("WARC-Type", "response"), ("WARC-Record-ID", record_id), ("WARC-Date", date),
                   ("WARC-Target-URI", exchange.target_uri), *extra]
        offset = current.members.position()
        current.writer.write_record(_record("response", headers, exchange.response_bytes,
                                            "application/http; msgtype=response",
                                            exchange.payload_digest))
        length = current.members.position() - offset
        self._after_write(current)
        return CapturePointer(current.path.name, offset, length, record_id, exchange.target_uri,
                              date)

    def write_metadata(self, target_uri: str, fields: Mapping[str, str],
                       concurrent_to: str | None = None) -> str:
        """Write a ``metadata`` record (warc-fields) about ``target_uri``; return its id."""
        current = self._file_for_next_pair()
        record_id = self.make_id()
        headers = [("WARC-Type", "metadata"), ("WARC-Record-ID", record_id),
                   ("WARC-Date", warc_date(self.now())), ("WARC-Target-URI", target_uri)]
        if concurrent_to:
            headers.append(("WARC-Concurrent-To", concurrent_to))
        current.writer.write_record(
            _record("metadata", headers, _warc_fields(fields), "application/warc-fields"))
        self._after_write(current)
        return record_id

    def close(self) -> None:
        """Close the current file: flush, fsync, and drop the ``.open`` suffix."""
        if self._current is None:
            return
        current, self._current = self._current, None
        finish_file(current.stream, current.path)

    def _file_for_next_pair(self) -> _OpenFile:
        if self._current is not None and self._current.stream.tell() >= self.max_size:
            self.close()
        if self._current is None:
            self._current = self._open_next()
        return self._current

    def _open_next(self) -> _OpenFile:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self._serial < 0:
            self._serial = next_serial(self.directory, self.prefix)
        stamp = self.now().astimezone(timezone.utc).strftime("%Y%m%d%H%M%S")
        name = f"{self.prefix}-{stamp}-{self._serial:05d}-{_safe_host(self.hostname)}.warc.gz"
        self._serial += 1
        path = self.directory / name
        stream = open(str(path) + OPEN_SUFFIX, "xb", buffering=0)  # noqa: SIM115 - see close()
        members = _GzipMembers(stream)
        opened = _OpenFile(path, stream, members,
                           WARCWriter(members, gzip=False, warc_version="1.1"))
        self.files.append(path)
        opened.writer.write_record(self._warcinfo_record(name))
        members.commit()
        logger.info("Opened WARC file %s", path)
        return opened

    def _warcinfo_record(self, filename: str) -> ArcWarcRecord:
        headers = [("WARC-Type", "warcinfo"), ("WARC-Record-ID", self.make_id()),
                   ("WARC-Date", warc_date(self.now())), ("WARC-Filename", filename)]
        block = _warc_fields(self.warcinfo)
        return _record("warcinfo", headers, block, "application/warc-fields")

    def _after_write(self, current: _OpenFile) -> None:
        current.members.commit()
        self._unsynced += 1
        if self.fsync_every and self._unsynced >= self.fsync_every:
            os.fsync(current.stream.fileno())
            self._unsynced = 0


def _warc_fields(fields: Mapping[str, str]) -> bytes:
    lines = (f"{name}: {value}\r\n" for name, value in fields.items() if value)
    return "".join(lines).encode("utf-8")


def _record(rec_type: str, headers: list[tuple[str, str]], block: bytes, content_type: str,
            payload_digest: str | None = None) -> ArcWarcRecord:
    """Return a record whose block is ``block`` verbatim, digests computed here."""
    headers = [*headers, ("Content-Type", content_type)]
    if payload_digest:
        headers.append(("WARC-Payload-Digest", payload_digest))
    headers.append(("WARC-Block-Digest", sha1_digest(block)))
    rec_headers = StatusAndHeaders("", headers, protocol=WARC_VERSION)
    # http_headers=None: warcio must not parse and re-serialise the HTTP head.
    record = ArcWarcRecord("warc", rec_type, rec_headers, BytesIO(block), None,
                           content_type, len(block))
    record.payload_length = len(block)
    return record


def _pair_headers(rec_type: str, exchange: HttpExchange, date: str, record_id: str,
                  other_id: str) -> list[tuple[str, str]]:
    """Return the headers every record of a request/response pair starts with."""
    return [("WARC-Type", rec_type), ("WARC-Record-ID", record_id), ("WARC-Date", date),
            ("WARC-Target-URI", exchange.target_uri), ("WARC-Concurrent-To", other_id)]


def _ip_header(exchange: HttpExchange) -> list[tuple[str, str]]:
    return [("WARC-IP-Address", exchange.ip_address)] if exchange.ip_address else []


def _response_record(exchange: HttpExchange, date: str, record_id: str,
                     request_id: str) -> ArcWarcRecord:
    headers = _pair_headers("response", exchange, date, record_id, request_id)
    headers += _ip_header(exchange) + _problem_headers(exchange)
    return _record("response", headers, exchange.response_bytes,
                   "application/http; msgtype=response", exchange.payload_digest)


def _problem_headers(exchange: HttpExchange) -> list[tuple[str, str]]:
    """Return the headers that say a response block is not one whole, lone HTTP message."""
    headers = [("WARC-Truncated", exchange.truncated)] if exchange.truncated else []
    if exchange.trailing:
        headers.append((TRAILING_FIELD, str(exchange.trailing)))
    return headers


def _revisit_record(exchange: HttpExchange, date: str, record_id: str, request_id: str,
                    revisit: Revisit) -> ArcWarcRecord:
    headers = _pair_headers("revisit", exchange, date, record_id, request_id)
    headers += [("WARC-Profile", revisit.profile), ("WARC-Refers-To", revisit.refers_to),
                ("WARC-Refers-To-Target-URI", revisit.refers_to_uri),
                ("WARC-Refers-To-Date", revisit.refers_to_date), *_ip_header(exchange)]
    headers += _problem_headers(exchange)
    block = exchange.response_bytes
    if revisit.profile == REVISIT_IDENTICAL:
        # The payload is the one already stored: keep the head, drop the body (§6.7.2).
        head, sep, _ = block.partition(b"\r\n\r\n")
        block = head + sep
        headers.append(("WARC-Truncated", "length"))
    # Built as a "response" for warcio's writer, which otherwise writes only a re-serialised
    # HTTP head for revisits; the WARC-Type header above says what the record is.
    return _record("response", headers, block, "application/http; msgtype=response",
                   revisit.payload_digest)


def _request_record(exchange: HttpExchange, date: str, record_id: str,
                    response_id: str) -> ArcWarcRecord:
    headers = _pair_headers("request", exchange, date, record_id, response_id)
    headers += _ip_header(exchange)
    _, _, body = exchange.request_bytes.partition(b"\r\n\r\n")
    return _record("request", headers, exchange.request_bytes,
                   "application/http; msgtype=request", sha1_digest(body))


def finish_file(stream: BinaryIO, final_path: Path) -> None:
    """Flush and sync ``stream``, close it and give its file the final name ``final_path``."""
    stream.flush()
    os.fsync(stream.fileno())
    stream.close()
    os.replace(str(final_path) + OPEN_SUFFIX, final_path)
    logger.info("Closed WARC file %s", final_path)


def next_serial(directory: Path, prefix: str) -> int:
    """Return the serial number after the highest one used in ``directory`` for ``prefix``."""
    serials = [int(m["serial"]) for p in directory.iterdir()
               if (m := _SERIAL_RE.match(p.name)) and m["prefix"] == prefix]
    return max(serials, default=-1) + 1
