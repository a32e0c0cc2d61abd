"""First contact with a site: robots.txt and the front page, redirects followed, and a verdict.

Every crawl starts with it, and ``ifes-archive probe`` begins with it. It asks the crawl's own
HTTP client (:class:`crawler.http11.Http11Client`) with the crawl's manners: its User-Agent and
default headers, ``DOWNLOAD_DELAY`` between requests, ``DOWNLOAD_TIMEOUT``, ``DOWNLOAD_MAXSIZE``
and the retry policy (``RETRY_TIMES``, ``RETRY_HTTP_CODES``, back-off, ``Retry-After``). robots.txt
is read by the crawl's parser (``ROBOTSTXT_PARSER``) under RFC 9309's rules: a 4xx allows
everything, a 5xx or no answer at all disallows everything, redirects are followed (five at most)
but only to ``/robots.txt`` (the path as parsed) of the same site; its first ``ROBOTSTXT_MAX_SIZE``
bytes are read and no more (RFC 9309 §2.5), UTF-16 read as such (:func:`policy.robots_text`).

A front page that redirects is followed, hop by hop, while each hop stays on the same site: same
registrable domain (the public-suffix list, as browsers judge "same site"), scheme http or https,
any port. http → https and a bare host → ``www.`` are the same site; another domain is not, and
is never contacted (nor is its robots.txt: a robots.txt redirecting there counts as unavailable):
the fetcher itself refuses, without a connection, any URL off the site of the base URL given.
Hosts are compared in their one spelling (:func:`archive.origin.origin_of`).
An IP address or a name with no public suffix (``localhost``) has no registrable domain: only
the same address is the same site, so on loopback a move to another port of 127.0.0.1 stays on
the site (as http → https on the same host would) and a move to ``localhost`` leaves it.

The verdict says whether a crawl would work and, when not, why in one line; each verdict has its
own exit status (:data:`EXIT_STATUS`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urljoin, urlsplit

from scrapy.utils.misc import load_object
from tldextract import TLDExtract

from ifes_archive.archive import origin as origins
from ifes_archive.archive.page.joomla import normalise_base_url
from ifes_archive.archive.warcs.reader import decode_body, read_http_head
from ifes_archive.crawler.http11 import Fetched, FetchError, Http11Client
from ifes_archive.crawler.middlewares import Backoff, accept_encoding, retry_after_seconds
from ifes_archive.crawler.policy import ALLOW_ALL, DISALLOW_ALL, RULES, robots_rule, robots_text
from ifes_archive.crawler.scope import ROBOTS_PATH
from ifes_archive.crawler.template import page_misses

if TYPE_CHECKING:
    from scrapy.robotstxt import RobotParser
    from scrapy.settings import BaseSettings

    from ifes_archive.archive.warcs.writer import HttpExchange

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: RFC 9309 §2.3.1.2: at least five consecutive redirects are followed; we follow no more,
#: for robots.txt and for the front page alike.
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: FetchError kinds Scrapy's RetryMiddleware retries too (connection refused, time-outs, data
#: loss, broken responses); a body over the size cap is not retried.
RETRIED_FAILURES = frozenset({"connect", "timeout", "dataloss", "protocol"})
#: The public-suffix list as tldextract ships it: no download (see OfflineCookiesMiddleware).
_DOMAINS = TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)


class Verdict(str, Enum):
    """What first contact (or the whole probe) concludes for a crawl."""

    OK = "ok"
    UNREACHABLE = "unreachable"
    BLOCKED_BY_ROBOTS = "blocked-by-robots"
    OUT_OF_SCOPE = "redirected-out-of-scope"
    NOT_TEMPLATE = "not-the-template"


#: Exit status of ``probe`` and ``crawl`` per verdict (documented in the README).
EXIT_STATUS = {
    Verdict.OK: 0,
    Verdict.UNREACHABLE: 10,
    Verdict.BLOCKED_BY_ROBOTS: 11,
    Verdict.OUT_OF_SCOPE: 12,
    Verdict.NOT_TEMPLATE: 13,
}


@dataclass
class Answer:
    """What one URL answered, retries done: a response, or why there was none."""

    url: str
    status: int | None = None
    reason: str = ""
    """The reason phrase, or what failed (connection refused, time-out...)."""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    """The entity, content coding (gzip...) removed."""
    attempts: int = 0
    truncated: bool = False
    """The body is the first bytes of a longer one (robots.txt over ``ROBOTSTXT_MAX_SIZE``)."""

    def header(self, name: str) -> str | None:
        """Return the last value of header ``name``, None when absent."""
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return values[-1] if values else None

    def describe(self) -> str:
        """Return ``HTTP 503 Service Unavailable (3 attempts)`` or the failure."""
        what = f"HTTP {self.status} {self.reason}".rstrip() if self.status else self.reason
        return what + (f" ({self.attempts} attempts)" if self.attempts > 1 else "")

    def location(self) -> str | None:
        """Return the absolute target of a redirect, None when this is no redirect."""
        target = self.header("Location") if self.status in REDIRECT_STATUSES else None
        return urljoin(self.url, target.strip()) if target and target.strip() else None

    def as_dict(self) -> dict[str, Any]:
        """Return the answer without its body (JSON-ready)."""
        return {"url": self.url, "status": self.status, "reason": self.reason,
                "attempts": self.attempts, "bytes": len(self.body), "truncated": self.truncated}


class PoliteFetcher:
    """The crawl's HTTP client with the crawl's manners; keeps every exchange it made."""

    def __init__(self, settings: BaseSettings):
        self.user_agent: str = settings.get("USER_AGENT")
        self.delay = settings.getfloat("DOWNLOAD_DELAY")
        self._timeout = settings.getfloat("DOWNLOAD_TIMEOUT")
        self._maxsize = settings.getint("DOWNLOAD_MAXSIZE")
        self._maxwire = settings.getint("DOWNLOAD_MAXWIRESIZE")
        self._retries = settings.getint("RETRY_TIMES") if settings.getbool("RETRY_ENABLED") else 0
        self._retry_codes = {int(code) for code in settings.getlist("RETRY_HTTP_CODES")}
        self._backoff = Backoff.from_settings(settings)
        # What the DefaultHeaders, UserAgent and AcceptEncoding middlewares send.
        self._headers = [(k.encode("latin-1"), str(v).encode("latin-1")) for k, v in
                         settings.getdict("DEFAULT_REQUEST_HEADERS").items()]
        self._headers.append((b"User-Agent", self.user_agent.encode("latin-1")))
        if encodings := accept_encoding(settings):
            self._headers.append((b"Accept-Encoding", encodings.encode("ascii")))
        self._client = Http11Client.from_settings(settings)
        self._last_start: float | None = None
        #: The base URL whose site (:func:`same_site`) is all this fetcher may contact; first
        #: contact sets it to the base URL given.
        self.site: str | None = None
        #: Every exchange that crossed the wire, in order, with its parsed response (None when
        #: it failed): the crawl writes them into its WARC.
        self.exchanges: list[tuple[HttpExchange, Fetched | None]] = []

    async def get(self, url: str, maxsize: int | None = None) -> Answer:
        """Return what ``url`` answers to a GET, retried as the crawl retries. With ``maxsize``
        the body is read up to that many bytes and no further (``truncated`` says it was cut);
        a URL off the site is not contacted (an answer with no status says so)."""
        if self.site is not None and not same_site(self.site, url):
            logger.warning("not contacted: %s is not on the site of %s", url, self.site)
            return Answer(url, reason=f"not contacted: not on the site of {self.site}")
        for attempt in range(self._retries + 1):
            await self._pause()
            answer, retry = await self._attempt(url, maxsize)
            answer.attempts = attempt + 1
            if not retry or attempt == self._retries:
                break
            asked = answer.header("Retry-After")
            wait = self._backoff.seconds(attempt, retry_after_seconds(
                asked.encode("latin-1") if asked else None))
            logger.info("Waiting %.1f s before asking %s again (%s)", wait, url, answer.describe())
            await asyncio.sleep(wait)
        return answer

    async def _attempt(self, url: str, maxsize: int | None) -> tuple[Answer, bool]:
        """Return what one GET of ``url`` gave, and whether the crawl would retry it."""
        try:
            fetched = await self._client.fetch(
                url, "GET", self._headers, timeout=self._timeout,
                maxsize=maxsize or self._maxsize, maxwire=self._maxwire, cut=bool(maxsize))
        except FetchError as exc:
            # Cut at ``maxsize`` (robots.txt): its first bytes are the answer, kept as one.
            cut = _cut(exc.exchange, maxsize) if exc.kind == "maxsize" and maxsize else None
            if exc.exchange is not None:
                self.exchanges.append((exc.exchange, cut))
            if cut is None:
                return Answer(url, reason=str(exc)), exc.kind in RETRIED_FAILURES
            return _answer(url, cut, truncated=True), False
        self.exchanges.append((fetched.exchange, fetched))
        if fetched.decode_problem:
            logger.warning("%s: %s", url, fetched.decode_problem)
        return _answer(url, fetched), fetched.status in self._retry_codes

    async def _pause(self) -> None:
        await asyncio.sleep(self.seconds_to_wait())
        self._last_start = time.monotonic()

    def seconds_to_wait(self) -> float:
        """Return how long the next request must still wait (``DOWNLOAD_DELAY`` since the
        last one started, as Scrapy measures it)."""
        if self._last_start is None:
            return 0.0
        return max(0.0, self._last_start + self.delay - time.monotonic())

    async def close(self) -> None:
        """Close kept-alive connections."""
        await self._client.close()


def _answer(url: str, fetched: Fetched, truncated: bool = False) -> Answer:
    return Answer(url, fetched.status, fetched.reason,
                  [(k.decode("latin-1"), v.decode("latin-1")) for k, v in fetched.headers],
                  fetched.decoded, truncated=truncated)


def _cut(exchange: HttpExchange | None, maxsize: int) -> Fetched | None:
    """Return the response of an exchange cut at ``maxsize``: its head and first bytes (None
    when it was cut inside its head)."""
    head = read_http_head([exchange.response_bytes]) if exchange is not None else None
    if exchange is None or head is None:
        return None
    body, _ = decode_body(exchange.payload, head.codings, maxsize, cut=True)
    version, _, rest = head.start_line.decode("latin-1").partition(" ")
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in head.headers]
    return Fetched(head.status, rest.partition(" ")[2].strip(), version, headers,
                   exchange.payload, exchange, body[:maxsize])


@dataclass
class RobotsPolicy:
    """The robots.txt rules in effect for one origin."""

    url: str
    rule: str
    """``rules`` (robots.txt read), ``allow-all``, ``disallow-all`` or ``ignored``."""
    why: str
    answer: Answer | None = None
    parser: RobotParser | None = None

    def allows(self, url: str, user_agent: str) -> bool:
        """Return whether ``url`` may be fetched by ``user_agent``."""
        if self.parser is not None:
            return bool(self.parser.allowed(url, user_agent))
        return self.rule != DISALLOW_ALL

    def crawl_delay(self, user_agent: str) -> float | None:
        """Return robots.txt's ``Crawl-delay`` for ``user_agent``, if any."""
        return self.parser.crawl_delay(user_agent) if self.parser is not None else None

    def as_dict(self) -> dict[str, Any]:
        """Return the policy (JSON-ready)."""
        return {"url": self.url, "rule": self.rule, "why": self.why,
                "answer": self.answer.as_dict() if self.answer else None}


