"""Crawl policy: robots.txt as RFC 9309 says, and a scope of scheme, host and port.

:class:`Rfc9309RobotsMiddleware` replaces Scrapy's RobotsTxtMiddleware, which treats any answer
as a robots.txt (a 500 error page parses as "allow everything") and a failed fetch as allow-all.
Here (RFC 9309 §2.3.1): a 2xx is parsed (its first ``ROBOTSTXT_MAX_SIZE`` bytes, 500 KiB as §2.5
asks crawlers to read at least); a 4xx means there are no rules (allow all); a 5xx or a server
that cannot be reached means *disallow everything* — nothing of that origin is fetched while it
lasts, and robots.txt is asked for again ``ROBOTSTXT_RETRY_DELAY`` seconds later, up to
``ROBOTSTXT_RETRIES`` times; the waiting requests are neither fetched nor dropped. Only when every
retry failed are they refused, each reported as a failure. Redirects are followed (up to
``REDIRECT_MAX_TIMES``) only to ``/robots.txt`` of an origin in the crawl's scope
(:mod:`crawler.scope`): RFC 9309 §2.3.1.2 lets robots.txt redirect anywhere, but an archive's
scope comes first; a redirect not followed leaves robots.txt *unavailable*, which allows all.
Origins are keyed in their one spelling (:func:`archive.origin.origin_of`): ``x@HOST``,
``HOST:80`` and ``HOST`` share one robots.txt, asked for once. A robots.txt in UTF-16 (its byte
order mark says so) is read as text, not as UTF-8 noise that matches no rule. What each
origin's robots.txt came to is written to the WARC (a ``metadata`` record), the crawl log, the
stats and so the run's report, and kept as a :class:`RobotsPolicy` (first contact reads its
verdict there); warcinfo names the policy. A robots.txt redirected to ``/robots.txt`` of another
origin (http -> https) is that origin's robots.txt too: it is not asked for again.

:class:`ScopeMiddleware` replaces Scrapy's OffsiteMiddleware, which compares host names only: a
URL is in scope when its scheme, host and port are those of the base URL, or of a URL listed in
``SCOPE_ALSO`` (say the https twin of the site), each read by :func:`archive.origin.origin_of`
(``http://x@HOST/p``, ``http://HOST:80/p`` and ``http://host./p`` are ``http://host/p``, and are
fetched under that one spelling). A redirect that leaves the scope (another host, another port,
another scheme) is not followed: the request fails, reported, and the page it was for is not
recorded as something it is not.
"""

from __future__ import annotations

import codecs
import logging
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

from ifes_archive.archive.origin import Origin, canonical_url, origin_of
from ifes_archive.crawler.capture import TRUNCATED_OK_KEY
from ifes_archive.crawler.crawllog import (
    FIRST_CONTACT_KEY,
    OUT_OF_SCOPE,
    ROBOTS_BLOCKED,
    ROBOTS_UNAVAILABLE,
    Attempt,
    hops_of,
)
from ifes_archive.crawler.runend import sleep_unless_ended
from ifes_archive.crawler.scope import (
    ROBOTS_KEY,
    ROBOTS_PATH,
    OutOfScope,
    out_of_scope,
    scope_of,
)
from ifes_archive.crawler.session import CaptureSession

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

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


#: robots.txt in another encoding than UTF-8 (RFC 9309 §2.2 asks for UTF-8; Windows editors
#: save UTF-16 with a byte order mark), told by its byte order mark.
_BOMS = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
#: Bytes looked at for a UTF-16 robots.txt without a byte order mark (ASCII rules: every other
#: byte is NUL).
_SNIFF = 200


def robots_text(body: bytes) -> tuple[bytes, str]:
    """Return robots.txt's ``body`` as the UTF-8 the parsers read, and a note on how it was
    read (" (read as UTF-16-LE)"; "" for UTF-8). A UTF-16 robots.txt read as UTF-8 would be
    NUL-riddled text whose rules match nothing."""
    encoding = _utf16(body)
    if encoding is None:
        return body, ""
    text = body.decode(encoding, errors="replace").lstrip("\ufeff")
    return text.encode("utf-8"), f" (read as {encoding.upper()})"


