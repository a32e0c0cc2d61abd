"""A polite HTTP client for public web archives: one request at a time, a floor between two,
``429``/``5xx`` and lost connections retried with back-off, ``Retry-After`` obeyed, the
operator's contact in the User-Agent, every request counted; every answer read within a size
(``max_size``: :class:`AnswerTooLarge`, never retried) and within ``timeout`` seconds as a
whole, however slowly or endlessly the archive sends it.

Plain ``urllib`` rather than the crawl's Scrapy stack: an import is a short list of known URLs
fetched in order, with no links to follow and no reactor to share, and the archive's answer is
parsed again anyway (:mod:`archive.corpus.imports.records`); the crawl's capturing handler keeps
wire bytes, which for a replay would be the archive's transfer, not the capture. Redirects are
not followed: an archive that redirects a capture to another (a "closest" one) has not replayed
it.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.client import HTTPException
from typing import TYPE_CHECKING, Any

from ifes_archive.archive.corpus.imports.records import Replayed

if TYPE_CHECKING:
    from collections.abc import Callable
    from email.message import Message

#: Answers worth asking again after a pause: too many requests, and the server's troubles.
RETRIED = frozenset({429, 500, 502, 503, 504})
#: Bytes asked of the socket at a time (a read returns what has come, up to this).
CHUNK = 64 * 1024


class ArchiveUnavailable(Exception):
    """The archive gave no usable answer after every retry."""


class AnswerTooLarge(Exception):
    """An answer's body went past the size it may have (asking again would not shrink it)."""

    def __init__(self, url: str, max_size: int):
        super().__init__(f"{url}: the answer goes past {max_size:,} bytes")
        self.url, self.max_size = url, max_size


class _TooSlow(Exception):
    """An answer still coming when its time was up."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass
class ArchiveClient:
    """Fetches URLs of one archive politely (module docstring)."""

    user_agent: str
    delay: float = 1.0
    retries: int = 5
    max_backoff: float = 300.0
    timeout: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    requests: int = 0
    """Requests sent, retries included."""
    waited: float = 0.0
    """Seconds slept for the rate limit and back-off."""
    _next: float = field(default=0.0, repr=False)
    _opener: urllib.request.OpenerDirector = field(
        default_factory=lambda: urllib.request.build_opener(_NoRedirect), repr=False)

    def get(self, url: str, max_size: int = 0) -> Replayed:
        """Return the archive's answer to a GET of ``url`` (any status but the retried ones);
        raise ArchiveUnavailable when every try failed, AnswerTooLarge when the body goes
        past ``max_size`` bytes (0: no bound)."""
        problem = ""
        for attempt in range(self.retries + 1):
            self._pause(self._next - self.clock())
            answer, problem, retry_after = self._once(url, max_size)
            if answer is not None:
                return answer
            if attempt < self.retries:
                self._pause(self._backoff(attempt, retry_after))
        raise ArchiveUnavailable(f"{url}: {problem} (after {self.retries + 1} tries)")

    def _once(self, url: str, max_size: int) -> tuple[Replayed | None, str, float | None]:
        """Send one request: (answer, "", None), or (None, why, Retry-After seconds)."""
        self.requests += 1
        self._next = self.clock() + self.delay
        deadline = self.clock() + self.timeout
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                body = self._body(response, url, max_size, deadline)
                return _replayed(response.status, response.reason, response.headers, body), "", None
        except urllib.error.HTTPError as error:
            if error.code in RETRIED:
                error.close()
                return None, f"HTTP {error.code}", retry_after(error.headers.get("Retry-After"))
            try:
                body = self._body(error, url, max_size, deadline)
            except (_TooSlow, HTTPException, OSError) as exc:
                return None, f"HTTP {error.code}, its body not read whole ({exc})", None
            return _replayed(error.code, error.reason, error.headers, body), "", None
        except _TooSlow:
            return None, f"no whole answer within {self.timeout:g} s", None
        except (urllib.error.URLError, HTTPException, OSError) as error:
            return None, f"no answer ({getattr(error, 'reason', error)})", None

    def _body(self, response: Any, url: str, max_size: int, deadline: float) -> bytes:
        """Return the body of ``response``, read as it comes; raise AnswerTooLarge past
        ``max_size`` bytes, _TooSlow past ``deadline``."""
        parts, size = [], 0
        while chunk := response.read1(CHUNK):
            parts.append(chunk)
            size += len(chunk)
            if max_size and size > max_size:
                response.close()
                raise AnswerTooLarge(url, max_size)
            if self.clock() > deadline:
                response.close()
                raise _TooSlow
        return b"".join(parts)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_backoff)
        return min(max(self.delay, 1.0) * 2 ** attempt, self.max_backoff)

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self.waited += seconds
            self.sleep(seconds)


def _replayed(status: int, reason: str, headers: Message, body: bytes) -> Replayed:
    return Replayed(status, str(reason or ""), list(headers.items()), body)


def retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Return the seconds a ``Retry-After`` (seconds or an HTTP date) asks to wait, None when
    missing or unreadable."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now())
    except (TypeError, ValueError):
        return None
