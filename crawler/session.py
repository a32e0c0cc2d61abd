"""The capture session: a Scrapy extension that owns the archive folder while a crawl runs.

Enabled by the ``ARCHIVE_DIR`` setting (``NotConfigured`` without it: nothing is captured), it
holds, for one crawl, everything that lives in the folder
(:class:`archive.warcs.folder.ArchiveFolder`): the folder's lock, the WARC writer, the crawl state
and run, the crawl log, and at the end the run's report. Other components find it with
``crawler.get_extension(CaptureSession)``.

Start-up (``spider_opened``: every component is built, no request has gone out) — the folder
is locked (a second crawl into it closes at once, ``archive_locked``), space is set aside for the
report, WARC files an interrupted crawl left open are closed out, the crawl state is opened (or
relearned from the WARC files when lost), a killed run is resumed (its captures relearned) or a
new one begun, and the WARC writer opened. Close (``spider_closed``) — the WARC file, crawl log
and state are closed (the run marked finished unless it was cut short), the report written
(``reports/run-STAMP.json`` and ``.txt``, ``crawl-summary.json``) and the lock let go. So
``ifes-archive crawl``, ``scrapy crawl ifes -s ARCHIVE_DIR=...`` and scrapyd behave alike.

With a crawl state, an answer that repeats a known capture (a 304 to a conditional request, or a
200 with the same payload digest) is written as a ``revisit`` record referring to it.
"""

from __future__ import annotations

import logging
import os
import platform
import sqlite3
import time
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import CloseSpider, IgnoreRequest, NotConfigured
from scrapy.utils.defer import deferred_from_coro

from ifes_archive.archive.corpus.versions import GONE_STATUSES
from ifes_archive.archive.page.joomla import rebase, state_key
from ifes_archive.archive.pointer import CapturePointer
from ifes_archive.archive.warcs.folder import (
    ArchiveFolder,
    FolderLocked,
    acquire,
    release,
    run_stamp,
)
from ifes_archive.archive.warcs.reader import open_records, warcinfo_fields
from ifes_archive.archive.warcs.state import CrawlState, KnownCapture, StateLost
from ifes_archive.archive.warcs.writer import (
    BASE_FIELD,
    MOVED_FIELD,
    REVISIT_IDENTICAL,
    REVISIT_NOT_MODIFIED,
    RUN_FIELD,
    SCOPE_FIELD,
    WARC_1_1_SPEC,
    CaptureWriter,
    HttpExchange,
    Revisit,
    close_out_open_files,
    sha1_digest,
)
from ifes_archive.crawler.crawllog import CrawlLog, first_contact_attempt
from ifes_archive.crawler.report import (
    CrawlSummary,
    record_refusal,
    reserve_report,
    summarise,
    write_report,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from ifes_archive.crawler.http11 import Fetched

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
#: Finish reasons after which a run is complete; any other (a cap, a kill) leaves it to be
#: resumed by the next crawl.
FINISHED_REASONS = frozenset({"finished"})


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
        self._held = False
        self._first_contact: dict[str, tuple[CapturePointer, CapturePointer | None]] = {}
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        try:
            # Taken as the crawl is built, before any component touches the folder.
            acquire(folder)
            self._held = True
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
        return self._held

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
                recorded = record_refusal(self.folder, self.stamp, reason, why,
                                          base_url=getattr(spider, "base_url", ""),
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
        state = self._state = _open_state(folder.state)
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
        moved_from = state.base_before(self.run_id)
        if moved_from and self.bases and moved_from != self.bases[0]:
            logger.warning("The site moved from %s to %s: this run continues the archive there",
                           moved_from, self.bases[0])
            if crawler.stats is not None:
                crawler.stats.set_value("ifes/moved_from", moved_from)
        else:
            moved_from = None
        settings = crawler.settings
        self._writer = CaptureWriter(folder.warc, prefix=settings.get("WARC_PREFIX"),
                                     max_size=settings.getint("WARC_MAX_SIZE"),
                                     warcinfo=run_warcinfo(crawler, self.run_label, self.bases,
                                                           moved_from),
                                     fsync_every=settings.getint("WARC_FSYNC_EVERY"))
        self.crawl_log = CrawlLog(folder.run_report(self.stamp, "crawl.log"))

    def spider_closed(self, spider: object, reason: str) -> None:
        """Close the WARC file, the crawl log and the state (the run finished unless it was
        cut short); write the run's report; let go of the folder."""
        if not self._held:
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
        if self._held:
            release(self.folder)
            self._held = False

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
                                               sha1_digest(fetched.exchange.payload), self.run_id,
                                               self.bases[0] if self.bases else None))

    def key(self, url: str) -> str:
        """Return the state key of ``url`` (relative to the site's base URL)."""
        return state_key(url, *self.bases)

    def rebase(self, url: str, base_url: str | None) -> str:
        """Return ``url``, captured when the site was at ``base_url``, at its address now."""
        return rebase(url, base_url, self.bases[0]) if self.bases else url

    def keep_first_contact(self, exchanges: list[tuple[HttpExchange, Fetched | None]]) -> None:
        """Write the exchanges of first contact (robots.txt, the front page, their redirects,
        made before the crawl started); the crawl's own requests for those URLs are answered
        from these captures instead of asking the site twice."""
        for exchange, fetched in exchanges:
            pointer, revisit, _ = self.write(exchange, fetched)
            if self.crawl_log is not None:
                self.crawl_log.write(first_contact_attempt(exchange, fetched))
            if fetched is not None:
                self._first_contact[exchange.target_uri] = (pointer, revisit)

    def first_contact_answer(self, url: str) -> tuple[CapturePointer, CapturePointer | None] | None:
        """Return (once) the capture first contact made of ``url``, and its revisit, if any."""
        return self._first_contact.pop(url, None)

    def replayable(self, url: str) -> KnownCapture | None:
        """Return the capture of ``url``'s article page made earlier in this (resumed) run."""
        if not self.resumed or self._state is None:
            return None
        key = self.key(url)
        known = self._state.known(key) if key.startswith("article:") else None
        return known if known is not None and known.run_id == self.run_id else None


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
            sha1_digest(exchange.payload) == known.payload_digest:
        return Revisit(REVISIT_IDENTICAL, **refer)
    return None


