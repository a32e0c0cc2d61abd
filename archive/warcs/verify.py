"""Strict checks of WARC captures: what ``warcio check`` does not look at.

``warcio check`` recomputes digests and nothing else, and computes the payload digest over the
chunked bytes (warcio issue #74). This module reads every record through
:mod:`archive.warcs.reader` — streamed, never held whole, the HTTP message parsed as the crawl
parsed it — and checks that the headers tell the truth about the block: block digest and length;
the HTTP message well-formed and as long as its framing says (or the record marked
``WARC-Truncated``); bytes after its end declared (``WARC-Trailing-Bytes``); payload digest over
the entity with transfer coding removed (WARC 1.1 §6.3.2); ``Content-Encoding`` against the
body (decoded at most ``max_size`` bytes far); the request line and ``Host`` against
``WARC-Target-URI``; request/response pairs linked both ways by ``WARC-Concurrent-To`` with the
same ``WARC-Date`` and target; a ``warcinfo`` record first. A response that is the crawl's
record of a server answering with the HTTP/2 connection preface (``PRI * HTTP/2.0``, no HTTP/1.x
message: marked ``WARC-Truncated``) is true as it stands: a note, not a problem.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ifes_archive.archive.warcs.codings import DEFAULT_MAX_BODY, TOO_LARGE
from ifes_archive.archive.warcs.http_messages import HttpReader, HttpScan
from ifes_archive.archive.warcs.reader import TRAILING_FIELD, RecordHead, WarcRecord, open_records
from ifes_archive.archive.warcs.writer import digest_text

if TYPE_CHECKING:
    from pathlib import Path

#: Entity bytes kept to tell a gzip body sent without Content-Encoding.
_PREFIX = 2
#: What an HTTP/2 connection starts with (RFC 9113, 3.4): 16 bytes, as many as a block's
#: first bytes kept (_Read.prefix).
HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n"


@dataclass
class Report:
    """What verifying one file found: problems (the file says something untrue) and notes
    (what could not be checked, and why)."""

    path: Path
    records: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _Link:
    """What the pair check needs of a record."""

    type: str
    concurrent_to: str
    date: str
    target_uri: str


@dataclass
class _Read:
    """One pass over a block: its length and digest, and the HTTP message in it."""

    length: int = 0
    sha1: hashlib._Hash = field(default_factory=hashlib.sha1)
    scan: HttpScan | None = None
    #: The first bytes of the block (a head cut off early is still recognisable).
    prefix: bytes = b""


def _read(record: WarcRecord, max_size: int) -> _Read:
    head = record.head
    seen = _Read()
    reader = None
    if head.is_http and head.type in ("response", "revisit", "request"):
        response = head.type != "request"
        reader = HttpReader(response, digest=response, decode=head.type == "response",
                            max_size=max_size)
    for chunk in record.chunks():
        seen.length += len(chunk)
        seen.sha1.update(chunk)
        if not seen.prefix:
            seen.prefix = chunk[:16]
        if reader is not None:
            reader.feed(chunk)
    if reader is not None:
        seen.scan = reader.end()
    return seen


def check_response(head: RecordHead, scan: HttpScan, block_start: bytes) -> list[str]:
    """Return what is wrong with one response record, given one pass over its block."""
    truncated = head.truncated
    if scan.head is None:
        if truncated and block_start.startswith(b"HTTP/"):
            return []  # cut off inside the head: kept as it came
        return [f"malformed HTTP response: {scan.error}"]
    problems = []
    declared = scan.head.value("Content-Length")
    if truncated or scan.complete:
        pass
    elif declared and not scan.head.value("Transfer-Encoding"):
        problems.append(f"Content-Length {declared} but the block holds {scan.entity_length} "
                        "bytes of body, and is not marked truncated")
    else:
        problems.append(f"malformed HTTP response: {scan.error or 'ends before its framing says'}")
    if scan.trailing != head.trailing_bytes:
        problems.append(f"{scan.trailing} bytes after the end of the HTTP message, "
                        f"{head.trailing_bytes} declared ({TRAILING_FIELD})")
    if scan.payload_sha1 is not None and head.payload_digest != digest_text(scan.payload_sha1):
        problems.append("payload digest is not over the de-chunked entity")
    return problems + _check_encoding(scan, truncated)


def is_http2_preface(head: RecordHead, scan: HttpScan, block_start: bytes) -> bool:
    """Whether a response record is the crawl's record of a server that answered with the
    HTTP/2 connection preface: no HTTP/1.x head, marked truncated (crawler/http11.py records a
    protocol error so), the block starting with the preface (RFC 9113, 3.4)."""
    return scan.head is None and bool(head.truncated) and block_start.startswith(HTTP2_PREFACE)


def _check_encoding(scan: HttpScan, truncated: str | None) -> list[str]:
    assert scan.head is not None
    if not scan.head.codings and scan.entity_prefix[:2] == b"\x1f\x8b":
        return ["gzip body without Content-Encoding"]
    return []


def check_revisit(head: RecordHead, scan: HttpScan | None) -> list[str]:
    """Return what is wrong with one revisit record (its block is an HTTP head)."""
    needed = ("WARC-Profile", "WARC-Refers-To-Target-URI", "WARC-Refers-To-Date",
              "WARC-Payload-Digest")
    problems = [f"revisit without {name}" for name in needed if not head.get(name)]
    if scan is None or scan.head is None:
        problems.append(f"no HTTP head: {scan.error if scan else 'not application/http'}")
    return problems


def check_request(head: RecordHead, scan: HttpScan | None) -> list[str]:
    """Return what is wrong with one request record."""
    if scan is None or scan.head is None:
        return [f"malformed HTTP request: {scan.error if scan else 'not application/http'}"]
    uri = urlsplit(head.target_uri)
    expected = (uri.path or "/") + (f"?{uri.query}" if uri.query else "")
    problems = [] if scan.head.target == expected else [
        f"request target {scan.head.target!r} is not the path and query of {uri.geturl()}"]
    if scan.head.values("Host") != [uri.netloc]:
        problems.append(f"Host {scan.head.values('Host')} does not match {uri.netloc}")
    return problems


def check_pairs(links: dict[str, _Link]) -> list[str]:
    """Return problems with WARC-Concurrent-To links between requests and responses."""
    problems = []
    for record_id, record in links.items():
        if record.type not in ("request", "response", "revisit"):
            continue
        other = links.get(record.concurrent_to)
        if other is None or other.concurrent_to != record_id:
            problems.append(f"{record.type} {record_id} is not linked both ways")
            continue
        if (other.date, other.target_uri) != (record.date, record.target_uri):
            problems.append(f"{record.type} {record_id}: WARC-Date or WARC-Target-URI differs "
                            "from its pair")
    return problems


def verify_file(path: Path, max_size: int = DEFAULT_MAX_BODY) -> Report:
    """Return the strict verification report of one WARC file (read streamed; bodies decoded
    at most ``max_size`` bytes far)."""
    report = Report(path)
    links: dict[str, _Link] = {}
    try:
        with open_records(path, whole=True) as records:
            for record in records:
                if report.records == 0 and record.head.type != "warcinfo":
                    report.problems.append("first record is not warcinfo")
                report.records += 1
                problems, notes = _check_record(record, max_size)
                report.problems += [f"@{record.head.offset} {p}" for p in problems]
                report.notes += [f"@{record.head.offset} {n}" for n in notes]
                head = record.head
                links[head.id] = _Link(head.type, head.concurrent_to, head.date, head.target_uri)
    except Exception as exc:  # noqa: BLE001 - any reader failure is the finding
        report.problems.append(f"unreadable after {report.records} records: {exc!r}")
        return report
    if report.records == 0:
        report.problems.append("no WARC records")
    report.problems += check_pairs(links)
    return report


def _check_record(record: WarcRecord, max_size: int) -> tuple[list[str], list[str]]:
    head = record.head
    seen = _read(record, max_size)
    problems = []
    if head.block_digest != digest_text(seen.sha1):
        problems.append("block digest mismatch")
    if head.content_length != seen.length:
        problems.append("WARC Content-Length does not match the block")
    scan = seen.scan
    notes = []
    if scan is not None and scan.body_problem and scan.body_problem.startswith(TOO_LARGE):
        notes.append(f"{scan.body_problem}: its content coding was checked that far")
    elif scan is not None and scan.body_problem and not head.truncated:
        # What the server sent, kept as it came: the record is true, the server's header not.
        notes.append(f"the server's Content-Encoding: {scan.body_problem}")
    if head.type == "response" and scan is not None and is_http2_preface(head, scan, seen.prefix):
        notes.append("the server answered the HTTP/1.1 request with the HTTP/2 connection "
                     "preface (PRI * HTTP/2.0): kept as it came, marked truncated")
    elif head.type == "response" and scan is not None:
        problems += check_response(head, scan, seen.prefix)
    elif head.type == "revisit":
        problems += check_revisit(head, scan)
    elif head.type == "request":
        problems += check_request(head, scan)
    return problems, notes

