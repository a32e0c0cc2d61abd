"""The item pipeline, in-process: items the spider made from real downloads of the mirror
become the journal and the corpus, across runs into one archive folder.

Each run is a crawler built with ``get_crawler`` (the project's settings, an archive folder),
its capture session opened and closed as a crawl does; pages are fetched by the crawl's own
capturing handler from the mirror served in this process, so records point at real captures.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import msgspec
import pytest
from scrapy import Request
from scrapy.exceptions import DropItem, NotConfigured

from ifes_archive.archive.page import captured as captured_module
from ifes_archive.archive.page import listings as listing_module
from ifes_archive.archive.page.record import build_record
from ifes_archive.archive.warcs.reader import record_at
from ifes_archive.crawler.items import ArticleItem, ListingItem, ObservedItem
from ifes_archive.crawler.pipelines import ArticleRecordPipeline, captured_pages
from ifes_archive.fixtures.server import MirrorServer
from tests.crawler.components import (
    Downloader,
    article_request,
    close_crawler,
    follow_chain,
    make_crawler,
    mirror,
    open_crawler,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from scrapy.crawler import Crawler


@pytest.fixture(scope="module")
def server() -> Iterator[MirrorServer]:
    with MirrorServer(mirror()) as served:
        yield served


class Run:
    """One run into an archive folder: crawler, spider, pipeline and downloader, opened."""

    def __init__(self, archive: Path, base_url: str):
        self.crawler: Crawler = open_crawler(archive, base_url=base_url)
        self.spider = self.crawler.spider
        self.pipeline = ArticleRecordPipeline.from_crawler(self.crawler)
        self.pipeline.open_spider()
        self.downloader = Downloader(self.crawler)

    def article(self, article_id: int) -> ArticleItem:
        """Fetch an article as the spider does (pages, print view); return its item."""
        _, (item,) = follow_chain(article_request(self.spider, article_id),
                                  self.downloader.fetch)
        return item

    def put(self, item: Any) -> dict[str, Any]:
        """Hand ``item`` to the pipeline; return what leaves it: the line it journaled, as
        plain JSON (what a feed export writes)."""
        line = self.pipeline.process_item(item)
        assert json.loads(json.dumps(line)) == line and line["article_id"] == item.article_id
        return line

    def put_listing(self, item: ListingItem) -> None:
        """Hand a listing page to the pipeline: journaled as evidence, and dropped quietly."""
        with pytest.raises(DropItem, match="listing page"):
            self.pipeline.process_item(item)

    def close(self) -> dict[str, Any]:
        self.pipeline.close_spider()
        close_crawler(self.crawler)
        return self.crawler.stats.get_stats()


def _corpus(archive: Path) -> list[dict[str, Any]]:
    lines = (archive / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _journal(archive: Path) -> list[str]:
    return (archive / "articles.journal.jsonl").read_text(encoding="utf-8").splitlines()


def test_without_an_archive_folder_the_pipeline_is_off() -> None:
    with pytest.raises(NotConfigured, match="ARCHIVE_DIR"):
        ArticleRecordPipeline.from_crawler(make_crawler())


def test_an_article_becomes_a_record_pointing_at_its_captures(server, tmp_path) -> None:
    seed = mirror().site.seed_article
    run = Run(tmp_path, server.base_url)
    item = run.article(seed.id)
    category = mirror().site.category(seed.categories[0])
    listing_url = (f"{server.base_url}index.php?option=com_content&task=category"
                   f"&sectionid={category.section}&id={category.id}&Itemid={category.table_itemid}")
    listing = next(o for o in run.spider.parse(run.downloader.fetch(Request(listing_url)))
                   if isinstance(o, ListingItem))
    journaled = run.put(item)
    run.put_listing(listing)
    stats = run.close()
    (record,) = _corpus(tmp_path)
    assert record["article_id"] == seed.id and record["title"] == seed.title
    assert journaled["title"] == record["title"] and journaled["text"] == record["text"]
    assert record["language"] == seed.language and category.title in record["sections"]
    assert (record["version"], record["status"], record["gone"]) == (1, "current", None)
    seen = item.pages[0].seen
    assert seen and record["first_seen"] == record["last_seen"] == seen
    (capture,) = record["captures"]  # the page, as the WARC holds it
    with record_at(tmp_path / "warc" / capture["warc_filename"], capture["warc_offset"]) as warc:
        assert warc.head.id == capture["warc_record_id"] and warc.head.type == "response"
        assert warc.head.target_uri == item.pages[0].url
    assert stats["ifes/articles"] == 1 and stats["ifes/articles_new"] == 1
    assert stats["ifes/checks"]["counts"]["print-view"] == {"agree": 1}


def test_each_page_is_decoded_and_parsed_once_between_response_and_record(
        server, tmp_path, monkeypatch) -> None:
    """The spider hands the pages it read for their links to the record builder, and the
    listing pages to the pipeline's listing reader: each page is parsed once (the one parser,
    counted where it is called), and the record is the one its bytes alone give."""
    article = next(a for a in mirror().site.articles
                   if a.page_count > 1 and a.is_public and a.id != mirror().site.seed_article.id)
    parsed: list[str] = []
    real_parse = captured_module.parse_page

    def counted(text: str) -> Any:
        parsed.append(text)
        return real_parse(text)

    monkeypatch.setattr(captured_module, "parse_page", counted)
    monkeypatch.setattr(listing_module, "parse", lambda text: counted(text).root)
    run = Run(tmp_path, server.base_url)
    item = run.article(article.id)
    fetched = len(item.pages) + (item.print_page is not None)
    assert len(item.pages) == article.page_count and item.print_page is not None
    assert len(parsed) == fetched
    journaled = run.put(item)
    assert len(parsed) == fetched  # the pipeline parsed nothing again
    category = mirror().site.category(article.categories[0])
    listing_url = (f"{server.base_url}index.php?option=com_content&task=category"
                   f"&sectionid={category.section}&id={category.id}&Itemid={category.table_itemid}")
    listing = next(o for o in run.spider.parse(run.downloader.fetch(Request(listing_url)))
                   if isinstance(o, ListingItem))
    run.put_listing(listing)
    assert len(parsed) == fetched + 1
    run.close()
    monkeypatch.undo()
    base_url = run.spider.base_url
    unread = [replace(page, read=None) for page in captured_pages(item)]
    printed = replace(captured_pages(ArticleItem(0, "", [item.print_page]))[0], read=None)
    again = build_record(article.id, base_url, unread, print_pages=[printed])
    assert again is not None and again.text and list(again.flags) == journaled["flags"]
    assert msgspec.to_builtins(again) == {k: v for k, v in journaled.items() if k != "run"} | {
        "first_seen": None, "last_seen": None}


def test_the_same_article_next_run_is_a_short_line_and_one_version(server, tmp_path) -> None:
    article_id = mirror().site.seed_article.id
    first = Run(tmp_path, server.base_url)
    first.put(first.article(article_id))
    first.close()
    second = Run(tmp_path, server.base_url)
    again = second.article(article_id)
    short_line = second.put(again)
    stats = second.close()
    (record,) = _corpus(tmp_path)
    assert record["version"] == 1 and record["last_seen"] == again.pages[0].seen
    assert record["first_seen"] < record["last_seen"]
    whole, short = _journal(tmp_path)
    assert len(short) < len(whole) / 10 and json.loads(short) == short_line
    assert (stats["ifes/articles_unchanged"], stats["ifes/articles_new"]) == (1, 0)


def test_an_article_seen_gone_ends_its_version(server, tmp_path) -> None:
    article_id = mirror().site.seed_article.id
    first = Run(tmp_path, server.base_url)
    item = first.article(article_id)
    first.put(item)
    first.close()
    second = Run(tmp_path, server.base_url)
    when = "2099-01-01T00:00:00Z"  # later than the capture
    second.put(ObservedItem(article_id, "gone", when, reason="HTTP 404",
                            capture=item.pages[0].capture))
    stats = second.close()
    (record,) = _corpus(tmp_path)
    assert record["status"] != "current" and record["gone"] is not None
    assert stats["ifes/articles_gone"] == 1
