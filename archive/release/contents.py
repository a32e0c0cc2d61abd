"""The release's data, written article by article: the tables, the texts and their metadata.

For each released article: a row of ``articles`` for its newest version (every version with
``--all-versions``), its authors with their ``person_id``, a row of ``versions`` for every
version, a row of ``captures`` for every capture pointer of every version, a row of ``changes``
for every version step (:mod:`.steps`: computed from every version, released or not), a file of
``texts/`` and a row of ``metadata.csv`` per row of ``articles``, its ``section_ids`` beside its
``sections``; at the end a row of ``persons`` for each person who wrote a released article and
a row of ``sections`` for each section a released article is filed under. The card's counts of
sections are of subject sections only. Pointers are those of the release's own WARC copies
(:meth:`Copies.pointer`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from ifes_archive.archive.release.citation import cite
from ifes_archive.archive.release.coverage import Coverage
from ifes_archive.archive.release.escape import spreadsheet_cell
from ifes_archive.archive.release.privacy import PersonalData
from ifes_archive.archive.release.rows import ArticleRow
from ifes_archive.archive.release.scope import published_on
from ifes_archive.archive.release.steps import change_rows
from ifes_archive.archive.release.table_files import TableWriter
from ifes_archive.archive.release.tables import (
    LIST_SEPARATOR,
    CaptureRow,
    TextRow,
    VersionRow,
    all_tables,
    row_of,
)
from ifes_archive.archive.types import PagePointer, Record

if TYPE_CHECKING:
    from ifes_archive.archive.release.persons import ReleasedPersons
    from ifes_archive.archive.release.sections import ReleasedSections
    from ifes_archive.archive.release.warcs import Copies, Unmoved

#: Tables of ``data/`` (``metadata`` is the CSV beside ``texts/``).
DATA_TABLES = ("articles", "versions", "captures", "changes", "persons", "sections")
METADATA_CSV = "metadata.csv"


@dataclass(frozen=True)
class Released:
    """What the release says of one article: enough to compare releases."""

    digest: str
    title: str | None
    status: str


def text_file(record: Record) -> str:
    """Return the text file of a row of ``articles``, relative to the release folder: named by
    article and version (``texts/ID-vN.txt``), so a version's file has the same name whichever
    other versions a release holds (``--all-versions`` or not)."""
    return f"texts/{record.article_id}-v{record.version}.txt"


class ContentsWriter:
    """Writes the data of a release into ``root`` (data/, texts/, metadata.csv)."""

    def __init__(self, root: Path, copies: Copies | Unmoved, all_versions: bool = False,
                 shard_bytes: int | None = None, persons: ReleasedPersons | None = None,
                 sections: ReleasedSections | None = None, keep_emails: bool = False):
        self.root, self.copies, self.all_versions = root, copies, all_versions
        self.persons, self.sections = persons, sections
        self.personal = PersonalData(masked=not keep_emails)
        self.example: ArticleRow | None = None
        """The first row of ``articles`` (the card shows it)."""
        properties = all_tables()
        options = {"shard_bytes": shard_bytes} if shard_bytes else {}
        self.tables = {name: TableWriter(root / "data", name, properties[name], **options)
                       for name in DATA_TABLES}
        (root / "texts").mkdir(parents=True, exist_ok=True)
        # held open until close(): rows come one at a time
        self._csv_file = open(root / METADATA_CSV, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
        self._csv = csv.writer(self._csv_file)
        self._csv.writerow([f.name for f in fields(TextRow)])
        self.coverage = Coverage()
        self.released: dict[int, Released] = {}

    def add(self, versions: list[Record]) -> None:
        """Write one article, given every version of it, oldest first."""
        versions = [self._relocated(record) for record in versions]
        captures = 0
        for record in versions:
            released = self.all_versions or record is versions[-1]
            self.tables["versions"].write(row_of(version_row(record, released)))
            self.coverage.add_version(record)
            for pointer in record.captures:
                self.tables["captures"].write(row_of(_capture_row(record, pointer)))
                captures += 1
        for change in change_rows(versions):
            self.tables["changes"].write(row_of(change))
        for record in versions if self.all_versions else versions[-1:]:
            self._write_row(record)
        newest = versions[-1]
        self.coverage.add_article(len(versions), captures, newest if self.sections is None else
                                  msgspec.structs.replace(
                                      newest, sections=self.sections.subjects_of(newest)))
        self.released[newest.article_id] = Released(newest.digest, newest.title, newest.status)

    def _relocated(self, record: Record) -> Record:
        pointer = self.copies.pointer
        gone = record.gone
        if gone is not None and gone.capture is not None:
            gone = msgspec.structs.replace(gone, capture=pointer(gone.capture))
        return msgspec.structs.replace(record, captures=[pointer(p) for p in record.captures],
                                       gone=gone)

    def _write_row(self, record: Record) -> None:
        """Write the row of ``articles`` of one version: the record, and what the release
        adds to it (persons, sections, addresses masked, the citation)."""
        row = ArticleRow.of(record)
        if self.persons is not None:
            row = self.persons.stamped(row)
        if self.sections is not None:
            row = self.sections.stamped(row)
        row = self.personal.process(row)
        row = msgspec.structs.replace(row, citation=cite(row))
        self.example = self.example or row
        self.tables["articles"].write(row)
        name = text_file(row)
        text = row.text or ""
        (self.root / name).write_text(text + "\n" if text else "", encoding="utf-8", newline="\n")
        line = row_of(_text_row(row, name))
        self._csv.writerow(["" if value is None else spreadsheet_cell(value)
                            if isinstance(value, str) else value for value in line.values()])
        self.coverage.add_row(row if self.sections is None else msgspec.structs.replace(
            row, sections=self.sections.subjects_of(row)))

    def close(self) -> dict[str, list[Path]]:
        """Finish every file; return the Parquet files of each table."""
        for person in self.persons.rows() if self.persons is not None else ():
            self.tables["persons"].write(row_of(person))
        for section in self.sections.rows() if self.sections is not None else ():
            self.tables["sections"].write(row_of(section))
            self.coverage.section_kinds[section.kind] += 1
        self._csv_file.close()
        return {name: writer.close() for name, writer in self.tables.items()}


def version_row(record: Record, released: bool) -> VersionRow:
    """Return the row of ``versions`` of one version."""
    return VersionRow(record.article_id, record.version, record.status, record.first_seen,
                      record.last_seen, msgspec.to_builtins(record.gone), record.title,
                      msgspec.to_builtins(record.date_modified), record.word_count,
                      list(record.flags), record.digest, released, record.sources)


def _capture_row(record: Record, pointer: PagePointer) -> CaptureRow:
    return CaptureRow(record.article_id, record.version, pointer.page, pointer.warc_filename,
                      pointer.warc_offset, pointer.warc_length, pointer.warc_record_id,
                      pointer.target_uri, pointer.date)


def _text_row(record: ArticleRow, name: str) -> TextRow:
    """Return the row of ``metadata.csv`` of one version."""
    published = published_on(record)
    return TextRow(record.article_id, record.version, record.status, record.title,
                   LIST_SEPARATOR.join(a.name for a in record.authors) or None,
                   published.isoformat() if published else None,
                   published.year if published else None,
                   LIST_SEPARATOR.join(record.sections) or None, record.language,
                   record.word_count, record.url, name, record.citation)
