"""Cookies kept within a browser's bounds: a site setting hundreds of cookies cannot make every
later request too large for the server to read.

RFC 6265 §6.1 asks a user agent to keep at least 4096 bytes per cookie (name, value and
attributes), 50 cookies per domain and 3000 in all; the crawl keeps at most that
(``COOKIES_MAX_SIZE``, ``COOKIES_MAX_PER_DOMAIN``, ``COOKIES_MAX_TOTAL``): a ``Set-Cookie`` past
them is ignored. The ``Cookie`` header sent is at most ``COOKIES_MAX_HEADER`` bytes: the cookies
past it are left off that request (servers read a header line of 8 KB at most). Each cookie
refused and each request sent with fewer cookies is a bound (:mod:`crawler.bounds`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ifes_archive.crawler.middlewares import OfflineCookiesMiddleware
from ifes_archive.crawler.traps import refuse

if TYPE_CHECKING:
    from collections.abc import Iterable
    from http.cookiejar import Cookie

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.http.cookies import CookieJar
    from typing_extensions import Self


def cookie_size(cookie: Cookie) -> int:
    """Return a cookie's size as RFC 6265 §6.1 counts it: name, value and attributes."""
    return sum(len(part or "") for part in (cookie.name, cookie.value, cookie.domain,
                                            cookie.path))


def trim_cookie_header(header: bytes, limit: int) -> tuple[bytes, int]:
    """Return the ``Cookie`` header cut to the cookies that fit in ``limit`` bytes, in the
    order the jar gave them (RFC 6265 §5.4: longer paths, then older cookies, first), and how
    many were left off."""
    pairs = header.split(b"; ")
    kept: list[bytes] = []
    size = 0
    for pair in pairs:
        size += len(pair) + (2 if kept else 0)
        if size > limit:
            break
        kept.append(pair)
    return b"; ".join(kept), len(pairs) - len(kept)


class BoundedCookiesMiddleware(OfflineCookiesMiddleware):
    """The crawl's cookie handling (:class:`crawler.middlewares.OfflineCookiesMiddleware`) with
    the jar and the header bounded."""

    max_size = max_per_domain = max_total = max_header = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = super().from_crawler(crawler)
        settings = crawler.settings
        middleware.max_size = settings.getint("COOKIES_MAX_SIZE")
        middleware.max_per_domain = settings.getint("COOKIES_MAX_PER_DOMAIN")
        middleware.max_total = settings.getint("COOKIES_MAX_TOTAL")
        middleware.max_header = settings.getint("COOKIES_MAX_HEADER")
        return middleware

    def _process_cookies(self, cookies: Iterable[Cookie], *, jar: CookieJar,
                         request: Request) -> None:
        kept: list[Cookie] = []
        refused: dict[str, int] = {}
        for cookie in cookies:
            setting = self._refusal(cookie, jar, kept)
            if setting:
                refused[setting] = refused.get(setting, 0) + 1
            else:
                kept.append(cookie)
        super()._process_cookies(kept, jar=jar, request=request)
        for setting, count in refused.items():
            refuse(self.crawler, "cookies", request.url, f"{count} cookies from one answer "
                   f"ignored past {setting}", setting)

    def _refusal(self, cookie: Cookie, jar: CookieJar, kept: list[Cookie]) -> str:
        """Return the setting whose bound ``cookie`` is past ("" when it is kept)."""
        if self.max_size and cookie_size(cookie) > self.max_size:
            return "COOKIES_MAX_SIZE"
        held = [c for c in jar.jar if not _same(c, cookie)] + kept  # a cookie replaced is not more
        if self.max_total and len(held) >= self.max_total:
            return "COOKIES_MAX_TOTAL"
        domain = cookie.domain.lstrip(".")
        if self.max_per_domain and sum(c.domain.lstrip(".") == domain for c in held) >= \
                self.max_per_domain:
            return "COOKIES_MAX_PER_DOMAIN"
        return ""

    def process_request(self, request: Request, spider: Any = None) -> Request | Response | None:
        result = super().process_request(request)
        header = request.headers.get("Cookie")
        if self.max_header and header and len(header) > self.max_header:
            trimmed, left_off = trim_cookie_header(header, self.max_header)
            request.headers["Cookie"] = trimmed
            refuse(self.crawler, "cookie-header", request.url,
                   f"{left_off} cookies left off a Cookie header over {self.max_header} bytes",
                   "COOKIES_MAX_HEADER", request=request)
            if not trimmed:
                del request.headers["Cookie"]
        return result


def _same(one: Cookie, other: Cookie) -> bool:
    """Return True when ``other`` would replace ``one`` in the jar."""
    return (one.domain.lstrip("."), one.path, one.name) == \
        (other.domain.lstrip("."), other.path, other.name)

