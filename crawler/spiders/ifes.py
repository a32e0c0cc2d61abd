"""The ``ifes`` spider: walk a Joomla 1.0 site's listings and fetch every published article once.

From the front page it follows menus, sections, category tables, blog listings and their page
links, read-more and blog_more links, the archive module's months and prev/next links — every link
that :func::`archive.page.joomla.should_follow` allows — and fetches each article page once,
whatever Itemid it is linked under. A multi-page article («Страница 1 из N») is fetched page by page
in one chain and yielded as one :class:`~crawler.items.ArticleItem`. Each category table or blog
page parsed is also yielded as a :class:`~crawler.items.ListingItem`, the evidence the pipeline
reads sections from.

Its first request is first contact (:class:`crawler.firstcontact.FirstContactSpider`: robots.txt,
the front page and its redirects on the same site, a verdict); the crawl goes on from the front
page it reached, or closes with the verdict as its finish reason.

Run: ``scrapy crawl ifes -a base_url=http://HOST:PORT/``.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy
from parsel import Selector
from scrapy import signals
from scrapy.exceptions import CloseSpider, DontCloseSpider, IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from ifes_archive.archive.corpus.imports.held import every_held
from ifes_archive.archive.corpus.journal import GONE_LINE, NOT_MODIFIED_LINE
from ifes_archive.archive.corpus.versions import GONE_STATUSES
from ifes_archive.archive.origin import canonical_url
from ifes_archive.archive.page.extract import page_total, refusal_kind
from ifes_archive.archive.page.joomla import (
    ARTICLE_KINDS,
    LISTING_KINDS,
    JoomlaUrl,
    article_page_url,
    article_state_key,
    canonical_article_url,
    clean_url,
    dedup_key,
    listing_identity,
    listing_task,
    normalise_base_url,
    parse_url,
    print_view_url,
    should_follow,
)
from ifes_archive.archive.page.page_template import ARTICLE_TABLES
from ifes_archive.archive.page.record import PRINT_PAGE, ReadPage, pages_within, read_html
from ifes_archive.crawler.bounds import note_bound
from ifes_archive.crawler.capture import CHANGE_KEY, META_KEY, REVISIT_KEY, SEEN_KEY
from ifes_archive.crawler.firstcontact import FirstContactSpider
from ifes_archive.crawler.items import ArticleItem, ListingItem, ObservedItem
from ifes_archive.crawler.session import (
    STORAGE_ERRORS,
    CaptureSession,
    StorageFailed,
    storage_message,
)
from ifes_archive.crawler.traps import (
    SAME_HOP_KEY,
    ListingBounds,
    listing_key,
    page_links,
    refuse,
    settings_of,
)
from ifes_archive.crawler.useragent import operator_problem, settle_operator
from ifes_archive.crawler.verdict import Verdict

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from scrapy.http import Response
    from twisted.python.failure import Failure

    from ifes_archive.archive.page.joomla import DedupKey

logger = logging.getLogger(__name__)

#: Links that name an article without leading to its page: its print view, e-mail form, PDF.
ARTICLE_BUTTONS = frozenset({"print", "emailform", "pdf"})
#: How the refusals that are no failure begin: robots.txt rules, links out of scope.
NOT_FAILURES = ("Forbidden by robots.txt", "out of scope:")
#: Pages of a multi-page article go ahead of listings, so a chain ends soon after it starts.
CHAIN_PRIORITY = 10
#: Request meta of an article asked for because a public archive holds it (no crawl met it):
#: its removal is what the crawl asked to learn, not a failure.
ARCHIVED_KEY = "ifes_archived"
#: Bytes of body of one article's pages that travel to the pipeline decoded and parsed (their
#: trees held while the chain fetches the rest, a few times their bytes): the site's articles
#: are tens of kB a page, so every real one does; the pages past it (a server sending pages of
#: megabytes, up to ARTICLE_MAXSIZE) go as bytes and the record builder parses them itself.
READ_PAGES_MAX = 2 * 1024 * 1024
#: Key of a page dict whose parsed page the spider holds while the request carrying it waits.
PARKED_KEY = "read_parked"


class IfesSpider(FirstContactSpider):
    """Crawl the Joomla 1.0 site under *base_url*; yield one ArticleItem per published article."""

    name = "ifes"

    def __init__(self, base_url: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Parsed pages of articles whose next request waits in the queue (:meth:`_park`).
        self._parked: dict[int, ReadPage] = {}
        self._read_keys = itertools.count()
        #: The site's base URL: the one given until first contact finds where the site is.
        self.base_url = normalise_base_url(base_url)
        self.allowed_domains = [urlsplit(self.base_url).hostname or ""]
        #: Base URLs of other origins in scope (SCOPE_ALSO).
        self.scope_also: tuple[str, ...] = ()
        #: Every request that failed: {"url", "reason"}.
        self.failures: list[dict[str, str]] = []
        #: Listing identity -> the limitstart of every page of it fetched.
        self.listing_fetches: dict[str, list[int]] = {}
        self._seen: set[DedupKey] = set()
        self._revisited = False
        #: Pages taken of each listing, articles each showed (LISTING_MAX_PAGES, repeats).
        self.listings: ListingBounds
        self.listings, self.page_max_links, self.page_max_parse = settings_of(None)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> IfesSpider:
        if not args:
            kwargs.setdefault("base_url", crawler.settings.get("BASE_URL"))
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.scope_also = tuple(normalise_base_url(u) for u in
                                  crawler.settings.getlist("SCOPE_ALSO") if u)
        spider.listings, spider.page_max_links, spider.page_max_parse = settings_of(crawler)
        crawler.signals.connect(spider._revisit_unlisted, signal=signals.spider_idle)
        return spider

    @property
    def scope(self) -> list[str]:
        """The base URLs whose scheme, host and port the crawl keeps to: the site's, then those
        ``SCOPE_ALSO`` lists."""
        return list(dict.fromkeys([self.base_url, *self.scope_also]))

    def _session(self) -> CaptureSession | None:
        crawler = getattr(self, "crawler", None)
        return crawler.get_extension(CaptureSession) if crawler is not None else None

    def _revisit_unlisted(self) -> None:
        """Once the listings are done, ask again for articles an earlier crawl captured that no
        listing linked this time: each is still there (unlisted), changed, or gone; and ask
        for the articles a public archive holds that no crawl has met (withdrawn before the
        first crawl, or unlisted: :mod:`archive.corpus.imports.held`)."""
        contact = self.first_contact
        if self._revisited or contact is None or not contact.done or \
                contact.verdict is not Verdict.OK:
            return  # the crawl goes on from the front page only: first contact must reach it
        self._revisited = True
        session = self._session()
        state = session.state if session is not None else None
        if session is None or state is None:
            return
        missing: list[tuple[int, str, dict[str, Any]]] = [
            (i, session.rebase(url, base), {}) for i, url, base in state.known_articles()
            if ("article", i, 0) not in self._seen]
        known = {i for i, _, _ in missing}
        missing += [(i, canonical_article_url(self.base_url, i), {ARCHIVED_KEY: True})
                    for i in sorted(every_held(session.folder.archived))
                    if ("article", i, 0) not in self._seen and i not in known]
        for article_id, url, meta in missing:
            self._seen.add(("article", article_id, 0))
            self.crawler.engine.crawl(self._request(
                url, self.parse_article, cb_kwargs={"article_id": article_id, "itemid": None},
                meta={"handle_httpstatus_list": [304], **meta}))
        for name, count in (("unlisted_revisited", len(known)),
                            ("archived_asked", len(missing) - len(known))):
            if count:
                self._stats_set(f"ifes/{name}", count)
        if missing:
            raise DontCloseSpider

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        settle_operator(settings)  # under plain Scrapy too: the contact in the User-Agent

    async def start(self) -> AsyncIterator[scrapy.Request]:
        problem = operator_problem(self.base_url, self.settings.get("WARC_OPERATOR"))
        if problem:
            logger.error("not crawling: %s", problem)
            raise CloseSpider("no_operator_contact")
        yield self.first_contact_request(self.base_url)

    def site_reached(self, response: Response) -> Iterator[scrapy.Request | ListingItem]:
        """Crawl the site where first contact found it, from its front page."""
        contact = self._contact()
        if contact.moved:
            logger.warning("%s redirects to %s: crawling there", contact.given, contact.base_url)
            self.base_url = contact.base_url
            self.allowed_domains = [urlsplit(self.base_url).hostname or ""]
        if contact.template_misses:
            logger.warning("the front page is not the known template: it lacks %s",
                           "; ".join(contact.template_misses))
        session = self._session()
        if session is not None:
            session.settle_base()
        self._seen.add(dedup_key(self.base_url, self.base_url))
        yield from self.parse(response)

    # Callbacks ------------------------------------------------------------------------------

    def parse(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request | ListingItem]:
        """Follow the links of a listing (or any non-article) page; yield it as listing
        evidence (the pipeline reads which articles it files under which category)."""
        html = self._read(response)
        selector = selector_of(html)
        self._note_denied(response, selector)
        yield from self._follow_links(response, selector)
        self._count_listing_fetch(response.url)
        # A page cut by PAGE_MAX_PARSE is no evidence of a listing (nor parsed whole again).
        if listing_task(response.url, self.base_url) is not None and not self._cut(response):
            yield ListingItem(response.url, content_type_of(response), response.body,
                              response.meta.get(META_KEY), read=html)

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
        pages = [page_dict(response, 0, self._handed_over(response, html, []))]
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
        pages: list[dict[str, Any]],
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
        pages = [*pages, page_dict(response, page, self._handed_over(response, html, pages))]
        kept = self._within_article_bound(pages, total)
        if kept < len(pages):  # over ARTICLE_MAXSIZE: the rest is not fetched (a bound)
            yield self._item(article_id, pages[:kept], [
                f"pages {kept + 1}-{total} of {total}: not fetched: over ARTICLE_MAXSIZE"])
        elif len(pages) < total:
            yield self._page_request(article_id, itemid, pages, total)
        else:
            yield self._after_pages(article_id, itemid, pages, [])

    def _within_article_bound(self, pages: list[dict[str, Any]], total: int) -> int:
        """Return how many of ``pages`` stay within ``ARTICLE_MAXSIZE`` (all of them, or the
        first ones, the bound then noted)."""
        crawler = getattr(self, "crawler", None)
        limit = crawler.settings.getint("ARTICLE_MAXSIZE") if crawler is not None else 0
        kept = pages_within([len(p["body"]) for p in pages], limit)
        if kept < len(pages) and crawler is not None and crawler.stats is not None:
            note_bound(crawler.stats, "article-size", pages[0]["url"],
                       f"an article's pages past {limit} bytes of body are not fetched "
                       f"(this one: {kept} of {total} pages kept)", "ARTICLE_MAXSIZE")
        return kept

    def parse_print(self, response: Response, article_id: int, pages: list[dict[str, Any]],
                    errors: list[str]) -> Iterator[ArticleItem]:
        """Yield the article with its print view (the cross-check of its text)."""
        html = self._read(response)
        denied = denied_state(selector_of(html))
        printed = None if denied else page_dict(response, PRINT_PAGE,
                                                 self._handed_over(response, html, []))
        yield self._item(article_id, pages, errors, printed)

    def on_error(self, failure: Failure) -> Iterator[ArticleItem | ObservedItem]:
        """Record a failed request; for a later page of an article, yield what was fetched; for
        a first page that answers 404 or 410, that the article is gone."""
        request = failure.request  # type: ignore[attr-defined]
        reason = self._record_failure(request.url, failure)
        kwargs = request.cb_kwargs
        response = failure.value.response if failure.check(HttpError) else None
        if (response is not None and response.status in GONE_STATUSES and "pages" not in kwargs
                and "article_id" in kwargs and response.meta.get(META_KEY)):
            yield ObservedItem(kwargs["article_id"], GONE_LINE, response.meta[SEEN_KEY],
                               reason=reason, capture=response.meta[META_KEY])
        if "errors" in kwargs:  # the print view failed: the article without it
            yield self._item(kwargs["article_id"], kwargs["pages"], kwargs["errors"])
        elif "pages" in kwargs:
            page, total = len(kwargs["pages"]), kwargs["total"]
            errors = [f"page {page} of {total}: {reason}"]
            yield self._item(kwargs["article_id"], kwargs["pages"], errors)

    def closed(self, reason: str) -> None:
        self._stats_set("ifes/listing_fetches", {k: sorted(v) for k, v in
                                                 sorted(self.listing_fetches.items())})
        for failure in self.failures:
            logger.warning("failed: %(url)s (%(reason)s)", failure)
        logger.info("ifes: %d failed requests", len(self.failures))

    # Links ----------------------------------------------------------------------------------

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
            url = _absolute(response, href)
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

    def _first_time(self, key: DedupKey) -> bool:
        """Return True (and remember *key*) when *key* was not scheduled before."""
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    # Requests and items ---------------------------------------------------------------------

    def _request(self, url: str, callback: Any, **kwargs: Any) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=self.on_error, **kwargs)

    def _page_request(
        self, article_id: int, itemid: int | None, pages: list[dict[str, Any]], total: int
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

    def _after_pages(self, article_id: int, itemid: int | None, pages: list[dict[str, Any]],
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

    def _park(self, pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Return ``pages`` with each parsed page held by the spider, its key in its place: a
        request carrying them stays serialisable, so a long queue can wait on disk
        (SCHEDULER_MEMORY_MAX); :meth:`_unpark` gives the trees back to the item."""
        for page in pages:
            if page.get("read") is not None:
                key = next(self._read_keys)
                self._parked[key] = page["read"]
                page["read"], page[PARKED_KEY] = None, key
        return pages

    def _unpark(self, pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for page in pages:
            if PARKED_KEY in page:
                page["read"] = self._parked.pop(page.pop(PARKED_KEY), None)
        return pages

    def _item(self, article_id: int, pages: list[dict[str, Any]], errors: list[str],
              printed: dict[str, Any] | None = None) -> ArticleItem:
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

    # Page states ----------------------------------------------------------------------------

    def _read(self, response: Response) -> ReadPage:
        """Return the page's first PAGE_MAX_PARSE bytes decoded and parsed (a cut noted)."""
        if self._cut(response):
            refuse(getattr(self, "crawler", None), "page-parse", response.url,
                   f"a page of {len(response.body)} bytes: its first {self.page_max_parse} "
                   "are read for links (the WARC keeps it whole)", "PAGE_MAX_PARSE")
        return read_response(response, self.page_max_parse)

    def _cut(self, response: Response) -> bool:
        return bool(self.page_max_parse) and len(response.body) > self.page_max_parse

    def _handed_over(self, response: Response, html: ReadPage,
                     pages: list[dict[str, Any]]) -> ReadPage | None:
        """Return the page as read for its links, for the record builder to take instead of
        parsing it again: None when only its first PAGE_MAX_PARSE bytes were read, or when the
        article's pages handed over so far would pass READ_PAGES_MAX bytes of body."""
        if self._cut(response):
            return None
        held = sum(len(p["body"]) for p in pages
                   if p.get("read") is not None or PARKED_KEY in p)
        return html if held + len(response.body) <= READ_PAGES_MAX else None

    def _note_denied(self, response: Response, selector: Selector) -> str | None:
        """Return "restricted"/"not found" (counted, logged) for Joomla's HTTP-200 refusals."""
        state = denied_state(selector)
        if state is not None:
            self._stats_inc(f"ifes/{state.replace(' ', '_')}")
        return state

    def _is_article(self, response: Response, selector: Selector) -> bool:
        if selector.root.xpath(ARTICLE_TABLES):
            return True
        self._stats_inc("ifes/not_article")
        # Kept in the WARC as it came, but no record: the report says so.
        self.failures.append({"url": response.url, "reason": "not an article page"})
        logger.warning("not an article page: %s", response.url)
        return False

    def note_failure(self, url: str, failure: Failure) -> None:
        self._record_failure(url, failure)

    def _record_failure(self, url: str, failure: Failure) -> str:
        """Count and keep a failed request; return the reason. robots.txt refusals and links out
        of scope are not failures (a redirect out of scope, a loop, robots.txt that never
        answered are)."""
        reason = failure_reason(failure)
        if failure.check(HttpError) and failure.value.response.meta.get(CHANGE_KEY) == "gone":
            logger.info("gone since the last crawl: %s (%s)", url, reason)
            return reason
        if failure.check(HttpError) and failure.value.response.meta.get(ARCHIVED_KEY) and \
                failure.value.response.status in GONE_STATUSES:
            logger.info("withdrawn, held by a public archive only: %s (%s)", url, reason)
            return reason
        if failure.check(StorageFailed):
            return reason  # the run failed, not this page: the report says why
        if failure.check(IgnoreRequest) and not failure.check(HttpError) and \
                str(failure.value).startswith(NOT_FAILURES):
            self._stats_inc("ifes/ignored")
            logger.debug("ignored: %s (%s)", url, reason)
            return reason
        self._stats_inc("ifes/failed")
        self.failures.append({"url": url, "reason": reason})
        logger.warning("request failed: %s (%s)", url, reason)
        return reason

    def _stats_inc(self, key: str) -> None:
        stats = getattr(getattr(self, "crawler", None), "stats", None)
        if stats is not None:
            stats.inc_value(key)

    def _stats_set(self, key: str, value: Any) -> None:
        stats = getattr(getattr(self, "crawler", None), "stats", None)
        if stats is not None:
            stats.set_value(key, value)


def read_response(response: Response, max_bytes: int = 0) -> ReadPage:
    """Return the page (its first ``max_bytes``, 0: all) decoded and parsed as the record
    builder decodes and parses it (:func:`archive.page.record.read_html`).

    Scrapy trusts the header charset, which on this site may be missing or a wrong utf-8 over
    windows-1251 bytes; links with Cyrillic text or parameters must not be mangled.
    """
    body = response.body[:max_bytes] if max_bytes else response.body
    return read_html(body, content_type_of(response))


def page_selector(response: Response, max_bytes: int = 0) -> Selector:
    """Return a selector over the page (its first ``max_bytes``, 0: all), read as
    :func:`read_response` reads it."""
    return selector_of(read_response(response, max_bytes))


def selector_of(html: ReadPage) -> Selector:
    """Return a selector over a page read by :func:`read_response`."""
    return Selector(root=html.parsed.root, type="html")


def content_type_of(response: Response) -> str | None:
    """Return the response's ``Content-Type`` (its last value), None if absent."""
    content_type = response.headers.get("Content-Type")
    return content_type.decode("latin-1") if content_type else None


def page_dict(response: Response, page: int, read: ReadPage | None = None) -> dict[str, Any]:
    """Return one page of an ArticleItem from *response* (``read``: the page decoded and parsed,
    handed to the record builder)."""
    return {
        "page": page,
        "url": response.url,
        "status": response.status,
        "headers": [
            [name.decode("latin-1"), value.decode("latin-1")]
            for name, values in response.headers.items()
            for value in values
        ],
        "body": response.body,
        "capture": response.meta.get(META_KEY),
        "seen": response.meta.get(SEEN_KEY),
        "read": read,
    }


def page_count(selector: Selector) -> int:
    """Return N of «Страница 1 из N» in ``div.pagenavcounter`` (1 when absent), capped."""
    return page_total(selector.root)


def denied_state(selector: Selector) -> str | None:
    """Return "restricted" or "not found" for Joomla's refusal pages, None for any other page."""
    return refusal_kind(selector.root)


def failure_reason(failure: Failure) -> str:
    """Return a one-line reason for a failed request."""
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    return f"{type(failure.value).__name__}: {failure.getErrorMessage()}"


def _absolute(response: Response, href: str) -> str | None:
    href = href.strip()
    if not href or href.startswith(("javascript:", "mailto:", "#")):
        return None
    try:
        url = response.urljoin(href)
    except ValueError:
        return None
    # One spelling of the site's origin (x@HOST, HOST:80, HOST. -> host): one request, one
    # fingerprint, one robots.txt. A URL with no valid origin goes on to be refused, reported.
    return canonical_url(url) or url
