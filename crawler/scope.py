"""The crawl's scope: the origins it may contact, read once, as the spider states them.

The scope is the set of :class:`~archive.origin.Origin` of the spider's base URL and of every
URL ``SCOPE_ALSO`` lists (``IfesSpider.scope``). Every component that decides whether a URL
may be fetched asks :func:`out_of_scope` here: the scope middleware (links, redirects,
robots.txt and its redirects, requisites) and, again, the capturing download handler, so that
no path can open a connection outside the scope or write such an exchange to a WARC.

A robots.txt request (``ROBOTS_KEY`` in its meta) is held to more: a redirect of it is
followed only to ``/robots.txt`` — the path as parsed, not the URL's ending — of an origin in
scope. Anything else is not followed, and robots.txt counts as unavailable (RFC 9309
§2.3.1.2 lets a crawler stop following; §2.3.1.3: unavailable means no rules).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

from ifes_archive.archive.origin import Origin, origin_of

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

#: Meta key of a robots.txt request: the origin (``scheme://host[:port]``) it is the rules of.
ROBOTS_KEY = "robots_txt_of"
#: The path of robots.txt (RFC 9309 §2.3): the only one a robots.txt redirect may lead to.
ROBOTS_PATH = "/robots.txt"


class OutOfScope(IgnoreRequest):
    """A request outside the crawl's scope (a link, a redirect, a robots.txt redirect): not
    fetched, reported."""


def scope_of(crawler: Crawler) -> frozenset[Origin]:
    """Return the origins the crawl may contact (empty: no spider with a scope, no bound)."""
    bases = getattr(crawler.spider, "scope", ()) if crawler.spider is not None else ()
    origins = (origin_of(base) for base in bases)
    return frozenset(origin for origin in origins if origin is not None)


def out_of_scope(request: Request, scope: frozenset[Origin]) -> str | None:
    """Return why ``request`` must not be fetched (its origin is not in ``scope``; a robots.txt
    request that is not for ``/robots.txt``), None when it may be."""
    if scope and origin_of(request.url) not in scope:
        return f"{request.url} is outside the crawl's scope ({_names(scope)})"
    if request.meta.get(ROBOTS_KEY) and _path(request.url) != ROBOTS_PATH:
        return f"{request.url} is not {ROBOTS_PATH}"
    return None


def _path(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:
        return ""


def _names(scope: frozenset[Origin]) -> str:
    return ", ".join(str(origin) for origin in sorted(scope))
