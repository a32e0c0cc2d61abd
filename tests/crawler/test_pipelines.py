"""The item pipeline, in-process: items the spider made from real downloads of the mirror
become the journal and the corpus, across runs into one archive folder.

Each run is a crawler built with ``get_crawler`` (the project's settings, an archive folder),
its capture session opened and closed as a crawl does; pages are fetched by the crawl's own
capturing handler from the mirror served in this process, so records point at real captures.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import msgspec
import psutil
import pytest
from scrapy import Request
from scrapy.exceptions import DropItem, NotConfigured

from ifes_archive.archive.page import captured as captured_module
from ifes_archive.archive.page import listings as listing_module
from ifes_archive.archive.page.joomla import article_state_key
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

    def __init__(self, archive: Path, base_url: str, **settings: Any):
        self.crawler: Crawler = open_crawler(archive, base_url=base_url, **settings)
        self.spider = self.crawler.spider
        self.pipeline = ArticleRecordPipeline.from_crawler(self.crawler)
        self.pipeline.open_spider()
        self.downloader = Downloader(self.crawler)
        self.session = self.pipeline.session

    def article(self, article_id: int) -> ArticleItem:
        """Fetch an article as the spider does (pages, print view); return its item."""
        _, (item,) = follow_chain(article_request(self.spider, article_id),
                                  self.downloader.fetch)
        return item

    def put(self, item: Any) -> dict[str, Any]:
        """Hand ``item`` to the pipeline; return what leaves it: the line it journaled, as
        plain JSON (what a feed export writes)."""
        line = asyncio.run(self.pipeline.process_item(item))
        assert json.loads(json.dumps(line)) == line and line["article_id"] == item.article_id
        return line

    def put_listing(self, item: ListingItem) -> None:
        """Hand a listing page to the pipeline: journaled as evidence, and dropped quietly."""
        with pytest.raises(DropItem, match="listing page"):
            asyncio.run(self.pipeline.process_item(item))

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


def _multi_page_article() -> Any:
    return next(a for a in mirror().site.articles
                if a.page_count > 1 and a.is_public and a.id != mirror().site.seed_article.id)


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count every page this process parses (the one parser, counted where it is called)."""
    parsed: list[str] = []
    real_parse = captured_module.parse_page

    def counted(text: str) -> Any:
        parsed.append(text)
        return real_parse(text)

    monkeypatch.setattr(captured_module, "parse_page", counted)
    monkeypatch.setattr(listing_module, "parse", lambda text: counted(text).root)
    return parsed


def _record_workers() -> list[psutil.Process]:
    """Return the record workers this process started (spawned: a multiprocessing child)."""
    return [p for p in psutil.Process().children()
            if "spawn_main" in " ".join(p.cmdline())]


def _until_dead(process: psutil.Process, seconds: float = 10) -> None:
    """Wait until ``process`` is dead, leaving it to its parent to reap (multiprocessing)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if process.status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        time.sleep(0.01)
    raise AssertionError(f"{process.pid} still runs")


def test_each_page_is_decoded_and_parsed_once_between_response_and_record(
        server, tmp_path, monkeypatch) -> None:
    """Records built in the crawl's process (RECORD_WORKER off): the spider hands the pages it
    read for their links to the record builder, and the listing pages to the pipeline's
    listing reader: each page is parsed once (the one parser, counted where it is called),
    and the record is the one its bytes alone give."""
    article = _multi_page_article()
    parsed = _count_parses(monkeypatch)
    run = Run(tmp_path, server.base_url, RECORD_WORKER=False)
    assert not _record_workers()
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


def test_the_worker_builds_the_record_the_crawls_process_would(server, tmp_path,
                                                               monkeypatch) -> None:
    """Records built in the worker (RECORD_WORKER on): the crawl's process parses each page once,
    for its links, and nothing more; the worker, from the pages' bytes, gives the record the
    crawl's process gives from the spider's trees."""
    article = _multi_page_article()
    parsed = _count_parses(monkeypatch)
    run = Run(tmp_path, server.base_url, RECORD_WORKER=True)
    (worker,) = _record_workers()  # started with the pipeline, before the first article
    item = run.article(article.id)
    fetched = len(item.pages) + (item.print_page is not None)
    assert len(item.pages) == article.page_count and item.print_page is not None
    assert len(parsed) == fetched
    trees = captured_pages(item)  # the pages as the spider parsed them
    printed = captured_pages(ArticleItem(0, "", [item.print_page]))
    assert all(page.read is not None for page in [*trees, *printed])
    journaled = run.put(item)
    assert len(parsed) == fetched  # built in the worker, from the bytes
    assert _record_workers() == [worker]
    run.close()
    assert not _record_workers()  # the worker ends with the crawl
    assert not worker.is_running()
    monkeypatch.undo()
    here = build_record(article.id, run.spider.base_url, trees, print_pages=printed)
    assert here is not None and here.text
    assert msgspec.to_builtins(here) == {k: v for k, v in journaled.items() if k != "run"} | {
        "first_seen": None, "last_seen": None}


def test_a_record_the_worker_cannot_build_is_a_failure_of_the_run(server, tmp_path) -> None:
    """The builder raises in the worker: the article is a failure in the run's report, the
    state forgets its first page (the next crawl fetches it whole), and the crawl goes on."""
    seed = mirror().site.seed_article
    other = next(a for a in mirror().site.articles if a.is_public and a.id != seed.id)
    run = Run(tmp_path, server.base_url, RECORD_WORKER=True)
    item = run.article(seed.id)
    key = article_state_key(seed.id, 0)
    assert run.session.state.known(key) is not None
    with pytest.raises(DropItem, match=r"record not built: ValueError: article \d+: no pages"):
        asyncio.run(run.pipeline.process_item(replace(item, pages=[])))
    assert run.session.state.known(key) is None
    assert run.spider.failures == [{"url": item.url, "reason": (
        f"record not built: ValueError: article {seed.id}: no pages")}]
    assert run.put(run.article(other.id))["title"] == other.title  # the same worker goes on
    stats = run.close()
    assert stats["ifes/failed"] == 1 and stats["ifes/articles"] == 1
    assert [r["article_id"] for r in _corpus(tmp_path)] == [other.id]


def test_a_worker_that_dies_fails_its_record_and_the_next_starts_another(server,
                                                                        tmp_path) -> None:
    """The worker is killed: the article it was to build is a failure of the run (not lost:
    the next crawl fetches it whole), and the next article is built by a new worker."""
    seed = mirror().site.seed_article
    other = next(a for a in mirror().site.articles if a.is_public and a.id != seed.id)
    run = Run(tmp_path, server.base_url, RECORD_WORKER=True)
    item = run.article(seed.id)
    (worker,) = _record_workers()
    worker.kill()
    _until_dead(worker)
    with pytest.raises(DropItem, match="record not built: the record worker died"):
        asyncio.run(run.pipeline.process_item(item))
    assert run.session.state.known(article_state_key(seed.id, 0)) is None
    assert run.put(run.article(other.id))["title"] == other.title
    (second,) = _record_workers()
    assert second.pid != worker.pid
    stats = run.close()
    assert not _record_workers()
    assert stats["ifes/failed"] == 1 and stats["ifes/articles"] == 1
    assert [f["reason"] for f in run.spider.failures] == ["record not built: the record worker died"]
