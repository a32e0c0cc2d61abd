"""Page requisites: capture what the site's pages embed, so a replayed page looks like the site.

Off by default (``PAGE_REQUISITES = False``; ``ifes-archive crawl --page-requisites``). When on,
every HTML page the crawl fetches is read for what a browser would load to show it — stylesheets
(``<link rel=stylesheet>``), the favicon (``<link rel=icon>``), scripts (``<script src>``),
images (``<img src>``, ``<input type=image>``, ``background`` attributes) — and each stylesheet
for what it loads (``url(...)``, ``@import``). Those on the site's own host are fetched once, as
web archives commonly do for embedded resources, **even where robots.txt disallows their
folders** (the stock Joomla robots.txt disallows ``/templates/`` and ``/images/``, so a crawl
that obeys it replays unstyled, with broken images). Documents are not requisites: a link to a
PDF under ``/images/stories/`` stays out, and a document URL embedded anyway (``.pdf``, ``.doc``
...) is asked for under robots.txt like any other page. The option is named in every warcinfo
record and counted in the run's report.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import scrapy
from parsel import Selector
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse

from ifes_archive.archive.origin import canonical_url, origin_of

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure
    from typing_extensions import Self

logger = logging.getLogger(__name__)

SETTING = "PAGE_REQUISITES"
#: ``request.meta`` key marking a requisite (its response is not a page of the site).
REQUISITE_KEY = "page_requisite"
#: ``<link rel>`` values (any case) whose ``href`` a browser loads to show the page.
LINK_RELS = frozenset({"stylesheet", "icon"})
#: What else the page embeds: (CSS selector, attribute).
EMBEDDED = (("script", "src"), ("img", "src"), ("input[type=image]", "src"),
            ("body", "background"), ("table", "background"), ("td", "background"))
#: Office and archive formats: documents, never requisites (robots.txt decides as for pages).
DOCUMENT_SUFFIXES = (".pdf", ".doc", ".docx", ".rtf", ".odt", ".xls", ".xlsx", ".ppt", ".pptx",
                     ".zip", ".rar", ".7z", ".djvu", ".txt")
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""", re.I)
#: Requisites queue behind the pages: the crawl's articles first.
REQUISITE_PRIORITY = -10


def embedded_urls(html: str, page_url: str) -> list[str]:
    """Return the absolute URLs of what an HTML page embeds, in page order, once each."""
    selector = Selector(text=html)
    base = selector.css("base::attr(href)").get() or page_url
    found = [link.attrib.get("href", "") for link in selector.css("link")
             if LINK_RELS & set(link.attrib.get("rel", "").lower().split())]
    for css, attribute in EMBEDDED:
        found += selector.css(f"{css}::attr({attribute})").getall()
    return _absolute(found, urljoin(page_url, base))


def stylesheet_urls(css: str, sheet_url: str) -> list[str]:
    """Return the absolute URLs a stylesheet loads (``url(...)``, ``@import``), once each."""
    refs = [m.group(2) or m.group(4) for m in _CSS_URL.finditer(css)]
    return _absolute([r for r in refs if not r.startswith("data:")], sheet_url)


def is_document(url: str) -> bool:
    """Return True for a URL of an office or archive document (by its path's suffix)."""
    return urlsplit(url).path.lower().endswith(DOCUMENT_SUFFIXES)


def _absolute(refs: Iterable[str], base: str) -> list[str]:
    urls: list[str] = []
    for ref in refs:
        ref = ref.strip()
        if not ref or ref.startswith(("javascript:", "data:", "#", "mailto:")):
            continue
        url = urljoin(base, ref).split("#", 1)[0]
        if url not in urls:
            urls.append(url)
    return urls


class PageRequisitesMiddleware:
    """A spider middleware: after each HTML page (and stylesheet), requests for what it embeds
    on the site's own host (scheme, host and port of the page), each once."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.requested: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool(SETTING):
            raise NotConfigured(f"{SETTING} is off")
        return cls(crawler)

    def process_spider_output(self, response: Response, result: Iterable[Any],
                              spider: scrapy.Spider | None = None) -> Iterator[Any]:
        yield from result
        yield from self._requisites(response)

    async def process_spider_output_async(
            self, response: Response, result: AsyncIterator[Any],
            spider: scrapy.Spider | None = None) -> AsyncIterator[Any]:
        async for item in result:
            yield item
        for request in self._requisites(response):
            yield request

    def _requisites(self, response: Response) -> Iterator[scrapy.Request]:
        if response.meta.get(REQUISITE_KEY) or response.status != 200:
            return
        if isinstance(response, HtmlResponse):  # by Content-Type, or sniffed when there is none
            yield from self._requests(embedded_urls(response.text, response.url), response.url)

    def _requests(self, urls: list[str], referrer: str) -> Iterator[scrapy.Request]:
        origin = origin_of(referrer)
        for found in urls:
            url = canonical_url(found)
            if url is None or origin_of(url) != origin or url in self.requested:
                continue
            self.requested.add(url)
            document = is_document(url)
            yield scrapy.Request(
                url, callback=self.parse_requisite, errback=self.requisite_failed,
                headers={"Referer": referrer}, priority=REQUISITE_PRIORITY,
                # robots.txt is set aside for embedded resources, never for documents.
                meta={REQUISITE_KEY: True, "dont_obey_robotstxt": not document})

    def parse_requisite(self, response: Response) -> Iterator[scrapy.Request]:
        """Count a captured requisite; follow what a stylesheet loads."""
        self._stats_inc("ifes/requisites")
        if response.status == 200 and _is_stylesheet(response):
            css = response.body.decode("utf-8", "replace")
            yield from self._requests(stylesheet_urls(css, response.url), response.url)

    def requisite_failed(self, failure: Failure) -> None:
        """Count a requisite that could not be fetched (its exchange is in the WARC anyway)."""
        self._stats_inc("ifes/requisites_failed")
        logger.info("page requisite not fetched: %s (%s)", failure.request.url,  # type: ignore[attr-defined]
                    failure.getErrorMessage())

    def _stats_inc(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)


def _is_stylesheet(response: Response) -> bool:
    value = (response.headers.get("Content-Type") or b"").decode("latin-1")
    media_type = value.split(";")[0].strip().lower()
    return media_type == "text/css" or (
        not media_type and urlsplit(response.url).path.endswith(".css"))
