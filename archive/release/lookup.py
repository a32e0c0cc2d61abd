"""One article's history from any of the three places that hold it: a corpus file, an archive
folder (its ``articles.jsonl``) or a release folder (its tables).

A corpus holds every version whole; the steps are computed from them as a release computes
its ``changes`` table (:func:`archive.release.steps.change_rows`). A release holds a row of
``versions`` for every version, the whole record only of those it released (``articles``),
the captures of every version (``captures``) and the steps (``changes``): each version is its
``versions`` row with its record when there is one, else with its captures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec

from ifes_archive.archive.corpus.history import records_of, rows_of
from ifes_archive.archive.release.contents import version_row
from ifes_archive.archive.release.steps import change_rows
from ifes_archive.archive.release.table_files import table_jsonl
from ifes_archive.archive.release.tables import row_of
from ifes_archive.archive.warcs.folder import ArchiveFolder

if TYPE_CHECKING:
    from pathlib import Path

#: The corpus file of an archive folder.


class NoHistory(Exception):
    """The path holds no corpus and is no release."""


@dataclass
class ArticleHistory:
    """Every version of one article and the steps between them."""

    source: Path
    """The file read: a corpus, or a release's ``data/versions/versions.jsonl``."""
    versions: list[dict[str, Any]]
    """Oldest first: whole records (a corpus, a release's released versions) or rows of the
    release's ``versions`` table with their ``captures``."""
    rows: list[dict[str, Any]]
    """The same versions as rows of the ``versions`` table (``released`` is false but in a
    release)."""
    changes: list[dict[str, Any]]
    """Rows of the ``changes`` table, in step order."""

    def as_json(self, article_id: int) -> dict[str, Any]:
        """Return what ``history --json`` prints."""
        return {"article_id": article_id, "source": str(self.source), "versions": self.rows,
                "changes": self.changes}


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
    (no version: the article is not there); raise :class:`NoHistory` if ``path`` is none."""
    source = source_of(path)
    if path.is_dir() and is_release(path):
        return _from_release(path, source, article_id)
    records = records_of(source, article_id)
    return ArticleHistory(source, [msgspec.to_builtins(r) for r in records],
                          [row_of(version_row(r, released=False)) for r in records],
                          [row_of(step) for step in change_rows(records)])


def _from_release(folder: Path, source: Path, article_id: int) -> ArticleHistory:
    data = folder / "data"
    rows = sorted(rows_of(source, article_id), key=lambda r: r["version"])
    records = {r.get("version") or 1: r
               for r in rows_of(table_jsonl(data, "articles"), article_id)}
    captures: dict[int, list[dict[str, Any]]] = {}
    for capture in _optional(table_jsonl(data, "captures"), article_id):
        captures.setdefault(capture["version"], []).append(capture)
    versions = [{**row, **records[row["version"]]} if row["version"] in records else
                {**row, "captures": sorted(captures.get(row["version"], []),
                                           key=lambda c: c["page"])}
                for row in rows]
    return ArticleHistory(source, versions, rows,
                          _optional(table_jsonl(data, "changes"), article_id))


def _optional(table: Path, article_id: int) -> list[dict[str, Any]]:
    """Return the rows of a table about ``article_id``; none when the release has no such table
    (one built before it existed)."""
    return rows_of(table, article_id) if table.is_file() else []
