"""The crawl's scope: the origins it may contact, read once, as the spider states them.

The scope is the set of :class:`~archive.origin.Origin` of the spider's base URL and of every
URL ``SCOPE_ALSO`` lists (``IfesSpider.scope``). During first contact (:mod:`crawler.firstcontact`)
it is wider: the whole *site* of the base URL given (``spider.site``), as browsers judge "same
site" — same registrable domain by the public-suffix list, scheme http or https, any port — so
that a front page (or robots.txt) redirecting from http to https or to ``www.`` is followed, and
one redirecting to another domain is not. An IP address or a name with no public suffix
(``localhost``) has no registrable domain: only the same address is the same site.

Every component that decides whether a URL may be fetched asks :func:`out_of_scope` here: the
scope middleware (links, redirects, robots.txt and its redirects, requisites) and, again, the
capturing download handler, so that no path can open a connection outside the scope or write
such an exchange to a WARC.

A robots.txt request (``ROBOTS_KEY`` in its meta) is held to more: a redirect of it is
followed only to ``/robots.txt`` — the path as parsed, not the URL's ending — of an origin in
scope. Anything else is not followed, and robots.txt counts as unavailable (RFC 9309
§2.3.1.2 lets a crawler stop following; §2.3.1.3: unavailable means no rules).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from tldextract import TLDExtract

from ifes_archive.archive.origin import Origin, origin_of

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

#: Meta key of a robots.txt request: the origin (``scheme://host[:port]``) it is the rules of.
ROBOTS_KEY = "robots_txt_of"
#: The path of robots.txt (RFC 9309 §2.3): the only one a robots.txt redirect may lead to.
ROBOTS_PATH = "/robots.txt"
#: The public-suffix list as tldextract ships it: no download (see OfflineCookiesMiddleware).
_DOMAINS = TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)


class OutOfScope(IgnoreRequest):
    """A request outside the crawl's scope (a link, a redirect, a robots.txt redirect): not
    fetched, reported."""


@dataclass(frozen=True)
class Scope:
    """What the crawl may contact: its origins, and during first contact the whole site of
    the base URL given."""

    origins: frozenset[Origin]
    site: str | None = None
    """The base URL given, while first contact follows its redirects (else None)."""

    def holds(self, url: str) -> bool:
        """Return whether ``url`` may be contacted (no origins and no site: no bound)."""
        if self.site is not None and same_site(self.site, url):
            return True
        return not (self.origins or self.site) or origin_of(url) in self.origins

    def __str__(self) -> str:
        names = ", ".join(str(origin) for origin in sorted(self.origins))
        return f"the site of {self.site}" + (f", {names}" if names else "") if self.site \
            else names


def scope_of(crawler: Crawler) -> Scope:
    """Return what the crawl may contact (no spider with a scope: no bound)."""
    spider = crawler.spider
    bases = getattr(spider, "scope", ()) if spider is not None else ()
    origins = (origin_of(base) for base in bases)
    return Scope(frozenset(origin for origin in origins if origin is not None),
                 getattr(spider, "site", None))


def out_of_scope(request: Request, scope: Scope) -> str | None:
    """Return why ``request`` must not be fetched (its origin is not in ``scope``; a robots.txt
    request that is not for ``/robots.txt``), None when it may be."""
    if not scope.holds(request.url):
        return f"{request.url} is outside the crawl's scope ({scope})"
    if request.meta.get(ROBOTS_KEY) and _path(request.url) != ROBOTS_PATH:
        return f"{request.url} is not {ROBOTS_PATH}"
    return None


def _path(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:
        return ""


def registrable_domain(host: str) -> str:
    """Return the part of ``host`` a registrant holds (``japanstudies.ru`` for ``www.``); an IP
    address or a name without a public suffix is its own."""
    host = host.lower().strip("[]").rstrip(".")
    return _DOMAINS(host).top_domain_under_public_suffix or host


def same_site(url: str, other: str) -> bool:
    """Return whether ``other`` is on the same site as ``url``: http(s), same registrable domain
    (hosts compared in their one spelling, :func:`archive.origin.origin_of`)."""
    a, b = origin_of(url), origin_of(other)
    if a is None or b is None:
        return False
    return registrable_domain(a.host) == registrable_domain(b.host)
