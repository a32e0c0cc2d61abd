"""The capturing download handler: every HTTP exchange goes into WARC before Scrapy sees it.

Installed for ``http`` and ``https`` in ``DOWNLOAD_HANDLERS``. It fetches with
:class:`crawler.http11.Http11Client` (which keeps the wire bytes), writes the request/response
pair through the crawl's :class:`archive.warc.CaptureWriter` at once — robots.txt, redirects,
error pages, retries and truncated answers included — and only then hands Scrapy a response.
The pointer to the response record is left in ``request.meta["warc_capture"]``.

Settings: ``WARC_DIR`` (no capture when empty), ``WARC_PREFIX``, ``WARC_MAX_SIZE``,
``WARC_OPERATOR``, ``WARC_IS_PART_OF``, ``WARC_FSYNC_EVERY``; and Scrapy's ``DOWNLOAD_TIMEOUT``,
``DOWNLOAD_MAXSIZE``, ``DOWNLOAD_WARNSIZE``.
"""

from __future__ import annotations

import ipaddress
import logging
import platform
import time
import weakref
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals
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

from archive.warc import WARC_1_1_SPEC, CaptureWriter, HttpExchange
from crawler.http11 import Fetched, FetchError, Http11Client

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

META_KEY = "warc_capture"
_ERRORS: dict[str, type[Exception]] = {
    "connect": DownloadConnectionRefusedError,
    "timeout": DownloadTimeoutError,
    "dataloss": ResponseDataLossError,
    "protocol": DownloadFailedError,
    "maxsize": DownloadCancelledError,
}
_stores: weakref.WeakKeyDictionary[Crawler, CaptureWriter | None] = weakref.WeakKeyDictionary()


def capture_store(crawler: Crawler) -> CaptureWriter | None:
    """Return the crawl's one WARC writer (None when ``WARC_DIR`` is unset), made on first use."""
    if crawler not in _stores:
        _stores[crawler] = _make_store(crawler)
    return _stores[crawler]


def _make_store(crawler: Crawler) -> CaptureWriter | None:
    settings = crawler.settings
    directory = settings.get("WARC_DIR")
    if not directory:
        logger.warning("WARC_DIR is not set: exchanges are not captured")
        return None
    store = CaptureWriter(Path(directory), prefix=settings.get("WARC_PREFIX", "ifes"),
                          max_size=settings.getint("WARC_MAX_SIZE", 1_000_000_000),
                          warcinfo=warcinfo_fields(crawler),
                          fsync_every=settings.getint("WARC_FSYNC_EVERY", 50))
    crawler.signals.connect(store.close, signal=signals.engine_stopped)
    return store


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


def warcinfo_fields(crawler: Crawler) -> dict[str, str]:
    """Return the fields of the warcinfo record that opens every WARC file of this crawl."""
    settings = crawler.settings
    return {
        "software": software(),
        "format": "WARC File Format 1.1",
        "conformsTo": WARC_1_1_SPEC,
        "hostname": platform.node(),
        "operator": settings.get("WARC_OPERATOR", ""),
        "isPartOf": settings.get("WARC_IS_PART_OF", ""),
        "description": settings.get("WARC_DESCRIPTION", ""),
        "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        "http-header-user-agent": settings.get("USER_AGENT", ""),
    }


class CapturingDownloadHandler(BaseDownloadHandler):
    """Downloads over HTTP/1.1 and writes each exchange to WARC before returning it."""

    lazy = False

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        settings = crawler.settings
        self._maxsize = settings.getint("DOWNLOAD_MAXSIZE")
        self._warnsize = settings.getint("DOWNLOAD_WARNSIZE")
        self._timeout = settings.getfloat("DOWNLOAD_TIMEOUT")
        self._client = Http11Client(connect_timeout=min(self._timeout, 30.0))
        self._store = capture_store(crawler)

    async def download_request(self, request: Request) -> Response:
        """Fetch ``request``, capture the exchange, and return Scrapy's response."""
        if request.meta.get("proxy"):
            raise NotSupported("CapturingDownloadHandler does not support proxies")
        started = time.monotonic()
        try:
            fetched = await self._client.fetch(
                request.url, request.method, _header_pairs(request.headers), request.body,
                timeout=request.meta.get("download_timeout", self._timeout),
                maxsize=request.meta.get("download_maxsize", self._maxsize))
        except FetchError as exc:
            self._capture(request, exc.exchange, failed=exc.kind)
            raise _ERRORS[exc.kind](str(exc)) from exc
        request.meta["download_latency"] = time.monotonic() - started
        self._capture(request, fetched.exchange)
        self._warn_size(request, fetched)
        return _to_scrapy(request, fetched)

    async def close(self) -> None:
        """Close kept-alive connections and the WARC file."""
        await self._client.close()
        if self._store is not None:
            self._store.close()

    def _capture(self, request: Request, exchange: HttpExchange | None,
                 failed: str | None = None) -> None:
        stats = self.crawler.stats
        if exchange is None or self._store is None:
            return
        pointer = self._store.write_exchange(exchange)
        request.meta[META_KEY] = pointer.as_dict()
        if stats is not None:
            stats.inc_value("capture/exchanges")
            stats.inc_value("capture/response_bytes", len(exchange.response_bytes))
            if failed:
                stats.inc_value(f"capture/incomplete/{failed}")

    def _warn_size(self, request: Request, fetched: Fetched) -> None:
        warnsize = request.meta.get("download_warnsize", self._warnsize)
        if warnsize and len(fetched.body) > warnsize:
            logger.warning("Received %d bytes (over DOWNLOAD_WARNSIZE %d) for %s",
                           len(fetched.body), warnsize, request)


def _header_pairs(headers: Headers) -> list[tuple[bytes, bytes]]:
    return [(name, value) for name, values in headers.items() for value in values]


def _to_scrapy(request: Request, fetched: Fetched) -> Response:
    headers = Headers(fetched.headers)
    respcls = responsetypes.from_args(headers=headers, url=request.url, body=fetched.body)
    ip = fetched.exchange.ip_address
    return respcls(url=request.url, status=fetched.status, headers=headers, body=fetched.body,
                   ip_address=ipaddress.ip_address(ip) if ip else None,
                   protocol=fetched.http_version)
