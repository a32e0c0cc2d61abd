"""What a release holds, counted as it is written: for the card, its plots and the summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

from ifes_archive.archive.release.scope import published_on

if TYPE_CHECKING:
    from ifes_archive.archive.types import PageEncoding, Record

#: The year an undated article is counted under.
NO_DATE = "no date"


@dataclass
class Coverage:
    """Counts over the released articles (their rows of ``articles``)."""

    articles: int = 0
    rows: int = 0
    versions: int = 0
    captures: int = 0
    words: list[int] = field(default_factory=list)
    years: Counter = field(default_factory=Counter)
    sections: Counter = field(default_factory=Counter)
    """Subject section (its English name, else its Russian) -> rows filed under it."""
    section_kinds: Counter = field(default_factory=Counter)
    """``subject`` / ``navigation`` -> sections of the ``sections`` table."""
    languages: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    flags: Counter = field(default_factory=Counter)
    disagreements: Counter = field(default_factory=Counter)
    """Cross-check (``checks``) -> rows where it disagrees."""
    extractors: Counter = field(default_factory=Counter)
    missing: Counter = field(default_factory=Counter)
    """Field -> rows where it is empty (no date, no authors, no language, no text)."""
    published: list[str] = field(default_factory=list)
    """The earliest and latest publication date."""
    seen: list[str] = field(default_factory=list)
    """The earliest first_seen and the latest last_seen."""
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Who saw the versions (``crawl``, an archive imported from) -> ``{"versions": how many
    of them it saw, "seen": [its earliest first_seen, its latest last_seen]}``: the span of
    time each source covers."""

    def add_version(self, record: Record) -> None:
        """Count one version (any row of ``versions``) under each source that saw it (a
        corpus written before versions named their sources is the crawls')."""
        for source in record.sources or ["crawl"]:
            entry = self.sources.setdefault(source, {"versions": 0, "seen": []})
            entry["versions"] += 1
            for when in (record.first_seen, record.last_seen):
                if when:
                    entry["seen"] = _span(entry["seen"], when)
    article_languages: Counter = field(default_factory=Counter)
    """Language -> articles (of their newest version): ``languages`` counts rows, which are
    versions when the release has every version."""
    article_years: Counter = field(default_factory=Counter)
    """Publication year (or :data:`NO_DATE`) -> articles, as the newest version says."""
    article_sections: Counter = field(default_factory=Counter)
    """Section -> articles filed under it, as the newest version says."""
    garbled: list[int] = field(default_factory=list)
    """Rows (``article_id``) with a page a browser decodes with the wrong charset: the page
    declared one its bytes are not (archive/page/decode.py), so it replays garbled."""

    def add_article(self, versions: int, captures: int,
                    newest: Record | None = None) -> None:
        """Count one released article of ``versions`` versions and ``captures`` pointers
        (``newest``: its newest version)."""
        self.articles += 1
        if newest is not None:
            self.chart_article(newest)
        self.versions += versions
        self.captures += captures

    def chart_article(self, newest: Record) -> None:
        """Count one released article's language, year and sections, as ``newest`` (its
        newest version) says: what the plots show."""
        self.article_languages[newest.language or "unknown"] += 1
        published = published_on(newest)
        self.article_years[str(published.year) if published else NO_DATE] += 1
        self.article_sections.update(newest.sections or ["(none)"])

    def add_row(self, record: Record) -> None:
        """Count one row of ``articles``."""
        self.rows += 1
        self.words.append(record.word_count)
        published = published_on(record)
        self.years[str(published.year) if published else NO_DATE] += 1
        self.sections.update(record.sections or ["(none)"])
        self.languages[record.language or "unknown"] += 1
        self.statuses[record.status] += 1
        self.flags.update(record.flags)
        if any(replays_garbled(e) for e in record.encoding):
            self.garbled.append(record.article_id)
        self.disagreements.update(c.check for c in record.checks if not c.agrees)
        self.extractors[msgspec.json.encode(record.extractor, order="sorted").decode()] += 1
        for name, empty in (("date_published", published is None),
                            ("authors", not record.authors),
                            ("language", not record.language),
                            ("text", not record.text)):
            self.missing[name] += empty
        if published:
            self.published = _span(self.published, published.isoformat())
        for when in (record.first_seen, record.last_seen):
            if when:
                self.seen = _span(self.seen, when)


def replays_garbled(encoding: PageEncoding) -> bool:
    """Whether a page decoded as ``encoding`` (a record's ``encoding`` entry) shows garbled in
    a browser: an HTTP header named a charset and the bytes were not in it (archive/page/decode.py
    then decodes by the page's own declaration, UTF-8 or detection, and says so in ``reason``);
    browsers, and replay in them, follow the header."""
    return encoding.source not in ("header", "bom") and "header" in encoding.reason


def _span(span: list[str], value: str) -> list[str]:
    return [min(span[0], value), max(span[1], value)] if span else [value, value]
