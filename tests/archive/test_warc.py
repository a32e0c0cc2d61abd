"""WARC writing: exact records, linked pairs, naming, roll-over, crash close-out."""

from __future__ import annotations

import gzip
import itertools
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from ifes_archive.archive.warcs.closeout import close_out_open_files
from ifes_archive.archive.warcs.verify import verify_file
from ifes_archive.archive.warcs.writer import CaptureWriter, HttpExchange, sha1_digest
from tests.warcs import read_raw_records

WHEN = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc)
BODY = gzip.compress(b"<html>\xcf\xf0\xe8\xe2\xe5\xf2</html>", mtime=0)
RESPONSE = (b"HTTP/1.1 200 OK\r\nDate: x\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
            b"Content-Encoding: gzip\r\nContent-Length: " + str(len(BODY)).encode()
            + b"\r\n\r\n" + BODY)
REQUEST = b"GET /index.php?a=1&b=2 HTTP/1.1\r\nHost: example.org:8080\r\nUser-Agent: t\r\n\r\n"
URI = "http://example.org:8080/index.php?a=1&b=2"


def exchange(**changes: object) -> HttpExchange:
    fields = {"target_uri": URI, "date": WHEN, "request_bytes": REQUEST, "response_bytes": RESPONSE,
                  "payload": BODY, "ip_address": "192.0.2.1"}
    fields.update(changes)
    return HttpExchange(**fields)  # type: ignore[arg-type]


def writer(tmp_path: Path, **kwargs: object) -> CaptureWriter:
    ids = (f"<urn:uuid:00000000-0000-0000-0000-{n:012d}>" for n in itertools.count())
    return CaptureWriter(tmp_path, hostname="testhost", make_id=lambda: next(ids),
                         now=lambda: WHEN, warcinfo={"software": "test/1"}, **kwargs)


def test_pair_is_written_verbatim_and_linked(tmp_path: Path) -> None:
    w = writer(tmp_path)
    pointer = w.write_exchange(exchange())
    assert (tmp_path / (pointer.warc_filename + ".open")).exists()
    w.close()
    path = tmp_path / "ifes-20260102030405-00000-testhost.warc.gz"
    assert pointer.warc_filename == path.name and path.exists()
    warcinfo, response, request = read_raw_records(path)
    assert warcinfo.type == "warcinfo" and warcinfo.block == b"software: test/1\r\n"
    assert response.block == RESPONSE and request.block == REQUEST
    assert response.headers == {
        "WARC-Type": "response",
        "WARC-Record-ID": "<urn:uuid:00000000-0000-0000-0000-000000000001>",
        "WARC-Date": "2026-01-02T03:04:05.678901Z",
        "WARC-Target-URI": URI,
        "WARC-Concurrent-To": "<urn:uuid:00000000-0000-0000-0000-000000000002>",
        "WARC-IP-Address": "192.0.2.1",
        "Content-Type": "application/http; msgtype=response",
        "WARC-Payload-Digest": sha1_digest(BODY),
        "WARC-Block-Digest": sha1_digest(RESPONSE),
        "Content-Length": str(len(RESPONSE)),
    }
    assert request.headers["WARC-Concurrent-To"] == response.id
    assert (pointer.warc_offset, pointer.warc_record_id) == (response.offset, response.id)
    assert verify_file(path).ok


def test_each_record_is_its_own_gzip_member(tmp_path: Path) -> None:
    w = writer(tmp_path)
    pointer = w.write_exchange(exchange())
    w.close()
    data = (tmp_path / pointer.warc_filename).read_bytes()
    member = data[pointer.warc_offset:pointer.warc_offset + pointer.warc_length]
    assert gzip.decompress(member).startswith(b"WARC/1.1\r\nWARC-Type: response\r\n")


def test_warcio_check_passes(tmp_path: Path) -> None:
    w = writer(tmp_path)
    w.write_exchange(exchange())
    w.close()
    result = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", *map(str, tmp_path.iterdir())],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    assert result.stdout.count("digest pass") == 3


