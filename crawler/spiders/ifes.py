"""The ``ifes`` spider: walk a Joomla 1.0 site's listings and fetch every published article once.

From the front page it follows menus, sections, category tables, blog listings and their page
links, read-more and blog_more links, the archive module's months and prev/next links — every link
that :func:`archive.page.follow.should_follow` allows — and fetches each article page once,
whatever Itemid it is linked under. A multi-page article («Страница 1 из N») is fetched page by page
in one chain and yielded as one :class:`~crawler.items.ArticleItem`. Each category table or blog
page parsed is also yielded as a :class:`~crawler.items.ListingItem`, the evidence the pipeline
reads sections from.

The spider holds the crawl's order and its failures; its parts do the rest: the walk over
links (:mod:`crawler.spider_links`), the article chains (:mod:`crawler.spider_articles`), what
is read off a response (:mod:`crawler.spider_reads`).

Its first request is first contact (:class:`crawler.firstcontact.FirstContactSpider`: robots.txt,
the front page and its redirects on the same site, a verdict); the crawl goes on from the front
page it reached, or closes with the verdict as its finish reason.

Run: ``scrapy crawl ifes -a base_url=http://HOST:PORT/``.
"""

from __future__ import annotations

import itertools
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import CloseSpider, DontCloseSpider, IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from ifes_archive.archive.corpus.imports.held import every_held
from ifes_archive.archive.corpus.journal import GONE_LINE
from ifes_archive.archive.corpus.versions import GONE_STATUSES
from ifes_archive.archive.page.joomla import (
    canonical_article_url,
    dedup_key,
    listing_task,
    normalise_base_url,
)
from ifes_archive.crawler.capture import CHANGE_KEY, META_KEY, SEEN_KEY
from ifes_archive.crawler.firstcontact import FirstContactSpider
from ifes_archive.crawler.items import ListingItem, ObservedItem
from ifes_archive.crawler.session import StorageFailed
from ifes_archive.crawler.spider_articles import ArticleChain
from ifes_archive.crawler.spider_links import LinkWalker
from ifes_archive.crawler.spider_reads import content_type_of, failure_reason, selector_of
from ifes_archive.crawler.traps import settings_of
from ifes_archive.crawler.useragent import operator_problem, settle_operator
from ifes_archive.crawler.verdict import Verdict

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    import scrapy
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from ifes_archive.archive.page.captured import ReadPage
    from ifes_archive.archive.page.joomla import DedupKey
    from ifes_archive.crawler.items import ArticleItem

logger = logging.getLogger(__name__)

#: How the refusals that are no failure begin: robots.txt rules, links out of scope.
NOT_FAILURES = ("Forbidden by robots.txt", "out of scope:")
#: Request meta of an article asked for because a public archive holds it (no crawl met it):
#: its removal is what the crawl asked to learn, not a failure.
ARCHIVED_KEY = "ifes_archived"


class IfesSpider(LinkWalker, ArticleChain, FirstContactSpider):
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
        # (article id, URL, whether only a public archive holds it)
        missing: list[tuple[int, str, bool]] = [
            (i, session.rebase(url, base), False) for i, url, base in state.known_articles()
            if ("article", i, 0) not in self._seen]
        known = {i for i, _, _ in missing}
        missing += [(i, canonical_article_url(self.base_url, i), True)
                    for i in sorted(every_held(session.folder.archived))
                    if ("article", i, 0) not in self._seen and i not in known]
        for article_id, url, archived in missing:
            self._seen.add(("article", article_id, 0))
            held = {ARCHIVED_KEY: True} if archived else {}
            self.crawler.engine.crawl(self._request(
                url, self.parse_article, cb_kwargs={"article_id": article_id, "itemid": None},
                meta={"handle_httpstatus_list": [304], **held}))
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
