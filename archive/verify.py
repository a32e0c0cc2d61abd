"""Strict checks of WARC captures: what ``warcio check`` does not look at.

``warcio check`` recomputes digests and nothing else, and computes the payload digest over the
chunked bytes (warcio issue #74). This module reads every record's raw block and checks that
the headers tell the truth about it: block digest; payload digest over the entity with transfer
coding removed (WARC 1.1 §6.3.2); ``Content-Length`` against the body; ``Content-Encoding``
against the body; a well-formed status or request line; the request line and ``Host`` against
``WARC-Target-URI``; request/response pairs linked both ways by ``WARC-Concurrent-To`` with the
same ``WARC-Date`` and target; a ``warcinfo`` record first.
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from archive.warc import sha1_digest

_STATUS_LINE = re.compile(rb"^HTTP/\d\.\d \d{3}(?: [^\r\n]*)?$")
_REQUEST_LINE = re.compile(rb"^[A-Z]+ (\S+) HTTP/\d\.\d$")


@dataclass(frozen=True)
class RawRecord:
    """A record's WARC headers and its block, byte for byte."""

    offset: int
    headers: dict[str, str]
    block: bytes

    @property
    def type(self) -> str:
        return self.headers.get("WARC-Type", "")

    @property
    def id(self) -> str:
        return self.headers.get("WARC-Record-ID", "")


