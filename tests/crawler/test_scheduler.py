"""The spilling scheduler (crawler/scheduler.py) in-process: what waits on disk and what not."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy import Request

from ifes_archive.crawler.scheduler import SpillingScheduler
from tests.crawler.components import open_crawler

if TYPE_CHECKING:
    from pathlib import Path


def _scheduler(tmp_path: Path, memory_max: int) -> SpillingScheduler:
    crawler = open_crawler(tmp_path / "archive", SCHEDULER_MEMORY_MAX=str(memory_max))
    crawler.engine = crawler._create_engine()  # noqa: SLF001 - the queues ask for its downloader
    scheduler = SpillingScheduler.from_crawler(crawler)
    scheduler.open(crawler.spider)
    return scheduler


def test_past_the_bound_requests_wait_on_disk_and_come_back_in_order(tmp_path: Path) -> None:
    scheduler = _scheduler(tmp_path, 5)
    urls = [f"http://127.0.0.1/listing/{n}" for n in range(12)]
    for url in urls:
        assert scheduler.enqueue_request(Request(url, dont_filter=True))
    assert len(scheduler.mqs) == 5 and len(scheduler.dqs) == 7
    assert scheduler.spill_dir is not None and scheduler.spill_dir.is_dir()
    served = []
    while (request := scheduler.next_request()) is not None:
        served.append(request.url)
    assert sorted(served) == sorted(urls)  # nothing lost, nothing doubled
    scheduler.close("finished")
    assert not scheduler.spill_dir.exists()


def test_a_request_put_ahead_stays_in_memory_while_others_are_on_disk(tmp_path: Path) -> None:
    """An article's next page or print view (priority above 0) would wait behind the whole
    memory queue on disk, its parsed pages held in memory all the while: it stays in memory,
    and is served before every request of priority 0."""
    scheduler = _scheduler(tmp_path, 3)
    for n in range(8):
        scheduler.enqueue_request(Request(f"http://127.0.0.1/listing/{n}", dont_filter=True))
    on_disk = len(scheduler.dqs)
    assert on_disk == 5
    chain = Request("http://127.0.0.1/article/1/page/2", priority=10, dont_filter=True)
    scheduler.enqueue_request(chain)
    assert len(scheduler.dqs) == on_disk and len(scheduler.mqs) == 4
    assert scheduler.next_request().url == chain.url
    scheduler.close("finished")
