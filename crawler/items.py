"""The items the spider yields: one article with every page of it as fetched; one listing page;
an article seen unchanged (304) or removed. Typed from the response to the pipeline: no dict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ifes_archive.archive.page.captured import ReadPage
    from ifes_archive.archive.types import CapturePointer


@dataclass
class FetchedPage:
    """One page of an article (or its print view) as Scrapy received it."""

    page: int
    """0-based page number (Joomla's ``limitstart``); the print view is ``PRINT_PAGE`` (-1)."""
    url: str
    """The URL as fetched."""
    status: int
    """The HTTP status."""
    headers: list[tuple[str, str]]
    """The response headers as ``(name, value)`` str pairs, repeats kept."""
    body: bytes
    """The entity, content coding removed."""
    capture: CapturePointer | None
    """The WARC pointer the capturing handler left in ``response.meta["warc_capture"]``, or
    None: for a revisit, the capture holding the content."""
    seen: str | None
    """WARC-Date of this crawl's capture of the page: the revisit's own date for a revisit."""
    read: ReadPage | None = field(default=None, compare=False, repr=False)
    """The page as the spider decoded and parsed it, which the record builder takes instead of
    parsing it again (None past the spider's bounds, or while parked)."""
    parked: int | None = None
    """While the request carrying the page waits in the queue: the key under which the spider
    holds ``read`` (a tree cannot be pickled to a disk queue), else None."""

    def content_type(self) -> str | None:
        """Return the last ``Content-Type`` header, None if absent."""
        values = [value for name, value in self.headers if name.lower() == "content-type"]
        return values[-1] if values else None


@dataclass
class ArticleItem:
    """One article: its pages in page order, as Scrapy received them."""

    article_id: int
    """Joomla content id (``id=N``)."""
    url: str
    """Canonical article URL: ``BASE/index.php?option=com_content&task=view&id=N``."""
    pages: list[FetchedPage] = field(default_factory=list)
    """Its pages, in page order."""
    errors: list[str] = field(default_factory=list)
    """What went wrong while fetching the pages (a later page failed, ...)."""
    print_page: FetchedPage | None = None
    """The article's print view (``index2.php?...&pop=1``, ``page`` -1), for the record's
    cross-check of its text; None when not fetched."""


@dataclass
class ListingItem:
    """One listing page the spider parsed: the evidence of which articles it files where."""

    url: str
    """The URL as fetched."""
    content_type: str | None
    """The HTTP ``Content-Type`` header, if any."""
    body: bytes
    """The entity, content coding removed."""
    capture: CapturePointer | None = None
    """The WARC pointer of the capture (``response.meta["warc_capture"]``), or None."""
    read: ReadPage | None = field(default=None, compare=False, repr=False)
    """The page as the spider decoded and parsed it (the listing is read from it, not parsed
    again), or None."""


@dataclass
class ObservedItem:
    """An article seen without a record to build: its first page answered 304 (unchanged
    since the capture it refers to) or showed it removed (404, 410, Joomla's refusal)."""

    article_id: int
    observed: str
    """``not-modified`` or ``gone`` (:data:`archive.corpus.journal.NOT_MODIFIED_LINE`,
    ``GONE_LINE``)."""
    seen: str
    """WARC-Date of the capture that showed it."""
    refers_to: str = ""
    """``not-modified``: the record id of the capture the 304 confirms."""
    reason: str = ""
    """``gone``: ``HTTP 404``, ``HTTP 410``, ``not found page`` or ``restricted page``."""
    capture: CapturePointer | None = None
    """``gone``: the pointer to the capture that showed the removal."""