def _open_state(path: Path) -> CrawlState:
    """Open the crawl state; one that is not a database any more is set aside (the WARC files
    teach a new one everything)."""
    try:
        return CrawlState(path)
    except sqlite3.DatabaseError as exc:
        aside = path.with_name(f"{path.name}.unreadable-{time.strftime('%Y%m%dT%H%M%S')}")
        os.replace(path, aside)
        logger.warning("The crawl state %s cannot be read (%s): set aside as %s, relearned from "
                       "the WARC files", path, exc, aside.name)
        return CrawlState(path)


def known_capture(key: str, pointer: CapturePointer, headers: list[tuple[str, str]],
                  payload_digest: str, run_id: int, base_url: str | None) -> KnownCapture:
    """Return what the state keeps of a ``200`` response captured at ``pointer`` (its last
    ``ETag`` and ``Last-Modified``) when the site was at ``base_url``."""
    values = {name.lower(): value for name, value in headers}
    return KnownCapture(key, pointer, 200, values.get("etag"), values.get("last-modified"),
                        payload_digest, run_id, base_url=base_url)


def recover_state(state: CrawlState, paths: list[Path], run_id: int,
                  bases: list[str] | None = None) -> int:
    """Teach ``state`` the captures in ``paths`` that it missed: those of the interrupted run
    ``run_id`` (a crash between writing a record and committing the state would otherwise make
    the resumed run fetch the page again), or all of a folder whose state file was lost. Return
    how many it learned; a file that cannot be read is reported and skipped."""
    learned = 0
    for path in paths:
        try:
            learned += _learn_from(state, path, run_id, bases or [])
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the crawl
            logger.warning("Could not learn captures from %s: %r", path.name, exc)
    return learned


