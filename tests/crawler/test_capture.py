"""WARC captures of a real crawl of the mirror equal what the mirror sent, byte for byte."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from ifes_archive.archive.warcs.verify import verify_file
from tests.warcs import parse_http, read_raw_records

NAME = re.compile(r"^ifes-\d{14}-\d{5}-[A-Za-z0-9._]+\.warc\.gz$")


def _records(crawl) -> list:
    return [r for path in crawl.warc_files for r in read_raw_records(path)]


def _target(uri: str) -> str:
    parts = urlsplit(uri)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def test_every_exchange_is_captured_exactly_as_sent(crawl, mirror) -> None:
    sent = defaultdict(list)
    for exchange in mirror.exchanges():
        sent[exchange.target].append(exchange)
    captured = defaultdict(list)
    for record in _records(crawl):
        if record.type in ("request", "response"):
            captured[record.headers["WARC-Target-URI"]].append(record)
    assert captured, "no captures"
    compared = 0
    for uri, records in captured.items():
        responses = [r.block for r in records if r.type == "response"]
        requests = [r.block for r in records if r.type == "request"]
        served = sent[_target(uri)]
        assert responses == [e.response_bytes for e in served], uri
        assert requests == [e.request_bytes for e in served], uri
        compared += len(responses)
    assert compared == sum(len(v) for v in sent.values()), "an exchange the server logged is missing"


def test_robots_txt_is_captured_first(crawl) -> None:
    responses = [r for r in _records(crawl) if r.type == "response"]
    assert responses[0].headers["WARC-Target-URI"].endswith("/robots.txt")


def test_files_are_named_closed_and_start_with_warcinfo(crawl) -> None:
    files = list((crawl.out / "warc").iterdir())
    assert files and all(NAME.match(p.name) for p in files), files
    for path in crawl.warc_files:
        warcinfo = read_raw_records(path)[0]
        assert warcinfo.type == "warcinfo"
        fields = dict(line.split(": ", 1) for line in warcinfo.block.decode().splitlines())
        assert fields["format"] == "WARC File Format 1.1"
        assert "warc-1.1" in fields["conformsTo"]
        assert re.search(r"ifes-archive/\S+ Scrapy/\S+ Twisted/\S+ h11/\S+ warcio/\S+",
                         fields["software"])
        assert fields["robots"] == "obey" and fields["http-header-user-agent"].startswith("ifes-archive")
        # the mirror settings the crawl ran with (tests/conftest.py: MIRROR_SETTINGS)
        assert fields["ifes-download-delay"] == "0.0" and fields["ifes-autothrottle"] == "off"
        assert fields["ifes-concurrent-requests-per-domain"] == "8"


def test_strict_verification_passes(crawl) -> None:
    for path in crawl.warc_files:
        report = verify_file(path)
        assert report.ok, report.problems[:10]
        assert report.records > 3


def test_warcio_check_passes(crawl) -> None:
    result = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v",
                             *map(str, crawl.warc_files)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "digest pass" in result.stdout and "failed" not in result.stdout


def test_archive_iterator_reads_every_record_with_http_headers(crawl) -> None:
    for path in crawl.warc_files:
        with open(path, "rb") as stream:
            records = [(r.rec_type, r.http_headers) for r in ArchiveIterator(stream)]
        raw = read_raw_records(path)
        assert len(records) == len(raw)
        assert all(h is not None for t, h in records if t in ("request", "response"))


def test_cdxj_indexer_indexes_every_capture(crawl, tmp_path: Path) -> None:
    for path in crawl.warc_files:
        result = subprocess.run([sys.executable, "-m", "cdxj_indexer.main", str(path)],
                                capture_output=True, text=True, check=True)
        lines = result.stdout.splitlines()
        responses = [r for r in read_raw_records(path) if r.type == "response"]
        indexed = [json.loads(line.split(" ", 2)[2]) for line in lines]
        offsets = {int(i["offset"]) for i in indexed}
        assert {r.offset for r in responses} <= offsets


def test_headers_tell_the_truth_about_bodies(crawl) -> None:
    gzipped = 0
    for record in _records(crawl):
        if record.type != "response":
            continue
        message = parse_http(record.block)
        lengths = message.values("Content-Length")
        assert lengths and int(lengths[0]) == len(message.body), record.headers["WARC-Target-URI"]
        if message.values("Content-Encoding") == ["gzip"]:
            gzip.decompress(message.body)
            gzipped += 1
        assert record.headers.get("WARC-IP-Address") == "127.0.0.1"
    assert gzipped > 10, "the mirror gzips on request; bodies should have stayed gzip"


def test_repeated_headers_and_reason_phrases_are_kept(crawl, mirror) -> None:
    heads = [parse_http(r.block) for r in _records(crawl) if r.type == "response"]
    assert any(len(m.values("Set-Cookie")) > 1 for m in heads)
    assert any(m.start_line.startswith(b"HTTP/1.1 404 ") for m in heads)
    assert any(m.start_line == b"HTTP/1.1 200 OK" for m in heads)


def test_request_records_carry_host_and_full_query(crawl) -> None:
    requests = [r for r in _records(crawl) if r.type == "request"]
    with_query = [r for r in requests if "?" in r.headers["WARC-Target-URI"]]
    assert with_query
    for record in with_query:
        message = parse_http(record.block)
        assert message.start_line.split(b" ")[1].decode() == _target(record.headers["WARC-Target-URI"])
        assert message.values("Host") == [urlsplit(record.headers["WARC-Target-URI"]).netloc]
        assert message.values("User-Agent")


def test_pointers_in_records_open_their_response(crawl) -> None:
    records = crawl.records()
    assert records
    for record in records:
        for capture in record["captures"]:
            path = crawl.out / "warc" / capture["warc_filename"]
            with open(path, "rb") as stream:
                stream.seek(capture["warc_offset"])
                member = stream.read(capture["warc_length"])
            head = gzip.decompress(member).split(b"\r\n\r\n", 1)[0].decode()
            assert f"WARC-Record-ID: {capture['warc_record_id']}" in head
            assert "WARC-Type: response" in head


def test_a_resumed_run_learns_what_its_files_hold_and_the_state_missed(crawl, tmp_path: Path) -> None:
    """A kill between writing a record and committing the state: the state is taught from
    the interrupted run's closed-out files, so the page is not fetched again."""
    from ifes_archive.archive.warcs.state import CrawlState
    from ifes_archive.crawler.recovery import recover_state

    original = CrawlState(crawl.out / "state.sqlite")
    keys = [row[0] for row in original._db.execute("SELECT key FROM captures")]  # noqa: SLF001
    blank = CrawlState(tmp_path / "state.sqlite")
    run_id, resumed = blank.begin_run()
    assert not resumed and keys
    assert recover_state(blank, crawl.warc_files, run_id) == len(keys)
    # the pointer: target URI, record id, WARC-Date, file, offset, length
    fields = ("pointer", "status", "etag", "last_modified", "payload_digest")
    for key in keys:
        want, got = original.known(key), blank.known(key)
        assert got is not None and got.run_id == run_id, key
        assert [getattr(got, f) for f in fields] == [getattr(want, f) for f in fields], key
    assert recover_state(blank, crawl.warc_files, run_id) == 0  # nothing new the second time
    original.close()
    blank.close()
