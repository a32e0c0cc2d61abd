"""Memory stays flat: verify, rebuild and close-out of WARC files holding 1 GB and 5 GB gzip bombs
and a 1 GiB record, each run in a child process whose address space is capped (``RLIMIT_AS``)
far below the size of what the files decode to."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ifes_archive.archive.warcs.writer import (
    CaptureWriter,
    HttpExchange,
    digest_text,
    sha1_digest,
    utc_now,
)
from ifes_archive.fixtures.bombs import MIB, gzip_around_zeros, gzip_bomb

#: The cap on each child's address space: every command here needs under 300 MB for itself.
LIMIT = 512 * MIB
#: What the 5 GB case may take beyond the 1 GB case (allocator noise, not data).
FLAT = 16 * MIB
URI = "http://127.0.0.1:8123/index.php?option=com_content&task=view&id=7&Itemid=2"
REQUEST = b"GET /index.php?option=com_content&task=view&id=7&Itemid=2 HTTP/1.1\r\nHost: 127.0.0.1:8123\r\n\r\n"

_RUN_LIMITED = """
import resource, subprocess, sys
limit = int(sys.argv[1])
def cap():
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
done = subprocess.run(sys.argv[2:], preexec_fn=cap, capture_output=True, text=True)
sys.stdout.write(done.stdout)
sys.stderr.write(done.stderr)
print(f"peak-rss {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024}")
sys.exit(done.returncode)
"""


def run_limited(*args: str) -> tuple[int, str, int]:
    """Run ``python ARGS`` with the address space capped; return (status, output, peak RSS)."""
    done = subprocess.run([sys.executable, "-c", _RUN_LIMITED, str(LIMIT), sys.executable, *args],
                          capture_output=True, text=True, timeout=600)
    peak = int(done.stdout.rsplit("peak-rss ", 1)[1])
    assert "MemoryError" not in done.stderr and "Traceback" not in done.stderr, done.stderr[-2000:]
    return done.returncode, done.stdout, peak


def bomb_archive(folder: Path, mib: int) -> Path:
    """Write a WARC file whose one article page is a gzip bomb of ``mib`` MiB; return it."""
    bomb = gzip_bomb(mib)
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=windows-1251\r\n"
            b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(bomb))
    writer = CaptureWriter(folder, warcinfo={"software": "test"})
    pointer = writer.write_exchange(HttpExchange(URI, utc_now(), REQUEST, head + bomb, bomb))
    writer.close()
    return folder / pointer.warc_filename


def _member(fields: list[tuple[str, str]], block: bytes) -> bytes:
    return gzip.compress(_warc_head(fields, block) + block + b"\r\n\r\n")


def _warc_head(fields: list[tuple[str, str]], block_length: int | bytes) -> bytes:
    length = block_length if isinstance(block_length, int) else len(block_length)
    lines = [f"{k}: {v}\r\n" for k, v in fields] + [f"Content-Length: {length}\r\n"]
    return ("WARC/1.1\r\n" + "".join(lines) + "\r\n").encode()


def huge_record_file(path: Path, mib: int) -> None:
    """Write an open WARC file: warcinfo, a response of ``mib`` MiB of zeros and its request,
    then a torn member (a crash mid-write)."""
    http_head = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n" % (mib * MIB)
    block_sha1, payload_sha1 = hashlib.sha1(http_head), hashlib.sha1()
    for _ in range(mib):
        block_sha1.update(bytes(MIB))
        payload_sha1.update(bytes(MIB))
    base = [("WARC-Date", "2026-01-01T00:00:00Z"), ("WARC-Target-URI", URI)]
    response = [("WARC-Type", "response"), ("WARC-Record-ID", "<urn:uuid:r>"), *base,
                ("WARC-Concurrent-To", "<urn:uuid:q>"),
                ("Content-Type", "application/http; msgtype=response"),
                ("WARC-Payload-Digest", digest_text(payload_sha1)),
                ("WARC-Block-Digest", digest_text(block_sha1))]
    request = [("WARC-Type", "request"), ("WARC-Record-ID", "<urn:uuid:q>"), *base,
               ("WARC-Concurrent-To", "<urn:uuid:r>"),
               ("Content-Type", "application/http; msgtype=request"),
               ("WARC-Block-Digest", sha1_digest(REQUEST))]
    warcinfo = [("WARC-Type", "warcinfo"), ("WARC-Record-ID", "<urn:uuid:i>"),
                ("WARC-Date", "2026-01-01T00:00:00Z"), ("Content-Type", "application/warc-fields"),
                ("WARC-Block-Digest", sha1_digest(b"software: test\r\n"))]
    with open(path, "wb") as out:
        out.write(_member(warcinfo, b"software: test\r\n"))
        prefix = _warc_head(response, len(http_head) + mib * MIB) + http_head
        for piece in gzip_around_zeros(prefix, mib, b"\r\n\r\n"):
            out.write(piece)
        out.write(_member(request, REQUEST))
        torn = _member(response, b"HTTP/1.1 200 OK\r\n\r\n" + bytes(50_000))
        out.write(torn[: len(torn) // 2])


def test_verify_and_rebuild_stay_flat_on_1_and_5_gb_bombs(tmp_path: Path) -> None:
    peaks = {}
    for mib in (1024, 5 * 1024):
        folder = tmp_path / f"bomb-{mib}"
        path = bomb_archive(folder, mib)
        status, out, verify_peak = run_limited("-m", "ifes_archive.crawler.cli", "verify", str(path))
        assert status == 0 and "body over" in out, out  # a sound record; decoded only so far
        status, out, rebuild_peak = run_limited(
            "-m", "ifes_archive.crawler.cli", "rebuild", str(path), "--out", str(folder / "corpus.jsonl"),
            "--workers", "1")
        assert "article page that cannot be read: body over" in out, out
        open_copy = folder / "copy" / (path.name + ".open")
        open_copy.parent.mkdir()
        shutil.copy(path, open_copy)
        status, out, close_peak = run_limited(
            "-c", f"from ifes_archive.archive.warcs.closeout import close_out_open_files; from pathlib import Path; "
                  f"print(close_out_open_files(Path({str(open_copy.parent)!r})))")
        assert status == 0 and (open_copy.parent / path.name).stat().st_size == path.stat().st_size
        peaks[mib] = (verify_peak, rebuild_peak, close_peak)
    for small, large in zip(peaks[1024], peaks[5 * 1024]):
        assert large <= small + FLAT, peaks
    print("peak RSS (verify, rebuild, close-out) in MB:",
          {mib: [round(p / MIB) for p in v] for mib, v in peaks.items()})


@pytest.mark.parametrize("mib", [1024])
def test_a_gigabyte_record_is_closed_out_and_verified_streaming(tmp_path: Path, mib: int) -> None:
    leftover = tmp_path / "ifes-20260101000000-00000-test.warc.gz.open"
    huge_record_file(leftover, mib)
    whole = leftover.stat().st_size
    status, _, close_peak = run_limited(
        "-c", f"from ifes_archive.archive.warcs.closeout import close_out_open_files; from pathlib import Path; "
              f"close_out_open_files(Path({str(tmp_path)!r}))")
    closed = tmp_path / leftover.name.removesuffix(".open")
    assert status == 0 and closed.exists() and not leftover.exists()
    assert whole > closed.stat().st_size > whole - 30_000  # only the torn member went
    status, out, verify_peak = run_limited("-m", "ifes_archive.crawler.cli", "verify", str(closed))
    assert status == 0 and ": 3 records, ok" in out, out
    assert max(close_peak, verify_peak) < 200 * MIB, (close_peak, verify_peak)