def robots_policy(url: str, answer: Answer | None, parser_class: str) -> RobotsPolicy:
    """Return the policy robots.txt's final ``answer`` sets (None: robots.txt not obeyed)."""
    if answer is None:
        return RobotsPolicy(url, "ignored", "ROBOTSTXT_OBEY is off")
    rule = robots_rule(answer.status)
    if rule == RULES:
        text, how = robots_text(answer.body)
        parser = load_object(parser_class).from_crawler(None, text)
        first = " (its first bytes: cut at ROBOTSTXT_MAX_SIZE)" if answer.truncated else ""
        return RobotsPolicy(url, rule, f"{len(answer.body)} bytes read{first}{how}", answer,
                            parser)
    if rule == ALLOW_ALL and answer.location():
        # A sixth redirect, or one to another site: unavailable (RFC 9309 §2.3.1.2), like a 4xx.
        return RobotsPolicy(url, rule, f"robots.txt redirects to {answer.location()}, "
                            "not followed: unavailable, RFC 9309 allows everything", answer)
    if rule == ALLOW_ALL:
        return RobotsPolicy(url, rule, f"robots.txt answers {answer.describe()}: "
                            "RFC 9309 allows everything", answer)
    what = f"answers {answer.describe()}" if answer.status else f"failed: {answer.describe()}"
    return RobotsPolicy(url, rule, f"robots.txt {what}: RFC 9309 disallows "
                        "everything until it answers", answer)


