"""The ``ifes`` spider's article chains: an article's page 0, then each later page of a
multi-page one («Страница 1 из N») in one chain ahead of the listings, then its print view (the
cross-check of its text), yielded as one :class:`~crawler.items.ArticleItem`.

While a chain's next request waits in the queue, the pages parsed so far are held here (parked),
a key in their place, so the request stays serialisable and a long queue can wait on disk.
"""

from __future__ import annotations

import itertools
import logging
from typing import TYPE_CHECKING

from ifes_archive.archive.corpus.journal import GONE_LINE, NOT_MODIFIED_LINE
from ifes_archive.archive.page.captured import PRINT_PAGE, ReadPage, pages_within
from ifes_archive.archive.page.joomla import (
    article_page_url,
    article_state_key,
    canonical_article_url,
    parse_url,
    print_view_url,
)
from ifes_archive.archive.page.page_template import ARTICLE_TABLES
from ifes_archive.crawler.bounds import note_bound
from ifes_archive.crawler.capture import META_KEY, REVISIT_KEY, SEEN_KEY
from ifes_archive.crawler.items import ArticleItem, FetchedPage, ObservedItem
from ifes_archive.crawler.session import STORAGE_ERRORS, storage_message
from ifes_archive.crawler.spider_parts import SpiderParts
from ifes_archive.crawler.spider_reads import denied_state, fetched_page, page_count, selector_of
from ifes_archive.crawler.traps import SAME_HOP_KEY

if TYPE_CHECKING:
    from collections.abc import Iterator

    import scrapy
    from parsel import Selector
    from scrapy.http import Response

logger = logging.getLogger(__name__)

#: Pages of a multi-page article go ahead of listings, so a chain ends soon after it starts.
CHAIN_PRIORITY = 10
#: Bytes of body of one article's pages that travel to the pipeline decoded and parsed (their
#: trees held while the chain fetches the rest, a few times their bytes): the site's articles
#: are tens of kB a page, so every real one does; the pages past it (a server sending pages of
#: megabytes, up to ARTICLE_MAXSIZE) go as bytes and the record builder parses them itself.
READ_PAGES_MAX = 2 * 1024 * 1024


