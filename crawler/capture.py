"""The capturing download handler: every HTTP exchange goes into WARC before Scrapy sees it.

Installed for ``http`` and ``https`` in ``DOWNLOAD_HANDLERS``. It fetches with
:class:`crawler.http11.Http11Client` (which keeps the wire bytes), writes the request/response
pair through the crawl's capture session (:class:`crawler.session.CaptureSession`) at once —
robots.txt, redirects, error pages, retries and truncated answers included — and only then hands
Scrapy a response, its body decoded by the decoder the offline rebuild uses. Without a session
(no ``ARCHIVE_DIR``) it fetches the same way and captures nothing.

It refuses, before any connection, a request whose origin is not in the crawl's scope
(:mod:`crawler.scope`; the scope middleware refuses those first): whatever path a request came
by — a link, a redirect, robots.txt, a page requisite — nothing outside the scope is contacted
or written to a WARC.

What it leaves in ``request.meta`` is named by the ``*_KEY`` constants below. Settings: Scrapy's
``DOWNLOAD_TIMEOUT``, ``DOWNLOAD_MAXSIZE``, ``DOWNLOAD_WARNSIZE``, and ``DOWNLOAD_MAXWIRESIZE``,
``DOWNLOAD_MAXHEADSIZE``, ``DOWNLOAD_KEEPALIVE`` (:mod:`crawler.settings`).
"""

from __future__ import annotations

import ipaddress
import logging
import time
from typing import TYPE_CHECKING

from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    NotSupported,
    ResponseDataLossError,
)
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