def _utf16(body: bytes) -> str | None:
    """Return ``utf-16-le`` or ``utf-16-be`` when ``body`` is UTF-16 (a byte order mark, or
    NUL in every other byte), else None."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return encoding
    sample = body[:_SNIFF]
    half = len(sample) // 2
    if half and sample[1::2].count(0) == half:
        return "utf-16-le"
    if half and sample[0::2].count(0) == half:
        return "utf-16-be"
    return None


class _DisallowAll:
    """The rules of an origin whose robots.txt cannot be had: nothing may be fetched."""

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        return False

    def crawl_delay(self, user_agent: str | bytes) -> float | None:
        return None


@dataclass
class RobotsPolicy:
    """What one origin's robots.txt came to: its rules, allow all or disallow all, and why."""

    url: str
    rule: str
    """:data:`RULES`, :data:`ALLOW_ALL` or :data:`DISALLOW_ALL`."""
    why: str
    """What the run report says of it (``rules read: HTTP 200``, ``disallow all: HTTP 503``)."""
    answer: str = ""
    """robots.txt's last answer (``HTTP 503 Service Unavailable (2 attempts)``) or failure."""
    status: int | None = None
    parser: Any = None

    def allows(self, url: str, user_agent: str) -> bool:
        """Return whether ``url`` may be fetched by ``user_agent``."""
        return bool(self.parser.allowed(url, user_agent)) if self.parser is not None \
            else self.rule != DISALLOW_ALL

    def crawl_delay(self, user_agent: str) -> float | None:
        """Return robots.txt's ``Crawl-delay`` for ``user_agent``, if any."""
        return self.parser.crawl_delay(user_agent) if self.rule == RULES else None

    def as_dict(self) -> dict[str, Any]:
        """Return the policy (JSON-ready)."""
        return {"url": self.url, "rule": self.rule, "why": self.why, "answer": self.answer,
                "status": self.status}


