"""The capturing download handler: every HTTP exchange goes into WARC before Scrapy sees it.

Installed for ``http`` and ``https`` in ``DOWNLOAD_HANDLERS``. It fetches with
:class:`crawler.http11.Http11Client` (which keeps the wire bytes), writes the request/response
pair through the crawl's :class:`archive.warc.CaptureWriter` at once — robots.txt, redirects,
error pages, retries and truncated answers included — and only then hands Scrapy a response.
The pointer to the response record is left in ``request.meta["warc_capture"]``.

With ``CRAWL_STATE_PATH`` set, a :class:`archive.state.CrawlState` remembers every full
capture; an answer that repeats one (a 304 to a conditional request, or a 200 with the same
payload digest) is stored as a ``revisit`` record referring to it.

Settings: ``WARC_DIR`` (no capture when empty), ``WARC_PREFIX``, ``WARC_MAX_SIZE``,
``WARC_OPERATOR``, ``WARC_IS_PART_OF``, ``WARC_FSYNC_EVERY``, ``CRAWL_STATE_PATH``; and Scrapy's ``DOWNLOAD_TIMEOUT``,
``DOWNLOAD_MAXSIZE``, ``DOWNLOAD_WARNSIZE``.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import platform
import sqlite3
import time
import weakref
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.exceptions import (
    IgnoreRequest,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    NotSupported,
    ResponseDataLossError,
)
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from scrapy.utils.defer import deferred_from_coro

from archive.reader import (
    content_codings,
    decode_body,
    open_records,
    read_http_head,
    record_at,
    response_entity,
    warcinfo_fields,
)
from archive.state import CrawlState, KnownCapture, StateLost, new_run_label
from archive.versions import GONE_STATUSES
from archive.warc import (
    REVISIT_IDENTICAL,
    REVISIT_NOT_MODIFIED,
    WARC_1_1_SPEC,
    CapturePointer,
    CaptureWriter,
    BASE_FIELD,
    MOVED_FIELD,
    OPEN_SUFFIX,
    RUN_FIELD,
    SCOPE_FIELD,
    HttpExchange,
    Revisit,
    close_out_open_files,
    sha1_digest,
    utc_now,
)
from crawler.crawllog import NOT_ARCHIVED, CrawlLog, attempt_of, first_contact_attempt
from crawler.http11 import Fetched, FetchError, Http11Client
from crawler.joomla import normalise_base_url, rebase, state_key

if TYPE_CHECKING:
    from datetime import datetime

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

META_KEY = "warc_capture"
#: Set on a request whose answer was stored as a revisit: the revisit record's pointer
#: (``warc_capture`` then points at the original capture, which holds the content).
REVISIT_KEY = "warc_revisit"
#: Set (by ConditionalRequestMiddleware) on a conditional request whose 304 is to reach Scrapy
#: as the capture it confirms: a listing whose links are still to be followed.
REPLAY_304_KEY = "replay_not_modified"
#: Set on a request whose answer cut at DOWNLOAD_MAXSIZE is still wanted, as far as it came
#: (robots.txt: RFC 9309 asks for its first 500 KiB): a response flagged "truncated".
TRUNCATED_OK_KEY = "capture_truncated_ok"
#: Set to "gone" on a request to a page captured before that answers 404 or 410 now.
CHANGE_KEY = "capture_change"
#: WARC-Date of this crawl's capture of the answer (the revisit's own date for a revisit; for a
#: page a resumed run answers from its WARC, the date of that earlier capture in the same run).
SEEN_KEY = "warc_seen"
_ERRORS: dict[str, type[Exception]] = {
    "connect": DownloadConnectionRefusedError,
    "timeout": DownloadTimeoutError,
    "dataloss": ResponseDataLossError,
    "protocol": DownloadFailedError,
    "maxsize": DownloadCancelledError,
}
class StorageFailed(IgnoreRequest):
    """The archive cannot be written (a folder that refuses writes, a full disk, a crawl state
    that went away): the crawl stops at once; nothing more is fetched."""


#: The finish reason of a crawl stopped by :class:`StorageFailed`.
STORAGE_FAILURE = "storage_failure"
#: Errors of the disk and of the state database that mean the archive cannot be written.
STORAGE_ERRORS: tuple[type[BaseException], ...] = (OSError, sqlite3.Error, StateLost)


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
    """The crawl's WARC writer, crawl log and (when ``CRAWL_STATE_PATH`` is set) its state and
    run."""

    def __init__(self, crawler: Crawler, writer: CaptureWriter, state: CrawlState | None,
                 run: tuple[int, bool], run_label: str = "", crawl_log: CrawlLog | None = None,
                 bases: list[str] | None = None):
        #: The site's base URL this run, then any other base URL in scope (SCOPE_ALSO).
        self.bases = bases or []
        self.writer = writer
        self.state = state
        self.crawl_log = crawl_log
        self.run_id, self.resumed = run
        #: The run's label, named in the warcinfo of its WARC files and on its journal lines.
        self.run_label = run_label
        #: Why the archive could not be written (the crawl stopped), or None.
        self.failed: str | None = None
        self._crawler = crawler
        self._stats = crawler.stats
        crawler.signals.connect(self._spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.close, signal=signals.engine_stopped)
        self._finish_reason = "unknown"
        self._first_contact: dict[str, tuple[CapturePointer, CapturePointer | None]] = {}

    def note(self, target_uri: str, fields: dict[str, str]) -> None:
        """Write a metadata record about ``target_uri`` (what the crawl made of it)."""
        try:
            self.writer.write_metadata(target_uri, fields)
        except STORAGE_ERRORS as exc:
            self.fail(storage_message(exc))

    def fail(self, why: str) -> StorageFailed:
        """Stop the crawl at once because the archive cannot be written; return the exception
        to raise for the request at hand."""
        if self.failed is None:
            self.failed = why
            logger.critical("%s: the crawl stops (what was archived stays readable; the next "
                            "crawl resumes)", why)
            if self._stats is not None:
                self._stats.set_value("ifes/storage_failure", why)
            engine = self._crawler.engine
            if engine is not None:
                deferred_from_coro(engine.close_spider_async(reason=STORAGE_FAILURE))
        return StorageFailed(why)

    def write(self, exchange: HttpExchange, fetched: Fetched | None,
              ) -> tuple[CapturePointer, CapturePointer | None, str | None]:
        """Write ``exchange`` (as a revisit when it repeats a known capture). Return the pointer
        to the record holding the content (the original for a revisit), the revisit's own
        pointer (or None), and what changed since the last capture (or None)."""
        key = self.key(exchange.target_uri)
        known = self.state.known(key) if self.state else None
        revisit = _revisit_of(known, fetched, exchange)
        pointer = self.writer.write_exchange(exchange, revisit)
        if self.state is not None and fetched is not None:
            self._remember(key, known, revisit, fetched, pointer)
        if self._stats is not None:
            self._stats.inc_value("capture/exchanges")
            self._stats.inc_value("capture/response_bytes", len(exchange.response_bytes))
            if revisit is not None:
                self._stats.inc_value(f"capture/revisit/{revisit.profile.rsplit('/', 1)[1]}")
        # New, changed and unchanged are judged on the record (the pipeline); what only the
        # capture shows is a page that was captured before and is now 404 or 410: gone.
        change = "gone" if known and fetched and fetched.status in GONE_STATUSES else None
        if revisit is not None and known is not None:
            # The content is the original capture's: records point there (and keep the revisit).
            return _pointer_of(known), pointer, change
        return pointer, None, change

    def _remember(self, key: str, known: KnownCapture | None, revisit: Revisit | None,
                  fetched: Fetched, pointer: CapturePointer) -> None:
        assert self.state is not None
        if revisit is not None and known is not None:
            self.state.touch(key, self.run_id, pointer.date)
        elif fetched.status == 200:
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in fetched.headers]
            self.state.remember(known_capture(key, pointer, headers,
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
        if not self.resumed or self.state is None:
            return None
        key = self.key(url)
        known = self.state.known(key) if key.startswith("article:") else None
        return known if known is not None and known.run_id == self.run_id else None

    def _spider_closed(self, spider: object, reason: str) -> None:
        self._finish_reason = reason

    def close(self) -> None:
        """Close the WARC file and the crawl log; mark the run finished unless the crawl was
        cut short."""
        try:
            self.writer.close()
        except OSError as exc:
            logger.error("could not close the WARC file: %s (the next crawl closes it out)", exc)
        if self.crawl_log is not None:
            self.crawl_log.close()
        if self.state is not None:
            try:
                if self._finish_reason in FINISHED_REASONS and self.failed is None:
                    self.state.finish_run(self.run_id, self._finish_reason)
                self.state.close()
            except STORAGE_ERRORS as exc:
                logger.error("could not close the crawl state: %s", exc)
            self.state = None


#: Finish reasons after which a run is complete; any other (a cap, a kill) leaves it to be
#: resumed by the next crawl.
FINISHED_REASONS = frozenset({"finished"})


def _pointer_of(known: KnownCapture) -> CapturePointer:
    return CapturePointer(known.warc_filename, known.warc_offset, known.warc_length,
                          known.record_id, known.target_uri, known.warc_date)


def _revisit_of(known: KnownCapture | None, fetched: Fetched | None,
                exchange: HttpExchange) -> Revisit | None:
    if known is None or fetched is None or exchange.truncated:
        return None
    if exchange.trailing and fetched.status != 304:
        return None  # kept whole: the bytes after the message are not the original's
    refer = dict(refers_to=known.record_id, refers_to_uri=known.target_uri,
                 refers_to_date=known.warc_date, payload_digest=known.payload_digest)
    if fetched.status == 304:
        return Revisit(REVISIT_NOT_MODIFIED, **refer)
    if fetched.status == known.status == 200 and sha1_digest(exchange.payload) == known.payload_digest:
        return Revisit(REVISIT_IDENTICAL, **refer)
    return None


_sessions: weakref.WeakKeyDictionary[Crawler, CaptureSession | None] = weakref.WeakKeyDictionary()


def capture_session(crawler: Crawler) -> CaptureSession | None:
    """Return the crawl's one capture session (None when ``WARC_DIR`` is unset)."""
    if crawler not in _sessions:
        _sessions[crawler] = _make_session(crawler)
    return _sessions[crawler]