@dataclass
class HttpMessage:
    """An HTTP message split into start line, header pairs (in order) and body as transferred."""

    start_line: bytes
    headers: list[tuple[str, str]]
    body: bytes

    def values(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


@dataclass
class Report:
    """What verifying one file found."""

    path: Path
    records: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_raw_records(path: Path) -> list[RawRecord]:
    """Return every record of ``path`` with its raw block (no HTTP parsing by warcio)."""
    records = []
    with open(path, "rb") as stream:
        iterator = ArchiveIterator(stream, no_record_parse=True)
        for record in iterator:
            block = record.raw_stream.read()
            headers = dict(record.rec_headers.headers)
            records.append(RawRecord(iterator.get_record_offset(), headers, block))
    return records


def parse_http(block: bytes) -> HttpMessage:
    """Return ``block`` split into start line, headers and body; ValueError when it is no HTTP."""
    head, sep, body = block.partition(b"\r\n\r\n")
    if not sep:
        raise ValueError("no end of HTTP head")
    start, *lines = head.split(b"\r\n")
    headers = []
    for line in lines:
        name, colon, value = line.partition(b":")
        if not colon:
            raise ValueError(f"bad header line {line[:60]!r}")
        headers.append((name.decode("latin-1"), value.strip().decode("latin-1")))
    return HttpMessage(start, headers, body)


def dechunk(body: bytes, allow_partial: bool = False) -> bytes:
    """Return a chunked body's entity; ValueError on bad framing unless ``allow_partial``."""
    entity, position = bytearray(), 0
    while True:
        line_end = body.find(b"\r\n", position)
        if line_end < 0:
            return _partial(entity, allow_partial, "chunk size line missing")
        size = int(body[position:line_end].split(b";")[0].strip() or b"0", 16)
        if size == 0:
            return bytes(entity)
        start = line_end + 2
        chunk = body[start:start + size]
        entity += chunk
        if len(chunk) < size or body[start + size:start + size + 2] != b"\r\n":
            return _partial(entity, allow_partial, "chunk shorter than its size")
        position = start + size + 2


def _partial(entity: bytearray, allowed: bool, why: str) -> bytes:
    if not allowed:
        raise ValueError(why)
    return bytes(entity)


def entity_of(message: HttpMessage, truncated: bool) -> bytes:
    """Return the payload: the body with transfer coding removed."""
    if "chunked" in ",".join(message.values("Transfer-Encoding")).lower():
        return dechunk(message.body, allow_partial=truncated)
    return message.body


def check_response(record: RawRecord) -> list[str]:
    """Return what is wrong with one response record."""
    truncated = "WARC-Truncated" in record.headers
    if truncated and b"\r\n\r\n" not in record.block:
        # Cut off inside the head: keep what came, check only that it began as a response.
        first_line = record.block.split(b"\r\n", 1)[0]
        return [] if record.block.startswith(b"HTTP/") else [f"bad status line {first_line[:80]!r}"]
    try:
        message = parse_http(record.block)
    except ValueError as exc:
        return [f"unparsable HTTP response: {exc}"]
    problems = [] if _STATUS_LINE.match(message.start_line) else [
        f"bad status line {message.start_line[:80]!r}"]
    try:
        entity = entity_of(message, truncated)
    except ValueError as exc:
        return [*problems, f"bad chunked framing: {exc}"]
    if record.headers.get("WARC-Payload-Digest") != sha1_digest(entity):
        problems.append("payload digest is not over the de-chunked entity")
    problems += _check_length(message, entity, truncated)
    problems += _check_encoding(message, entity, truncated)
    return problems


def _check_length(message: HttpMessage, entity: bytes, truncated: bool) -> list[str]:
    declared = message.values("Content-Length")
    if len(set(declared)) > 1:
        return [f"conflicting Content-Length {declared}"]
    if declared and not truncated and int(declared[0]) != len(entity):
        return [f"Content-Length {declared[0]} but the body has {len(entity)} bytes"]
    if declared and truncated and int(declared[0]) < len(entity):
        return [f"truncated body longer ({len(entity)}) than Content-Length {declared[0]}"]
    return []


def _check_encoding(message: HttpMessage, entity: bytes, truncated: bool) -> list[str]:
    codings = [c.strip().lower() for v in message.values("Content-Encoding") for c in v.split(",")]
    if not codings and entity[:2] == b"\x1f\x8b":
        return ["gzip body without Content-Encoding"]
    if codings == ["gzip"] and not truncated:
        try:
            gzip.decompress(entity)
        except (OSError, EOFError, zlib.error) as exc:
            return [f"Content-Encoding gzip but body does not gunzip: {exc}"]
    return []


def check_revisit(record: RawRecord) -> list[str]:
    """Return what is wrong with one revisit record (its block is an HTTP head)."""
    needed = ("WARC-Profile", "WARC-Refers-To", "WARC-Refers-To-Target-URI",
              "WARC-Refers-To-Date", "WARC-Payload-Digest")
    problems = [f"revisit without {name}" for name in needed if name not in record.headers]
    try:
        message = parse_http(record.block)
    except ValueError as exc:
        return [*problems, f"unparsable HTTP head: {exc}"]
    if not _STATUS_LINE.match(message.start_line):
        problems.append(f"bad status line {message.start_line[:80]!r}")
    return problems


def check_request(record: RawRecord) -> list[str]:
    """Return what is wrong with one request record."""
    try:
        message = parse_http(record.block)
    except ValueError as exc:
        return [f"unparsable HTTP request: {exc}"]
    match = _REQUEST_LINE.match(message.start_line)
    if not match:
        return [f"bad request line {message.start_line[:80]!r}"]
    uri = urlsplit(record.headers.get("WARC-Target-URI", ""))
    expected = (uri.path or "/") + (f"?{uri.query}" if uri.query else "")
    problems = [] if match[1].decode("latin-1") == expected else [
        f"request target {match[1]!r} is not the path and query of {uri.geturl()}"]
    if message.values("Host") != [uri.netloc]:
        problems.append(f"Host {message.values('Host')} does not match {uri.netloc}")
    return problems


def check_pairs(records: list[RawRecord]) -> list[str]:
    """Return problems with WARC-Concurrent-To links between requests and responses."""
    by_id = {r.id: r for r in records}
    problems = []
    for record in records:
        if record.type not in ("request", "response", "revisit"):
            continue
        other = by_id.get(record.headers.get("WARC-Concurrent-To", ""))
        if other is None or other.headers.get("WARC-Concurrent-To") != record.id:
            problems.append(f"{record.type} {record.id} is not linked both ways")
            continue
        for name in ("WARC-Date", "WARC-Target-URI"):
            if other.headers.get(name) != record.headers.get(name):
                problems.append(f"{record.type} {record.id}: {name} differs from its pair")
    return problems


def verify_file(path: Path) -> Report:
    """Return the strict verification report of one WARC file."""
    report = Report(path)
    try:
        records = read_raw_records(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure is the finding
        report.problems.append(f"unreadable: {exc!r}")
        return report
    report.records = len(records)
    if not records or records[0].type != "warcinfo":
        report.problems.append("first record is not warcinfo")
    for record in records:
        report.problems += [f"@{record.offset} {p}" for p in _check_record(record)]
    report.problems += check_pairs(records)
    return report


def _check_record(record: RawRecord) -> list[str]:
    problems = []
    if record.headers.get("WARC-Block-Digest") != sha1_digest(record.block):
        problems.append("block digest mismatch")
    if int(record.headers.get("Content-Length", -1)) != len(record.block):
        problems.append("WARC Content-Length does not match the block")
    if record.type == "response":
        problems += check_response(record)
    elif record.type == "revisit":
        problems += check_revisit(record)
    elif record.type == "request":
        problems += check_request(record)
    return problems
