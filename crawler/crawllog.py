"""The per-run crawl log: one line per fetch attempt, in the manner of Heritrix's ``crawl.log``.

Columns, space-separated (``-`` for nothing), as Heritrix 3 writes them so the tools that read
its logs read this one:

1. when the line was written (ISO 8601, UTC, milliseconds);
2. the HTTP status, or a negative failure code (Heritrix's: -2 connection failed, -3 connection
   broken, -4 timed out, -5 unreadable answer, -7 unfetchable URL, -61 robots.txt unavailable,
   -4000 refused by a bound (a crawler trap, too many links: :mod:`crawler.bounds`), -4001 too
   many links from the front page (``DEPTH_LIMIT``), -5000 out of scope, -6000 not archived (the
   archive could not be written), -9998 blocked by robots.txt);
3. bytes received (head and body as they came);
4. the URL;
5. the discovery path: one letter per hop from the seed (``L`` link, ``R`` redirect, ``E``
   embedded, ``P`` prerequisite such as robots.txt; ``-`` for the seed);
6. the referrer (``via``);
7. the content type;
8. the worker (``-``: Scrapy has one thread);
9. when the fetch began (``yyyyMMddHHmmssSSS``) ``+`` how long it took in milliseconds;
10. the payload digest (``sha1:BASE32``, of what the record holds);
11. source tag (``-``);
12. annotations, comma-separated: ``truncated:length|time|disconnect|unspecified``,
    ``retry:N``, ``robots-blocked``, ``trailing:N`` (bytes after the message, kept),
    ``revisit:not-modified|identical``, ``replayed`` (answered from this run's own WARC),
    ``maxsize``, ``content-coding`` (a body that does not decode), ``stray:N`` (bytes an idle
    connection received), ``out-of-scope``, ``redirect-loop``, ``not-archived``,
    ``bound:NAME`` (the bound that refused or cut the URL, as the run report names it).

Each line is flushed as it is written: the log of a run that died is complete up to its end.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TextIO

from ifes_archive.archive.warcs.http_messages import read_http_head

if TYPE_CHECKING:
    from pathlib import Path

    from ifes_archive.archive.warcs.writer import HttpExchange

logger = logging.getLogger(__name__)

#: Heritrix's fetch status codes for what is not an HTTP status.
CONNECT_FAILED = -2
CONNECTION_BROKEN = -3
TIMED_OUT = -4
UNREADABLE = -5
UNFETCHABLE = -7
ROBOTS_UNAVAILABLE = -61
OUT_OF_SCOPE = -5000
NOT_ARCHIVED = -6000
ROBOTS_BLOCKED = -9998
#: ``request.meta`` key of a request's discovery path (set by DiscoveryPathMiddleware).
HOPS_KEY = "hops"
#: ``request.meta`` key of first contact's requests (robots.txt, the front page, its redirects):
#: their crawl-log lines say ``first-contact``.
FIRST_CONTACT_KEY = "first_contact"


@dataclass
class Attempt:
    """One fetch attempt (or a URL refused before one), as the crawl log says it."""

    url: str
    status: int
    size: int = 0
    hops: str = ""
    via: str = ""
    content_type: str = ""
    started: datetime | None = None
    duration_ms: int = 0
    digest: str = ""
    annotations: list[str] = field(default_factory=list)


def _cell(value: str) -> str:
    # One column each: no spaces or line breaks from a server's header may split a line.
    if value.isprintable() and " " not in value:
        # Nothing to escape (the space is the one printable character str.isspace() takes).
        return value or "-"
    text = "".join(c if c.isprintable() and not c.isspace() else f"%{ord(c):02X}"
                   for c in value) if value else ""
    return text or "-"


def format_line(attempt: Attempt, now: datetime | None = None) -> str:
    """Return the crawl-log line of ``attempt``."""
    now = now or datetime.now(timezone.utc)
    began = attempt.started or now
    fetch = began.astimezone(timezone.utc).strftime("%Y%m%d%H%M%S%f")[:17]
    return " ".join([
        now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:23] + "Z",
        f"{attempt.status:>5}", f"{attempt.size:>10}", _cell(attempt.url),
        _cell(attempt.hops), _cell(attempt.via), _cell(attempt.content_type), "-",
        f"{fetch}+{attempt.duration_ms}", _cell(attempt.digest), "-",
        _cell(",".join(attempt.annotations))])


class CrawlLog:
    """Appends attempts to one run's crawl log."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: TextIO | None = open(path, "a", encoding="utf-8", newline="\n")  # noqa: SIM115
        self.lines = 0

    def write(self, attempt: Attempt) -> None:
        """Append one line (flushed at once)."""
        if self._file is None:
            return
        try:
            self._file.write(format_line(attempt) + "\n")
            self._file.flush()
        except OSError as exc:  # the disk is full: the WARC writer will say so too
            logger.error("cannot write the crawl log %s: %s", self.path, exc)
            self._file = None
            return
        self.lines += 1

    def close(self) -> None:
        """Close the file."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None


#: Failure codes of the HTTP client's failure kinds (a head already read gives its status).
FAILURE_CODES = {"connect": CONNECT_FAILED, "timeout": TIMED_OUT, "dataloss": CONNECTION_BROKEN,
                 "protocol": UNREADABLE, "maxsize": CONNECTION_BROKEN}


def hops_of(request: Any) -> str:
    """Return the discovery path of a Scrapy request (its links, then its redirects)."""
    if request.url.endswith("/robots.txt") and request.meta.get("dont_obey_robotstxt"):
        return "P"
    return request.meta.get(HOPS_KEY, "") + "R" * len(request.meta.get("redirect_urls", []))


def attempt_of(request: Any, exchange: HttpExchange | None, fetched: Any, failed: str | None,
               began: datetime, seconds: float, status: int | None = None,
               annotations: list[str] | None = None) -> Attempt:
    """Return the crawl-log line of one attempt at ``request``: what came (``exchange``, and
    ``fetched`` when the answer was whole) or how it failed (``failed``, a client failure
    kind)."""
    notes = list(annotations or [])
    head = None
    if fetched is not None and exchange is not None and exchange.response_bytes:
        # A whole answer: its head is the one the client parsed (read the same way, by h11).
        content_type = _last_value(fetched.headers, b"content-type")
    else:
        if exchange is not None and exchange.response_bytes:
            head = read_http_head([exchange.response_bytes])
        content_type = head.content_type if head is not None else None
    if status is None:
        status = fetched.status if fetched is not None else (
            head.status if head is not None else FAILURE_CODES.get(failed or "", UNREADABLE))
    if exchange is not None and exchange.truncated:
        notes.append(f"truncated:{exchange.truncated}")
    if failed == "maxsize":
        notes.append("maxsize")
    if exchange is not None and exchange.trailing:
        notes.append(f"trailing:{exchange.trailing}")
    revisit = request.meta.get("warc_revisit")
    if revisit and fetched is not None:
        notes.append("revisit:" + ("not-modified" if fetched.status == 304 else "identical"))
    if fetched is not None and fetched.decode_problem:
        notes.append("content-coding")
    if request.meta.get("retry_times"):
        notes.append(f"retry:{request.meta['retry_times']}")
    if request.meta.get(FIRST_CONTACT_KEY):
        notes.insert(0, "first-contact")
    referer = request.headers.get("Referer")
    return Attempt(
        request.url, status, len(exchange.response_bytes) if exchange else 0, hops_of(request),
        referer.decode("latin-1") if referer else "",
        content_type or "", began, int(seconds * 1000),
        exchange.payload_digest if exchange and exchange.response_bytes else "", notes)


def _last_value(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    """Return the last value of header ``name`` (lower case) in raw ``headers``, as text."""
    values = [v for k, v in headers if k.lower() == name]
    return values[-1].decode("latin-1") if values else None


def parse_line(line: str) -> dict[str, str]:
    """Return the columns of one crawl-log line by name (for tests and tools)."""
    names = ("time", "status", "size", "url", "hops", "via", "content_type", "worker", "fetch",
             "digest", "source", "annotations")
    return dict(zip(names, line.split()))
