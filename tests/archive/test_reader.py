"""The one reader: content codings bounded, HTTP read as the crawl's client reads it, records
streamed; verify, rebuild and the crawl agree on what a record is."""

from __future__ import annotations

import gzip
import subprocess
import sys
import zlib

import brotli
import pytest

from ifes_archive.archive.warcs.codings import (
    SUPPORTED_CODINGS,
    BodyTooLarge,
    ContentDecoder,
    content_codings,
    decode_body,
)
from ifes_archive.archive.warcs.http_messages import held_entity, read_http
from ifes_archive.archive.warcs.reader import open_records
from ifes_archive.archive.warcs.verify import verify_file
from ifes_archive.archive.warcs.writer import sha1_digest
from tests.archive.test_warc import exchange, writer
from tests.warcs import read_raw_records

try:
    from compression import zstd
except ImportError:  # Python < 3.14
    from backports import zstd

TEXT = "Институт Дальнего Востока РАН ".encode("cp1251") * 2000


def _codings() -> list[tuple[str, bytes]]:
    raw_deflate = zlib.compress(TEXT)[2:-4]
    zstd_frames = zstd.compress(TEXT[:1000]) + zstd.compress(TEXT[1000:])
    return [("gzip", gzip.compress(TEXT)), ("x-gzip", gzip.compress(TEXT)),
            ("deflate", zlib.compress(TEXT)), ("deflate", raw_deflate),
            ("br", brotli.compress(TEXT)), ("zstd", zstd.compress(TEXT)), ("zstd", zstd_frames),
            ("gzip, br", brotli.compress(gzip.compress(TEXT)))]


@pytest.mark.parametrize(("coding", "body"), _codings())
def test_every_accepted_coding_decodes(coding: str, body: bytes) -> None:
    assert decode_body(body, content_codings([coding])) == (TEXT, None)


@pytest.mark.parametrize(("coding", "body"), _codings())
@pytest.mark.parametrize("piece", [1, 2, 3, 1000])
def test_a_coding_decodes_however_the_body_is_split(coding: str, body: bytes, piece: int) -> None:
    # The client decodes as bytes arrive: a raw deflate body whose first piece is one byte
    # cannot be told from zlib yet (it once failed as "incorrect header check").
    decoder = ContentDecoder(content_codings([coding]))
    out = b"".join(p for i in range(0, len(body), piece) for p in decoder.feed(body[i:i + piece]))
    assert out == TEXT and decoder.complete()


#: How a server encodes a body in each coding the crawl may be answered with.
ENCODERS = {"gzip": gzip.compress, "deflate": zlib.compress, "br": brotli.compress,
            "zstd": zstd.compress}


def test_the_reader_decodes_every_coding_a_client_may_ask_for() -> None:
    assert sorted(ENCODERS) == sorted(set(SUPPORTED_CODINGS) - {"x-gzip"})
    for coding in ENCODERS:
        assert decode_body(ENCODERS[coding](TEXT), [coding]) == (TEXT, None)
    assert decode_body(b"x", ["compress"]) == (b"", "unsupported content coding 'compress'")


def test_gzip_members_and_trailing_garbage_decode_as_gzip_does() -> None:
    twice = gzip.compress(TEXT) + gzip.compress(TEXT)
    assert decode_body(twice, ["gzip"]) == (TEXT * 2, None)
    assert decode_body(gzip.compress(TEXT) + b"\0\0junk", ["gzip"]) == (TEXT, None)


def test_a_body_that_goes_bad_gives_what_decoded_before() -> None:
    body = gzip.compress(TEXT)
    partial, why = decode_body(body[: len(body) // 2], ["gzip"])
    assert TEXT.startswith(partial) and 0 < len(partial) < len(TEXT) and "ends early" in why
    nothing, why = decode_body(b"<html>not gzip</html>", ["gzip"])
    assert nothing == b"" and "does not decode" in why
    assert decode_body(b"x", ["compress"])[0] == b""


def test_decoding_stops_at_the_bound() -> None:
    bomb = gzip.compress(b"\0" * 50_000_000)
    with pytest.raises(BodyTooLarge):
        decode_body(bomb, ["gzip"], max_size=1_000_000)


def test_http_is_read_as_h11_reads_it() -> None:
    bare_lf = b"HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK\nContent-Length: 2\n\nokEXTRA"
    scan = read_http([bare_lf[i:i + 3] for i in range(0, len(bare_lf), 3)], keep=True)
    assert (scan.head.status, scan.head.interim, bytes(scan.body)) == (200, 1, b"ok")
    assert scan.complete and scan.trailing == 5
    bad = read_http([b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nok"])
    assert scan.error is None and bad.head is None and "Content-Length" in bad.error


def test_chunk_extensions_are_framing_not_payload() -> None:
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               + b"".join(b"1;" + b"x" * 500 + b"\r\n" + bytes([c]) + b"\r\n" for c in b"hello")
               + b"0\r\n\r\n")
    scan = read_http([chunked], keep=True, digest=True)
    assert bytes(scan.body) == b"hello" and scan.complete
    assert held_entity(chunked[:700]) == b"h"


def _one_record(tmp_path, **changes):
    w = writer(tmp_path)
    w.write_exchange(exchange(**changes))
    w.close()
    (path,) = tmp_path.iterdir()
    return path


def test_a_bare_lf_response_is_a_record_to_verify_too(tmp_path) -> None:
    response = b"HTTP/1.1 200 OK\nContent-Type: text/html\nContent-Length: 4\n\nbody"
    path = _one_record(tmp_path, response_bytes=response, payload=b"body")
    assert verify_file(path).ok, verify_file(path).problems
    with open_records(path) as records:
        heads = [(r.head.type, r.http_head()) for r in records]
    assert heads[1][1].status == 200 and heads[1][1].content_type == "text/html"


def test_verify_reports_a_malformed_capture_without_a_traceback(tmp_path) -> None:
    response = b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nbody"
    path = _one_record(tmp_path / "marked", response_bytes=response, payload=b"",
                       truncated="unspecified")
    assert verify_file(path).ok  # the crawl said it stopped reading there
    path = _one_record(tmp_path / "unmarked", response_bytes=response, payload=b"")
    (problem,) = verify_file(path).problems
    assert "malformed HTTP response: bad Content-Length" in problem


def test_bytes_after_the_message_must_be_declared(tmp_path) -> None:
    response = b"HTTP/1.1 304 Not Modified\r\nETag: \"a\"\r\n\r\n<html>a body after a 304"
    path = _one_record(tmp_path / "declared", response_bytes=response, payload=b"", trailing=24)
    assert verify_file(path).ok, verify_file(path).problems
    record = read_raw_records(path)[1]
    assert record.headers["WARC-Trailing-Bytes"] == "24" and record.block == response
    path = _one_record(tmp_path / "silent", response_bytes=response, payload=b"")
    assert any("24 bytes after the end" in p for p in verify_file(path).problems)


def test_a_truncated_capture_digests_what_it_holds(tmp_path) -> None:
    body = b"x" * 5000
    response = b"HTTP/1.1 200 OK\r\nContent-Length: 9000\r\n\r\n" + body
    path = _one_record(tmp_path, response_bytes=response, payload=held_entity(response),
                       truncated="length")
    assert verify_file(path).ok, verify_file(path).problems
    assert read_raw_records(path)[1].headers["WARC-Payload-Digest"] == sha1_digest(body)
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(path)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
