"""The release's persons: the ``persons`` table, and ``person_id`` on each author of ``articles``.

Persons are resolved over the whole corpus (so that ids do not depend on what one release
takes), with the ids the archive folder keeps (archive/corpus/person_store.py); the release shows
only what its own articles say: a person's articles, spellings and evidence are those of released
articles, and a person none of whose articles is released is left out. An excluded article is
never named, not even as the other side of a merge's evidence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from ifes_archive.archive.corpus.person_store import PersonsInputError, resolve_folder
from ifes_archive.archive.corpus.persons import Person
from ifes_archive.archive.release.scope import ReleaseInputError
from ifes_archive.archive.release.tables import PersonRow

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from ifes_archive.archive.corpus.person_store import Resolution
    from ifes_archive.archive.corpus.persons import Authored
    from ifes_archive.archive.release.rows import ArticleRow
    from ifes_archive.archive.types import Person as Author


def released_persons(archive_dir: Path, authors: list[Authored],
                     released: set[int]) -> ReleasedPersons:
    """Resolve the persons of every article's ``authors`` (updating the archive's ids) and
    return them as a release of the ``released`` articles shows them; raise
    :class:`ReleaseInputError` when the curator's file cannot be read."""
    try:
        return ReleasedPersons(resolve_folder(archive_dir, authors), released)
    except PersonsInputError as exc:
        raise ReleaseInputError(str(exc)) from exc


class ReleasedPersons:
    """The persons of a corpus, as a release of some of its articles shows them."""

    def __init__(self, resolution: Resolution, released: set[int]):
        self.resolution, self.released = resolution, released
        self._ids = resolution.ids_by_author()

    def stamped(self, row: ArticleRow) -> ArticleRow:
        """Return the row with each author's ``person_id`` (null when not resolved)."""
        return msgspec.structs.replace(row, authors=[
            msgspec.structs.replace(author, person_id=self.person_of(row.article_id, author))
            for author in row.authors])

    def person_of(self, article_id: int, author: Author) -> str | None:
        """Return the person of an author of an article: by its display name, else by any of
        its spellings (an older version of the article may spell it otherwise)."""
        for text in (author.name, *author.spellings):
            if (article_id, text) in self._ids:
                return self._ids[article_id, text]
        return None

    def rows(self) -> Iterator[PersonRow]:
        """Yield the row of each person with a released article, in id order."""
        for person in self.resolution.persons:
            articles = [a for a in person.articles() if a in self.released]
            if articles:
                yield self._row(person, articles)

    def _row(self, person: Person, articles: list[int]) -> PersonRow:
        spellings = [{"spelling": s, "articles": [a for a in ids if a in self.released]}
                     for s, ids in person.spellings().items()]
        evidence = [self._shown(e) for e in person.evidence if e["article_id"] in self.released]
        shown = Person([m for m in person.mentions if m.article_id in self.released])
        return PersonRow(str(person.person_id), shown.preferred(False), shown.preferred(True),
                         articles, [s for s in spellings if s["articles"]], evidence,
                         person.closed)

    def _shown(self, evidence: dict[str, Any]) -> dict[str, Any]:
        if evidence.get("with_article_id") in self.released:
            return evidence
        return {**evidence, "with_article_id": None, "with_name": None}