from ifes_archive.archive.types import CapturePointer
from ifes_archive.archive.warcs.codings import content_codings, decode_body
from ifes_archive.archive.warcs.http_messages import read_http_head
from ifes_archive.archive.warcs.reader import record_at, response_entity
from ifes_archive.archive.warcs.writer import OPEN_SUFFIX, HttpExchange, utc_now
from ifes_archive.crawler.crawllog import NOT_ARCHIVED, OUT_OF_SCOPE, Attempt, attempt_of, hops_of
from ifes_archive.crawler.http11 import Http11Client
from ifes_archive.crawler.http_exchange import Fetched, FetchError
from ifes_archive.crawler.runend import run_end
from ifes_archive.crawler.scope import OutOfScope, out_of_scope, scope_of
from ifes_archive.crawler.session import (
    STORAGE_ERRORS,
    CaptureSession,
    StorageFailed,
    storage_message,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable
    from datetime import datetime

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

#: The :class:`~archive.types.CapturePointer` to the record holding the answer's content: its
#: own capture, or for a revisit the original capture it refers to.
META_KEY = "warc_capture"
#: Set on a request whose answer was stored as a revisit: the revisit record's pointer.
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
#: The response's ``Content-Encoding`` as the site sent it (Scrapy is handed the body decoded,
#: the header dropped).
CODINGS_KEY = "content_codings"
_ERRORS: dict[str, type[Exception]] = {
    "connect": DownloadConnectionRefusedError,
    "timeout": DownloadTimeoutError,
    "dataloss": ResponseDataLossError,
    "protocol": DownloadFailedError,
    "maxsize": DownloadCancelledError,
}


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
        self._session = crawler.get_extension(CaptureSession)
        ending = run_end(crawler)
        #: Runs a download; cuts it when the run ends (crawler/runend.py), if that is enabled.
        self._run_end = ending.fetch if ending is not None else _as_is

    async def download_request(self, request: Request) -> Response:
        """Fetch ``request``, capture the exchange, and return Scrapy's response."""
        if request.meta.get("proxy"):
            raise NotSupported("CapturingDownloadHandler does not support proxies")
        if self._session is not None and self._session.failed:
            raise StorageFailed(self._session.failed)  # in flight when the crawl stopped
        self._refuse_out_of_scope(request)
        known = self._session.replayable(request.url) if self._session else None
        if known is not None:
            return self._replay(request, known.pointer, known.seen_date or known.pointer.date,
                                "replayed_on_resume")
        started, began = time.monotonic(), utc_now()
        try:
            fetched = await self._run_end(self._client.fetch(
                request.url, request.method, _header_pairs(request.headers), request.body,
                timeout=request.meta.get("download_timeout", self._timeout),
                maxsize=request.meta.get("download_maxsize", self._maxsize),
                maxwire=request.meta.get("download_maxwiresize", self._maxwire),
                cut=bool(request.meta.get(TRUNCATED_OK_KEY))))
        except FetchError as exc:
            self._account(request, exc.exchange, None, began, started, exc.kind)
            if exc.kind == "maxsize" and exc.exchange and request.meta.get(TRUNCATED_OK_KEY):
                return _cut_to_scrapy(request, exc.exchange, self._maxsize)
            raise _ERRORS[exc.kind](str(exc)) from exc
        request.meta["download_latency"] = time.monotonic() - started
        self._account(request, fetched.exchange, fetched, began, started)
        self._warn_size(request, fetched)
        if fetched.status == 304 and request.meta.get(REPLAY_304_KEY) and \
                request.meta.get(REVISIT_KEY):
            # Not modified: hand Scrapy the capture the 304 confirms, as a cache would.
            original: CapturePointer = request.meta[META_KEY]
            response = self._from_warc(request, original.warc_filename, original.warc_offset,
                                       original.target_uri)
            response.flags.append("not-modified")
            return response
        return _to_scrapy(request, fetched)

    def _refuse_out_of_scope(self, request: Request) -> None:
        """Raise :class:`OutOfScope` (a crawl-log line written) when ``request`` is outside the
        crawl's scope."""
        why = out_of_scope(request, scope_of(self.crawler))
        if why is None:
            return
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("capture/refused_out_of_scope")
        if self._session is not None and self._session.crawl_log is not None:
            self._session.crawl_log.write(Attempt(request.url, OUT_OF_SCOPE, hops=hops_of(request),
                                                  annotations=["out-of-scope", "handler"]))
        raise OutOfScope(f"not fetched: {why}")

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
        """Close kept-alive connections (the session closes the WARC file)."""
        await self._client.close()

    def _capture(self, request: Request, exchange: HttpExchange | None, fetched: Fetched | None,
                 failed: str | None = None) -> None:
        stats = self.crawler.stats
        if exchange is None or self._session is None:
            return
        pointer, revisit, change = self._session.write(exchange, fetched)
        request.meta[META_KEY] = pointer
        request.meta[SEEN_KEY] = (revisit or pointer).date
        if change:
            request.meta[CHANGE_KEY] = change
        if revisit is not None:
            request.meta[REVISIT_KEY] = revisit.as_dict()
        if stats is not None and failed:
            stats.inc_value(f"capture/incomplete/{failed}")

    def _replay(self, request: Request, pointer: CapturePointer, seen: str, why: str,
                ) -> Response:
        """Answer from the WARC: this run captured the page already, before it was
        interrupted."""
        response = self._from_warc(request, pointer.warc_filename, pointer.warc_offset,
                                   pointer.target_uri)
        request.meta[META_KEY] = pointer
        request.meta[SEEN_KEY] = seen
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"capture/{why}")
        response.flags.append("replayed")
        if self._session is not None and self._session.crawl_log is not None:
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
            truncated = bool(record.head.truncated)
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in entity.head.headers]
        fetched = Fetched(entity.head.status, "", "HTTP/1.1", headers, b"",
                          HttpExchange(target_uri, utc_now(), b"", b"", b""), entity.body,
                          entity.problem)
        response = _to_scrapy(request, fetched)
        if truncated:  # a capture cut at its size bound (robots.txt's first 500 KiB)
            response.flags.append("truncated")
        return response

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


async def _as_is(download: Awaitable[Fetched]) -> Fetched:
    return await download


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
    sent = [v.decode("latin-1") for v in headers.getlist("Content-Encoding")]
    if content_codings(sent):
        request.meta[CODINGS_KEY] = ", ".join(sent)
        del headers["Content-Encoding"]
    body = fetched.decoded
    respcls = responsetypes.from_args(headers=headers, url=request.url, body=body)
    ip = fetched.exchange.ip_address
    return respcls(url=request.url, status=fetched.status, headers=headers, body=body,
                   ip_address=ipaddress.ip_address(ip) if ip else None,
                   protocol=fetched.http_version)
