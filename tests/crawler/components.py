"""Components of the crawl built in-process, as Scrapy's own tests build theirs.

``get_crawler`` with the project's settings gives a crawler whose extensions (the capture
session among them) are built; :func:`open_crawler` adds the spider and, for an archive folder,
opens the session as ``spider_opened`` does (lock, recovery, WARC writer, crawl state).
Responses are the fixture mirror's own pages (:class:`~ifes_archive.fixtures.mirror.Mirror` is
pure: no socket), wrapped the way Scrapy would hand them to a callback; :class:`Downloader`
fetches them instead with the crawl's capturing handler from a mirror served in the test
process. Nothing here starts a reactor: ``get_crawler`` runs Scrapy reactorless when none is
installed, and the handler and the middlewares' waits are asyncio, driven with ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
from functools import cache
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from scrapy.utils.test import get_crawler

from ifes_archive.archive.page.joomla import parse_url
from ifes_archive.crawler import settings as project_settings
from ifes_archive.crawler.capture import CapturingDownloadHandler
from ifes_archive.crawler.session import CaptureSession
from ifes_archive.crawler.spiders.ifes import IfesSpider
from ifes_archive.fixtures.mirror import DEFAULT_BASE_URL, Mirror
from ifes_archive.fixtures.site import build_site

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from scrapy.crawler import Crawler
    from scrapy.http import Response

#: The mirror's own address (loopback: no operator contact is needed to crawl it).
BASE = DEFAULT_BASE_URL
#: The project's settings, as ``scrapy crawl`` reads them, with the mirror's pace.
PROJECT = {name: getattr(project_settings, name) for name in dir(project_settings)
           if name.isupper()}
MIRROR_PACE = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "RETRY_BACKOFF_BASE": 0.01,
               "LOG_LEVEL": "WARNING"}


@cache
def mirror() -> Mirror:
    """Return the default fixture mirror (180 articles, seed 1), built once."""
    return Mirror(build_site())


def make_crawler(archive: Path | None = None, **settings: Any) -> Crawler:
    """Return a crawler with the project's settings (``ARCHIVE_DIR``: ``archive``), its
    extensions built and no spider yet."""
    merged = {**PROJECT, **MIRROR_PACE, **settings}
    if archive is not None:
        merged["ARCHIVE_DIR"] = str(archive)
    return get_crawler(IfesSpider, merged)


def open_crawler(archive: Path | None = None, base_url: str = BASE, **settings: Any) -> Crawler:
    """Return a crawler with its ``ifes`` spider at ``base_url``, opened as a crawl opens it:
    the capture session's ``spider_opened`` run, so an archive folder is locked, recovered and
    open for writing (the other extensions' handlers want a running loop, and are not ours)."""
    crawler = make_crawler(archive, **settings)
    crawler.spider = crawler._create_spider(base_url=base_url)  # noqa: SLF001 - as Scrapy's tests
    session = crawler.get_extension(CaptureSession)
    if session is not None:
        session.spider_opened(crawler.spider)
    return crawler


def close_crawler(crawler: Crawler, reason: str = "finished") -> None:
    """Close the capture session as ``spider_closed`` does: it writes the run's report and lets
    go of the folder."""
    session = crawler.get_extension(CaptureSession)
    if session is not None:
        session.spider_closed(crawler.spider, reason)


def mirror_response(url: str, request: Request | None = None, **meta: Any) -> Response:
    """Return the fixture mirror's answer to a GET of ``url`` (under :data:`BASE`) as Scrapy
    hands it to a callback: its own response class, headers with repeats kept, ``meta``."""
    target = "/" + url.removeprefix(BASE)
    answer = mirror().respond("GET", target, BASE, [])
    headers = Headers()
    for name, value in answer.headers:
        headers.appendlist(name, value)
    request = request or Request(url)
    request.meta.update(meta)
    cls = responsetypes.from_args(headers=headers, url=url, body=answer.body)
    return cls(url=url, status=answer.status, headers=headers, body=answer.body, request=request)


def response_to(request: Request, **meta: Any) -> Response:
    """Return the mirror's answer to ``request`` (its URL), for the request's own callback."""
    return mirror_response(request.url, request, **meta)


def call(request: Request, response: Response) -> list[Any]:
    """Run ``request``'s callback on ``response`` as the engine does; return what it yields."""
    assert request.callback is not None
    return list(request.callback(response, **request.cb_kwargs))


def article_request(spider: IfesSpider, article_id: int) -> Request:
    """Return the spider's own request for page 0 of an article (under its home menu item),
    as a listing that links it yields it."""
    article = mirror().site.article(article_id)
    assert article is not None
    url = mirror().article_url(article.id, article.home, base_url=spider.base_url)
    request = spider._article_request(parse_url(url, spider.base_url), url)  # noqa: SLF001
    assert request is not None, f"article {article_id} was asked for already"
    return request


#: The callbacks that continue an article's chain (its later pages, then its print view).
CHAIN = ("parse_article_page", "parse_print")


def follow_chain(request: Request, answer: Callable[[Request], Response] = response_to,
                 ) -> tuple[list[Request], list[Any]]:
    """Follow an article's chain from ``request`` to its end, each request answered by
    ``answer`` (the mirror's page, or a real download); return the chained requests made on
    the way and what the last callback yielded but requests."""
    made = []
    while True:
        out = call(request, answer(request))
        chained = [o for o in out if isinstance(o, Request) and o.callback.__name__ in CHAIN]
        if not chained:
            return made, [o for o in out if not isinstance(o, Request)]
        (request,) = chained
        made.append(request)


class Downloader:
    """The crawl's capturing download handler, built from ``crawler``: :meth:`fetch` downloads
    a request from a real server (and captures it, when the crawler has an archive folder), as
    Scrapy's downloader would hand it on."""

    def __init__(self, crawler: Crawler):
        self.handler = CapturingDownloadHandler.from_crawler(crawler)

    def fetch(self, request: Request) -> Response:
        """Return Scrapy's response to ``request``, fetched over loopback."""
        response = asyncio.run(self.handler.download_request(request))
        response.request = request
        return response
