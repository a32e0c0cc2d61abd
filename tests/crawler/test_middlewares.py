"""The downloader and spider middlewares of ``crawler/middlewares.py``, in-process.

Built with ``get_crawler`` and the project's settings, as Scrapy tests its own middlewares;
requests and responses are Scrapy's own objects, the pages the fixture mirror's. Conditional
requests go through the crawl's capturing handler to the mirror served in this process, with
validators, so the crawl state they read is the one a real capture wrote.
"""

from __future__ import annotations

import asyncio
import inspect
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Request
from scrapy.exceptions import DownloadTimeoutError, NotConfigured
from scrapy.http import Response

from ifes_archive.crawler.capture import REPLAY_304_KEY, REVISIT_KEY
from ifes_archive.crawler.crawllog import HOPS_KEY
from ifes_archive.crawler.middlewares import (
    Backoff,
    BackoffRetryMiddleware,
    ConditionalRequestMiddleware,
    DiscoveryPathMiddleware,
    OfflineCookiesMiddleware,
    retry_after_seconds,
)
from ifes_archive.crawler.requisites import REQUISITE_KEY
from ifes_archive.fixtures.mirror import Mirror
from ifes_archive.fixtures.server import MirrorServer
from tests.crawler.components import (
    BASE,
    Downloader,
    make_crawler,
    mirror,
    mirror_response,
    open_crawler,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

PAGE = f"{BASE}index.php?option=com_content&task=section&id=5&Itemid=59"


# Retries that wait ---------------------------------------------------------------------------

def test_retry_after_is_read_as_seconds_or_an_http_date() -> None:
    now = datetime(2026, 11, 30, 12, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds(b"120") == 120.0
    assert retry_after_seconds(b"Mon, 30 Nov 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds(b"Mon, 30 Nov 2026 11:00:00 GMT", now) == 0.0  # in the past
    assert retry_after_seconds(b"soon") is None and retry_after_seconds(None) is None


def test_backoff_doubles_up_to_its_cap_and_caps_what_the_server_asks() -> None:
    crawler = make_crawler(RETRY_BACKOFF_BASE=2.0, RETRY_BACKOFF_MAX=5.0, RETRY_AFTER_MAX=60.0)
    policy = Backoff.from_settings(crawler.settings)
    assert [policy.seconds(n, None) for n in range(4)] == [2.0, 4.0, 5.0, 5.0]
    assert policy.seconds(0, 3600.0) == 60.0 and policy.seconds(3, 0.0) == 0.0


def _settled(result: Any) -> Any:
    """Return what a middleware method gave, awaited when it is a coroutine (the waits are
    asyncio's)."""
    return asyncio.run(result) if inspect.isawaitable(result) else result


def _retry(crawler, request: Request, response: Response) -> Request | Response:
    middleware = BackoffRetryMiddleware.from_crawler(crawler)
    return _settled(middleware.process_response(request, response))


def test_a_503_is_retried_after_the_wait_the_server_asked_for() -> None:
    crawler = open_crawler(RETRY_BACKOFF_BASE=30.0)  # not waited for: the server says 0
    request = Request(PAGE)
    retried = _retry(crawler, request, Response(PAGE, status=503, headers={"Retry-After": "0"},
                                                request=request))
    assert isinstance(retried, Request) and retried.url == PAGE
    assert retried.meta["retry_times"] == 1 and retried.dont_filter
    assert crawler.stats.get_value("retry/backoff_seconds") == 0.0
    assert crawler.stats.get_value("retry/count") == 1


def test_without_retry_after_the_wait_is_the_backoff_and_retries_end() -> None:
    crawler = open_crawler(RETRY_BACKOFF_BASE=0.01, RETRY_TIMES=2)
    request = Request(PAGE)
    answers = []
    for _ in range(3):
        result = _retry(crawler, request, Response(PAGE, status=500, request=request))
        answers.append(result)
        request = result if isinstance(result, Request) else request
    assert [type(a).__name__ for a in answers] == ["Request", "Request", "Response"]
    assert crawler.stats.get_value("retry/backoff_seconds") == pytest.approx(0.01 + 0.02)
    assert crawler.stats.get_value("retry/max_reached") == 1


def test_an_answer_that_is_no_failure_passes_and_an_exception_is_retried() -> None:
    crawler = open_crawler()
    request = Request(PAGE)
    page = mirror_response(PAGE, request)
    assert _retry(crawler, request, page) is page
    middleware = BackoffRetryMiddleware.from_crawler(crawler)
    retried = _settled(middleware.process_exception(request, DownloadTimeoutError("late")))
    assert isinstance(retried, Request) and retried.meta["retry_times"] == 1


# Cookies, offline --------------------------------------------------------------------------

def test_the_sites_cookies_are_kept_and_sent_back() -> None:
    middleware = OfflineCookiesMiddleware.from_crawler(make_crawler())
    front = Request(BASE)
    answer = mirror_response(BASE, front)
    sent = [v.decode().split("=", 1)[0] for v in answer.headers.getlist("Set-Cookie")]
    assert len(sent) == 2  # the mirror sets a session cookie and a visitor cookie
    middleware.process_response(front, answer)
    following = Request(PAGE)
    middleware.process_request(following)
    cookie = following.headers.get("Cookie").decode()
    assert sorted(pair.split("=", 1)[0] for pair in cookie.split("; ")) == sorted(sent)


# Conditional requests ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def validating() -> Iterator[MirrorServer]:
    """The mirror with ETag and Last-Modified, answering conditional requests with 304."""
    with MirrorServer(Mirror(mirror().site, validators=True)) as served:
        yield served


def test_revalidation_needs_an_archive_folder_and_can_be_switched_off(tmp_path) -> None:
    with pytest.raises(NotConfigured, match="ARCHIVE_DIR"):
        ConditionalRequestMiddleware.from_crawler(make_crawler())
    with pytest.raises(NotConfigured, match="REVALIDATE_PAGES"):
        ConditionalRequestMiddleware.from_crawler(make_crawler(tmp_path, REVALIDATE_PAGES=False))


def test_a_known_listing_is_asked_for_with_its_validators_and_its_304_replayed(
        validating, tmp_path) -> None:
    crawler = open_crawler(tmp_path, base_url=validating.base_url)
    middleware = ConditionalRequestMiddleware.from_crawler(crawler)
    downloader = Downloader(crawler)
    url = f"{validating.base_url}index.php?option=com_content&task=section&id=5&Itemid=59"
    unknown = Request(url)
    assert middleware.process_request(unknown) is None and b"If-None-Match" not in unknown.headers
    first = downloader.fetch(unknown)
    assert first.status == 200 and first.headers.get("ETag")
    again = Request(url)
    assert middleware.process_request(again) is None
    assert again.headers.get("If-None-Match") == first.headers.get("ETag")
    assert again.headers.get("If-Modified-Since") == first.headers.get("Last-Modified")
    assert again.meta[REPLAY_304_KEY] is True  # a listing: its links are still to be followed
    replayed = downloader.fetch(again)
    assert again.meta[REVISIT_KEY]  # the server said 304: kept as a revisit ...
    assert replayed.status == 200 and replayed.body == first.body  # ... answered as a cache
    assert "not-modified" in replayed.flags
    skipped = Request(url, meta={"dont_revalidate": True})
    assert middleware.process_request(skipped) is None and b"If-None-Match" not in skipped.headers


def test_a_known_article_is_asked_for_under_the_url_captured_before(validating, tmp_path) -> None:
    crawler = open_crawler(tmp_path, base_url=validating.base_url)
    middleware = ConditionalRequestMiddleware.from_crawler(crawler)
    downloader = Downloader(crawler)
    article = mirror().site.seed_article
    captured = Mirror.article_url(article.id, article.home, base_url=validating.base_url)
    downloader.fetch(Request(captured))
    other_itemid = Mirror.article_url(article.id, article.home + 1000,
                                      base_url=validating.base_url)
    moved = middleware.process_request(Request(other_itemid))
    assert isinstance(moved, Request) and moved.url == captured and moved.dont_filter
    same = Request(captured)
    assert middleware.process_request(same) is None and same.headers.get("If-None-Match")
    assert same.meta[REPLAY_304_KEY] is False  # the spider is told: unchanged, nothing to read
    assert downloader.fetch(same).status == 304


# Discovery paths ---------------------------------------------------------------------------

def test_each_request_gets_the_discovery_path_of_the_page_it_was_found_on() -> None:
    middleware = DiscoveryPathMiddleware()
    page = mirror_response(PAGE, Request(PAGE, meta={HOPS_KEY: "L", "redirect_urls": [BASE]}))
    link, embed, marked = Request(BASE), Request(f"{BASE}x.css", meta={REQUISITE_KEY: True}), \
        Request(f"{BASE}y", meta={HOPS_KEY: "LLL"})
    item = {"not": "a request"}
    out = list(middleware.process_spider_output(page, [link, embed, marked, item]))
    assert out == [link, embed, marked, item]
    assert (link.meta[HOPS_KEY], embed.meta[HOPS_KEY], marked.meta[HOPS_KEY]) == \
        ("LRL", "LRE", "LLL")

    async def through_async() -> list:
        async def source():
            yield Request(PAGE)

        return [r async for r in middleware.process_spider_output_async(page, source())]

    (request,) = asyncio.run(through_async())
    assert request.meta[HOPS_KEY] == "LRL"
