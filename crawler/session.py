"""The capture session: a Scrapy extension that owns the archive folder while a crawl runs.

Enabled by the ``ARCHIVE_DIR`` setting (``NotConfigured`` without it: nothing is captured), it
holds, for one crawl, everything that lives in the folder
(:class:`archive.warcs.folder.ArchiveFolder`): the folder's lock, the WARC writer, the crawl state
and run, the crawl log, and at the end the run's report. Other components find it with
``crawler.get_extension(CaptureSession)``.

The folder's lock is taken once, by the session alone, as the crawl is built (a second crawl
into the folder closes at once, ``archive_locked``), and let go of when the crawl closes.
Start-up (``spider_opened``: every component is built, no request has gone out, first contact
included) — space is set aside for the report, WARC files an interrupted crawl left open are
closed out, the crawl state is opened (or relearned from the WARC files when lost:
:mod:`crawler.recovery`), a killed run is resumed (its captures relearned) or a new one begun,
and the WARC writer opened with the run's warcinfo (:mod:`crawler.warcinfo`). When first contact
finds the site at another base URL than the one given (:meth:`CaptureSession.settle_base`), the
run is moved there and the next WARC file begun, its warcinfo naming both. Close
(``spider_closed``) — the WARC file, crawl log and state are closed (the run marked finished
unless it was cut short), the report written (``reports/run-STAMP.json`` and ``.txt``,
``crawl-summary.json``) and the lock let go. So ``ifes-archive crawl``, ``scrapy crawl ifes -s
ARCHIVE_DIR=...`` and scrapyd behave alike.

With a crawl state, an answer that repeats a known capture (a 304 to a conditional request, or a
200 with the same payload digest) is written as a ``revisit`` record referring to it.
"""

from __future__ import annotations

import logging
import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import CloseSpider, IgnoreRequest, NotConfigured
from scrapy.utils.defer import deferred_from_coro

from ifes_archive.archive.corpus.versions import GONE_STATUSES
from ifes_archive.archive.page.joomla import rebase, state_key
from ifes_archive.archive.types import CapturePointer
from ifes_archive.archive.warcs.closeout import close_out_open_files
from ifes_archive.archive.warcs.folder import (
    ArchiveFolder,
    FolderHold,
    FolderLocked,
    acquire,
    run_stamp,
)
from ifes_archive.archive.warcs.state import CrawlState, KnownCapture, StateLost
from ifes_archive.archive.warcs.writer import (
    REVISIT_IDENTICAL,
    REVISIT_NOT_MODIFIED,
    CaptureWriter,
    HttpExchange,
    Revisit,
)
from ifes_archive.crawler.crawllog import CrawlLog
from ifes_archive.crawler.recovery import known_capture, open_state, recover_state
from ifes_archive.crawler.report import (
    CrawlSummary,
    record_refusal,
    reserve_report,
    summarise,
    write_report,
)
from ifes_archive.crawler.verdict import REFUSALS
from ifes_archive.crawler.warcinfo import run_warcinfo

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from ifes_archive.crawler.http_exchange import Fetched

logger = logging.getLogger(__name__)


class StorageFailed(IgnoreRequest):
    """The archive cannot be written (a folder that refuses writes, a full disk, a crawl state
    that went away): the crawl stops at once; nothing more is fetched."""


#: The finish reason of a crawl stopped by :class:`StorageFailed`.
STORAGE_FAILURE = "storage_failure"
#: The finish reason of a crawl that did not start: another crawl holds the folder.
ARCHIVE_LOCKED = "archive_locked"
#: The finish reason of a crawl that did not start: the folder cannot be written.
ARCHIVE_UNWRITABLE = "archive_unwritable"
#: Errors of the disk and of the state database that mean the archive cannot be written.
STORAGE_ERRORS: tuple[type[BaseException], ...] = (OSError, sqlite3.Error, StateLost)
#: Finish reasons after which a run is complete (its work done, or refused by first contact:
#: nothing to resume); any other (a cap, a kill) leaves it to be resumed by the next crawl.
FINISHED_REASONS = frozenset({"finished"}) | REFUSALS


