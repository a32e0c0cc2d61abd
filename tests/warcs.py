"""WARC files read whole, for tests: every record with its block held, and an HTTP message
split into start line, headers and body. Small files only (the package's reader,
:mod:`archive.warcs.reader`, streams)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ifes_archive.archive.warcs.http_messages import HttpReader
from ifes_archive.archive.warcs.reader import open_records

if TYPE_CHECKING:
    from pathlib import Path


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
