"""The ``ifes`` spider's callbacks, in-process, on the fixture mirror's own pages.

Each test builds the spider with ``get_crawler`` (the project's settings) and hands its
callbacks the mirror's answer to the request they made, as the engine would: the front page,
listings, a single-page and a multi-page article with their print views, Joomla's refusal
pages, failures. Where a callback reads what the capturing handler left in ``meta`` (a removal,
a 304), the request goes through that handler, into an archive folder, to the mirror served in
this process. The subprocess crawls (``test_spider.py``) say the same of a whole crawl; these
say which callback does what, in milliseconds.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Request
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from ifes_archive.archive.page.captured import PRINT_PAGE
from ifes_archive.archive.page.joomla import parse_url
from ifes_archive.archive.warcs.reader import open_records
from ifes_archive.crawler.capture import META_KEY, REVISIT_KEY, SEEN_KEY
from ifes_archive.crawler.items import ArticleItem, ListingItem, ObservedItem
from ifes_archive.crawler.middlewares import ConditionalRequestMiddleware
from ifes_archive.crawler.spider_articles import CHAIN_PRIORITY
from ifes_archive.crawler.spiders.ifes import IfesSpider
from ifes_archive.fixtures.mirror import Mirror
from ifes_archive.fixtures.model import PUBLIC_STATES
from ifes_archive.fixtures.server import MirrorServer
from tests.crawler.components import (
    BASE,
    Downloader,
    article_request,
    call,
    follow_chain,
    mirror,
    mirror_response,
    open_crawler,
    response_to,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ifes_archive.fixtures.model import Article

#: What the spider must never ask for (docs/site-profile.md, "URLs": buttons, registration, files).
NOT_CONTENT = ("emailform", "do_pdf", "com_registration", "/images/")


@pytest.fixture
def spider(monkeypatch: pytest.MonkeyPatch) -> IfesSpider:
    monkeypatch.delenv("WARC_OPERATOR", raising=False)
    return open_crawler().spider


@pytest.fixture(scope="module")
def validating() -> Iterator[MirrorServer]:
    """The mirror served in this process, with validators (a recrawl may get a 304)."""
    with MirrorServer(Mirror(mirror().site, validators=True)) as served:
        yield served


@dataclass
class Captured:
    """A spider whose requests go through the crawl's capturing handler into an archive
    folder: what it is handed carries the handler's own meta (pointer, date, revisit)."""

    archive: Path
    spider: IfesSpider
    downloader: Downloader
    revalidate: ConditionalRequestMiddleware


@pytest.fixture
def captured(validating: MirrorServer, tmp_path: Path) -> Captured:
    crawler = open_crawler(tmp_path, base_url=validating.base_url)
    return Captured(tmp_path, crawler.spider, Downloader(crawler),
                    ConditionalRequestMiddleware.from_crawler(crawler))


def _responses(archive: Path, url: str) -> list[str]:
    """Return the ids of the response records of ``url`` in the archive's WARC files."""
    ids = []
    for path in sorted((archive / "warc").iterdir()):
        with open_records(path) as records:
            ids += [r.head.id for r in records
                    if r.head.type == "response" and r.head.target_uri == url]
    return ids


def _article(pages: int) -> Article:
    return next(a for a in mirror().site.articles if a.state in PUBLIC_STATES
                and a.page_count == pages)


def _request_for(spider: IfesSpider, article: Article) -> Request:
    return article_request(spider, article.id)


def _chain(spider: IfesSpider, request: Request) -> list[Any]:
    made, out = follow_chain(request)
    return [*made, *out]


def test_start_asks_for_the_front_page_only(spider: IfesSpider) -> None:
    async def start() -> list[Request]:
        return [request async for request in spider.start()]

    (request,) = asyncio.run(start())
    # First contact asks for the front page through Scrapy's downloader (issue 21: one HTTP
    # stack); its answer is read by first contact, which hands the page reached to parse.
    assert request.url == BASE
    assert request.callback == spider._contact_answer
    assert request.errback == spider._contact_failed


def test_start_refuses_a_live_site_without_an_operator_contact(monkeypatch) -> None:
    monkeypatch.delenv("WARC_OPERATOR", raising=False)
    spider = open_crawler(base_url="http://japanstudies.ru/").spider

    async def start() -> list[Request]:
        return [request async for request in spider.start()]

    with pytest.raises(CloseSpider) as refused:
        asyncio.run(start())
    assert refused.value.reason == "no_operator_contact"