def _learn_from(state: CrawlState, path: Path, run_id: int, bases: list[str]) -> int:
    """Learn the captures of one file; keys are relative to the base URL its warcinfo names
    (the site may have been elsewhere then), else to ``bases``."""
    learned = 0
    file_bases = bases
    with open_records(path) as records:
        for record in records:
            head = record.head
            if head.type == "warcinfo":
                base = warcinfo_fields(record).get(BASE_FIELD)
                file_bases = [base, *bases] if base else bases
                continue
            if head.type not in ("response", "revisit"):
                continue
            key = state_key(head.target_uri, *file_bases)
            known = state.known(key)
            if head.type == "revisit":
                # (WARC-Truncated: length is what an identical-payload revisit carries.)
                if known is not None and (known.seen_date or known.pointer.date) < head.date and \
                        known.pointer.warc_record_id == head.refers_to:
                    state.touch(key, run_id, head.date)
                    learned += 1
                continue
            http = record.http_head()
            if head.truncated or http is None or http.status != 200 or (
                    known is not None and known.pointer.date >= head.date):
                continue
            pointer = CapturePointer(path.name, head.offset, record.length, head.id,
                                     head.target_uri, head.date)
            state.remember(known_capture(key, pointer, list(http.headers), head.payload_digest,
                                         run_id, file_bases[0] if file_bases else None))
            learned += 1
    return learned


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def software() -> str:
    """Return the software line of warcinfo: this tool and what it stands on, with versions."""
    parts = [f"ifes-archive/{_version('ifes-archive')}"]
    parts += [f"{name}/{_version(name)}" for name in ("Scrapy", "Twisted", "h11", "warcio")]
    return " ".join([*parts, f"Python/{platform.python_version()}"])


#: How warcinfo names the page-requisites option when it is on.
REQUISITES_ON = "on: what pages embed on the same host, fetched even where robots.txt disallows it"


def run_warcinfo(crawler: Crawler, run_label: str, bases: list[str],
                       moved_from: str | None = None) -> dict[str, str]:
    """Return the fields of the warcinfo record that opens every WARC file of this crawl: who,
    with what, under which policy, at which address (and the one it moved from)."""
    settings = crawler.settings
    robots = (f"RFC 9309: rules of a 2xx (its first {settings.getint('ROBOTSTXT_MAX_SIZE')} "
              "bytes); a 4xx: allow all; a 5xx or no answer: disallow all, asked again every "
              f"{settings.getfloat('ROBOTSTXT_RETRY_DELAY'):g} s up to "
              f"{settings.getint('ROBOTSTXT_RETRIES')} times")
    return {
        "software": software(),
        "format": "WARC File Format 1.1",
        "conformsTo": WARC_1_1_SPEC,
        "hostname": platform.node(),
        "operator": settings.get("WARC_OPERATOR"),
        "isPartOf": settings.get("WARC_IS_PART_OF"),
        "description": settings.get("WARC_DESCRIPTION"),
        "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        "page-requisites": (REQUISITES_ON if settings.getbool("PAGE_REQUISITES") else "off"),
        "http-header-user-agent": settings.get("USER_AGENT"),
        # How politely the run fetched: a release's card tells it from here.
        "ifes-download-delay": str(settings.getfloat("DOWNLOAD_DELAY")),
        "ifes-autothrottle": "on" if settings.getbool("AUTOTHROTTLE_ENABLED") else "off",
        "ifes-concurrent-requests-per-domain":
            str(settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")),
        "robots-policy": robots if settings.getbool("ROBOTSTXT_OBEY") else "",
        SCOPE_FIELD: " ".join(bases),
        MOVED_FIELD: moved_from or "",
        RUN_FIELD: run_label,
        **base_url_fields(getattr(crawler, "spider", None)),
    }


def base_url_fields(spider: object) -> dict[str, str]:
    """Return the warcinfo fields naming where the crawl ran: its base URL and, when first
    contact followed redirects to get there, the base URL given and each redirect."""
    fields = {BASE_FIELD: getattr(spider, "base_url", "")}
    contact = getattr(spider, "first_contact", None)
    if contact is not None and contact.hops:
        fields["ifes-base-url-given"] = contact.given
        fields["ifes-base-url-redirects"] = "; ".join(str(hop) for hop in contact.hops)
    return fields