@dataclass
class Hop:
    """One redirect on the way to the front page."""

    status: int
    url: str
    location: str

    def __str__(self) -> str:
        return f"{self.url} -> {self.location} (HTTP {self.status})"


@dataclass
class FirstContact:
    """What robots.txt and the front page said, and what it means for a crawl."""

    given: str
    """The base URL as given (normalised)."""
    base_url: str
    """Where the site is: the base URL after the front page's redirects."""
    verdict: Verdict = Verdict.OK
    reason: str = ""
    hops: list[Hop] = field(default_factory=list)
    robots: dict[str, RobotsPolicy] = field(default_factory=dict)
    """Policy per origin (``scheme://host:port``) visited."""
    front: Answer | None = None
    """The front page's last answer (the page itself, when reached)."""
    template_misses: list[str] = field(default_factory=list)
    """Parts of the known template the front page lacks (:func:`crawler.template.page_misses`)."""

    @property
    def moved(self) -> bool:
        """Whether the site answers at another base URL than the one given."""
        return self.base_url != self.given

    def as_dict(self) -> dict[str, Any]:
        """Return what was found (JSON-ready)."""
        return {"given": self.given, "base_url": self.base_url, "moved": self.moved,
                "verdict": self.verdict.value, "reason": self.reason,
                "exit_status": EXIT_STATUS[self.verdict],
                "redirects": [vars(hop) for hop in self.hops],
                "robots": {origin: p.as_dict() for origin, p in self.robots.items()},
                "front_page": self.front.as_dict() if self.front else None}


