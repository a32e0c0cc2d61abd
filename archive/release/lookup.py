"""One article's history from any of the three places that hold it: a corpus file, an archive
folder (its ``articles.jsonl``) or a release folder (its tables).

A corpus holds every version whole; the steps are computed from them as a release computes
its ``changes`` table (:func:`archive.release.steps.change_rows`). A release holds a row of
``versions`` for every version, the whole record only of those it released (``articles``),
the captures of every version (``captures``) and the steps (``changes``): each version is its
row of ``articles`` when there is one (what ``history`` shows of it: a :class:`ReleasedVersion`),
else its ``versions`` row with its captures (a :class:`RowVersion`). Each line is decoded straight
into its type; the release's ``versions`` and ``changes`` lines are also kept as they are, for
``--json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec

from ifes_archive.archive.corpus.history import Row, records_of, rows_of
from ifes_archive.archive.release.contents import version_row
from ifes_archive.archive.release.rows import ReleasedAuthor
from ifes_archive.archive.release.steps import change_rows
from ifes_archive.archive.release.table_files import table_jsonl
from ifes_archive.archive.release.tables import CaptureRow, ChangeRow, VersionRow, row_of
from ifes_archive.archive.types import CapturePointer, DateValue, Gone, Record
from ifes_archive.archive.warcs.folder import ArchiveFolder

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path


class NoHistory(Exception):
    """The path holds no corpus and is no release, or a line about the article in it is
    none of what it should be."""


@dataclass(frozen=True)
class RowVersion:
    """A version a release holds as a row of ``versions`` only (its record was not released):
    the row and the captures it was built from, by page."""

    row: VersionRow
    captures: list[CaptureRow]
    date_modified: DateValue | None
    """The row's ``date_modified``, typed (the table holds it as a JSON object)."""
    gone: Gone | None
    """The row's ``gone``, typed (the table holds it as a JSON object)."""

    @classmethod
    def of(cls, row: VersionRow, captures: list[CaptureRow]) -> RowVersion:
        """Return the version of ``row`` with its ``captures``."""
        return cls(row, sorted(captures, key=lambda c: c.page),
                   msgspec.convert(row.date_modified, DateValue | None),
                   msgspec.convert(row.gone, Gone | None))


class ReleasedVersion(msgspec.Struct, frozen=True):
    """A version a release released, as ``history`` reads its row of ``articles``: the fields it
    shows and diffs, typed as the record's; the rest of the row is passed over unread, so a
    release of every age reads (one built before records had ``authors_sources`` or breadcrumb
    links, which the record type requires)."""

    article_id: int
    pages: int
    word_count: int
    version: int = 1
    status: str = "current"
    first_seen: str | None = None
    last_seen: str | None = None
    title: str | None = None
    authors: list[ReleasedAuthor] = []
    date_published: DateValue | None = None
    date_modified: DateValue | None = None
    sections: list[str] = []
    text: str | None = None
    captures: list[CapturePointer] = []
    """Its pages' captures, the first page's first."""
    gone: Gone | None = None


#: One version of an article: a whole record (a corpus's), what a release shows of one it
#: released, or a release's ``versions`` row with its captures.
Version = Record | ReleasedVersion | RowVersion


@dataclass
class ArticleHistory:
    """Every version of one article and the steps between them."""

    source: Path
    """The file read: a corpus, or a release's ``data/versions/versions.jsonl``."""
    versions: Sequence[Version]
    """Oldest first: whole records (a corpus), a release's released versions as ``history``
    reads them, or rows of its ``versions`` table with their ``captures``."""
    rows: list[VersionRow]
    """The same versions as rows of the ``versions`` table (``released`` is false but in a
    release)."""
    changes: list[ChangeRow]
    """Rows of the ``changes`` table, in step order."""
    written: tuple[list[bytes], list[bytes]] | None = None
    """A release's: its lines of ``rows`` and of ``changes``, as it wrote them."""

    def as_json(self, article_id: int) -> dict[str, Any]:
        """Return what ``history --json`` prints: the rows, and a release's as it wrote them
        (one built before a column existed has none)."""
        if self.written is None:
            rows, changes = [row_of(r) for r in self.rows], [row_of(c) for c in self.changes]
        else:
            rows, changes = ([json.loads(line) for line in lines] for lines in self.written)
        return {"article_id": article_id, "source": str(self.source), "versions": rows,
                "changes": changes}


def is_release(folder: Path) -> bool:
    """Return True when ``folder`` is a release (it has the ``versions`` table)."""
    return table_jsonl(folder / "data", "versions").is_file()


def source_of(path: Path) -> Path:
    """Return the file :func:`article_history` reads; raise :class:`NoHistory` when none."""
    if path.is_dir():
        path = table_jsonl(path / "data", "versions") if is_release(path) \
            else ArchiveFolder(path).articles
    if not path.is_file():
        raise NoHistory(f"no corpus or release at {path}")
    return path


def article_history(path: Path, article_id: int) -> ArticleHistory:
    """Return the history of ``article_id`` from a corpus, archive folder or release folder
    (no version: the article is not there); raise :class:`NoHistory` if ``path`` is none, or
    a line about the article in it is unreadable."""
    source = source_of(path)
    if path.is_dir() and is_release(path):
        return _from_release(path, source, article_id)
    try:
        records = records_of(source, article_id)
    except ValueError as exc:
        raise NoHistory(f"{source}: a line about article {article_id} is no record: {exc}",
                        ) from exc
    return ArticleHistory(source, records,
                          [version_row(r, released=False) for r in records],
                          list(change_rows(records)))


def _from_release(folder: Path, source: Path, article_id: int) -> ArticleHistory:
    data = folder / "data"
    rows = sorted(_rows(source, article_id, _VERSION.decode), key=lambda r: r[0].version)
    records = {r.version: r for r, _ in _rows(table_jsonl(data, "articles"), article_id,
                                              _RELEASED.decode)}
    captures: dict[int, list[CaptureRow]] = {}
    for capture, _ in _optional(table_jsonl(data, "captures"), article_id, _CAPTURE.decode):
        captures.setdefault(capture.version, []).append(capture)
    changes = _optional(table_jsonl(data, "changes"), article_id, _CHANGE.decode)
    try:
        versions = [records[row.version] if row.version in records else
                    RowVersion.of(row, captures.get(row.version, [])) for row, _ in rows]
    except ValueError as exc:
        raise NoHistory(f"{source}: a row of article {article_id} is unreadable: {exc}",
                        ) from exc
    return ArticleHistory(source, versions, [row for row, _ in rows],
                          [change for change, _ in changes],
                          ([line for _, line in rows], [line for _, line in changes]))


_RELEASED = msgspec.json.Decoder(ReleasedVersion)
_VERSION = msgspec.json.Decoder(VersionRow)
_CAPTURE = msgspec.json.Decoder(CaptureRow)
_CHANGE = msgspec.json.Decoder(ChangeRow)


def _rows(table: Path, article_id: int, decode: Callable[[bytes], Row]) -> list[tuple[Row, bytes]]:
    """Return the rows of a release's table about ``article_id``, each with its line; raise
    :class:`NoHistory` when one is not a row of the table."""
    try:
        return rows_of(table, article_id, decode)
    except ValueError as exc:
        raise NoHistory(f"{table}: a row of article {article_id} is unreadable: {exc}",
                        ) from exc


def _optional(table: Path, article_id: int, decode: Callable[[bytes], Row],
              ) -> list[tuple[Row, bytes]]:
    """Return the rows of a table about ``article_id``; none when the release has no such table
    (one built before it existed)."""
    return _rows(table, article_id, decode) if table.is_file() else []
