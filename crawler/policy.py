"""Crawl policy: robots.txt as RFC 9309 says, and a scope of scheme, host and port.

:class:`Rfc9309RobotsMiddleware` replaces Scrapy's RobotsTxtMiddleware, which treats any answer
as a robots.txt (a 500 error page parses as "allow everything") and a failed fetch as allow-all.
Here (RFC 9309 §2.3.1): a 2xx is parsed (its first ``ROBOTSTXT_MAX_SIZE`` bytes, 500 KiB as §2.5
asks crawlers to read at least); a 4xx means there are no rules (allow all); a 5xx or a server
that cannot be reached means *disallow everything* — nothing of that origin is fetched while it
lasts, and robots.txt is asked for again ``ROBOTSTXT_RETRY_DELAY`` seconds later, up to
``ROBOTSTXT_RETRIES`` times; the waiting requests are neither fetched nor dropped. Only when every
retry failed are they refused, each reported as a failure. Redirects are followed as for any
request (up to ``REDIRECT_MAX_TIMES``), anywhere on http(s), as §2.3.1.2 allows. What each
origin's robots.txt came to is written to the WARC (a ``metadata`` record), the crawl log, the
stats and so the run's report; warcinfo names the policy.

:class:`ScopeMiddleware` replaces Scrapy's OffsiteMiddleware, which compares host names only: a
URL is in scope when its scheme, host and port are those of the base URL, or of a URL listed in
``SCOPE_ALSO`` (say the https twin of the site). A redirect that leaves the scope (another host,
another port, another scheme) is not followed: the request fails, reported, and the page it
was for is not recorded as something it is not.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

from ifes_archive.archive.joomla import host_port
from ifes_archive.crawler.capture import TRUNCATED_OK_KEY
from ifes_archive.crawler.crawllog import (
    OUT_OF_SCOPE,
    ROBOTS_BLOCKED,
    ROBOTS_UNAVAILABLE,
    Attempt,
    hops_of,
)
from ifes_archive.crawler.runend import sleep_unless_ended
from ifes_archive.crawler.session import CaptureSession

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

#: Stats key: origin -> what its robots.txt came to.
ROBOTS_STAT = "ifes/robots"
#: What robots.txt's final answer comes to (RFC 9309 §2.3.1): its rules; everything allowed (it
#: is unavailable: 4xx, a redirect not followed); everything disallowed (it is unreachable: 5xx,
#: no answer).
RULES, ALLOW_ALL, DISALLOW_ALL = "rules", "allow-all", "disallow-all"


def robots_rule(status: int | None) -> str:
    """Return what a robots.txt whose final answer is HTTP ``status`` (None: no answer) allows:
    :data:`RULES`, :data:`ALLOW_ALL` or :data:`DISALLOW_ALL`. The crawl's middleware and first
    contact both read it so."""
    if status is None or status < 200 or status >= 500:
        return DISALLOW_ALL
    return RULES if status < 300 else ALLOW_ALL


class _DisallowAll:
    """The rules of an origin whose robots.txt cannot be had: nothing may be fetched."""

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        return False

    def crawl_delay(self, user_agent: str | bytes) -> float | None:
        return None


class RobotsUnavailable(IgnoreRequest):
    """robots.txt answered 5xx (or not at all) every time it was asked: nothing is fetched."""


class Rfc9309RobotsMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware with RFC 9309's reading of status codes and failures."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        settings = crawler.settings
        self.retry_delay = settings.getfloat("ROBOTSTXT_RETRY_DELAY")
        self.retries = settings.getint("ROBOTSTXT_RETRIES")
        self.max_size = settings.getint("ROBOTSTXT_MAX_SIZE")
        self.session = crawler.get_extension(CaptureSession)
        self._tries: dict[str, int] = {}
        #: netloc -> why everything is refused (robots.txt unavailable), for the refusals.
        self._unavailable: dict[str, str] = {}

    def process_request_2(self, rp: Any, request: Request) -> None:
        netloc = urlparse_cached(request).netloc
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest:
            why = self._unavailable.get(netloc)
            if self.session is not None and self.session.crawl_log is not None:
                self.session.crawl_log.write(Attempt(
                    request.url, ROBOTS_UNAVAILABLE if why else ROBOTS_BLOCKED,
                    hops=hops_of(request),
                    annotations=["robots-unavailable" if why else "robots-blocked"]))
            if why:
                self._stats.inc_value("robotstxt/unavailable_refused")
                raise RobotsUnavailable(why) from None
            raise

    def _robots_request(self, url: str) -> Request:
        return Request(url, priority=self.DOWNLOAD_PRIORITY, callback=NO_CALLBACK,
                       dont_filter=True,
                       meta={"dont_obey_robotstxt": True, "download_maxsize": self.max_size,
                             TRUNCATED_OK_KEY: True})

    async def robot_parser(self, request: Request) -> Any:
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc not in self._parsers:
            self._parsers[netloc] = Deferred()
            await self._fetch(f"{url.scheme}://{netloc}/robots.txt", netloc, request)
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser

    async def _fetch(self, robots_url: str, netloc: str, request: Request) -> None:
        self._tries[netloc] = self._tries.get(netloc, 0) + 1
        self._stats.inc_value("robotstxt/request_count")
        try:
            response = await self.crawler.engine.download_async(self._robots_request(robots_url))
        except Exception as exc:  # noqa: BLE001 - every failure is a finding of the policy
            await self._unreachable(robots_url, netloc, request, _reason(exc))
            return
        self._stats.inc_value("robotstxt/response_count")
        self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        rule = robots_rule(response.status)
        if rule == DISALLOW_ALL:
            await self._unreachable(robots_url, netloc, request, f"HTTP {response.status}")
        elif rule == ALLOW_ALL:
            # a 3xx here is a redirect not followed (too many, or no Location)
            not_followed = " not followed" if response.status < 400 else ""
            self._settle(netloc, robots_url, self._allow_all(), f"allow all: HTTP "
                         f"{response.status}{not_followed} (RFC 9309 §2.3.1.2)")
        else:
            await self._parse_robots(_first(response, self.max_size), netloc, request)
            cut = "truncated" in response.flags or len(response.body) > self.max_size
            first = f" (its first {self.max_size} bytes)" if cut else ""
            self._note(netloc, robots_url, f"rules read{first}: HTTP {response.status}")

    def _allow_all(self) -> Any:
        """Return the parser of an empty robots.txt: no rules."""
        return build_from_crawler(self._parserimpl, self.crawler, b"")

    async def _unreachable(self, robots_url: str, netloc: str, request: Request,
                           why: str) -> None:
        """robots.txt could not be had: disallow everything; ask again later, or give up."""
        if self._tries[netloc] <= self.retries:
            logger.warning("%s: %s; nothing is fetched from %s until it answers (asking again "
                           "in %.0f s)", robots_url, why, netloc, self.retry_delay)
            self._note(netloc, robots_url, f"disallow all for now: {why} (RFC 9309 §2.3.1.3)")
            if await sleep_unless_ended(self.crawler, self.retry_delay):
                await self._fetch(robots_url, netloc, request)
                return
            why = f"{why}; the run ended before it was asked again"
        reason = (f"robots.txt unavailable ({why}, asked {self._tries[netloc]} times): "
                  "everything disallowed (RFC 9309 §2.3.1.3)")
        self._unavailable[netloc] = reason
        logger.error("%s: %s", robots_url, reason)
        self._settle(netloc, robots_url, _DisallowAll(), f"disallow all: {why}")

    def _settle(self, netloc: str, robots_url: str, parser: Any, outcome: str) -> None:
        waiting = self._parsers.get(netloc)
        self._parsers[netloc] = parser
        self._note(netloc, robots_url, outcome)
        if isinstance(waiting, Deferred):
            waiting.callback(parser)

    def _note(self, netloc: str, robots_url: str, outcome: str) -> None:
        outcomes = dict(self._stats.get_value(ROBOTS_STAT) or {})
        outcomes[netloc] = outcome
        self._stats.set_value(ROBOTS_STAT, outcomes)
        if self.session is not None and self.session.failed is None:
            self.session.note(robots_url, {"ifes-robots-policy": outcome})


def _first(response: Response, size: int) -> Response:
    return response.replace(body=response.body[:size]) if len(response.body) > size else response


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def origin_of(url: str) -> tuple[str, str, int | None]:
    """Return (scheme, host, port) of ``url``, the port filled in for http and https."""
    parts = urlsplit(url)
    return (parts.scheme.lower(), *host_port(parts))


class OutOfScope(IgnoreRequest):
    """A redirect left the crawl's scope: not followed, reported."""


