"""Crawler traps and the bounds that end them: pages of one listing, listings that repeat, links
read from one page, bytes of one page parsed, link depth.

A trap is a site that makes every page link a page never seen before: a pager whose ``limitstart``
never ends, a listing linked under ever-new menu items (``Itemid``), SEF pagination, a growing
``limit``, a chain of plain pages ever deeper, a page of a quarter of a million links. What a trap
URL *is* decides which bound ends it: an article is its id (fetched once per run whatever the
Itemid: :func:`archive.page.joomla.dedup_key`), a listing is its identity
(:func:`archive.page.joomla.listing_identity`, capped at ``LISTING_MAX_PAGES`` pages) and a listing
shown under ever-new menu items is one target under at most ``LISTING_MAX_MENU_ITEMS`` of them
(:func:`listing_key`), a page of a listing that adds no
article its listing had not shown is a repeat (its links to further pages of the listing are not
followed), and whatever else is reached only through ever more links (``DEPTH_LIMIT``).

Every refusal is a bound (:func:`crawler.bounds.note_bound`) and a crawl-log line
(:func:`refuse`).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scrapy.spidermiddlewares.depth import DepthMiddleware

from ifes_archive.archive.page.joomla import listing_identity
from ifes_archive.crawler.bounds import BOUNDED, TOO_DEEP, note_bound
from ifes_archive.crawler.crawllog import Attempt, hops_of

if TYPE_CHECKING:
    import lxml.html
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

    from ifes_archive.archive.page.joomla import JoomlaUrl

logger = logging.getLogger(__name__)

#: ``request.meta`` key of a request that is no new hop: the next page of an article, its
#: print view (a chain is never cut by the depth bound, or the article would be lost).
SAME_HOP_KEY = "ifes_same_hop"


def refuse(crawler: Crawler | None, name: str, url: str, detail: str, setting: str,
           status: int = BOUNDED, request: Request | None = None, via: str = "") -> None:
    """Record that bound ``name`` (set by ``setting``) refused or cut ``url``: in the run
    report's ``bounds`` and as a crawl-log line (``status``, annotated ``bound:NAME``)."""
    if crawler is None or crawler.stats is None:
        return
    note_bound(crawler.stats, name, url, detail, setting)
    from ifes_archive.crawler.session import CaptureSession  # the session imports the crawl

    session = crawler.get_extension(CaptureSession)
    if session is not None and session.crawl_log is not None:
        session.crawl_log.write(Attempt(url, status, hops=hops_of(request) if request else "",
                                        via=via, annotations=[f"bound:{name}"]))
    logger.debug("bound %s (%s): %s %s", name, setting, url, detail)


def listing_key(parsed: JoomlaUrl) -> str:
    """Return a listing's target: its identity without the menu item (``LISTING_MAX_MENU_ITEMS``
    counts the identities of one target)."""
    return listing_identity(parsed).partition("@")[0]


def page_links(root: lxml.html.HtmlElement, limit: int) -> tuple[list[str], bool]:
    """Return the first ``limit`` link targets of a page (``a href``, in document order), and
    whether there were more (0: every one)."""
    hrefs: list[str] = []
    for element in root.iter("a"):
        href = element.get("href")
        if href is None:
            continue
        if limit and len(hrefs) >= limit:
            return hrefs, True
        hrefs.append(href)
    return hrefs, False


@dataclass
class ListingBounds:
    """Counts the pages taken of each listing and the articles each listing showed."""

    max_pages: int
    """``LISTING_MAX_PAGES`` (0: no bound)."""
    max_menu_items: int = 0
    """``LISTING_MAX_MENU_ITEMS`` (0: no bound)."""
    pages: Counter[str] = field(default_factory=Counter)
    """:func:`archive.page.joomla.listing_identity` -> pages of it taken."""
    identities: dict[str, set[str]] = field(default_factory=dict)
    """:func:`listing_key` -> the identities (menu items) of it taken."""
    articles: dict[str, set[int]] = field(default_factory=dict)
    """:func:`archive.page.joomla.listing_identity` -> the ids of the articles its pages linked."""

    def admit(self, parsed: JoomlaUrl) -> str:
        """Return "" (and count the page) when one more page of the listing may be taken, else
        the name of the bound that refuses it."""
        identity = listing_identity(parsed)
        identities = self.identities.setdefault(listing_key(parsed), set())
        if identity not in identities and self.max_menu_items and \
                len(identities) >= self.max_menu_items:
            return "listing-menu-items"
        if self.max_pages and self.pages[identity] >= self.max_pages:
            return "listing-pages"
        identities.add(identity)
        self.pages[identity] += 1
        return ""

    def adds_articles(self, parsed: JoomlaUrl, article_ids: set[int]) -> bool:
        """Return whether a page of a listing links an article no page of the listing linked
        before (and remember them)."""
        known = self.articles.setdefault(listing_identity(parsed), set())
        new = bool(article_ids - known)
        known |= article_ids
        return new


class BoundedDepthMiddleware(DepthMiddleware):
    """Scrapy's DepthMiddleware (``DEPTH_LIMIT``, ``DEPTH_PRIORITY``), with a refused link noted
    as a bound, and the pages of one article one hop (:data:`SAME_HOP_KEY`)."""

    def get_processed_request(self, request: Request, response: Response | None,
                              ) -> Request | None:
        if response is not None and request.meta.get(SAME_HOP_KEY):
            depth = response.meta.get("depth", 0)
            request.meta["depth"] = depth
            request.priority -= depth * self.prio
            return request
        kept = super().get_processed_request(request, response)
        if kept is None and response is not None:
            refuse(self.crawler, "depth", request.url,
                   f"more than {self.maxdepth} links from the front page", "DEPTH_LIMIT",
                   TOO_DEEP, request, response.url)
        return kept


def settings_of(crawler: Any) -> tuple[ListingBounds, int, int]:
    """Return the listing bounds, PAGE_MAX_LINKS and PAGE_MAX_PARSE of a crawler (defaults of
    crawler/settings.py without one: a spider made by hand)."""
    from ifes_archive.crawler import settings as defaults

    settings = getattr(crawler, "settings", None)
    if settings is None:
        return (ListingBounds(defaults.LISTING_MAX_PAGES, defaults.LISTING_MAX_MENU_ITEMS),
                defaults.PAGE_MAX_LINKS, defaults.PAGE_MAX_PARSE)
    return (ListingBounds(settings.getint("LISTING_MAX_PAGES"),
                          settings.getint("LISTING_MAX_MENU_ITEMS")),
            settings.getint("PAGE_MAX_LINKS"), settings.getint("PAGE_MAX_PARSE"))