def describe_answer(response: Any) -> str:
    """Return ``HTTP 503 Service Unavailable (2 attempts)``: a response, retries counted."""
    try:
        phrase = f" {HTTPStatus(response.status).phrase}"
    except ValueError:
        phrase = ""
    attempts = response.meta.get("retry_times", 0) + 1 if response.request is not None else 1
    return f"HTTP {response.status}{phrase}" + (f" ({attempts} attempts)" if attempts > 1 else "")


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
        self._tries: dict[Origin, int] = {}
        #: origin -> why everything is refused (robots.txt unavailable), for the refusals.
        self._unavailable: dict[Origin, str] = {}
        #: origin (``scheme://host[:port]``) -> what its robots.txt came to, once it has.
        self.policies: dict[str, RobotsPolicy] = {}
        self._answers: dict[Origin, tuple[str, int | None]] = {}

    def process_request_2(self, rp: Any, request: Request) -> None:
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest:
            origin = origin_of(request.url)
            why = self._unavailable.get(origin) if origin is not None else None
            if self.session is not None and self.session.crawl_log is not None:
                self.session.crawl_log.write(Attempt(
                    request.url, ROBOTS_UNAVAILABLE if why else ROBOTS_BLOCKED,
                    hops=hops_of(request),
                    annotations=["robots-unavailable" if why else "robots-blocked"]))
            if why:
                self._stats.inc_value("robotstxt/unavailable_refused")
                raise RobotsUnavailable(why) from None
            raise

    def _robots_request(self, url: str, origin: Origin, first_contact: bool = False,
                        ) -> Request:
        meta = {"dont_obey_robotstxt": True, "download_maxsize": self.max_size,
                TRUNCATED_OK_KEY: True, ROBOTS_KEY: str(origin)}
        if first_contact:  # asked for because of first contact's request: part of it
            meta[FIRST_CONTACT_KEY] = True
        return Request(url, priority=self.DOWNLOAD_PRIORITY, callback=NO_CALLBACK,
                       dont_filter=True, meta=meta)

    async def robot_parser(self, request: Request) -> Any:
        origin = origin_of(request.url)
        if origin is None:  # the scope middleware refuses these first; never guess an origin
            raise OutOfScope(f"{request.url}: no valid http(s) origin")
        if str(origin) not in self._parsers:  # (Scrapy's dict: keyed by the origin's spelling)
            self._parsers[str(origin)] = Deferred()
            await self._fetch(f"{origin}/robots.txt", origin, request)
        parser = self._parsers[str(origin)]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser

    async def _fetch(self, robots_url: str, origin: Origin, request: Request) -> None:
        self._tries[origin] = self._tries.get(origin, 0) + 1
        self._stats.inc_value("robotstxt/request_count")
        try:
            response = await self.crawler.engine.download_async(self._robots_request(
                robots_url, origin, bool(request.meta.get(FIRST_CONTACT_KEY))))
        except (OutOfScope, RedirectNotFollowed) as exc:  # a redirect not followed: unavailable
            self._answers[origin] = (str(exc), None)
            self._settle(origin, robots_url, self._allow_all(), f"allow all: {exc}: not "
                         "followed, robots.txt unavailable (RFC 9309 §2.3.1.2-3)")
            return
        except Exception as exc:  # noqa: BLE001 - every failure is a finding of the policy
            self._answers[origin] = (_reason(exc), None)
            await self._unreachable(robots_url, origin, request, _reason(exc))
            return
        self._answers[origin] = (describe_answer(response), response.status)
        self._stats.inc_value("robotstxt/response_count")
        self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        rule = robots_rule(response.status)
        if rule == DISALLOW_ALL:
            await self._unreachable(robots_url, origin, request, f"HTTP {response.status}")
        elif rule == ALLOW_ALL:
            # a 3xx here is a redirect not followed (too many, or no Location)
            not_followed = " not followed" if response.status < 400 else ""
            self._settle(origin, robots_url, self._allow_all(), f"allow all: HTTP "
                         f"{response.status}{not_followed} (RFC 9309 §2.3.1.2)")
        else:
            text, how = robots_text(response.body[:self.max_size])
            await self._parse_robots(response.replace(body=text), str(origin), request)
            cut = "truncated" in response.flags or len(response.body) > self.max_size
            first = f" (its first {self.max_size} bytes)" if cut else ""
            self._note(origin, robots_url, f"rules read{first}{how}: HTTP {response.status}")
            self._also_for(response.url, origin)

    def _also_for(self, url: str, origin: Origin) -> None:
        """Let robots.txt redirected to ``url``, another origin's robots.txt, stand for that
        origin too (it is that origin's robots.txt: asking again would fetch it twice)."""
        other = origin_of(url)
        if other is None or other == origin or urlsplit(url).path != ROBOTS_PATH or \
                str(other) in self._parsers:
            return
        self._parsers[str(other)] = self._parsers[str(origin)]
        self._answers[other] = self._answers[origin]
        self._note(other, url, self.policies[str(origin)].why)

    def _allow_all(self) -> Any:
        """Return the parser of an empty robots.txt: no rules."""
        return build_from_crawler(self._parserimpl, self.crawler, b"")

    async def _unreachable(self, robots_url: str, origin: Origin, request: Request,
                           why: str) -> None:
        """robots.txt could not be had: disallow everything; ask again later, or give up."""
        if self._tries[origin] <= self.retries:
            logger.warning("%s: %s; nothing is fetched from %s until it answers (asking again "
                           "in %.0f s)", robots_url, why, origin, self.retry_delay)
            self._note(origin, robots_url, f"disallow all for now: {why} (RFC 9309 §2.3.1.3)")
            if await sleep_unless_ended(self.crawler, self.retry_delay):
                await self._fetch(robots_url, origin, request)
                return
            why = f"{why}; the run ended before it was asked again"
        reason = (f"robots.txt unavailable ({why}, asked {self._tries[origin]} times): "
                  "everything disallowed (RFC 9309 §2.3.1.3)")
        self._unavailable[origin] = reason
        logger.error("%s: %s", robots_url, reason)
        self._settle(origin, robots_url, _DisallowAll(), f"disallow all: {why}")

    def _settle(self, origin: Origin, robots_url: str, parser: Any, outcome: str) -> None:
        waiting = self._parsers.get(str(origin))
        self._parsers[str(origin)] = parser
        self._note(origin, robots_url, outcome)
        if isinstance(waiting, Deferred):
            waiting.callback(parser)

    def _note(self, origin: Origin, robots_url: str, outcome: str) -> None:
        answer, status = self._answers.get(origin, ("", None))
        parser = self._parsers.get(str(origin))
        rule = DISALLOW_ALL if outcome.startswith("disallow") else \
            ALLOW_ALL if outcome.startswith("allow") else RULES
        self.policies[str(origin)] = RobotsPolicy(robots_url, rule, outcome, answer, status,
                                                  None if isinstance(parser, Deferred) else parser)
        outcomes = dict(self._stats.get_value(ROBOTS_STAT) or {})
        outcomes[origin.netloc] = outcome
        self._stats.set_value(ROBOTS_STAT, outcomes)
        if self.session is not None and self.session.failed is None:
            self.session.note(robots_url, {"ifes-robots-policy": outcome})


