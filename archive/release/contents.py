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
from typing import TYPE_CHECKING, Any

from ifes_archive.archive.corpus.versions import content_digest
from ifes_archive.archive.page.joomla import parse_url
from ifes_archive.archive.page.record import record_to_json
from ifes_archive.archive.release.citation import cite
from ifes_archive.archive.release.coverage import Coverage
from ifes_archive.archive.release.escape import spreadsheet_cell
from ifes_archive.archive.release.privacy import PersonalData
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


def text_file(record: dict[str, Any]) -> str:
    """Return the text file of a row of ``articles``, relative to the release folder: named by
    article and version (``texts/ID-vN.txt``), so a version's file has the same name whichever
    other versions a release holds (``--all-versions`` or not)."""
    return f"texts/{record['article_id']}-v{record.get('version') or 1}.txt"


class ContentsWriter:
    """Writes the data of a release into ``root`` (data/, texts/, metadata.csv)."""

    def __init__(self, root: Path, copies: Copies | Unmoved, all_versions: bool = False,
                 shard_bytes: int | None = None, persons: ReleasedPersons | None = None,
                 sections: ReleasedSections | None = None, keep_emails: bool = False):
        self.root, self.copies, self.all_versions = root, copies, all_versions
        self.persons, self.sections = persons, sections
        self.personal = PersonalData(masked=not keep_emails)
        self.example: dict[str, Any] | None = None
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

    def add(self, versions: list[dict[str, Any]]) -> None:
        """Write one article, given every version of it, oldest first."""
        versions = [self._relocated(record) for record in versions]
        rows = versions if self.all_versions else versions[-1:]
        captures = 0
        digests = [content_digest(record) for record in versions]
        for record, digest in zip(versions, digests):
            released = self.all_versions or record is versions[-1]
            self.tables["versions"].write(row_of(version_row(record, digest, released)))
            self.coverage.add_version(record)
            for pointer in record.get("captures") or []:
                self.tables["captures"].write(row_of(_capture_row(record, pointer)))
                captures += 1
        for change in change_rows(versions, digests):
            self.tables["changes"].write(row_of(change))
        for record in rows:
            self._write_row(record)
        newest = versions[-1]
        self.coverage.add_article(len(versions), captures, newest if self.sections is None else
                                  {**newest, "sections": self.sections.subjects_of(newest)})
        self.released[newest["article_id"]] = Released(digests[-1], newest.get("title"),
                                                       newest.get("status") or "current")

    def _relocated(self, record: dict[str, Any]) -> dict[str, Any]:
        pointer = self.copies.pointer
        moved = {**record, "captures": [pointer(p) for p in record.get("captures") or []]}
        if record.get("gone"):
            moved["gone"] = {**record["gone"], "capture": pointer(record["gone"].get("capture"))}
        return moved

    def _write_row(self, record: dict[str, Any]) -> None:
        if self.persons is not None:
            record = self.persons.stamped(record)
        if self.sections is not None:
            record = self.sections.stamped(record)
        record = self.personal.process(record)
        record["citation"] = cite(record)
        self.example = self.example or record
        self.tables["articles"].write(record, record_to_json(record))
        name = text_file(record)
        text = record.get("text") or ""
        (self.root / name).write_text(text + "\n" if text else "", encoding="utf-8", newline="\n")
        row = row_of(_text_row(record, name))
        self._csv.writerow(["" if value is None else spreadsheet_cell(value)
                            if isinstance(value, str) else value for value in row.values()])
        self.coverage.add_row(record if self.sections is None else
                              {**record, "sections": self.sections.subjects_of(record)})

    def close(self) -> dict[str, list[Path]]:
        """Finish every file; return the Parquet files of each table."""
        for person in self.persons.rows() if self.persons is not None else ():
            self.tables["persons"].write(row_of(person))
        for section in self.sections.rows() if self.sections is not None else ():
            self.tables["sections"].write(row_of(section))
            self.coverage.section_kinds[section.kind] += 1
        self._csv_file.close()
        return {name: writer.close() for name, writer in self.tables.items()}


def version_row(record: dict[str, Any], digest: str, released: bool) -> VersionRow:
    """Return the row of ``versions`` of one version (``digest``: its content digest)."""
    return VersionRow(record["article_id"], record.get("version") or 1,
                      record.get("status") or "current", record.get("first_seen"),
                      record.get("last_seen"), record.get("gone"), record.get("title"),
                      record.get("date_modified"), record.get("word_count") or 0,
                      record.get("flags") or [], digest, released, record.get("sources"))


def _capture_row(record: dict[str, Any], pointer: dict[str, Any]) -> CaptureRow:
    page = parse_url(pointer.get("target_uri", "")).limitstart or 0
    return CaptureRow(record["article_id"], record.get("version") or 1, page,
                      pointer["warc_filename"], pointer["warc_offset"], pointer["warc_length"],
                      pointer["warc_record_id"], pointer["target_uri"], pointer["date"])


def _text_row(record: dict[str, Any], name: str) -> TextRow:
    published = published_on(record)
    return TextRow(record["article_id"], record.get("version") or 1,
                   record.get("status") or "current", record.get("title"),
                   LIST_SEPARATOR.join(a.get("name", "") for a in record.get("authors") or [])
                   or None,
                   published.isoformat() if published else None,
                   published.year if published else None,
                   LIST_SEPARATOR.join(record.get("sections") or []) or None,
                   record.get("language"),
                   record.get("word_count") or 0, record["url"], name, record["citation"])