def registrable_domain(host: str) -> str:
    """Return the part of ``host`` a registrant holds (``japanstudies.ru`` for ``www.``); an IP
    address or a name without a public suffix is its own."""
    host = host.lower().strip("[]").rstrip(".")
    return _DOMAINS(host).top_domain_under_public_suffix or host


def same_site(url: str, other: str) -> bool:
    """Return whether ``other`` is on the same site as ``url``: http(s), same registrable domain."""
    a, b = origins.origin_of(url), origins.origin_of(other)
    if a is None or b is None:
        return False
    return registrable_domain(a.host) == registrable_domain(b.host)


def origin_of(url: str) -> str:
    """Return ``scheme://host:port`` of ``url`` (the robots.txt unit), port written out; the
    URL itself when it has no origin (:func:`archive.origin.origin_of`)."""
    origin = origins.origin_of(url)
    return f"{origin.scheme}://{origin.host}:{origin.port}" if origin else url


async def first_contact(base_url: str, settings: BaseSettings, fetcher: PoliteFetcher,
                        ask_again: bool = False) -> FirstContact:
    """Return what robots.txt and the front page of ``base_url`` say, redirects followed."""
    given = normalise_base_url(base_url)
    contact = FirstContact(given, given)
    fetcher.site = fetcher.site or given
    url, seen = given, {given}
    for _ in range(MAX_REDIRECTS + 1):
        policy = await _robots_for(contact, url, settings, fetcher, ask_again)
        if policy.rule == DISALLOW_ALL and policy.answer is not None:
            return _refuse(contact, Verdict.UNREACHABLE, f"{policy.url}: {policy.why}")
        if not policy.allows(url, fetcher.user_agent):
            return _refuse(contact, Verdict.BLOCKED_BY_ROBOTS,
                           f"{policy.url} disallows {url} for {fetcher.user_agent}: the site "
                           "does not want to be crawled (ask its administrator)")
        contact.front = answer = await fetcher.get(url)
        location = answer.location()
        if location is None:
            break
        contact.hops.append(Hop(answer.status or 0, url, location))
        if not same_site(given, location):
            return _refuse(contact, Verdict.OUT_OF_SCOPE, _off_site(given, location, answer))
        if location in seen:
            return _refuse(contact, Verdict.UNREACHABLE, f"redirect loop at {location}")
        url = location
        seen.add(url)
    else:
        return _refuse(contact, Verdict.UNREACHABLE, f"more than {MAX_REDIRECTS} redirects")
    if answer.status != 200:
        return _refuse(contact, Verdict.UNREACHABLE, f"{url} answers {answer.describe()}")
    contact.base_url = normalise_base_url(url)
    # Its first PAGE_MAX_PARSE bytes, as the crawl reads it: a page of a million links stays cheap.
    limit = settings.getint("PAGE_MAX_PARSE")
    contact.template_misses = page_misses(answer.body[:limit] if limit else answer.body,
                                          answer.header("Content-Type"))
    return contact