def robots_middleware(crawler: Crawler) -> Rfc9309RobotsMiddleware | None:
    """Return the crawl's robots.txt middleware (None: robots.txt is not obeyed)."""
    engine = crawler.engine
    middlewares = engine.downloader.middleware.middlewares if engine is not None else ()
    return next((m for m in middlewares if isinstance(m, Rfc9309RobotsMiddleware)), None)


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class ScopeMiddleware(OffsiteMiddleware):
    """Scrapy's OffsiteMiddleware with scheme, host and port compared in their one spelling
    (``SCOPE_ALSO`` widens it), a request in scope fetched under that spelling, and a refusal
    reported (a crawl-log line; a redirect or a robots.txt redirect out of scope as a failure)
    rather than dropped in silence."""

    def process_request(  # type: ignore[override]  # a downloader middleware may re-issue
            self, request: Request, spider: Any = None) -> Request | None:
        why = out_of_scope(request, scope_of(self.crawler))
        if why is None:
            return _in_one_spelling(request)
        self.stats.inc_value("offsite/filtered")
        redirected = request.meta.get("redirect_urls")
        session = self.crawler.get_extension(CaptureSession)
        if session is not None and session.crawl_log is not None:
            session.crawl_log.write(Attempt(request.url, OUT_OF_SCOPE, hops=hops_of(request),
                                            annotations=["out-of-scope"]))
        if redirected:
            raise OutOfScope(f"redirected out of scope to {request.url} "
                             f"(from {redirected[0]}): not followed ({why})")
        if request.meta.get(ROBOTS_KEY):
            raise OutOfScope(f"robots.txt request refused: {why}")
        raise IgnoreRequest(f"out of scope: {request.url}")

    def request_scheduled(self, request: Request, spider: Any) -> None:
        return  # checked once, on the way to the downloader


#: Meta flag of a request this middleware re-spelled (never re-spelled twice: no loop).
_RESPELLED = "scope_respelled"


def _in_one_spelling(request: Request) -> Request | None:
    """Return ``request`` again under its URL's one spelling (``x@HOST``, ``HOST:80`` ->
    ``host``), so the duplicate filter, robots.txt and the WARC see one URL; None when it is
    spelled so already."""
    canonical = canonical_url(request.url)
    if canonical is None or canonical == request.url or request.meta.get(_RESPELLED):
        return None
    return request.replace(url=canonical, meta={**request.meta, _RESPELLED: True})


class RedirectNotFollowed(IgnoreRequest):
    """A redirect chain ended unfollowed: a loop, or more than ``REDIRECT_MAX_TIMES`` hops (for
    robots.txt: unavailable, RFC 9309 §2.3.1.2)."""


class LoopSafeRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirects, with a loop found at its first repeat (and reported as a failure)
    rather than filtered in silence by the duplicate filter or run to REDIRECT_MAX_TIMES."""

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if _spelled(redirected.url) in {_spelled(url) for url in chain}:  # HOST:80/a is /a
            self.crawler.stats.inc_value("redirect/loop")
            raise RedirectNotFollowed(f"redirect loop: {' -> '.join([*chain, redirected.url])}")
        try:
            result = super()._redirect(redirected, request, reason)
        except IgnoreRequest as exc:  # more than REDIRECT_MAX_TIMES
            raise RedirectNotFollowed(f"{exc} ({len(chain)} redirects from {chain[0]})") from None
        result.dont_filter = True  # a chain is one fetch; the loop check above ends it
        return result


def _spelled(url: str) -> str:
    return canonical_url(url) or url
