"""Content codings undone: gzip, deflate (zlib-wrapped or raw), br and zstd, streamed and bounded.

One decoder for the crawl's capturing handler, the offline rebuild and every other reader of a
captured body: a body is decoded in pieces of at most :data:`READ_CHUNK` bytes and never past
``max_size`` (:data:`DEFAULT_MAX_BODY`, the crawl's ``DOWNLOAD_MAXSIZE`` default) — past it the
caller learns that the body is over the bound, and nothing more is decoded.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

#: 20 MiB: the crawl's DOWNLOAD_MAXSIZE default; pages of the site are tens of kB.
DEFAULT_MAX_BODY = 20 * 1024 * 1024
#: 20 MiB of body (decoded) across one article's pages: the crawl's ARTICLE_MAXSIZE default and
#: the rebuild's. The site's longest articles are a few hundred kB; building a record costs
#: several times its pages, so a run of huge pages must stop somewhere.
DEFAULT_MAX_ARTICLE = 20 * 1024 * 1024
#: The pieces a block is read in and a body is decoded in.
READ_CHUNK = 64 * 1024

try:
    import brotli
except ImportError:  # PyPy: the CFFI binding of the same library (as Scrapy takes it)
    import brotlicffi as brotli  # type: ignore[import-not-found,unused-ignore]
try:
    # (one of the two is found, depending on the Python: each ignore is unused on the other)
    from compression import zstd  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # Python < 3.14: the backport of the standard library's module
    from backports import zstd  # type: ignore[import-not-found,no-redef,unused-ignore]


#: How the message of :class:`BodyTooLarge` starts (a body over its bound is not a defect).
TOO_LARGE = "body over"


class BodyTooLarge(Exception):
    """A decoded or kept body went over its bound."""


class ContentCodingError(Exception):
    """A body that does not decode as its ``Content-Encoding`` says."""


class _Gzip:
    """gzip (several members allowed, as gzip(1) writes them); zlib-wrapped or raw for deflate.

    RFC 9110 says ``deflate`` is zlib-wrapped, but servers (IIS, some PHP set-ups) send it raw;
    browsers take both, and so does this: until the zlib reading has produced output, the input
    is kept, and a zlib error starts it again as raw deflate (however the bytes were split)."""

    def __init__(self, wbits: int):
        self._wbits = wbits
        self._inner = zlib.decompressobj(wbits)
        #: Input seen while a deflate body may still be raw rather than zlib-wrapped.
        self._undecided: bytearray | None = bytearray() if wbits == zlib.MAX_WBITS else None

    def decode(self, data: bytes, limit: int) -> tuple[bytes, bytes]:
        """Return (output of at most ``limit`` bytes, input not consumed yet)."""
        try:
            if self._inner.eof:
                rest = self._inner.unused_data + data
                if self._wbits != zlib.MAX_WBITS | 16 or not rest.startswith(b"\x1f\x8b"):
                    return b"", b""  # trailing garbage after the stream: ignored, as gzip(1) does
                self._inner = zlib.decompressobj(self._wbits)
                data = rest
            if self._undecided is not None:
                self._undecided += data
            out = self._inner.decompress(data, limit)
        except zlib.error as exc:
            if self._undecided is not None:
                return self._as_raw_deflate(limit)
            raise ContentCodingError(str(exc)) from exc
        if out or self._inner.eof or len(self._undecided or b"") > READ_CHUNK:
            self._undecided = None
        # At the end of a member the rest of the input is in unused_data (next call).
        return out, b"" if self._inner.eof else self._inner.unconsumed_tail

    def _as_raw_deflate(self, limit: int) -> tuple[bytes, bytes]:
        assert self._undecided is not None
        seen, self._undecided = bytes(self._undecided), None
        self._wbits, self._inner = -zlib.MAX_WBITS, zlib.decompressobj(-zlib.MAX_WBITS)
        return self.decode(seen, limit)

    def complete(self) -> bool:
        return bool(self._inner.eof)


class _Brotli:
    def __init__(self) -> None:
        self._inner = brotli.Decompressor()

    def decode(self, data: bytes, limit: int) -> tuple[bytes, bytes]:
        try:
            if data and not self._inner.can_accept_more_data():
                out = self._inner.process(b"", output_buffer_limit=limit)
                return out, data
            return self._inner.process(data, output_buffer_limit=limit), b""
        except brotli.error as exc:
            raise ContentCodingError(str(exc)) from exc

    def complete(self) -> bool:
        return self._inner.is_finished()


class _Zstd:
    """zstd (RFC 8878): several frames in a row decode as one stream, as zstd(1) reads them."""

    def __init__(self) -> None:
        self._inner = zstd.ZstdDecompressor()

    def decode(self, data: bytes, limit: int) -> tuple[bytes, bytes]:
        try:
            if self._inner.eof:
                data = self._inner.unused_data + data
                if not data:
                    return b"", b""
                self._inner = zstd.ZstdDecompressor()
            out = self._inner.decompress(data, limit)
        except zstd.ZstdError as exc:
            raise ContentCodingError(str(exc)) from exc
        # It keeps its own input (needs_input says when it is empty); at the end of a frame the
        # rest is in unused_data, taken up by the next call.
        return out, b""

    def complete(self) -> bool:
        return bool(self._inner.eof) and not self._inner.unused_data


_DECODERS: dict[str, Callable[[], Any]] = {
    "gzip": lambda: _Gzip(zlib.MAX_WBITS | 16),
    "x-gzip": lambda: _Gzip(zlib.MAX_WBITS | 16),
    "deflate": lambda: _Gzip(zlib.MAX_WBITS),
    "br": _Brotli,
    "zstd": _Zstd,
}


def _decoder(coding: str) -> Any:
    try:
        return _DECODERS[coding]()
    except KeyError:
        raise ContentCodingError(f"unsupported content coding {coding!r}") from None


#: The codings :class:`ContentDecoder` reads: the crawl asks for some of them (its
#: ``ACCEPT_ENCODING`` setting may name no other), and reads all of them when a server sends
#: one unasked, so whatever a server answers with, the rebuild reads too.
SUPPORTED_CODINGS = tuple(_DECODERS)


def content_codings(values: Iterable[str]) -> list[str]:
    """Return the content codings of ``Content-Encoding`` values, in the order applied."""
    codings = [c.strip().lower() for value in values for c in value.split(",")]
    return [c for c in codings if c and c != "identity"]


class ContentDecoder:
    """Decodes a body through its content codings as it streams by, never producing more than
    ``max_size`` bytes: :meth:`feed` yields decoded pieces and raises :class:`BodyTooLarge` once
    the total would pass the bound, :class:`ContentCodingError` on bytes that do not decode."""

    def __init__(self, codings: list[str], max_size: int = DEFAULT_MAX_BODY):
        # Applied in order by the server, so undone last-first.
        self._stages = [_decoder(c) for c in reversed(codings)]
        self.max_size = max_size
        self.decoded = 0

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Yield the decoded output of ``data`` (in pieces of at most :data:`READ_CHUNK`)."""
        yield from self._through(0, bytes(data))

    def _through(self, stage: int, data: bytes) -> Iterator[bytes]:
        if stage == len(self._stages):
            self.decoded += len(data)
            if self.max_size and self.decoded > self.max_size:
                raise BodyTooLarge(f"{TOO_LARGE} {self.max_size} bytes once decoded")
            if data:
                yield data
            return
        decoder = self._stages[stage]
        pending = data
        while True:
            out, pending = decoder.decode(pending, READ_CHUNK)
            if out:
                yield from self._through(stage + 1, out)
            if not out and not pending:
                return

    def complete(self) -> bool:
        """Whether every coding reached the end of its stream."""
        return all(stage.complete() for stage in self._stages)