class ScopeMiddleware(OffsiteMiddleware):
    """Scrapy's OffsiteMiddleware with scheme, host and port compared (``SCOPE_ALSO`` widens it),
    and a redirect out of scope reported as a failure rather than dropped in silence."""

    def process_request(self, request: Request, spider: Any = None) -> None:
        if request.meta.get("dont_obey_robotstxt") and request.url.endswith("/robots.txt"):
            return  # RFC 9309 §2.3.1.2: robots.txt redirects are followed wherever they go
        origins = {origin_of(base) for base in getattr(self.crawler.spider, "scope", ())}
        if not origins or origin_of(request.url) in origins:
            return
        self.stats.inc_value("offsite/filtered")
        redirected = request.meta.get("redirect_urls")
        session = self.crawler.get_extension(CaptureSession)
        if session is not None and session.crawl_log is not None:
            session.crawl_log.write(Attempt(request.url, OUT_OF_SCOPE, hops=hops_of(request),
                                            annotations=["out-of-scope"]))
        if redirected:
            raise OutOfScope(f"redirected out of scope to {request.url} "
                             f"(from {redirected[0]}): not followed")
        raise IgnoreRequest(f"out of scope: {request.url}")

    def request_scheduled(self, request: Request, spider: Any) -> None:
        return  # checked once, on the way to the downloader


class LoopSafeRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirects, with a loop found at its first repeat (and reported as a failure)
    rather than filtered in silence by the duplicate filter or run to REDIRECT_MAX_TIMES."""

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if redirected.url in chain:
            self.crawler.stats.inc_value("redirect/loop")
            raise IgnoreRequest(f"redirect loop: {' -> '.join([*chain, redirected.url])}")
        result = super()._redirect(redirected, request, reason)
        result.dont_filter = True  # a chain is one fetch; the loop check above ends it
        return result