def test_rolls_over_at_size_with_serials(tmp_path: Path) -> None:
    w = writer(tmp_path, max_size=1)
    names = [w.write_exchange(exchange()).warc_filename for _ in range(3)]
    w.close()
    assert [n.split("-")[2] for n in names] == ["00000", "00001", "00002"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    later = writer(tmp_path)
    assert later.write_exchange(exchange()).warc_filename.split("-")[2] == "00003"


def test_truncated_exchange_is_marked(tmp_path: Path) -> None:
    w = writer(tmp_path)
    short = RESPONSE[:-5]
    pointer = w.write_exchange(exchange(response_bytes=short, payload=BODY[:-5],
                                        truncated="disconnect"))
    w.close()
    response = read_raw_records(tmp_path / pointer.warc_filename)[1]
    assert response.headers["WARC-Truncated"] == "disconnect"
    assert verify_file(tmp_path / pointer.warc_filename).ok


def test_crash_leftover_is_closed_out_with_whole_records(tmp_path: Path) -> None:
    w = writer(tmp_path)
    for _ in range(3):
        w.write_exchange(exchange())
    open_file = next(tmp_path.glob("*.open"))
    whole = open_file.stat().st_size
    member = gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 999\r\n\r\nxx")
    with open(open_file, "ab") as stream:  # a torn record, as a SIGKILL mid-write leaves
        stream.write(member[: len(member) // 2])
    (closed,) = close_out_open_files(tmp_path)
    assert not list(tmp_path.glob("*.open"))
    assert closed.stat().st_size == whole
    with open(closed, "rb") as stream:
        assert len(list(ArchiveIterator(stream))) == 7
    assert verify_file(closed).ok


def test_a_pair_reaches_the_file_whole_or_not_at_all(tmp_path: Path) -> None:
    w = writer(tmp_path)
    w.write_exchange(exchange())
    open_file = next(tmp_path.glob("*.open"))
    whole = open_file.stat().st_size
    w.write_exchange(exchange())
    data = open_file.read_bytes()
    # The disk kept the response of the second pair and half its request (a machine crash).
    (request_start,) = [i for i in range(whole + 1, len(data) - 1) if data[i:i + 3] == b"\x1f\x8b\x08"]
    open_file.write_bytes(data[: request_start + (len(data) - request_start) // 2])
    (closed,) = close_out_open_files(tmp_path)
    assert closed.stat().st_size == whole, "the lone response must go with its torn request"
    assert verify_file(closed).ok


@pytest.mark.parametrize(("response", "payload", "expected"), [
    (RESPONSE.replace(b"Content-Length: ", b"Content-Length: 1"), BODY, "Content-Length"),
    (RESPONSE.replace(b"Content-Encoding: gzip\r\n", b""), BODY, "without Content-Encoding"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
     b"3\r\nabc\r\n0\r\n\r\n", "de-chunked"),
    (b"HTTP/1.0 OK\r\nContent-Length: 0\r\n\r\n", b"", "status line"),
])
def test_verify_catches_records_that_lie(tmp_path: Path, response: bytes, payload: bytes,
                                         expected: str) -> None:
    w = writer(tmp_path)
    w.write_exchange(exchange(response_bytes=response, payload=payload))
    w.close()
    (path,) = tmp_path.iterdir()
    problems = verify_file(path).problems
    assert any(expected in p for p in problems), problems


def test_revisits_refer_to_the_original(tmp_path: Path) -> None:
    from ifes_archive.archive.warcs.writer import REVISIT_IDENTICAL, REVISIT_NOT_MODIFIED, Revisit

    w = writer(tmp_path)
    original = w.write_exchange(exchange())
    refer = {"refers_to": original.warc_record_id, "refers_to_uri": URI,
                 "refers_to_date": original.date, "payload_digest": sha1_digest(BODY)}
    same = w.write_exchange(exchange(), Revisit(REVISIT_IDENTICAL, **refer))
    not_modified = b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n"
    w.write_exchange(exchange(response_bytes=not_modified, payload=b""),
                     Revisit(REVISIT_NOT_MODIFIED, **refer))
    w.close()
    path = tmp_path / same.warc_filename
    records = {r.id: r for r in read_raw_records(path)}
    identical = records[same.warc_record_id]
    assert identical.type == "revisit" and identical.headers["WARC-Truncated"] == "length"
    assert identical.block == RESPONSE.split(b"\r\n\r\n")[0] + b"\r\n\r\n"
    assert identical.headers["WARC-Payload-Digest"] == sha1_digest(BODY)
    assert identical.headers["WARC-Refers-To"] == original.warc_record_id
    (modified,) = [r for r in records.values() if r.headers.get("WARC-Profile") == REVISIT_NOT_MODIFIED]
    assert modified.block == not_modified
    assert verify_file(path).ok, verify_file(path).problems
    result = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


class _FullDisk:
    """A file that takes half of the next write, then fails as a full disk does."""

    def __init__(self, real) -> None:
        self.real, self.fail_next = real, True

    def write(self, data) -> int:
        if self.fail_next:
            self.fail_next = False
            self.real.write(bytes(data[: len(data) // 2]))
            raise OSError(28, "No space left on device")
        return self.real.write(data)

    def __getattr__(self, name: str):
        return getattr(self.real, name)


def test_a_failed_write_leaves_no_torn_pair_inside_the_file(tmp_path: Path) -> None:
    w = writer(tmp_path)
    w.write_exchange(exchange())
    current = w._current  # noqa: SLF001 - the test stands in for the disk
    current.members.stream = _FullDisk(current.stream)
    with pytest.raises(OSError, match="No space"):
        w.write_exchange(exchange())
    third = w.write_exchange(exchange())
    w.close()
    path = tmp_path / third.warc_filename
    assert verify_file(path).ok
    with open(path, "rb") as stream:
        assert len(list(ArchiveIterator(stream))) == 5  # warcinfo and two whole pairs
