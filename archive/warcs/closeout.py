"""Closing out WARC files a crash left open: a torn last record cut off, the file renamed.

A crawl writes ``NAME.warc.gz.open`` and renames it when it closes the file; a crash leaves the
``.open`` name behind, perhaps with a record half written. The next crawl into the folder
finishes such files before it writes (:func:`close_out_open_files`): each is read once, gzip
member by member, and cut after the last whole pair of records.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any

from ifes_archive.archive.warcs.codings import READ_CHUNK
from ifes_archive.archive.warcs.reader import RecordHead, parse_warc_head
from ifes_archive.archive.warcs.writer import GZIP_WBITS, OPEN_SUFFIX, finish_file

if TYPE_CHECKING:
    from pathlib import Path


def close_out_open_files(directory: Path) -> list[Path]:
    """Finish ``.open`` files a crash left behind: cut a torn last record, rename; return them."""
    closed = []
    for leftover in sorted(directory.glob("*.warc.gz" + OPEN_SUFFIX)):
        complete = _complete_prefix_length(leftover)
        with open(leftover, "r+b") as stream:
            stream.truncate(complete)
            finish_file(stream, leftover.with_name(leftover.name[: -len(OPEN_SUFFIX)]))
        closed.append(leftover.with_name(leftover.name[: -len(OPEN_SUFFIX)]))
    return closed


#: A WARC head longer than this inside a member is no head of ours: the file is damaged there.
_MAX_WARC_HEAD = 1 << 20


class _MemberRecord:
    """The record inside one gzip member, checked as it streams by (only its head is kept)."""

    def __init__(self) -> None:
        self.head_bytes = bytearray()
        self.head: RecordHead | None = None
        self.block_and_end = 0  # bytes after the head: the block and the closing CRLF CRLF
        self.tail = b""
        self.damaged = False

    def feed(self, data: bytes) -> None:
        if self.head is None:
            self.head_bytes += data
            end = self.head_bytes.find(b"\r\n\r\n")
            if end < 0:
                self.damaged = len(self.head_bytes) > _MAX_WARC_HEAD
                return
            self.head = parse_warc_head(bytes(self.head_bytes[:end]), 0)
            data = bytes(self.head_bytes[end + 4:])
            self.head_bytes.clear()
        self.block_and_end += len(data)
        self.tail = (self.tail + data)[-4:]

    def whole(self) -> bool:
        """Whether the member held one whole record (its block as long as it says)."""
        return (self.head is not None and self.head.content_length >= 0
                and self.block_and_end == self.head.content_length + 4
                and self.tail == b"\r\n\r\n")


def _complete_prefix_length(path: Path) -> int:
    """Return how many leading bytes of ``path`` are whole gzip members holding whole records,
    up to the last whole pair (a response or revisit whose request did not make it to the disk
    goes too: the page was not fetched, as far as the crawl state and the corpus know). The file
    is streamed: nothing but a record's head is held, however large the record."""
    end = 0
    before_pair = -1  # where the last record starts, when it is the first of a pair
    member, decompressor = _MemberRecord(), zlib.decompressobj(GZIP_WBITS)
    with open(path, "rb") as stream:
        while chunk := stream.read(READ_CHUNK):
            while chunk:
                try:
                    _inflate_into(member, decompressor, chunk)
                except zlib.error:
                    return before_pair if before_pair >= 0 else end
                if member.damaged:
                    return before_pair if before_pair >= 0 else end
                if not decompressor.eof:
                    break
                chunk = decompressor.unused_data
                if not member.whole():
                    return before_pair if before_pair >= 0 else end
                assert member.head is not None
                before_pair = end if member.head.type in ("response", "revisit") else -1
                end = stream.tell() - len(chunk)
                member, decompressor = _MemberRecord(), zlib.decompressobj(GZIP_WBITS)
    return before_pair if before_pair >= 0 else end


def _inflate_into(member: _MemberRecord, decompressor: Any, data: bytes) -> None:
    """Feed ``data`` through ``decompressor`` into ``member``, never more than READ_CHUNK of
    output at a time (a member may hold a very large record)."""
    out = decompressor.decompress(data, READ_CHUNK)
    member.feed(out)
    while not decompressor.eof and not member.damaged and (
            decompressor.unconsumed_tail or len(out) == READ_CHUNK):
        out = decompressor.decompress(decompressor.unconsumed_tail, READ_CHUNK)
        member.feed(out)
