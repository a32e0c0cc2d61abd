"""CDXJ indexes for replay: every capture answers with its page, a 304 revisit included.

cdxj-indexer writes one line per record as the record says; for a ``revisit`` whose HTTP head is
``304 Not Modified`` (profile *server-not-modified*) that line replays as a blank page: pywb ≥ 2.7
serves a revisit with its own head (a 304 with no body), ReplayWeb.page takes the line's status
(304, a status without a body). The records stay as the server sent them; the index says where a
replay tool finds the page the 304 confirmed. The tools resolve a line in ways that exclude each
other (docs/design.md, "Replay"), so there are two flavours of the same index:

- :data:`PYWB` — the 304 is indexed at its own timestamp as the capture it confirms: that
  record's file, offset, length, media type and status. pywb serves that record (200, its body);
  ``Memento-Datetime`` says when those bytes were captured, the index when they were confirmed.
- :data:`REPLAYWEB` — the line stays on the revisit record (ReplayWeb.page checks that the record
  it loads carries the line's date) with the status of the capture it confirms: ReplayWeb.page
  then loads the original's payload through ``WARC-Refers-To-Target-URI`` and ``-Date``. Its
  timestamps have 17 digits (milliseconds): ReplayWeb.page looks for the original from the exact
  ``WARC-Refers-To-Date`` forwards, so with whole seconds it passes the original's line and takes
  the URL's *next* capture (an edited article's new version, a 404) as the revisit's payload.

Identical-payload revisits (a 200 whose body was dropped) replay in both tools as they are.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cdxj_indexer.main import CDXJIndexer
from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_timestamp

from ifes_archive.archive.warcs.folder import ArchiveFolder

if TYPE_CHECKING:
    from collections.abc import Iterable

    from warcio.recordloader import ArcWarcRecord

PYWB = "pywb"
REPLAYWEB = "replayweb"
FLAVOURS = (PYWB, REPLAYWEB)
#: Where ``ifes-archive index`` puts the index in an archive folder (as in a pywb collection).
INDEX_PATH = ArchiveFolder(Path()).index
REVISIT_MIME = "warc/revisit"
#: WARC headers read only to resolve revisits; they do not stay in the lines.
_LINK_FIELDS = ("warc-record-id", "warc-refers-to", "warc-refers-to-target-uri",
                "warc-refers-to-date", "warc-date")


@dataclass
class IndexReport:
    """What an index holds: lines, 304 revisits resolved, and those whose original is missing."""

    lines: list[str]
    not_modified: int = 0
    resolved: int = 0
    unresolved: list[str] = field(default_factory=list)


@dataclass
class IndexEntry:
    """One record's line: the URL key, the timestamp and the fields."""

    key: str
    timestamp: str
    fields: dict[str, str]

    def line(self) -> str:
        return f"{self.key} {self.timestamp} {json.dumps(self.fields)}"


def build_index(warc_paths: Iterable[Path], flavour: str = PYWB) -> IndexReport:
    """Return the sorted CDXJ lines of ``warc_paths``, 304 revisits resolved for ``flavour``."""
    return resolve_index(_index_records([Path(p) for p in warc_paths]), flavour)


def resolve_index(entries: list[IndexEntry], flavour: str = PYWB) -> IndexReport:
    """Return the sorted CDXJ lines of ``entries`` (cdxj-indexer's, of the records a set of WARC
    files holds), 304 revisits resolved for ``flavour``."""
    if flavour not in FLAVOURS:
        raise ValueError(f"index flavour: one of {', '.join(FLAVOURS)}, not {flavour!r}")
    by_id = {e.fields["warc-record-id"]: e for e in entries if "warc-record-id" in e.fields}
    by_uri_date: dict[tuple[str, str | None], IndexEntry] = {
        (e.fields["url"], e.timestamp): e for e in entries if e.fields.get("status") != "304"}
    report = IndexReport([])
    for entry in entries:
        if entry.fields.get("mime") == REVISIT_MIME and entry.fields.get("status") == "304":
            report.not_modified += 1
            confirmed = _confirmed_capture(entry, by_id, by_uri_date)
            if confirmed is None:
                report.unresolved.append(f"{entry.fields['url']} {entry.timestamp}")
            else:
                entry.fields = _resolved_fields(entry, confirmed, flavour)
                report.resolved += 1
    for entry in entries:
        if flavour == REPLAYWEB:
            entry.timestamp = _millisecond_timestamp(entry.fields.get("warc-date"), entry.timestamp)
        for name in _LINK_FIELDS:
            entry.fields.pop(name, None)
    report.lines = sorted(e.line() for e in entries)
    return report


