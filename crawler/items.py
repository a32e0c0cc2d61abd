"""The items the spider yields: one article with every page of it as fetched; one listing page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
    content coding removed) and ``capture`` (the WARC pointer the capturing handler left in
    ``response.meta["warc_capture"]``, or None)."""
    itemids: list[int] = field(default_factory=list)
    """Menu items (Itemids) the article was linked under so far, sorted."""
    errors: list[str] = field(default_factory=list)
    """What went wrong while fetching the pages (a later page failed, ...)."""


@dataclass
class ListingItem:
    """One listing page the spider parsed: the evidence of which articles it files where."""

    url: str
    """The URL as fetched."""
    content_type: str | None
    """The HTTP ``Content-Type`` header, if any."""
    body: bytes
    """The entity, content coding removed."""
    capture: dict[str, Any] | None = None
    """The WARC pointer of the capture (``response.meta["warc_capture"]``), or None."""
