"""Downloader middlewares: retries that wait, conditional requests, cookies without a network fetch.

Retries that wait: exponential back-off, and the server's own ``Retry-After`` when it gives one.

Scrapy's RetryMiddleware re-queues a failed request at once; a small server that answered 503
needs a pause. :class:`BackoffRetryMiddleware` asks Scrapy's RetryMiddleware (its codes,
exceptions, ``max_retry_times``, ``dont_retry``) whether to retry and only waits before handing
the retry back: ``Retry-After`` (seconds or an HTTP date) for the response that carried it, else
``RETRY_BACKOFF_BASE * 2**attempt`` capped at ``RETRY_BACKOFF_MAX``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.downloadermiddlewares import cookies as cookies_module
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from tldextract import TLDExtract

from ifes_archive.archive.warcs.codings import SUPPORTED_CODINGS
from ifes_archive.crawler.capture import REPLAY_304_KEY
from ifes_archive.crawler.crawllog import HOPS_KEY, hops_of
from ifes_archive.crawler.requisites import REQUISITE_KEY
from ifes_archive.crawler.runend import NOT_FETCHED, RunEnded, sleep_unless_ended
from ifes_archive.crawler.session import CaptureSession

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings
    from typing_extensions import Self

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | None, now: datetime | None = None) -> float | None:
    """Return the wait a ``Retry-After`` value asks for, or None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True)
class Backoff:
    """How long to wait before a retry: ``RETRY_BACKOFF_BASE * 2**attempt`` capped at
    ``RETRY_BACKOFF_MAX``, or what the server asked for, capped at ``RETRY_AFTER_MAX``."""

    base: float
    cap: float
    #: A Retry-After beyond this is cut to it (a crawl should not hang for a day).
    asked_cap: float

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Backoff:
        """Return the policy the settings ask for."""
        return cls(settings.getfloat("RETRY_BACKOFF_BASE"), settings.getfloat("RETRY_BACKOFF_MAX"),
                   settings.getfloat("RETRY_AFTER_MAX"))

    def seconds(self, attempt: int, asked: float | None) -> float:
        """Return the wait before retry number ``attempt + 1`` (``asked``: a Retry-After)."""
        if asked is not None:
            return min(asked, self.asked_cap)
        return min(self.base * 2**attempt, self.cap)