def decode_body(body: bytes, codings: list[str], max_size: int = DEFAULT_MAX_BODY,
                cut: bool = False) -> tuple[bytes, str | None]:
    """Return (the decoded body, why it is not all of it or None).

    Like browsers and Scrapy's gunzip, a body that breaks off or goes bad half-way gives what
    decoded before that; one whose first bytes already fail gives ``b""`` and the reason.
    Past ``max_size`` it raises :class:`BodyTooLarge`, or with ``cut`` gives the first
    ``max_size`` bytes at most."""
    if not codings:
        if max_size and len(body) > max_size:
            if cut:
                return body[:max_size], f"{TOO_LARGE} {max_size} bytes"
            raise BodyTooLarge(f"{TOO_LARGE} {max_size} bytes")
        return body, None
    try:
        decoder = ContentDecoder(codings, max_size)
    except ContentCodingError as exc:
        return b"", str(exc)
    out = bytearray()
    try:
        for start in range(0, len(body), READ_CHUNK):
            for piece in decoder.feed(body[start:start + READ_CHUNK]):
                out += piece
    except ContentCodingError as exc:
        return bytes(out), f"{'+'.join(codings)} does not decode: {exc}"
    except BodyTooLarge as exc:
        if not cut:
            raise
        return bytes(out), str(exc)
    if not decoder.complete():
        return bytes(out), f"{'+'.join(codings)} stream ends early"
    return bytes(out), None