def _make_session(crawler: Crawler) -> CaptureSession | None:
    settings = crawler.settings
    directory = settings.get("WARC_DIR")
    if not directory:
        logger.warning("WARC_DIR is not set: exchanges are not captured")
        return None
    bases = scope_of(crawler)
    closed = close_out_open_files(Path(directory)) if Path(directory).is_dir() else []
    for path in closed:
        logger.warning("Closed out %s, left open by an interrupted crawl", path.name)
    state_path = settings.get("CRAWL_STATE_PATH")
    state = _open_state(Path(state_path)) if state_path else None
    if state is not None and state.is_new() and Path(directory).is_dir():
        # The WARC files are the truth and the state an index of them: a lost state is relearned.
        files = sorted(Path(directory).glob("*.warc.gz"))
        learned = recover_state(state, files, 0, bases) if files else 0
        if learned:
            logger.warning("No crawl state beside %d WARC files: learned %d captures from them",
                           len(files), learned)
    run = state.begin_run(bases[0] if bases else None) if state else (0, False)
    if state is not None and run[1] and closed:
        learned = recover_state(state, closed, run[0], bases)
        if learned:
            logger.warning("Learned %d captures of the interrupted run from its WARC files", learned)
    label = state.run_label(run[0]) if state else new_run_label()
    moved_from = state.base_before(run[0]) if state is not None else None
    if moved_from and bases and moved_from != bases[0]:
        logger.warning("The site moved from %s to %s: this run continues the archive there",
                       moved_from, bases[0])
        if crawler.stats is not None:
            crawler.stats.set_value("ifes/moved_from", moved_from)
    else:
        moved_from = None
    writer = CaptureWriter(Path(directory), prefix=settings.get("WARC_PREFIX", "ifes"),
                           max_size=settings.getint("WARC_MAX_SIZE", 1_000_000_000),
                           warcinfo=run_warcinfo(crawler, label, bases, moved_from),
                           fsync_every=settings.getint("WARC_FSYNC_EVERY", 50))
    return CaptureSession(crawler, writer, state, run, label, CrawlLog(crawl_log_path(settings)),
                          bases)