class BackoffRetryMiddleware:
    """Scrapy's retry rules (its RetryMiddleware decides), with a wait before each retry.

    Scrapy's own RetryMiddleware is switched off in the settings and used here, not subclassed:
    its methods are synchronous, and these wait (coroutines, as Scrapy allows middlewares).
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.retry = RetryMiddleware.from_crawler(crawler)  # NotConfigured: RETRY_ENABLED off
        self.policy = Backoff.from_settings(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_response(self, request: Request, response: Response,
                               ) -> Request | Response:
        result = self.retry.process_response(request, response)
        if result is not response:
            asked = retry_after_seconds(response.headers.get(b"Retry-After"))
            await self._wait(request, asked)
        return result

    async def process_exception(self, request: Request, exception: Exception,
                                ) -> Request | Response | None:
        result = self.retry.process_exception(request, exception)
        if result is not None:
            await self._wait(request, None)
        return result

    def backoff(self, request: Request, asked: float | None) -> float:
        """Return how long to wait before retrying ``request``."""
        return self.policy.seconds(request.meta.get("retry_times", 0), asked)

    async def _wait(self, request: Request, asked: float | None) -> None:
        """Wait before the retry; raise RunEnded when the run ends meanwhile (the request is
        then not fetched: the run's failures list it, the next run takes it up)."""
        delay = self.backoff(request, asked)
        if self.crawler.stats is not None:
            # Seconds waited, fractions kept (Scrapy types the count as int; any number adds).
            self.crawler.stats.inc_value("retry/backoff_seconds", delay)  # type: ignore[arg-type]
        if delay > 0:
            logger.info("Waiting %.1f s before retrying %s", delay, request.url)
            if not await sleep_unless_ended(self.crawler, delay):
                what = f"Retry-After {asked:g} s" if asked is not None else f"back-off {delay:g} s"
                raise RunEnded(f"{NOT_FETCHED} while it waited ({what})")


class OfflineCookiesMiddleware(CookiesMiddleware):
    """Scrapy's cookie handling, with the public-suffix list read from tldextract's bundled copy.

    Scrapy's CookiesMiddleware builds a ``TLDExtract`` that downloads the public-suffix list on
    first use. A crawl of one known host does not need a fresh list, and the crawler must run
    (and be tested) without internet access, so the lookup is pointed at the snapshot that
    tldextract ships (``suffix_list_urls=()``).
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        cookies_module._split_domain = TLDExtract(  # noqa: SLF001 - no public hook exists
            suffix_list_urls=(), include_psl_private_domains=True)
        return super().from_crawler(crawler)


class ConditionalRequestMiddleware:
    """Asks for known pages conditionally: ``If-None-Match`` / ``If-Modified-Since``.

    A page whose last full capture carried an ``ETag`` or ``Last-Modified`` is asked for with
    them, so an unchanged page costs the server a 304. The first page of an article is asked for
    under the URL captured before (same article, other Itemid); its 304 reaches the spider as a
    304 (nothing to fetch or build). Any other page's 304 — a listing, whose links must still be
    followed; robots.txt — reaches Scrapy as the capture it confirms (``REPLAY_304_KEY``), as an
    HTTP cache would answer. Needs the capture session's crawl state (``ARCHIVE_DIR``);
    ``REVALIDATE_PAGES = False`` switches it off; ``meta["dont_revalidate"]`` skips one request.
    """

    def __init__(self, session: CaptureSession):
        self.session = session

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("REVALIDATE_PAGES"):
            raise NotConfigured("REVALIDATE_PAGES is off")
        session = crawler.get_extension(CaptureSession)
        if session is None:
            raise NotConfigured("no archive folder (ARCHIVE_DIR): no crawl state to revalidate "
                                "against")
        return cls(session)

    def process_request(self, request: Request, spider: object = None) -> Request | None:
        """Add the validators of the last capture of the page."""
        state = self.session.state
        if state is None or request.meta.get("dont_revalidate") or \
                request.method not in ("GET", "HEAD"):
            return None
        key = self.session.key(request.url)
        known = state.known(key)
        if known is None or known.status != 200:
            return None
        article = key.startswith("article:")
        # At the site's address now (it may have moved since that capture).
        known_url = self.session.rebase(known.pointer.target_uri, known.base_url)
        if article and known_url != request.url:
            # Same article, reached through another menu item (Itemid) this time: ask for the
            # URL captured before, so an unchanged page is recognised as unchanged.
            return request.replace(url=known_url, dont_filter=True)
        if known.etag:
            request.headers.setdefault(b"If-None-Match", known.etag.encode("latin-1"))
        if known.last_modified:
            request.headers.setdefault(b"If-Modified-Since", known.last_modified.encode("latin-1"))
        request.meta.setdefault(REPLAY_304_KEY, not article)
        return None


def accept_encoding(settings: BaseSettings) -> str:
    """Return the ``Accept-Encoding`` the crawl sends ("" for none); ValueError when the
    ``ACCEPT_ENCODING`` setting names a coding the WARC reader cannot decode."""
    if not settings.getbool("COMPRESSION_ENABLED"):
        return ""
    value = settings.get("ACCEPT_ENCODING") or ""
    names = [item.split(";")[0].strip().lower() for item in value.split(",")]
    unreadable = [n for n in names if n and n != "identity" and n not in SUPPORTED_CODINGS]
    if unreadable:
        raise ValueError(f"ACCEPT_ENCODING asks for {', '.join(unreadable)}: the WARC reader "
                         f"decodes {', '.join(SUPPORTED_CODINGS)}")
    return value


class AcceptEncodingMiddleware:
    """Asks for the content codings of the ``ACCEPT_ENCODING`` setting, all of which the
    capturing handler and the offline rebuild decode (one decoder, :mod:`archive.warcs.codings`).

    In place of Scrapy's ``HttpCompressionMiddleware``, whose list follows the installed Scrapy
    (``gzip, deflate, br, zstd`` in 2.19), not the decoder or what replay tools read. The
    handler undoes the coding before Scrapy sees the response, so nothing is left for Scrapy's
    middleware to decode. ``COMPRESSION_ENABLED = False`` switches it off, as it does Scrapy's.
    """

    def __init__(self, value: str):
        self.header = value.encode("ascii")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        value = accept_encoding(crawler.settings)
        if not value:
            raise NotConfigured("no content coding asked for (COMPRESSION_ENABLED, "
                                "ACCEPT_ENCODING)")
        return cls(value)

    def process_request(self, request: Request, spider: object = None) -> None:
        """Add ``Accept-Encoding`` unless the request has one."""
        request.headers.setdefault(b"Accept-Encoding", self.header)


class DiscoveryPathMiddleware:
    """A spider middleware giving each request its discovery path, as Heritrix writes it: the
    path of the page it was found on (with that page's redirects), then ``L`` for a link or
    ``E`` for an embedded resource (a page requisite). The seed has none."""

    def process_spider_output(self, response: Response, result: Iterable[Any],
                              spider: object = None) -> Iterator[Any]:
        for item in result:
            yield self._mark(response, item)

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any],
                                          spider: object = None) -> AsyncIterator[Any]:
        async for item in result:
            yield self._mark(response, item)

    @staticmethod
    def _mark(response: Response, item: Any) -> Any:
        if isinstance(item, Request) and HOPS_KEY not in item.meta:
            hop = "E" if item.meta.get(REQUISITE_KEY) else "L"
            item.meta[HOPS_KEY] = hops_of(response.request) + hop if response.request else hop
        return item