def test_the_front_page_leads_to_listings_and_articles_and_nothing_else(spider) -> None:
    out = spider.parse(mirror_response(BASE))
    requests = list(out)
    assert requests and all(isinstance(r, Request) for r in requests)  # the front page: no item
    assert all(r.url.startswith(BASE) for r in requests)
    assert not [r.url for r in requests if any(word in r.url for word in NOT_CONTENT)]
    callbacks = Counter(r.callback.__name__ for r in requests)
    assert callbacks["parse"] > 0 and callbacks["parse_article"] > 0
    articles = [r for r in requests if r.callback == spider.parse_article]
    for request in articles:  # the article the link names, asked for so a 304 reaches it
        assert parse_url(request.url, BASE).id == request.cb_kwargs["article_id"]
        assert request.meta["handle_httpstatus_list"] == [304]
    ids = [r.cb_kwargs["article_id"] for r in articles]
    assert len(ids) == len(set(ids))
    assert list(spider.parse(mirror_response(BASE))) == []  # each link is followed once


def test_a_category_table_is_listing_evidence_and_its_articles_are_asked_for(spider) -> None:
    category = mirror().site.categories[0]
    url = f"{BASE}index.php?option=com_content&task=category&sectionid={category.section}" \
          f"&id={category.id}&Itemid={category.table_itemid}"
    out = list(spider.parse(mirror_response(url)))
    (listing,) = [o for o in out if isinstance(o, ListingItem)]
    page = mirror_response(url)
    assert listing.url == url and listing.body == page.body
    assert listing.content_type == page.headers[b"Content-Type"].decode()
    asked = {r.cb_kwargs["article_id"] for r in out
             if isinstance(r, Request) and r.callback == spider.parse_article}
    filed = {a.id for a in mirror().site.articles if category.id in a.categories}
    # (The page's modules link other articles too: latest news, most read.)
    assert asked & filed
    assert sum(len(pages) for pages in spider.listing_fetches.values()) == 1


def test_a_single_page_article_is_one_item_with_its_print_view(spider) -> None:
    article = _article(pages=1)
    request = _request_for(spider, article)
    *made, item = _chain(spider, request)
    assert [r.callback.__name__ for r in made] == ["parse_print"]
    assert "index2.php" in made[0].url and "pop=1" in made[0].url
    assert made[0].priority == CHAIN_PRIORITY and made[0].dont_filter
    assert isinstance(item, ArticleItem) and item.article_id == article.id
    assert item.url == f"{BASE}index.php?option=com_content&task=view&id={article.id}"
    assert item.errors == []
    (page,) = item.pages
    sent = mirror_response(request.url)
    assert page.page == 0 and page.url == request.url and page.body == sent.body
    assert [v for k, v in page.headers if k == "Set-Cookie"] == \
        [v.decode() for v in sent.headers.getlist("Set-Cookie")]  # repeats kept, in order
    assert len(page.headers) == sum(len(sent.headers.getlist(name)) for name in sent.headers)
    assert item.print_page is not None and item.print_page.page == PRINT_PAGE
    assert item.print_page.url == made[0].url


def test_a_multi_page_article_is_fetched_in_one_chain_and_yielded_once(spider) -> None:
    article = _article(pages=3)
    *made, item = _chain(spider, _request_for(spider, article))
    assert [r.callback.__name__ for r in made] == ["parse_article_page", "parse_article_page",
                                                   "parse_print"]
    for k, request in enumerate(made[:2], start=1):
        target = parse_url(request.url, BASE)
        assert (target.id, target.limitstart, target.itemid) == (article.id, k, article.home)
        # A chain is never cut by the duplicate filter, nor answered 304 half-way.
        assert request.dont_filter and request.meta["dont_revalidate"]
        assert request.priority == CHAIN_PRIORITY
    assert [p.page for p in item.pages] == [0, 1, 2]
    assert len({p.body for p in item.pages}) == 3 and item.errors == []


def test_without_the_print_view_check_the_article_is_yielded_at_once(monkeypatch) -> None:
    monkeypatch.delenv("WARC_OPERATOR", raising=False)
    spider = open_crawler(PRINT_VIEW_CHECK=False).spider
    article = _article(pages=1)
    request = _request_for(spider, article)
    (item,) = [o for o in call(request, response_to(request)) if not isinstance(o, Request)]
    assert isinstance(item, ArticleItem) and item.print_page is None


def test_joomla_refusal_pages_are_no_articles_and_a_captured_one_is_gone(spider) -> None:
    restricted = mirror().restricted_ids()[0]
    request = _request_for(spider, mirror().site.article(restricted))
    assert [o for o in call(request, response_to(request)) if not isinstance(o, Request)] == []
    assert spider.crawler.stats.get_value("ifes/restricted") == 1


