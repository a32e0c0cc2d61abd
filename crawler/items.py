"""The items the spider yields: one article with every page of it as fetched; one listing page;
an article seen unchanged (304) or removed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ifes_archive.archive.page.record import ReadPage
    from ifes_archive.archive.types import CapturePointer


@dataclass
class ArticleItem:
    """One article: its pages in page order, as Scrapy received them."""

    article_id: int
    """Joomla content id (``id=N``)."""
    url: str
    """Canonical article URL: ``BASE/index.php?option=com_content&task=view&id=N``."""
    pages: list[dict[str, Any]] = field(default_factory=list)
    """One dict per page, in order: ``page`` (0-based limitstart), ``url`` (as fetched),
    ``status``, ``headers`` (list of ``[name, value]`` str pairs, repeats kept), ``body`` (bytes,
    content coding removed), ``capture`` (the WARC pointer the capturing handler left in
    ``response.meta["warc_capture"]``, or None: for a revisit, the capture holding the content)
    and ``seen`` (WARC-Date of this crawl's capture of the page: the revisit's own date for a
    revisit); ``read``, the page as the spider decoded and parsed it, which the record builder
    takes instead of parsing it again (None past the spider's bounds)."""
    errors: list[str] = field(default_factory=list)
    """What went wrong while fetching the pages (a later page failed, ...)."""
    print_page: dict[str, Any] | None = None
    """The article's print view (``index2.php?...&pop=1``), a page dict as above (``page``
    -1), for the record's cross-check of its text; None when not fetched."""


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