class ArticleChain(SpiderParts):
    """Fetch each article's pages and print view in one chain; yield its item."""

    #: Parsed pages of articles whose next request waits in the queue (:meth:`_park`).
    _parked: dict[int, ReadPage]
    _read_keys: itertools.count[int]

    if TYPE_CHECKING:
        def _follow_links(self, response: Response,
                          selector: Selector) -> Iterator[scrapy.Request]: ...

    def parse_article(
        self, response: Response, article_id: int, itemid: int | None
    ) -> Iterator[scrapy.Request | ArticleItem | ObservedItem]:
        """Yield the item of a single-page article, or start the chain of a multi-page one; for a
        304 or a removed article, what was seen of it."""
        if response.status == 304:
            # Unchanged since the capture the 304 confirms: no pages to fetch, nothing to build.
            if response.meta.get(REVISIT_KEY):
                yield ObservedItem(article_id, NOT_MODIFIED_LINE, response.meta[SEEN_KEY],
                                   refers_to=response.meta[META_KEY].warc_record_id)
            return
        html = self._read(response)
        selector = selector_of(html)
        yield from self._follow_links(response, selector)
        denied = self._note_denied(response, selector)
        if denied:
            if response.meta.get(META_KEY):
                yield ObservedItem(article_id, GONE_LINE, response.meta[SEEN_KEY],
                                   reason=f"{denied} page", capture=response.meta[META_KEY])
            return
        if not self._is_article(response, selector):
            return
        pages = [fetched_page(response, 0, self._handed_over(response, html, []))]
        total = page_count(selector)
        # Later pages under the menu item page 0 was fetched under (a recrawl may have asked
        # for the URL captured before): the breadcrumbs, and so the record, stay the same.
        itemid = parse_url(response.url, self.base_url).itemid
        if total > 1:
            yield self._page_request(article_id, itemid, pages, total)
        else:
            yield self._after_pages(article_id, itemid, pages, [])

    def parse_article_page(
        self,
        response: Response,
        article_id: int,
        itemid: int | None,
        pages: list[FetchedPage],
        total: int,
    ) -> Iterator[scrapy.Request | ArticleItem]:
        """Add one later page of a multi-page article; yield the item after the last one."""
        html = self._read(response)
        selector = selector_of(html)
        yield from self._follow_links(response, selector)
        page = len(pages)
        denied = self._note_denied(response, selector)
        if denied:
            yield self._item(article_id, pages, [f"page {page} of {total}: {denied}"])
            return
        pages = [*pages, fetched_page(response, page, self._handed_over(response, html, pages))]
        kept = self._within_article_bound(pages, total)
        if kept < len(pages):  # over ARTICLE_MAXSIZE: the rest is not fetched (a bound)
            yield self._item(article_id, pages[:kept], [
                f"pages {kept + 1}-{total} of {total}: not fetched: over ARTICLE_MAXSIZE"])
        elif len(pages) < total:
            yield self._page_request(article_id, itemid, pages, total)
        else:
            yield self._after_pages(article_id, itemid, pages, [])

    def _within_article_bound(self, pages: list[FetchedPage], total: int) -> int:
        """Return how many of ``pages`` stay within ``ARTICLE_MAXSIZE`` (all of them, or the
        first ones, the bound then noted)."""
        crawler = getattr(self, "crawler", None)
        limit = crawler.settings.getint("ARTICLE_MAXSIZE") if crawler is not None else 0
        kept = pages_within([len(p.body) for p in pages], limit)
        if kept < len(pages) and crawler is not None and crawler.stats is not None:
            note_bound(crawler.stats, "article-size", pages[0].url,
                       f"an article's pages past {limit} bytes of body are not fetched "
                       f"(this one: {kept} of {total} pages kept)", "ARTICLE_MAXSIZE")
        return kept

    def parse_print(self, response: Response, article_id: int, pages: list[FetchedPage],
                    errors: list[str]) -> Iterator[ArticleItem]:
        """Yield the article with its print view (the cross-check of its text)."""
        html = self._read(response)
        denied = denied_state(selector_of(html))
        printed = None if denied else fetched_page(response, PRINT_PAGE,
                                                 self._handed_over(response, html, []))
        yield self._item(article_id, pages, errors, printed)

    def _page_request(
        self, article_id: int, itemid: int | None, pages: list[FetchedPage], total: int
    ) -> scrapy.Request:
        """Return the request of the next page of a multi-page article (the chain's next link)."""
        page = len(pages)
        self._seen.add(("article", article_id, page))
        return self._request(
            article_page_url(self.base_url, article_id, itemid, page),
            self.parse_article_page,
            cb_kwargs={"article_id": article_id, "itemid": itemid, "pages": self._park(pages),
                       "total": total},
            # The chain must not be cut by the dupefilter, or the article would never be yielded.
            dont_filter=True,
            # Page 0 came whole (changed, or the server sends no validators): so do the others.
            # One hop with page 0: no depth bound cuts an article.
            meta={"dont_revalidate": True, SAME_HOP_KEY: True},
            priority=CHAIN_PRIORITY,
        )

    def _after_pages(self, article_id: int, itemid: int | None, pages: list[FetchedPage],
                     errors: list[str]) -> scrapy.Request | ArticleItem:
        """Return the request of the article's print view, or the item when print views are
        not checked (``PRINT_VIEW_CHECK``) or already fetched."""
        settings = getattr(getattr(self, "crawler", None), "settings", None)
        if (settings is not None and not settings.getbool("PRINT_VIEW_CHECK")) or \
                not self._first_time(("print", article_id, 0)):
            return self._item(article_id, pages, errors)
        return self._request(
            print_view_url(self.base_url, article_id, itemid), self.parse_print,
            cb_kwargs={"article_id": article_id, "pages": self._park(pages), "errors": errors},
            dont_filter=True, priority=CHAIN_PRIORITY, meta={SAME_HOP_KEY: True})

    def _park(self, pages: list[FetchedPage]) -> list[FetchedPage]:
        """Return ``pages`` with each parsed page held by the spider, its key in its place: a
        request carrying them stays serialisable, so a long queue can wait on disk
        (SCHEDULER_MEMORY_MAX); :meth:`_unpark` gives the trees back to the item."""
        for page in pages:
            if page.read is not None:
                page.parked = next(self._read_keys)
                self._parked[page.parked], page.read = page.read, None
        return pages

    def _unpark(self, pages: list[FetchedPage]) -> list[FetchedPage]:
        for page in pages:
            if page.parked is not None:
                page.read, page.parked = self._parked.pop(page.parked, None), None
        return pages

    def _item(self, article_id: int, pages: list[FetchedPage], errors: list[str],
              printed: FetchedPage | None = None) -> ArticleItem:
        pages = self._unpark(pages)
        self._stats_inc("ifes/article_items")
        if errors:
            self._stats_inc("ifes/incomplete_articles")
            logger.warning("article %d incomplete: %s", article_id, "; ".join(errors))
            # Page 1 must not answer 304 next time, or the missing pages would never be asked
            # for again: the next crawl fetches the article whole.
            session = self._session()
            if session is not None and session.state is not None:
                try:
                    session.state.forget(article_state_key(article_id, 0))
                except STORAGE_ERRORS as exc:
                    session.fail(storage_message(exc))
        return ArticleItem(
            article_id=article_id,
            url=canonical_article_url(self.base_url, article_id),
            pages=pages,
            errors=errors,
            print_page=printed,
        )

    def _handed_over(self, response: Response, html: ReadPage,
                     pages: list[FetchedPage]) -> ReadPage | None:
        """Return the page as read for its links, for the record builder to take instead of
        parsing it again: None when only its first PAGE_MAX_PARSE bytes were read, or when the
        article's pages handed over so far would pass READ_PAGES_MAX bytes of body."""
        if self._cut(response):
            return None
        held = sum(len(p.body) for p in pages if p.read is not None or p.parked is not None)
        return html if held + len(response.body) <= READ_PAGES_MAX else None

    def _is_article(self, response: Response, selector: Selector) -> bool:
        if selector.root.xpath(ARTICLE_TABLES):
            return True
        self._stats_inc("ifes/not_article")
        # Kept in the WARC as it came, but no record: the report says so.
        self.failures.append({"url": response.url, "reason": "not an article page"})
        logger.warning("not an article page: %s", response.url)
        return False
