"""What the ``ifes`` spider's parts share: the state they read (the site's base URL, what is
scheduled, the bounds) and the small steps each takes (a request with the spider's errback,
a count in the crawl's stats, a page read within ``PAGE_MAX_PARSE``).

:class:`SpiderParts` is no Spider: the spider (:mod:`crawler.spiders.ifes`) is the one class
scrapyd lists; its link walking (:mod:`crawler.spider_links`) and article chains
(:mod:`crawler.spider_articles`) stand on this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import scrapy

from ifes_archive.crawler.session import CaptureSession
from ifes_archive.crawler.spider_reads import denied_state, read_response
from ifes_archive.crawler.traps import refuse

if TYPE_CHECKING:
    from parsel import Selector
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from ifes_archive.archive.page.captured import ReadPage
    from ifes_archive.archive.page.joomla import DedupKey


class SpiderParts:
    """The state and steps the spider's parts share (set by :class:`IfesSpider`)."""

    crawler: Crawler
    #: The site's base URL: the one given until first contact finds where the site is.
    base_url: str
    #: Base URLs of other origins in scope (SCOPE_ALSO).
    scope_also: tuple[str, ...]
    #: Bytes of a page parsed for its links (PAGE_MAX_PARSE, 0: all).
    page_max_parse: int
    #: Every request that failed: {"url", "reason"} (the run report's edge).
    failures: list[dict[str, str]]
    _seen: set[DedupKey]

    if TYPE_CHECKING:
        def on_error(self, failure: Failure) -> Any: ...

    def _session(self) -> CaptureSession | None:
        crawler = getattr(self, "crawler", None)
        return crawler.get_extension(CaptureSession) if crawler is not None else None

    def _request(self, url: str, callback: Any, **kwargs: Any) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=self.on_error, **kwargs)

    def _first_time(self, key: DedupKey) -> bool:
        """Return True (and remember *key*) when *key* was not scheduled before."""
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def _read(self, response: Response) -> ReadPage:
        """Return the page's first PAGE_MAX_PARSE bytes decoded and parsed (a cut noted)."""
        if self._cut(response):
            refuse(getattr(self, "crawler", None), "page-parse", response.url,
                   f"a page of {len(response.body)} bytes: its first {self.page_max_parse} "
                   "are read for links (the WARC keeps it whole)", "PAGE_MAX_PARSE")
        return read_response(response, self.page_max_parse)

    def _cut(self, response: Response) -> bool:
        return bool(self.page_max_parse) and len(response.body) > self.page_max_parse

    def _note_denied(self, response: Response, selector: Selector) -> str | None:
        """Return "restricted"/"not found" (counted, logged) for Joomla's HTTP-200 refusals."""
        state = denied_state(selector)
        if state is not None:
            self._stats_inc(f"ifes/{state.replace(' ', '_')}")
        return state

    def _stats_inc(self, key: str) -> None:
        stats = getattr(getattr(self, "crawler", None), "stats", None)
        if stats is not None:
            stats.inc_value(key)

    def _stats_set(self, key: str, value: Any) -> None:
        stats = getattr(getattr(self, "crawler", None), "stats", None)
        if stats is not None:
            stats.set_value(key, value)
