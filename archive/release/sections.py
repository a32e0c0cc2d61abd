"""The release's sections: the ``sections`` table, and ``section_ids`` on each row of ``articles``.

The vocabulary (archive/corpus/sections.py) is built over the whole corpus — the archive's listing
journal and every article's breadcrumb — so that a section's kind and names do not depend on
what one release takes; the release shows only what its own articles say: a section's articles
are released ones, and a section none of whose articles is released is left out. A corpus
rebuilt from WARC files with no listing journal beside it has the breadcrumbs' evidence only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from ifes_archive.archive.corpus.journal import read_listings
from ifes_archive.archive.corpus.sections import NAVIGATION, SUBJECT, Section, Vocabulary
from ifes_archive.archive.release.rows import ArticleRow
from ifes_archive.archive.release.tables import SectionRow
from ifes_archive.archive.warcs.folder import ArchiveFolder

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from ifes_archive.archive.types import Breadcrumb, Record

__all__ = ["NAVIGATION", "SUBJECT", "ReleasedSections", "released_sections"]


def released_sections(archive_dir: Path, breadcrumbs: list[tuple[int, Breadcrumb | None]],
                      released: set[int]) -> ReleasedSections:
    """Return the sections of a corpus as a release of the ``released`` articles shows them:
    from the archive's listing journal and each article's ``breadcrumb``
    (``{"article_id", "breadcrumb"}``)."""
    vocabulary = Vocabulary()
    listed = read_listings(ArchiveFolder(archive_dir).listings)
    for article_id, listings in sorted(listed.by_listing.items()):
        vocabulary.add_listed((article_id, name, key)
                              for key, names in listings.items() for name in names)
    for article_id, crumb in breadcrumbs:
        vocabulary.add_breadcrumb(article_id, crumb)
    return ReleasedSections(vocabulary, released)


class ReleasedSections:
    """The sections of a corpus, as a release of some of its articles shows them."""

    def __init__(self, vocabulary: Vocabulary, released: set[int]):
        self.vocabulary, self.released = vocabulary, released
        self._filed: dict[str, set[int]] = {}

    def stamped(self, row: ArticleRow) -> ArticleRow:
        """Return the row with ``section_ids``: the ids of its ``sections`` (which the
        section's row lists it under)."""
        ids = self.ids_of(row)
        for sid in ids:
            self._filed.setdefault(sid, set()).add(row.article_id)
        return msgspec.structs.replace(row, section_ids=ids)

    def ids_of(self, record: Record) -> list[str]:
        """Return the section ids of a record's ``sections``."""
        return self.vocabulary.ids_of(record.article_id, record.sections)

    def subjects_of(self, record: Record) -> list[str]:
        """Return the names (English where there is one) of a record's subject sections (by
        its ``section_ids`` when it is a stamped row)."""
        known = self.vocabulary.sections()
        ids = record.section_ids if isinstance(record, ArticleRow) else self.ids_of(record)
        return [_label(known[sid]) for sid in ids
                if sid in known and known[sid].kind == SUBJECT]

    def rows(self) -> Iterator[SectionRow]:
        """Yield the row of each section a released (stamped) article is filed under, and of
        each parent of one (a section page the breadcrumbs show, which no listing names), in
        id order."""
        known = self.vocabulary.sections()
        filed = {sid: ids & self.released for sid, ids in self._filed.items()}
        shown = {sid for sid, ids in filed.items() if ids and sid in known}
        for sid in list(shown):
            while known[sid].parent in known and known[sid].parent not in shown:
                sid = known[sid].parent or ""
                shown.add(sid)
        for section in known.values():
            articles = sorted(filed.get(section.section_id) or
                              set(section.articles) & self.released)
            if section.section_id in shown and articles:
                yield SectionRow(section.section_id, section.name_en, section.name_ru,
                                 section.names, section.parent, section.kind,
                                 section.evidence, articles)


def _label(section: Section) -> str:
    """Return the name a section is counted and plotted under."""
    return section.name_en or section.name_ru or section.section_id
