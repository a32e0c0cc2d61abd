"""Records built off the reactor's core: one worker process per crawl.

The crawl's process is CPU-bound on one core: downloads, capture, the spider's parse and walk
over links. Building an article's record (:func:`archive.page.record.build_record`: the
template read, names, dates, language, checks, digest) cost about as much again per article
on the same core. The pipeline hands the article's captured pages (bytes and pointers, a few
tens of kB) to one worker process and awaits the record (``asyncio.wrap_future``), while the
reactor goes on with the downloads; the machine's other core builds it.

The worker decodes and parses the article's pages from their bytes: the spider's trees, read
for their links in the crawl's process, cannot cross to another process (an lxml tree does not
pickle). That second parse is the price of the second core (design.md, *How often*).

The worker is spawned, not forked: the crawl's process holds the reactor, the open WARC files
and the state's database, none of which a child should inherit. It is started once per crawl
(:func:`archive.workers.worker_pool`: it dies with the crawl's process, even killed, and
leaves Ctrl-C to the crawl, which ends it once every record it was given is back). A worker
that dies fails the records it was building (the pipeline records each failure); the next
article starts a new one.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from ifes_archive.archive.page.record import build_record, extractor_info
from ifes_archive.archive.workers import stop_workers, worker_pool

if TYPE_CHECKING:
    from collections.abc import Sequence
    from concurrent.futures import ProcessPoolExecutor

    from ifes_archive.archive.page.captured import CapturedPage
    from ifes_archive.archive.types import Record

logger = logging.getLogger(__name__)

#: How the worker is started: a fresh interpreter (see the module's docstring).
START_METHOD = "spawn"


class RecordWorker:
    """One worker process that builds records; started at the first use, closed with the
    crawl."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Start the worker: it loads the builder while the crawl begins (the first article
        then finds it loaded)."""
        self._running().submit(extractor_info, "template")

    async def build(self, article_id: int, base_url: str, pages: Sequence[CapturedPage],
                    print_pages: Sequence[CapturedPage] = ()) -> Record | None:
        """Return the record of the pages, built in the worker. Raises what the builder
        raised, or BrokenProcessPool when the worker died (the next call starts another)."""
        pool = self._running()
        try:
            future = pool.submit(build_record, article_id, base_url, pages,
                                 print_pages=print_pages)
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            self._discard(pool)
            raise

    def close(self) -> None:
        """End the worker at once. Called when the crawl closes, once every record it was
        given is back (Scrapy waits for the items in the pipeline first): it holds nothing
        more, and a short run does not wait for it to finish loading the builder."""
        pool, self._pool = self._pool, None
        if pool is not None:
            stop_workers(pool)

    def _running(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = worker_pool(1, context=multiprocessing.get_context(START_METHOD))
        return self._pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        """Let a pool whose worker died go (once, whichever of its records learns it first)."""
        if self._pool is pool:
            logger.error("the record worker died: a new one builds the next records")
            self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
