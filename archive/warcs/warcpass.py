"""One pass over a WARC file: each record parsed, its index entry, and its bytes as stored, from
one read of the file.

Packing WARC files into a WACZ needs, of every record, its head (what to keep), its line of the
replay index and its bytes as the file stores them (each record its own gzip member, copied as it
is). Reading the file through a :class:`Tee` gives all three from one read: warcio decompresses
what it reads to parse the record (cdxj-indexer's own reading, so the entry is the line
cdxj-indexer writes), and the tee keeps the raw bytes read since the record began, handed out once
the record's end is known. What is kept in memory is one record's stored bytes at most (and the
read-ahead of the next). docs/design.md, "How often each thing is read", counts the passes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from ifes_archive.archive.warcs.index import IndexEntry, RecordIndexer
from ifes_archive.archive.warcs.reader import (
    MAX_HTTP_HEAD,
    CutShort,
    RecordHead,
    warcinfo_block_fields,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


class Tee:
    """A file read front to back once; the bytes read from :meth:`mark` on stay at hand."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self._kept = bytearray()
        self._start = 0
        """Where in the file ``_kept`` starts."""
        self._position = 0

    def read(self, size: int = -1) -> bytes:
        """Read on (what warcio's reader asks for), keeping what is read."""
        data = self._stream.read(size)
        self._kept += data
        self._position += len(data)
        return data

    def tell(self) -> int:
        return self._position

    def size(self) -> int:
        """Return the size of the file read."""
        return os.fstat(self._stream.fileno()).st_size

    def mark(self, offset: int) -> None:
        """Let go of the bytes before ``offset`` (a record done with)."""
        drop = min(max(offset - self._start, 0), len(self._kept))
        del self._kept[:drop]
        self._start += drop

    def stored(self, offset: int, length: int) -> memoryview:
        """Return the ``length`` bytes read from ``offset`` on (since the last mark)."""
        begin = offset - self._start
        if begin < 0 or begin + length > len(self._kept):
            raise ValueError(f"bytes {offset}+{length} are not at hand")
        return memoryview(self._kept)[begin:begin + length]

    def rest(self) -> bytes:
        """Read the file to its end; return every byte from the last mark on."""
        while self.read(1 << 20):
            pass
        return bytes(self._kept)


@dataclass
class PassedRecord:
    """One record of the pass, read to its end."""

    head: RecordHead
    """Its WARC head, and where it starts in the file."""
    length: int
    """Bytes it takes in the file."""
    complete: bool
    """Whether its block is as long as its ``Content-Length`` says (a file cut short is not)."""
    entry: IndexEntry | None
    """Its index entry (in a file named as the file read, at its offset there), None for a
    record the index leaves out."""
    info: dict[str, str] | None
    """The fields of a warcinfo record."""
    tee: Tee

    def stored(self) -> memoryview:
        """Return its bytes as the file stores them (valid until the pass goes on)."""
        return self.tee.stored(self.head.offset, self.length)


def passed_records(tee: Tee, name: str) -> Iterator[PassedRecord]:
    """Yield every record of the WARC file ``tee`` reads (named ``name``) once, as
    :class:`PassedRecord`; raise :class:`CutShort` at the end if bytes are left that hold no
    whole record (warcio ends quietly at a gzip member cut off before its WARC head)."""
    indexer = RecordIndexer()
    records = indexer.records(tee)
    for record in records:
        offset = records.offset
        head = RecordHead(tuple(record.rec_headers.headers), offset)
        block = record.raw_stream  # (a payload digest taken for the entry may swap it out)
        info = None
        if head.type == "warcinfo":
            info = warcinfo_block_fields(record.raw_stream.read(MAX_HTTP_HEAD))
        entry = indexer.entry(records, record, name)
        records.read_to_end()
        left = getattr(block, "limit", -1)
        yield PassedRecord(head, records.get_record_length(),
                           head.content_length >= 0 and left == 0, entry, info, tee)
        tee.mark(offset + records.get_record_length())
    size = tee.size()
    if records.offset < size:
        raise CutShort(f"the {size - records.offset} bytes from offset {records.offset} on "
                       "hold no whole record (a copy cut short?)")


def pass_file(path: Path, name: str | None = None) -> Iterator[PassedRecord]:
    """Yield the records of the WARC file ``path`` (see :func:`passed_records`)."""
    with open(path, "rb") as stream:
        yield from passed_records(Tee(stream), name or path.name)