def _refuse(contact: FirstContact, verdict: Verdict, reason: str) -> FirstContact:
    contact.verdict, contact.reason = verdict, reason
    return contact


def _off_site(given: str, location: str, answer: Answer) -> str:
    host = urlsplit(location).hostname or location
    return (f"{answer.url} redirects to {location} (HTTP {answer.status}), not the site of "
            f"{given} ({host} is not under {registrable_domain(urlsplit(given).hostname or '')}): "
            f"if it is the same publisher, crawl it with --base-url {normalise_base_url(location)}")


async def _robots_for(contact: FirstContact, url: str, settings: BaseSettings,
                      fetcher: PoliteFetcher, ask_again: bool = False) -> RobotsPolicy:
    """Return (fetching it the first time) the robots.txt policy of ``url``'s origin. With
    ``ask_again`` (a crawl, not a probe), a robots.txt that disallows everything for want of an
    answer is asked again ``ROBOTSTXT_RETRIES`` times, ``ROBOTSTXT_RETRY_DELAY`` apart."""
    origin = origin_of(url)
    if origin not in contact.robots:
        robots_url = urljoin(url, "/robots.txt")
        obey = settings.getbool("ROBOTSTXT_OBEY")
        size = settings.getint("ROBOTSTXT_MAX_SIZE")
        answer = await _follow(fetcher, robots_url, contact.given, size) if obey else None
        policy = robots_policy(robots_url, answer, settings.get("ROBOTSTXT_PARSER"))
        for _ in range(settings.getint("ROBOTSTXT_RETRIES") if obey and ask_again else 0):
            if policy.rule != DISALLOW_ALL:
                break
            # Everything disallowed for now; asked again later, as the crawl would (RFC 9309).
            logger.warning("%s; asking again in %g s", policy.why,
                           settings.getfloat("ROBOTSTXT_RETRY_DELAY"))
            await asyncio.sleep(settings.getfloat("ROBOTSTXT_RETRY_DELAY"))
            answer = await _follow(fetcher, robots_url, contact.given, size)
            policy = robots_policy(robots_url, answer, settings.get("ROBOTSTXT_PARSER"))
        contact.robots[origin] = policy
        if answer is not None and urlsplit(answer.url).path == ROBOTS_PATH:
            # Redirected to another origin's robots.txt (http -> https): that origin's too.
            contact.robots.setdefault(origin_of(answer.url), policy)
    return contact.robots[origin]


async def _follow(fetcher: PoliteFetcher, url: str, site: str, maxsize: int) -> Answer:
    """Return robots.txt's answer at the end of its redirects: at most :data:`MAX_REDIRECTS`,
    each to ``/robots.txt`` (the path as parsed) on ``site``'s site (a site the user did not
    name is not contacted); its first ``maxsize`` bytes."""
    answer = await fetcher.get(url, maxsize)
    for _ in range(MAX_REDIRECTS):
        location = answer.location()
        if location is None or not same_site(site, location) or _path(location) != ROBOTS_PATH:
            break
        answer = await fetcher.get(location, maxsize)
    return answer


def _path(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:
        return ""


def run_polite(settings: BaseSettings, work: Callable[[PoliteFetcher], Awaitable[T]],
               limit: float | None = None) -> tuple[T, PoliteFetcher]:
    """Return what ``work`` gives, run with a :class:`PoliteFetcher` on an event loop of its
    own (Scrapy's reactor installs another later), and the fetcher: its exchanges, and when the
    next request may go. Raise TimeoutError when ``work`` takes over ``limit`` seconds."""
    fetcher = PoliteFetcher(settings)

    async def run() -> T:
        try:
            return await work(fetcher)
        finally:
            await fetcher.close()

    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(asyncio.wait_for(run(), limit)), fetcher
    finally:
        loop.close()


def run_first_contact(base_url: str, settings: BaseSettings, limit: float | None = None,
                      ) -> tuple[FirstContact, PoliteFetcher]:
    """Return :func:`first_contact` with ``base_url``, and the fetcher that made it; raise
    TimeoutError when it takes over ``limit`` seconds (what ``--max-time`` leaves it)."""
    return run_polite(settings, lambda fetcher: first_contact(base_url, settings, fetcher,
                                                              ask_again=True), limit)