def test_a_captured_refusal_page_says_the_article_is_gone(captured: Captured) -> None:
    unpublished = mirror().site.article(mirror().unpublished_ids()[0])
    request = article_request(captured.spider, unpublished.id)
    response = captured.downloader.fetch(request)
    (seen,) = [o for o in call(request, response) if not isinstance(o, Request)]
    assert seen == ObservedItem(unpublished.id, "gone", response.meta[SEEN_KEY],
                                reason="not found page", capture=response.meta[META_KEY])
    assert seen.capture is not None and seen.seen


def test_a_page_that_is_no_article_is_reported_not_recorded(spider) -> None:
    section = mirror().site.sections[0]  # a section page: its categories, no item
    url = f"{BASE}index.php?option=com_content&task=section&id={section.id}&Itemid={section.itemid}"
    request = Request(url, callback=spider.parse_article, cb_kwargs={"article_id": 1,
                                                                       "itemid": None})
    assert [o for o in call(request, response_to(request)) if not isinstance(o, Request)] == []
    assert spider.failures == [{"url": url, "reason": "not an article page"}]


def test_a_304_is_an_observation_of_the_capture_it_confirms(captured: Captured) -> None:
    article = _article(pages=1)
    first = captured.downloader.fetch(Request(mirror().article_url(
        article.id, article.home, base_url=captured.spider.base_url)))
    request = article_request(captured.spider, article.id)
    assert captured.revalidate.process_request(request) is None  # asked with its validators
    response = captured.downloader.fetch(request)
    assert response.status == 304 and response.meta[REVISIT_KEY]
    (original,) = _responses(captured.archive, first.url)
    assert list(call(request, response)) == [
        ObservedItem(article.id, "not-modified", response.meta[SEEN_KEY], refers_to=original)]
    # A 304 that was not captured (no archive folder) says nothing of the article.
    bare = Request(request.url, callback=captured.spider.parse_article,
                   cb_kwargs=request.cb_kwargs)
    assert list(call(bare, Response(bare.url, status=304, request=bare))) == []


def _failure(exception: Exception, request: Request) -> Failure:
    failure = Failure(exception)
    failure.request = request  # as Scrapy's engine sets it before calling the errback
    return failure


def test_a_404_for_a_captured_article_is_gone_and_a_failure(captured: Captured) -> None:
    spider = captured.spider
    article = _article(pages=1)
    request = article_request(spider, article.id)
    # The article's URL answering 404, as a rewrite rule for a deleted article makes it.
    response = captured.downloader.fetch(
        request.replace(url=f"{spider.base_url}no-such-page.html"))
    assert response.status == 404
    request.meta.update(response.meta)  # what the handler left for this request
    response = response.replace(request=request)
    out = list(spider.on_error(_failure(HttpError(response), request)))
    assert out == [ObservedItem(article.id, "gone", response.meta[SEEN_KEY], reason="HTTP 404",
                                capture=response.meta[META_KEY])]
    assert spider.failures == [{"url": request.url, "reason": "HTTP 404"}]


def test_a_failed_later_page_yields_what_was_fetched_marked_incomplete(spider) -> None:
    article = _article(pages=3)
    first = _request_for(spider, article)
    (second,) = [o for o in call(first, response_to(first)) if isinstance(o, Request)
                 and o.callback == spider.parse_article_page]
    (item,) = spider.on_error(_failure(IgnoreRequest("connection lost"), second))
    assert isinstance(item, ArticleItem) and [p.page for p in item.pages] == [0]
    assert item.errors == ["page 1 of 3: IgnoreRequest: connection lost"]
    assert spider.crawler.stats.get_value("ifes/incomplete_articles") == 1


def test_a_failed_print_view_leaves_the_article_without_it(spider) -> None:
    article = _article(pages=1)
    first = _request_for(spider, article)
    (printed,) = [o for o in call(first, response_to(first)) if isinstance(o, Request)
                  and o.callback == spider.parse_print]
    response = mirror_response(f"{BASE}no-such-page.html", printed)
    (item,) = spider.on_error(_failure(HttpError(response), printed))
    assert isinstance(item, ArticleItem) and item.print_page is None and len(item.pages) == 1


def test_a_robots_txt_refusal_is_counted_not_reported_as_a_failure(spider) -> None:
    request = Request(f"{BASE}index.php?option=com_content&task=section&id=5&Itemid=59")
    assert list(spider.on_error(_failure(IgnoreRequest("Forbidden by robots.txt"), request))) == []
    assert spider.failures == [] and spider.crawler.stats.get_value("ifes/ignored") == 1