def scope_of(crawler: Crawler) -> list[str]:
    """Return the crawl's base URLs: the spider's, then those SCOPE_ALSO lists."""
    base = getattr(crawler.spider, "base_url", "")
    also = [normalise_base_url(u) for u in crawler.settings.getlist("SCOPE_ALSO") if u]
    return list(dict.fromkeys([base, *also] if base else also))


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


def crawl_log_path(settings: Any) -> Path:
    """Return where this run's crawl log goes: ``CRAWL_LOG_PATH``, else a new file in
    ``reports/`` beside the WARC folder."""
    if settings.get("CRAWL_LOG_PATH"):
        return Path(settings.get("CRAWL_LOG_PATH"))
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    return Path(settings.get("WARC_DIR")).parent / "reports" / f"run-{stamp}.crawl.log"


def known_capture(key: str, pointer: CapturePointer, headers: list[tuple[str, str]],
                  payload_digest: str, run_id: int, base_url: str | None) -> KnownCapture:
    """Return what the state keeps of a ``200`` response captured at ``pointer`` (its last
    ``ETag`` and ``Last-Modified``) when the site was at ``base_url``."""
    values = {name.lower(): value for name, value in headers}
    return KnownCapture(key, pointer.target_uri, 200, values.get("etag"),
                        values.get("last-modified"), payload_digest, pointer.warc_record_id,
                        pointer.date, run_id, pointer.warc_filename, pointer.warc_offset,
                        pointer.warc_length, base_url=base_url)


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
                if known is not None and (known.seen_date or known.warc_date) < head.date and \
                        known.record_id == head.refers_to:
                    state.touch(key, run_id, head.date)
                    learned += 1
                continue
            http = record.http_head()
            if head.truncated or http is None or http.status != 200 or (
                    known is not None and known.warc_date >= head.date):
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
        "operator": settings.get("WARC_OPERATOR", ""),
        "isPartOf": settings.get("WARC_IS_PART_OF", ""),
        "description": settings.get("WARC_DESCRIPTION", ""),
        "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        "page-requisites": (REQUISITES_ON if settings.getbool("PAGE_REQUISITES") else "off"),
        "http-header-user-agent": settings.get("USER_AGENT", ""),
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


