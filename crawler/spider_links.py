"""The ``ifes`` spider's walk over the site: the links of a page worth following (menus,
sections, category tables, blog listings and their pagers, the archive module's months) and
the request of each, once, within the listing bounds (``LISTING_MAX_PAGES``,
``LISTING_MAX_MENU_ITEMS``, a pager that repeats itself, ``PAGE_MAX_LINKS``).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ifes_archive.archive.page.follow import should_follow
from ifes_archive.archive.page.joomla import (
    ARTICLE_KINDS,
    LISTING_KINDS,
    JoomlaUrl,
    article_page_url,
    clean_url,
    dedup_key,
    listing_identity,
    parse_url,
)
from ifes_archive.crawler.spider_parts import SpiderParts
from ifes_archive.crawler.spider_reads import absolute_link
from ifes_archive.crawler.traps import ListingBounds, listing_key, page_links, refuse

if TYPE_CHECKING:
    from collections.abc import Iterator

    import scrapy
    from parsel import Selector
    from scrapy.http import Response

logger = logging.getLogger(__name__)

#: Links that name an article without leading to its page: its print view, e-mail form, PDF.
ARTICLE_BUTTONS = frozenset({"print", "emailform", "pdf"})


class LinkWalker(SpiderParts):
    """Follow a page's links: one request per article and per listing page, once each."""

    #: Pages taken of each listing, articles each showed (LISTING_MAX_PAGES, repeats).
    listings: ListingBounds
    #: Links of a page read (PAGE_MAX_LINKS, 0: all).
    page_max_links: int
    #: Listing identity -> the limitstart of every page of it fetched.
    listing_fetches: dict[str, list[int]]

    if TYPE_CHECKING:
        def parse(self, response: Response, **kwargs: Any) -> Any: ...

        def parse_article(self, response: Response, article_id: int,
                          itemid: int | None) -> Any: ...

    def _follow_links(self, response: Response, selector: Selector) -> Iterator[scrapy.Request]:
        """Yield a request for every link on the page worth fetching and not yet scheduled (of
        its first PAGE_MAX_LINKS links)."""
        links = self._links(response, selector)
        repeating = self._repeating_listing(response, links)
        for url, target in links:
            if target.kind in ARTICLE_KINDS:
                request = self._article_request(target, url)
            else:
                request = self._listing_request(target, url, response, repeating)
            if request is not None:
                yield request

    def _links(self, response: Response, selector: Selector) -> list[tuple[str, JoomlaUrl]]:
        """Return the links of the page worth following (URL and what it names), of its first
        PAGE_MAX_LINKS links (the cut noted as a bound)."""
        hrefs, cut = page_links(selector.root, self.page_max_links)
        if cut:
            refuse(getattr(self, "crawler", None), "page-links", response.url,
                   f"only the first {self.page_max_links} links of a page are read",
                   "PAGE_MAX_LINKS", via=response.url)
        links = []
        for href in hrefs:
            url = absolute_link(response, href)
            if url is None:
                continue
            decision = should_follow(url, self.base_url, referrer=response.url,
                                     also=self.scope_also)
            target = decision.parsed
            if not decision and target.kind in ARTICLE_BUTTONS and target.id is not None and \
                    decision.reason.startswith("not content"):
                # An item's print, e-mail or PDF button: the article it names (a blog may show
                # an item whole, with no link to its page but these).
                url = article_page_url(self.base_url, target.id, target.itemid, 0)
                target = replace(target, kind="article", limitstart=None, page=None)
            elif not decision:
                logger.debug("not following %s: %s", url, decision.reason)
                continue
            links.append((url, target))
        return links

    def _repeating_listing(self, response: Response,
                           links: list[tuple[str, JoomlaUrl]]) -> str | None:
        """Return the listing key of a later page of a listing that links no article its
        listing had not linked before (a pager that never ends: its further pages are not
        taken), else None."""
        page = parse_url(response.url, self.base_url)
        if page.kind not in LISTING_KINDS:
            return None
        ids = {t.id for _, t in links if t.kind in ARTICLE_KINDS and t.id is not None}
        if self.listings.adds_articles(page, ids) or not page.limitstart:
            return None
        return listing_identity(page)

    def _article_request(self, target: JoomlaUrl, url: str) -> scrapy.Request | None:
        """Return the request of page 0 of the article *target* links to, None if scheduled."""
        assert target.id is not None
        if not self._first_time(("article", target.id, 0)):
            return None
        if target.limitstart:
            # A link to a later page: fetch page 0, which starts the chain over all pages.
            url = article_page_url(self.base_url, target.id, target.itemid, 0)
        return self._request(
            clean_url(url),
            self.parse_article,
            cb_kwargs={"article_id": target.id, "itemid": target.itemid},
            # A recrawl asks conditionally; 304 means unchanged, not an error.
            meta={"handle_httpstatus_list": [304]},
        )

    def _listing_request(self, target: JoomlaUrl, url: str, response: Response,
                         repeating: str | None) -> scrapy.Request | None:
        """Return a request for a listing page, None if already scheduled or beyond a bound
        (a page of a listing that repeats itself, LISTING_MAX_PAGES)."""
        key = dedup_key(target)
        if key in self._seen:
            return None
        crawler = getattr(self, "crawler", None)
        if target.kind in LISTING_KINDS and listing_identity(target) == repeating:
            refuse(crawler, "listing-repeats", url, "a page of the listing linked no article "
                   "its earlier pages had not: its further pages are not taken",
                   "LISTING_MAX_PAGES", via=response.url)
            return None
        self._seen.add(key)
        bound = self.listings.admit(target) if target.kind in LISTING_KINDS else ""
        if bound == "listing-pages":
            refuse(crawler, bound, url, f"listing {listing_identity(target)} has more than "
                   f"{self.listings.max_pages} pages", "LISTING_MAX_PAGES", via=response.url)
        elif bound:
            refuse(crawler, bound, url, f"listing {listing_key(target)} is linked under more "
                   f"than {self.listings.max_menu_items} menu items", "LISTING_MAX_MENU_ITEMS",
                   via=response.url)
        if bound:
            return None
        return self._request(clean_url(url), self.parse)

    def _count_listing_fetch(self, url: str) -> None:
        """Count one fetch of a listing page under its listing's identity (the run report shows
        fetches per distinct listing: a page fetched twice under aliases shows there)."""
        parsed = parse_url(url, self.base_url)
        if parsed.kind in LISTING_KINDS:
            self.listing_fetches.setdefault(listing_identity(parsed), []).append(
                parsed.limitstart or 0)
