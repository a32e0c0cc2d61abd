"""An article's captured pages as the record builder takes them: each page's bytes, where it was
captured, and the page decoded and parsed once (:class:`ReadPage`), whoever reads it first (the
crawl's spider for its links, else the record builder).

Also what is read of the pages before a record is built: how many are read under the article's
size bound, which page is Joomla's refusal, one page per number.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ifes_archive.archive.page.decode import DecodedPage, decode_html
from ifes_archive.archive.page.extract import Parsed, parse, parse_page, refusal_kind

if TYPE_CHECKING:
    from collections.abc import Sequence

    import lxml.html

    from ifes_archive.archive.types import CapturePointer

#: Page number of an article's print view among its captures (its pages are 0, 1, ...).
PRINT_PAGE = -1


@dataclass(frozen=True)
class ReadPage:
    """A page decoded and parsed (:func:`read_html`)."""

    decoded: DecodedPage
    parsed: Parsed


@dataclass(frozen=True)
class CapturedPage:
    """One fetched page of an article, as the crawl or the WARC holds it."""

    page: int
    """0-based page number (Joomla's ``limitstart``)."""
    url: str
    """The URL as fetched."""
    content_type: str | None
    """The HTTP ``Content-Type`` header, if any."""
    body: bytes
    """The entity, content coding (gzip) removed."""
    capture: CapturePointer | None
    """Pointer to the WARC response record, or None when not captured."""
    read: ReadPage | None = dataclasses.field(default=None, compare=False, repr=False)
    """The page already decoded and parsed (the crawl's spider read it for its links), or None:
    the record builder then reads ``body`` itself. Either way a page is decoded and parsed once
    and gives the same record."""

    def read_html(self) -> ReadPage:
        """Return the page decoded and parsed: as handed over, else read from ``body``."""
        return self.read if self.read is not None else read_html(self.body, self.content_type)


def read_html(body: bytes, content_type: str | None) -> ReadPage:
    """Return the page decoded (:func:`archive.page.decode.decode_html`) and parsed
    (:func:`archive.page.extract.parse_page`)."""
    decoded = decode_html(body, content_type)
    return ReadPage(decoded, parse_page(decoded.text))


def html_root(text: str) -> lxml.html.HtmlElement:
    """Return the lxml tree of a decoded page (its XML prolog, which lxml refuses, removed)."""
    return parse(text)


def pages_within(sizes: Sequence[int], limit: int) -> int:
    """Return how many of an article's pages, of body ``sizes`` in page order, are read under
    the bound ``limit`` (bytes of body across them; 0: none): the first always, then each while
    the total stays within it. The crawl stops fetching there and the rebuild reading there, so
    both build the same record (flagged incomplete)."""
    total = 0
    for kept, size in enumerate(sizes):
        total += size
        if kept and limit and total > limit:
            return kept
    return len(sizes)


def refusal_of(page: CapturedPage) -> str | None:
    """Return "restricted" or "not found" when ``page`` is Joomla's refusal (HTTP 200), else
    None."""
    return refusal_kind(parse(decode_html(page.body, page.content_type).text))


def unique_pages(pages: Sequence[CapturedPage]) -> list[CapturedPage]:
    """Return *pages* by page number, the first of each number kept."""
    by_number: dict[int, CapturedPage] = {}
    for page in pages:
        by_number.setdefault(page.page, page)
    return [by_number[number] for number in sorted(by_number)]