class CapturingDownloadHandler(BaseDownloadHandler):
    """Downloads over HTTP/1.1 and writes each exchange to WARC before returning it."""

    lazy = False

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        settings = crawler.settings
        self._maxsize = settings.getint("DOWNLOAD_MAXSIZE")
        self._maxwire = settings.getint("DOWNLOAD_MAXWIRESIZE")
        self._warnsize = settings.getint("DOWNLOAD_WARNSIZE")
        self._timeout = settings.getfloat("DOWNLOAD_TIMEOUT")
        self._client = Http11Client.from_settings(settings, on_stray=self._stray)
        self._session = capture_session(crawler)

    async def download_request(self, request: Request) -> Response:
        """Fetch ``request``, capture the exchange, and return Scrapy's response."""
        if request.meta.get("proxy"):
            raise NotSupported("CapturingDownloadHandler does not support proxies")
        if self._session is not None and self._session.failed:
            raise StorageFailed(self._session.failed)  # in flight when the crawl stopped
        known = self._session.replayable(request.url) if self._session else None
        if known is not None:
            return self._replay(request, _pointer_of(known), known.seen_date or known.warc_date,
                                "replayed_on_resume")
        first = self._session.first_contact_answer(request.url) if self._session else None
        if first is not None:
            pointer, revisit = first
            if revisit is not None:
                request.meta[REVISIT_KEY] = revisit.as_dict()
            return self._replay(request, pointer, (revisit or pointer).date, "first_contact")
        started, began = time.monotonic(), utc_now()
        try:
            fetched = await self._client.fetch(
                request.url, request.method, _header_pairs(request.headers), request.body,
                timeout=request.meta.get("download_timeout", self._timeout),
                maxsize=request.meta.get("download_maxsize", self._maxsize),
                maxwire=request.meta.get("download_maxwiresize", self._maxwire))
        except FetchError as exc:
            self._account(request, exc.exchange, None, began, started, exc.kind)
            if exc.kind == "maxsize" and exc.exchange and request.meta.get(TRUNCATED_OK_KEY):
                return _cut_to_scrapy(request, exc.exchange, self._maxsize)
            raise _ERRORS[exc.kind](str(exc)) from exc
        request.meta["download_latency"] = time.monotonic() - started
        self._account(request, fetched.exchange, fetched, began, started)
        self._warn_size(request, fetched)
        if fetched.status == 304 and request.meta.get(REPLAY_304_KEY) and request.meta.get(REVISIT_KEY):
            # Not modified: hand Scrapy the capture the 304 confirms, as a cache would.
            response = self._from_warc(request, request.meta[META_KEY]["warc_filename"],
                                       request.meta[META_KEY]["warc_offset"],
                                       request.meta[META_KEY]["target_uri"])
            response.flags.append("not-modified")
            return response
        return _to_scrapy(request, fetched)

    def _account(self, request: Request, exchange: HttpExchange | None,
                 fetched: Fetched | None, began: datetime, started: float,
                 failed: str | None = None) -> None:
        """Capture the exchange and write its crawl-log line; stop the crawl when the archive
        cannot be written."""
        storage_error = None
        try:
            self._capture(request, exchange, fetched, failed)
        except STORAGE_ERRORS as exc:
            storage_error = exc
        if self._session is not None and self._session.crawl_log is not None:
            attempt = attempt_of(request, exchange, fetched, failed, began,
                                 time.monotonic() - started)
            if storage_error is not None:
                attempt.status = NOT_ARCHIVED
                attempt.annotations.append("not-archived")
            self._session.crawl_log.write(attempt)
        if storage_error is not None:
            assert self._session is not None
            raise self._session.fail(storage_message(storage_error)) from storage_error

    async def close(self) -> None:
        """Close kept-alive connections and the WARC file."""
        await self._client.close()
        if self._session is not None:
            self._session.close()

    def _capture(self, request: Request, exchange: HttpExchange | None, fetched: Fetched | None,
                 failed: str | None = None) -> None:
        stats = self.crawler.stats
        if exchange is None or self._session is None:
            return
        pointer, revisit, change = self._session.write(exchange, fetched)
        request.meta[META_KEY] = pointer.as_dict()
        request.meta[SEEN_KEY] = (revisit or pointer).date
        if change:
            request.meta[CHANGE_KEY] = change
        if revisit is not None:
            request.meta[REVISIT_KEY] = revisit.as_dict()
        if stats is not None and failed:
            stats.inc_value(f"capture/incomplete/{failed}")

    def _replay(self, request: Request, pointer: CapturePointer, seen: str, why: str,
                ) -> Response:
        """Answer from the WARC: this run captured the page already (before it was
        interrupted, or at first contact)."""
        response = self._from_warc(request, pointer.warc_filename, pointer.warc_offset,
                                   pointer.target_uri)
        request.meta[META_KEY] = pointer.as_dict()
        request.meta[SEEN_KEY] = seen
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"capture/{why}")
        response.flags.append("replayed")
        if why != "first_contact" and self._session is not None and \
                self._session.crawl_log is not None:  # (first contact logged its own fetches)
            self._session.crawl_log.write(attempt_of(
                request, None, None, None, utc_now(), 0, status=response.status,
                annotations=["replayed"]))
        return response

    def _from_warc(self, request: Request, filename: str, offset: int, target_uri: str,
                   ) -> Response:
        """Return Scrapy's response made from the response record at ``filename:offset``."""
        assert self._session is not None
        path = self._session.writer.directory / filename
        if not path.exists():  # written by this very process: the file is still open
            path = path.with_name(path.name + OPEN_SUFFIX)
        with record_at(path, offset) as record:
            entity = response_entity(record, self._maxsize)
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in entity.head.headers]
        fetched = Fetched(entity.head.status, "", "HTTP/1.1", headers, b"",
                          HttpExchange(target_uri, utc_now(), b"", b"", b""), entity.body,
                          entity.problem)
        return _to_scrapy(request, fetched)

    def _stray(self, url: str, data: bytes) -> None:
        """Keep bytes a kept-alive connection received while idle (they answer nothing asked:
        the connection was closed), as a metadata record about the URL fetched last on it."""
        logger.warning("%d bytes arrived on an idle connection after %s: connection closed, "
                       "the bytes kept in a metadata record", len(data), url)
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("capture/stray_bytes", len(data))
        if self._session is not None:
            self._session.writer.write_metadata(url, {"ifes-stray-bytes": data.hex()})

    def _warn_size(self, request: Request, fetched: Fetched) -> None:
        warnsize = request.meta.get("download_warnsize", self._warnsize)
        if warnsize and len(fetched.body) > warnsize:
            logger.warning("Received %d bytes (over DOWNLOAD_WARNSIZE %d) for %s",
                           len(fetched.body), warnsize, request)