def write_index(warc_paths: Iterable[Path], out: Path, flavour: str = PYWB) -> IndexReport:
    """Write the index of ``warc_paths`` to ``out`` (atomically) and return what it holds."""
    report = build_index(warc_paths, flavour)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_text("".join(line + "\n" for line in report.lines), encoding="utf-8")
    partial.replace(out)
    return report


def _index_records(paths: list[Path]) -> list[IndexEntry]:
    text = io.StringIO()
    CDXJIndexer(text, [str(p) for p in paths], fields=",".join(_LINK_FIELDS)).process_all()
    return [_parsed(line) for line in text.getvalue().splitlines()]


def _parsed(line: str) -> IndexEntry:
    key, timestamp, data = line.split(" ", 2)
    return IndexEntry(key, timestamp, json.loads(data))


class RecordIndexer:
    """Gives the index entry of one record as it is read (cdxj-indexer's own choice of records
    and fields, its own line), for a reader that goes through the records once for other ends
    too: the entry is the line cdxj-indexer writes of that record in a file named ``filename``,
    at ``offset``."""

    def __init__(self) -> None:
        self._lines = io.StringIO()
        self._cdxj = CDXJIndexer(self._lines, [], fields=",".join(_LINK_FIELDS))

    def records(self, stream: object) -> ArchiveIterator:
        """Return the records of ``stream`` as cdxj-indexer reads them (HTTP heads parsed)."""
        return self._cdxj._create_record_iter(stream)  # noqa: SLF001 - its own reading, kept

    def entry(self, records: ArchiveIterator, record: ArcWarcRecord, filename: str,
              offset: int | None = None) -> IndexEntry | None:
        """Return the entry of ``record`` (the one ``records`` is at), None for a record the
        index leaves out (requests, warcinfo); ``offset``: where it starts in the file the
        entry names (default: where it starts in the file read)."""
        if not self._cdxj.filter_record(record):
            return None
        self._cdxj.curr_filename = filename
        self._lines.seek(0)
        self._lines.truncate()
        self._cdxj.process_index_entry(records, record, filename, self._lines)
        entry = _parsed(self._lines.getvalue().rstrip("\n"))
        if offset is not None:
            entry.fields["offset"] = str(offset)
        return entry


def _confirmed_capture(entry: IndexEntry, by_id: dict[str, IndexEntry],
                       by_uri_date: dict[tuple[str, str | None], IndexEntry]) -> IndexEntry | None:
    """Return the line of the capture a 304 confirms (through a chain of 304s if need be)."""
    seen = {id(entry)}
    current: IndexEntry | None = entry
    while current is not None and current.fields.get("status") == "304":
        fields = current.fields
        target = by_id.get(fields.get("warc-refers-to", ""))
        if target is None and "warc-refers-to-target-uri" in fields:
            # Tools that write no WARC-Refers-To name the original by URI and date.
            target = by_uri_date.get((fields["warc-refers-to-target-uri"],
                                      _timestamp(fields.get("warc-refers-to-date"))))
        if target is None or id(target) in seen:
            return None
        seen.add(id(target))
        current = target
    return current


def _timestamp(warc_date: str | None) -> str | None:
    try:
        return iso_date_to_timestamp(warc_date) if warc_date else None
    except ValueError:
        return None


def _millisecond_timestamp(warc_date: str | None, seconds: str) -> str:
    """Return the 17-digit timestamp (to the millisecond) of a WARC date (of ``seconds``, the
    14-digit one, when the date is unreadable)."""
    fraction = (warc_date or "").partition(".")[2].rstrip("Z")
    return (_timestamp(warc_date) or seconds) + (fraction + "000")[:3]


def _resolved_fields(entry: IndexEntry, confirmed: IndexEntry, flavour: str) -> dict[str, str]:
    if flavour == PYWB:
        return {**confirmed.fields, "url": entry.fields["url"]}
    return {**entry.fields, "status": confirmed.fields.get("status", "200")}
