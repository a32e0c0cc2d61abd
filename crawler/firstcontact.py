"""First contact with a site: robots.txt and the front page, redirects followed, and a verdict.

Every crawl starts with it, and ``ifes-archive probe`` begins with it. It is the spider's first
request (:class:`FirstContactSpider`), made through Scrapy's own downloader like every other: the
robots.txt middleware (:class:`crawler.policy.Rfc9309RobotsMiddleware`) asks for robots.txt
before it under RFC 9309's rules, the retry middleware retries it, the capturing handler writes
each exchange to the WARC as it comes. The crawl's other requests come from the front page's
links, so none goes out before first contact is done.

A front page that redirects is followed, hop by hop, while each hop stays on the same site
(:func:`crawler.scope.same_site`: same registrable domain, http or https, any port). http ->
https and a bare host -> ``www.`` are the same site; another domain is not, and is never
contacted: while first contact runs, the crawl's scope is the site of the base URL given
(``spider.site``), and the scope middleware and the handler refuse anything off it. Once the
front page answers 200 the site's base URL is where it answered, and the scope narrows to it.

The verdict (:mod:`crawler.verdict`) says whether a crawl would work and, when not, why in one
line; each verdict has its own exit status. A refusal closes the spider with the verdict as its
finish reason; a run that ends (``--max-time``, a signal) before first contact is done has no
verdict.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import CloseSpider

from ifes_archive.archive.origin import canonical_url, origin_of
from ifes_archive.archive.page.joomla import normalise_base_url
from ifes_archive.crawler.crawllog import FIRST_CONTACT_KEY
from ifes_archive.crawler.policy import (
    DISALLOW_ALL,
    RobotsPolicy,
    describe_answer,
    robots_middleware,
)
from ifes_archive.crawler.runend import RunEnded, closing, run_end
from ifes_archive.crawler.scope import registrable_domain, same_site
from ifes_archive.crawler.template import page_misses
from ifes_archive.crawler.verdict import EXIT_STATUS, Verdict

if TYPE_CHECKING:
    from scrapy.http import Response
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

#: RFC 9309 §2.3.1.2: at least five consecutive redirects are followed; the front page's are
#: followed no further.
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


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
    done: bool = False
    """Whether first contact came to its verdict (a run may end before)."""
    hops: list[Hop] = field(default_factory=list)
    robots: dict[str, RobotsPolicy] = field(default_factory=dict)
    """Policy per origin (``scheme://host[:port]``) visited."""
    front: Response | None = None
    """The front page's last answer (the page itself, when reached)."""
    template_misses: list[str] = field(default_factory=list)
    """Parts of the known template the front page lacks (:func:`crawler.template.page_misses`)."""

    @property
    def moved(self) -> bool:
        """Whether the site answers at another base URL than the one given."""
        return self.base_url != self.given

    def as_dict(self) -> dict[str, Any]:
        """Return what was found (JSON-ready)."""
        front = self.front
        return {"given": self.given, "base_url": self.base_url, "moved": self.moved,
                "verdict": self.verdict.value, "reason": self.reason,
                "exit_status": EXIT_STATUS[self.verdict],
                "redirects": [vars(hop) for hop in self.hops],
                "robots": {origin: p.as_dict() for origin, p in self.robots.items()},
                "front_page": {"url": front.url, "status": front.status,
                               "answer": describe_answer(front), "bytes": len(front.body)}
                if front is not None else None}


class FirstContactSpider(scrapy.Spider):
    """A spider whose first request is first contact; :meth:`site_reached` takes it from the
    front page on."""

    #: What first contact found so far (made by :meth:`first_contact_request`).
    first_contact: FirstContact | None = None
    #: While first contact runs: the base URL given, whose whole site is in scope.
    site: str | None = None

    def first_contact_request(self, base_url: str) -> scrapy.Request:
        """Return the first request of the crawl: the front page at ``base_url``."""
        given = normalise_base_url(base_url)
        self.first_contact = FirstContact(given, given)
        self.site = given
        return self._contact_request(given)

    def site_reached(self, response: Response) -> Any:
        """Return what the spider makes of the front page (first contact found the site): an
        iterable of requests and items, or a coroutine, as a callback returns."""
        raise NotImplementedError

    def note_failure(self, url: str, failure: Failure) -> None:
        """Keep a failed request of first contact (as the spider keeps its others)."""

    def _contact_request(self, url: str) -> scrapy.Request:
        # Redirects are taken hop by hop here (each judged); every status reaches the callback.
        return scrapy.Request(url, callback=self._contact_answer, errback=self._contact_failed,
                              dont_filter=True,
                              meta={"dont_redirect": True, "handle_httpstatus_all": True,
                                    FIRST_CONTACT_KEY: True})

    def _contact_answer(self, response: Response) -> Any:
        """Follow the front page's redirect on the site, or take the page: the site is there."""
        contact = self._contact()
        contact.front = response
        location = _location(response)
        if location is None and response.status != 200:
            self._refuse(Verdict.UNREACHABLE, f"{response.url} answers {describe_answer(response)}")
        if location is None:
            return self._reached(response)
        contact.hops.append(Hop(response.status, response.url, location))
        if not same_site(contact.given, location):
            self._refuse(Verdict.OUT_OF_SCOPE, _off_site(contact.given, location, response))
        if location in {contact.given, *(hop.url for hop in contact.hops)}:
            self._refuse(Verdict.UNREACHABLE, f"redirect loop at {location}")
        if len(contact.hops) > MAX_REDIRECTS:
            self._refuse(Verdict.UNREACHABLE, f"more than {MAX_REDIRECTS} redirects")
        return [self._contact_request(location)]

    def _reached(self, response: Response) -> Any:
        contact = self._contact()
        contact.base_url = normalise_base_url(response.url)
        limit = self.settings.getint("PAGE_MAX_PARSE")
        content_type = response.headers.get("Content-Type")
        # Its first PAGE_MAX_PARSE bytes, as the crawl reads it: a page of a million links
        # stays cheap.
        contact.template_misses = page_misses(
            response.body[:limit] if limit else response.body,
            content_type.decode("latin-1") if content_type else None)
        contact.robots = self._robots()
        contact.done, self.site = True, None
        return self.site_reached(response)

    def _contact_failed(self, failure: Failure) -> None:
        """Give the verdict of a front page that could not be had: robots.txt refused it, or
        the site did not answer. None when the run is ending (no verdict: cut short)."""
        request = failure.request  # type: ignore[attr-defined]
        self.note_failure(request.url, failure)
        self._contact().robots = self._robots()
        if failure.check(RunEnded) or self._ending():
            logger.warning("first contact cut short: %s", failure.getErrorMessage())
            return
        origin = origin_of(request.url)
        policy = self._contact().robots.get(str(origin)) if origin is not None else None
        if policy is not None and not policy.allows(request.url, self._user_agent()):
            if policy.rule == DISALLOW_ALL:
                self._refuse(Verdict.UNREACHABLE, f"{policy.url}: {unavailable(policy)}")
            self._refuse(Verdict.BLOCKED_BY_ROBOTS,
                         f"{policy.url} disallows {request.url} for {self._user_agent()}: the "
                         "site does not want to be crawled (ask its administrator)")
        self._refuse(Verdict.UNREACHABLE, f"{request.url}: {failure.getErrorMessage()}")

    def _refuse(self, verdict: Verdict, reason: str) -> None:
        """Give the verdict and close the spider with it."""
        contact = self._contact()
        contact.verdict, contact.reason, contact.done = verdict, reason, True
        contact.robots = self._robots()
        logger.error("not crawling: %s", reason)
        raise CloseSpider(verdict.value)

    def _contact(self) -> FirstContact:
        assert self.first_contact is not None, "first contact has not begun"
        return self.first_contact

    def _robots(self) -> dict[str, RobotsPolicy]:
        middleware = robots_middleware(self.crawler)
        if middleware is None:
            origin = origin_of(self._contact().given)
            return {str(origin): RobotsPolicy(f"{origin}/robots.txt", "ignored",
                                              "ignored: ROBOTSTXT_OBEY is off")}
        return dict(middleware.policies)

    def _user_agent(self) -> str:
        return str(self.settings.get("USER_AGENT"))

    def _ending(self) -> bool:
        ending = run_end(self.crawler)
        engine = self.crawler.engine
        return (ending is not None and ending.why is not None) or \
            (engine is not None and closing(engine))


def unavailable(policy: RobotsPolicy) -> str:
    """Return why a robots.txt that disallows everything does (RFC 9309: no answer yet)."""
    what = f"answers {policy.answer}" if policy.status else f"failed: {policy.answer}"
    return f"robots.txt {what}: RFC 9309 disallows everything until it answers"


def _location(response: Response) -> str | None:
    """Return the absolute target of a redirect in its one spelling, None for no redirect."""
    target = response.headers.get("Location") if response.status in REDIRECT_STATUSES else None
    text = target.decode("latin-1").strip() if target else ""
    if not text:
        return None
    url = response.urljoin(text)
    return canonical_url(url) or url


def _off_site(given: str, location: str, response: Response) -> str:
    host = urlsplit(location).hostname or location
    domain = registrable_domain(urlsplit(given).hostname or "")
    return (f"{response.url} redirects to {location} (HTTP {response.status}), not the site of "
            f"{given} ({host} is not under {domain}): if it is the same publisher, crawl it "
            f"with --base-url {normalise_base_url(location)}")