def _header_pairs(headers: Headers) -> list[tuple[bytes, bytes]]:
    return [(name, value) for name, values in headers.items() for value in values]


class UndecodableBody(Exception):
    """The body does not decode as its Content-Encoding says (not one byte of it): captured,
    reported, not retried (the server would send the same bytes)."""


def _cut_to_scrapy(request: Request, exchange: HttpExchange, maxsize: int) -> Response:
    """Return Scrapy's response of an answer cut at the size bound, as far as it came."""
    head = read_http_head([exchange.response_bytes])
    if head is None:
        raise DownloadCancelledError(f"{request.url}: cut off inside its head")
    maxsize = request.meta.get("download_maxsize", maxsize)
    body, _ = decode_body(exchange.payload, head.codings, maxsize, cut=True)
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in head.headers]
    response = _to_scrapy(request, Fetched(head.status, "", "HTTP/1.1", headers, exchange.payload,
                                           exchange, body))
    response.flags.append("truncated")
    return response


def _to_scrapy(request: Request, fetched: Fetched) -> Response:
    """Return Scrapy's response: the body with its content coding undone (by the one decoder
    the offline rebuild uses too), ``Content-Encoding`` dropped as Scrapy's own middleware
    does."""
    headers = Headers(fetched.headers)
    if fetched.decode_problem is not None and not fetched.decoded:
        raise UndecodableBody(f"{request.url}: {fetched.decode_problem}")
    if fetched.decode_problem is not None:
        logger.warning("%s: %s (the part that decoded is used)", request.url,
                       fetched.decode_problem)
    if content_codings(v.decode("latin-1") for v in headers.getlist("Content-Encoding")):
        del headers["Content-Encoding"]
    body = fetched.decoded
    respcls = responsetypes.from_args(headers=headers, url=request.url, body=body)
    ip = fetched.exchange.ip_address
    return respcls(url=request.url, status=fetched.status, headers=headers, body=body,
                   ip_address=ipaddress.ip_address(ip) if ip else None,
                   protocol=fetched.http_version)
