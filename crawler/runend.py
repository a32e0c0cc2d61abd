"""The end of a run: what is waiting gives way when the crawl closes, so time bounds hold.

Scrapy closes a spider (``--max-time``, SIGTERM, any CloseSpider) by waiting for every request
in progress, and a request in progress may be waiting a long time: on a server's
``Retry-After`` (up to ``RETRY_AFTER_MAX``, 600 s), on robots.txt asked again
(``ROBOTSTXT_RETRY_DELAY``, 120 s, five times), for its turn in a download slot (the download
delay, which AutoThrottle raises to 60 s), or on a slow answer (``DOWNLOAD_TIMEOUT``). The
:class:`RunEnd` extension notices the close as it begins and then

- wakes every wait made through :func:`sleep_unless_ended` (the retry back-off, robots.txt);
- drops the requests queued in the downloader's slots;
- gives the downloads under way :data:`END_GRACE` seconds, then cancels them.

Each request so cut fails with :class:`RunEnded` ("not fetched: the run ended ..."): the spider
lists it among the run's failures, a page of a multi-page article makes its record incomplete,
and the next crawl into the same folder fetches them (nothing of them is in the crawl state).

``--max-time`` counts from when ``ifes-archive crawl`` began (``CRAWL_STARTED_AT``), first
contact included, so a slow first contact does not add to it; Scrapy's CloseSpider timer, which
counts from the spider's opening, stays as the bound under plain ``scrapy crawl``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any, TypeVar

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.exceptions import IgnoreRequest

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from scrapy.core.engine import ExecutionEngine
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: How often the extension looks whether the close has begun (Scrapy signals no start of it).
POLL = 0.25
#: Seconds a download under way may still finish once the run ends: a page of the site comes
#: in well under a second, so most finish and are archived; a stalled one does not hold the
#: run past its bound (the target: the process gone by --max-time + 10 s, of which closing the
#: archive and writing the reports take a few).
END_GRACE = 2.0
#: How each kind of cut request's failure begins (the run report lists it).
NOT_FETCHED = "not fetched: the run ended"


class RunEnded(IgnoreRequest):
    """A request the end of the run left unfetched; the message says what it waited on."""


class RunEnd:
    """Wakes the run's waits, drops its queued requests and cuts its downloads when it ends."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        #: Why the run ended (None while it runs).
        self.why: str | None = None
        self._waits: set[asyncio.Future[bool]] = set()
        self._fetches: set[asyncio.Future[Any]] = set()
        self._watch: asyncio.Task[None] | None = None
        self._closing: asyncio.Future[None] | None = None  # the close --max-time began
        started = crawler.settings.getfloat("CRAWL_STARTED_AT")
        limit = crawler.settings.getfloat("CLOSESPIDER_TIMEOUT")
        self._deadline = started + limit if started and limit else None
        crawler.signals.connect(self._opened, signal=signals.spider_opened)
        crawler.signals.connect(self._closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    # Noticing the end -----------------------------------------------------------------------

    def _opened(self) -> None:
        # An asyncio task, not a Twisted LoopingCall: Scrapy may run without a reactor.
        self._watch = asyncio.ensure_future(self._watching())

    def _closed(self) -> None:
        if self._watch is not None and not self._watch.done():
            self._watch.cancel()

    async def _watching(self) -> None:
        while self.why is None:
            await asyncio.sleep(POLL)
            self._check()

    def _check(self) -> None:
        engine = self.crawler.engine
        if self._deadline is not None and time.time() >= self._deadline and engine is not None \
                and not closing(engine):
            logger.info("--max-time reached (counted from the start of first contact)")
            self._closing = asyncio.ensure_future(
                engine.close_spider_async(reason="closespider_timeout"))
        if engine is not None and closing(engine):
            self.end("the spider is closing")

    def end(self, why: str) -> None:
        """End the run's waits now, its downloads after :data:`END_GRACE` seconds."""
        if self.why is not None:
            return
        self.why = why
        for wait in self._waits:
            if not wait.done():
                wait.set_result(False)
        self._drop_queued()
        asyncio.get_event_loop().call_later(END_GRACE, self._cut_fetches)

    def _drop_queued(self) -> None:
        """Fail every request waiting for its turn in a download slot."""
        engine = self.crawler.engine
        for slot in (engine.downloader.slots.values() if engine is not None else ()):
            while slot.queue:
                _request, turn = slot.queue.popleft()
                delay = slot.download_delay()
                turn.errback(RunEnded(f"{NOT_FETCHED} while it waited for its turn "
                                      f"(download delay {delay:g} s)"))

    def _cut_fetches(self) -> None:
        for fetch in list(self._fetches):
            fetch.cancel()

    # What waits -----------------------------------------------------------------------------

    async def sleep(self, seconds: float) -> bool:
        """Wait ``seconds``; return True, or False as soon as the run ends (at once if it has)."""
        if self.why is not None:
            return False
        loop = asyncio.get_running_loop()
        wait: asyncio.Future[bool] = loop.create_future()
        timer = loop.call_later(seconds, _settle, wait, True)
        self._waits.add(wait)
        try:
            return await wait
        finally:
            timer.cancel()
            self._waits.discard(wait)

    async def fetch(self, download: Awaitable[T]) -> T:
        """Return what ``download`` gives; raise RunEnded when the run has ended before it
        starts, or ends (and :data:`END_GRACE` passes) before it is done."""
        if self.why is not None:
            _close(download)
            raise RunEnded(f"{NOT_FETCHED} before it was asked for")
        task = asyncio.ensure_future(download)
        self._fetches.add(task)
        try:
            return await task
        except asyncio.CancelledError:
            if self.why is None or not task.cancelled():
                raise
            raise RunEnded(f"{NOT_FETCHED} while it was being fetched (cut {END_GRACE:g} s "
                           "after the end)") from None
        finally:
            self._fetches.discard(task)


class SignalledProcess(CrawlerProcess):
    """Scrapy's process, remembering the signal that began its graceful stop (Scrapy closes
    the same way, finish reason "shutdown", for SIGINT and SIGTERM; the exit statuses differ)."""

    signalled: int | None = None

    def _signal_shutdown(self, signum: int, frame: Any) -> None:
        self.signalled = signum
        super()._signal_shutdown(signum, frame)


def closing(engine: ExecutionEngine) -> bool:
    """Return True once ``engine`` has begun to close its spider (or to stop)."""
    # Scrapy sends no signal when a close begins; its slot's ``closing`` is set at that moment.
    slot = getattr(engine, "_slot", None)
    return slot is not None and slot.closing is not None


def run_end(crawler: Crawler | None) -> RunEnd | None:
    """Return the crawl's RunEnd extension (None when it is not enabled)."""
    return crawler.get_extension(RunEnd) if crawler is not None else None


async def sleep_unless_ended(crawler: Crawler | None, seconds: float) -> bool:
    """Wait ``seconds``; return False if the run ended first (True when it cannot end early:
    no RunEnd extension)."""
    ending = run_end(crawler)
    if ending is None:
        await asyncio.sleep(seconds)
        return True
    return await ending.sleep(seconds)


def _settle(wait: asyncio.Future[bool], value: bool) -> None:
    if not wait.done():
        wait.set_result(value)


def _close(download: Awaitable[Any]) -> None:
    """Close a coroutine never awaited (no "never awaited" warning)."""
    close = getattr(download, "close", None)
    if close is not None:
        close()