def storage_message(exc: BaseException) -> str:
    """Return one line saying why the archive cannot be written."""
    if isinstance(exc, OSError) and exc.filename:
        return f"cannot write {exc.filename}: {exc.strerror}"
    if isinstance(exc, OSError):
        return f"cannot write the archive: {exc.strerror or exc}"
    if isinstance(exc, sqlite3.Error):
        return f"cannot write the crawl state: {exc}"
    return str(exc)


class CaptureSession:
    """The crawl's archive folder: lock, WARC writer, crawl state and run, crawl log, report."""

    def __init__(self, crawler: Crawler, folder: ArchiveFolder):
        self.folder = folder
        #: Names this run's report files and crawl log.
        self.stamp = run_stamp()
        #: The site's base URL this run, then any other base URL in scope (SCOPE_ALSO).
        self.bases: list[str] = []
        self._writer: CaptureWriter | None = None
        self._state: CrawlState | None = None
        self.crawl_log: CrawlLog | None = None
        self.run_id, self.resumed = 0, False
        #: The run's label, named in the warcinfo of its WARC files and on its journal lines.
        self.run_label = ""
        #: Why the archive could not be written (the crawl stopped), or None.
        self.failed: str | None = None
        #: The run's report, once the crawl closed (None when it never started).
        self.summary: CrawlSummary | None = None
        self._crawler = crawler
        self._refusal: tuple[str, str] | None = None
        #: Where a refusal to start was recorded (``reports/refused-*.json``), if it was.
        self.refusal_recorded: Path | None = None
        self._hold: FolderHold | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        try:
            # Taken as the crawl is built, before any component touches the folder; by this
            # session alone, let go of when the crawl closes.
            self._hold = acquire(folder)
        except FolderLocked as exc:
            self._refusal = (ARCHIVE_LOCKED, str(exc))
        except OSError as exc:
            self._refusal = (ARCHIVE_UNWRITABLE, storage_message(exc))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CaptureSession:
        root = crawler.settings.get("ARCHIVE_DIR")
        if not root:
            raise NotConfigured("ARCHIVE_DIR is not set: exchanges are not captured")
        return cls(crawler, ArchiveFolder(Path(root)))

    @property
    def holds_folder(self) -> bool:
        """Whether this crawl holds the folder (another crawl may be running in it)."""
        return self._hold is not None and self._hold.held

    @property
    def refusal(self) -> tuple[str, str] | None:
        """Why the crawl did not start (finish reason, one line), or None."""
        return self._refusal

    @property
    def writer(self) -> CaptureWriter:
        """The WARC writer (from start-up on)."""
        assert self._writer is not None, "the capture session is not open"
        return self._writer

    @property
    def state(self) -> CrawlState | None:
        """The crawl state (from start-up until close)."""
        return self._state

    # Start-up and close ---------------------------------------------------------------------

    def spider_opened(self, spider: object) -> None:
        """Lock, recover and open the folder before any request; refuse the run (CloseSpider)
        when another crawl holds it or it cannot be written."""
        if self._refusal is not None:
            reason, why = self._refusal
            recorded = None
            if reason == ARCHIVE_LOCKED:
                job = getattr(spider, "_job", None)  # scrapyd passes its job id as an argument
                recorded = self.refusal_recorded = record_refusal(
                    self.folder, self.stamp, reason, why, base_url=getattr(spider, "base_url", ""),
                    **({"job": str(job)} if job else {}))
            logger.critical("not crawling: %s%s", why,
                            f" (recorded in {recorded})" if recorded else "")
            raise CloseSpider(reason)
        try:
            reserve_report(self.folder, self.stamp)
            self._open()
        except STORAGE_ERRORS as exc:
            self._refusal = (ARCHIVE_UNWRITABLE, storage_message(exc))
            logger.critical("not crawling: %s", self._refusal[1])
            self._let_go()
            raise CloseSpider(ARCHIVE_UNWRITABLE) from exc

    def _open(self) -> None:
        crawler, folder = self._crawler, self.folder
        self.bases = list(getattr(crawler.spider, "scope", []))
        closed = close_out_open_files(folder.warc) if folder.warc.is_dir() else []
        for path in closed:
            logger.warning("Closed out %s, left open by an interrupted crawl", path.name)
        state = self._state = open_state(folder.state)
        if state.is_new() and folder.warc.is_dir():
            # The WARC files are the truth and the state an index of them: a lost state is
            # relearned.
            files = folder.warc_files()
            learned = recover_state(state, files, 0, self.bases) if files else 0
            if learned:
                logger.warning("No crawl state beside %d WARC files: learned %d captures from them",
                               len(files), learned)
        self.run_id, self.resumed = state.begin_run(self.bases[0] if self.bases else None)
        if self.resumed and closed:
            learned = recover_state(state, closed, self.run_id, self.bases)
            if learned:
                logger.warning("Learned %d captures of the interrupted run from its WARC files",
                               learned)
        self.run_label = state.run_label(self.run_id)
        settings = crawler.settings
        self._writer = CaptureWriter(folder.warc, prefix=settings.get("WARC_PREFIX"),
                                     max_size=settings.getint("WARC_MAX_SIZE"),
                                     warcinfo=self._warcinfo(),
                                     fsync_every=settings.getint("WARC_FSYNC_EVERY"))
        self.crawl_log = CrawlLog(folder.run_report(self.stamp, "crawl.log"))

    def _warcinfo(self) -> dict[str, str]:
        """Return the run's warcinfo at its base URL now (the one it moved from, if any)."""
        assert self._state is not None
        moved_from = self._state.base_before(self.run_id)
        if not (moved_from and self.bases and moved_from != self.bases[0]):
            return run_warcinfo(self._crawler, self.run_label, self.bases)
        logger.warning("The site moved from %s to %s: this run continues the archive there",
                       moved_from, self.bases[0])
        if self._crawler.stats is not None:
            self._crawler.stats.set_value("ifes/moved_from", moved_from)
        return run_warcinfo(self._crawler, self.run_label, self.bases, moved_from)

    def settle_base(self) -> None:
        """Take the spider's base URL as first contact found it: when the site answered at
        another address than the one given, move the run there and begin the next WARC file
        (its warcinfo names both addresses and the redirects); else nothing changes."""
        bases = list(getattr(self._crawler.spider, "scope", []))
        if self._state is None or bases == self.bases or self.failed is not None:
            return
        self.bases = bases
        try:
            self._state.move_run(self.run_id, bases[0] if bases else None)
            self.writer.warcinfo = self._warcinfo()
            self.writer.close()  # first contact's file; the crawl's begins with the new warcinfo
        except STORAGE_ERRORS as exc:
            self.fail(storage_message(exc))

    def spider_closed(self, spider: object, reason: str) -> None:
        """Close the WARC file, the crawl log and the state (the run finished unless it was
        cut short); write the run's report; let go of the folder."""
        if not self.holds_folder:
            return  # another crawl's folder: nothing of it is ours to touch
        self._close(reason)
        self.summary = summarise(self._crawler, self.folder, self.stamp, reason)
        write_report(self.folder, self.stamp, self.summary)
        self._let_go()

    def _close(self, reason: str) -> None:
        if self._writer is not None:
            try:
                self._writer.close()
            except OSError as exc:
                logger.error("could not close the WARC file: %s (the next crawl closes it out)",
                             exc)
        if self.crawl_log is not None:
            self.crawl_log.close()
        if self._state is not None:
            try:
                if reason in FINISHED_REASONS and self.failed is None:
                    self._state.finish_run(self.run_id, reason)
                self._state.close()
            except STORAGE_ERRORS as exc:
                logger.error("could not close the crawl state: %s", exc)
            self._state = None

    def _let_go(self) -> None:
        if self._hold is not None:
            self._hold.release()

    # During the crawl -----------------------------------------------------------------------

    def fail(self, why: str) -> StorageFailed:
        """Stop the crawl at once because the archive cannot be written; return the exception
        to raise for the request at hand."""
        if self.failed is None:
            self.failed = why
            logger.critical("%s: the crawl stops (what was archived stays readable; the next "
                            "crawl resumes)", why)
            stats = self._crawler.stats
            if stats is not None:
                stats.set_value("ifes/storage_failure", why)
            engine = self._crawler.engine
            if engine is not None:
                deferred_from_coro(engine.close_spider_async(reason=STORAGE_FAILURE))
        return StorageFailed(why)

    def note(self, target_uri: str, fields: dict[str, str]) -> None:
        """Write a metadata record about ``target_uri`` (what the crawl made of it)."""
        try:
            self.writer.write_metadata(target_uri, fields)
        except STORAGE_ERRORS as exc:
            self.fail(storage_message(exc))

    def write(self, exchange: HttpExchange, fetched: Fetched | None,
              ) -> tuple[CapturePointer, CapturePointer | None, str | None]:
        """Write ``exchange`` (as a revisit when it repeats a known capture). Return the pointer
        to the record holding the content (the original for a revisit), the revisit's own
        pointer (or None), and what changed since the last capture (or None)."""
        key = self.key(exchange.target_uri)
        known = self._state.known(key) if self._state else None
        revisit = _revisit_of(known, fetched, exchange)
        pointer = self.writer.write_exchange(exchange, revisit)
        if self._state is not None and fetched is not None:
            self._remember(key, known, revisit, fetched, pointer)
        stats = self._crawler.stats
        if stats is not None:
            stats.inc_value("capture/exchanges")
            stats.inc_value("capture/response_bytes", len(exchange.response_bytes))
            if revisit is not None:
                stats.inc_value(f"capture/revisit/{revisit.profile.rsplit('/', 1)[1]}")
        # New, changed and unchanged are judged on the record (the pipeline); what only the
        # capture shows is a page that was captured before and is now 404 or 410: gone.
        change = "gone" if known and fetched and fetched.status in GONE_STATUSES else None
        if revisit is not None and known is not None:
            # The content is the original capture's: records point there (and keep the revisit).
            return known.pointer, pointer, change
        return pointer, None, change

    def _remember(self, key: str, known: KnownCapture | None, revisit: Revisit | None,
                  fetched: Fetched, pointer: CapturePointer) -> None:
        assert self._state is not None
        if revisit is not None and known is not None:
            self._state.touch(key, self.run_id, pointer.date)
        elif fetched.status == 200:
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in fetched.headers]
            self._state.remember(known_capture(key, pointer, headers,
                                               fetched.exchange.payload_digest, self.run_id,
                                               self.bases[0] if self.bases else None))

    def key(self, url: str) -> str:
        """Return the state key of ``url`` (relative to the site's base URL)."""
        return _state_key(url, tuple(self.bases))

    def rebase(self, url: str, base_url: str | None) -> str:
        """Return ``url``, captured when the site was at ``base_url``, at its address now."""
        return rebase(url, base_url, self.bases[0]) if self.bases else url

    def replayable(self, url: str) -> KnownCapture | None:
        """Return the capture of ``url``'s article page made earlier in this (resumed) run."""
        if not self.resumed or self._state is None:
            return None
        key = self.key(url)
        known = self._state.known(key) if key.startswith("article:") else None
        return known if known is not None and known.run_id == self.run_id else None


@lru_cache(maxsize=1024)
def _state_key(url: str, bases: tuple[str, ...]) -> str:
    # Asked twice for most URLs: by the revalidation middleware, then when the answer is written.
    return state_key(url, *bases)


def _revisit_of(known: KnownCapture | None, fetched: Fetched | None,
                exchange: HttpExchange) -> Revisit | None:
    if known is None or fetched is None or exchange.truncated:
        return None
    if exchange.trailing and fetched.status != 304:
        return None  # kept whole: the bytes after the message are not the original's
    original = known.pointer
    refer = {"refers_to": original.warc_record_id, "refers_to_uri": original.target_uri,
             "refers_to_date": original.date, "payload_digest": known.payload_digest}
    if fetched.status == 304:
        return Revisit(REVISIT_NOT_MODIFIED, **refer)
    if fetched.status == known.status == 200 and \
            exchange.payload_digest == known.payload_digest:
        return Revisit(REVISIT_IDENTICAL, **refer)
    return None


