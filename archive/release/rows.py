"""A row of a release's ``articles`` table: the record, and what the release adds to it.

A release writes each released version of an article as the record says it, with each author's
``person_id`` (:mod:`.persons`), the ``section_ids`` of its sections (:mod:`.sections`) and a
``citation`` (:mod:`.citation`), e-mail addresses masked (:mod:`.privacy`). Those additions are
typed as the record is (:class:`ArticleRow` extends :class:`~archive.types.Record`), so the
table's columns are generated from the type as the record's schema is, and ``browse`` reads the
rows back into the same type.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from ifes_archive.archive.types import Person, Record


class ReleasedAuthor(Person, frozen=True):
    """One author of a released article, and the person they are."""

    person_id: str | None = None
    """The person (``persons``) the author is; null when the author was not resolved."""


class ArticleRow(Record, frozen=True, kw_only=True):
    """One row of ``articles``: a released version of an article."""

    authors: Sequence[ReleasedAuthor]  # the record's, each with its person (its description)
    section_ids: list[str] = msgspec.field(default_factory=list)
    """The sections (``sections``) the article is filed under, by id: each name of
    ``sections`` resolved to its listing; one id where one section has two names."""
    citation: str = ""
    """How to cite the article: a GOST R 7.0.100-2018 reference for Russian texts, a Chicago
    (17th ed.) bibliography entry for the others; with the capture date as the date of access
    and the archived copy in the WACZ (``archive.wacz, TIMESTAMP/URL``, the wayback path it
    replays at)."""

    @classmethod
    def of(cls, record: Record) -> ArticleRow:
        """Return the row of ``record`` (no person, section or citation known yet)."""
        fields = {name: getattr(record, name) for name in record.__struct_fields__}
        fields["authors"] = [ReleasedAuthor(a.name, a.spellings) for a in record.authors]
        return cls(**fields)
