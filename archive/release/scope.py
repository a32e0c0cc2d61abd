"""Which articles a release holds: its scope (dates, sections, languages) and its exclusions.

The scope is judged on an article's newest version: published between ``--from`` and ``--to``
(an article without a date is outside any window), filed under one of the ``--section`` names
(case-insensitive), written in one of the ``--language`` codes. Exclusions (takedown requests)
come from a file: one article a line, by id or by any URL of it, then the reason::

    # lines starting with # are comments
    697        the author asked for it to be withdrawn, 2026-11-02
    http://japanstudies.ru/index.php?option=com_content&task=view&id=12&Itemid=5   copyright

The release says how many articles were excluded and for which reasons, never which.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ifes_archive.archive.page.joomla import parse_url
from ifes_archive.archive.page.record_json import record_from_json
from ifes_archive.archive.types import Record

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

#: Kinds of URL (:func::`archive.page.joomla.parse_url`) that carry an article's content, by its id.
ARTICLE_CONTENT_KINDS = frozenset({"article", "article_page", "print", "pdf", "emailform"})


class ReleaseInputError(ValueError):
    """An input of a release is not what it should be (the message says where and why)."""


@dataclass(frozen=True)
class Scope:
    """What a release takes from the corpus."""

    date_from: date | None = None
    date_to: date | None = None
    sections: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    def admits(self, record: Record) -> bool:
        """Whether an article (its newest version) is in scope."""
        if self.date_from or self.date_to:
            published = published_on(record)
            if published is None or (self.date_from and published < self.date_from) or \
                    (self.date_to and published > self.date_to):
                return False
        if self.sections:
            wanted = {s.casefold() for s in self.sections}
            if not wanted & {s.casefold() for s in record.sections}:
                return False
        return not self.languages or record.language in self.languages

    def describe(self) -> list[str]:
        """Return the scope in words, one line per limit (empty: the whole corpus)."""
        lines = []
        if self.date_from or self.date_to:
            lines.append(f"published {self.date_from or '...'} to {self.date_to or '...'}")
        if self.sections:
            lines.append("filed under " + " or ".join(self.sections))
        if self.languages:
            lines.append("written in " + " or ".join(self.languages))
        return lines


def published_on(record: Record) -> date | None:
    """Return the publication date of a record, None when it shows none."""
    value = record.date_published.value if record.date_published else None
    return date.fromisoformat(value) if value else None


@dataclass
class Exclusions:
    """Articles to leave out of a release, each with its reason."""

    reasons: dict[int, str] = field(default_factory=dict)

    def counts(self, applied: set[int]) -> Counter:
        """Return reason -> articles excluded for it, of those ``applied``."""
        return Counter(self.reasons[i] for i in applied)


_LINE = re.compile(r"^(?P<what>\S+)\s+(?P<reason>\S.*?)\s*$")


def read_exclusions(path: Path) -> Exclusions:
    """Return the exclusions of a file; raise :class:`ReleaseInputError` on a bad line."""
    exclusions = Exclusions()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ReleaseInputError(f"{path}: cannot read the exclusions: {exc}") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line.strip())
        if match is None:
            raise ReleaseInputError(f"{path}:{number}: an id or URL, then the reason: {line!r}")
        exclusions.reasons[_article_id(match["what"], f"{path}:{number}")] = match["reason"]
    return exclusions


def article_of(uri: str) -> int | None:
    """Return the id of the article whose content ``uri`` carries (its pages, print and PDF
    views, e-mail form), None for any other URL."""
    parsed = parse_url(uri)
    return parsed.id if parsed.kind in ARTICLE_CONTENT_KINDS else None


def _article_id(what: str, where: str) -> int:
    found = int(what) if what.isdigit() else article_of(what)
    if found is None:
        raise ReleaseInputError(f"{where}: {what!r} is neither an article id nor an article URL")
    return found


def articles(corpus: Path) -> Iterator[list[Record]]:
    """Yield each article of a corpus file: its versions, oldest first. Raise
    :class:`ReleaseInputError` when the file is not a corpus sorted by id and version."""
    current: list[Record] = []
    seen: set[int] = set()
    with open(corpus, "rb") as stream:
        for number, line in enumerate(stream, 1):
            try:
                record = record_from_json(line)
            except ValueError as exc:
                raise ReleaseInputError(f"{corpus}:{number}: {exc}") from exc
            article_id = record.article_id
            if current and current[0].article_id != article_id:
                yield current
                current = []
            if not current and article_id in seen:
                raise ReleaseInputError(f"{corpus}:{number}: not sorted by article id")
            seen.add(article_id)
            current.append(record)
    if current:
        yield current
