"""The replay index: on hand-made WARCs (revisits written by other tools, missing originals), and
on a crawl, line by line against the one reader."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import iso_date_to_timestamp
from warcio.warcwriter import WARCWriter

from ifes_archive.archive.warcs.index import INDEX_PATH, PYWB, REPLAYWEB, build_index
from ifes_archive.archive.warcs.reader import open_records
from ifes_archive.archive.warcs.writer import REVISIT_NOT_MODIFIED
from ifes_archive.crawler.cli import main as cli

URL = "http://example.org/index.php?option=com_content&task=view&id=7"


def _write(path: Path, records: list[tuple[str, str, str, dict[str, str]]]) -> None:
    """Write (type, date, status line, extra WARC headers) records for URL."""
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for rec_type, date, status, extra in records:
            body = b"<html><body>seven</body></html>" if rec_type == "response" else b""
            http = StatusAndHeaders(status, [("Content-Type", "text/html; charset=windows-1251")],
                                    protocol="HTTP/1.1")
            headers = {"WARC-Date": date, **extra}
            if rec_type == "revisit":
                headers["WARC-Profile"] = REVISIT_NOT_MODIFIED
            record = writer.create_warc_record(URL, rec_type, payload=BytesIO(body),
                                               http_headers=http, warc_headers_dict=headers)
            writer.write_record(record)


def _lines(report) -> list[dict]:
    return [{"ts": line.split(" ")[1], **json.loads(line.split(" ", 2)[2])} for line in report.lines]


def test_a_304_naming_its_original_by_uri_and_date_is_resolved(tmp_path: Path) -> None:
    warc = tmp_path / "a.warc.gz"
    _write(warc, [
        ("response", "2024-01-01T10:00:00.123456Z", "200 OK", {}),
        ("revisit", "2024-02-01T10:00:00Z", "304 Not Modified",
         {"WARC-Refers-To-Target-URI": URL, "WARC-Refers-To-Date": "2024-01-01T10:00:00.123456Z"}),
    ])
    original, revisit = _lines(build_index([warc], PYWB))
    assert revisit["ts"] == "20240201100000" and revisit["status"] == "200"
    assert (revisit["offset"], revisit["mime"]) == (original["offset"], "text/html")
    original, revisit = _lines(build_index([warc], REPLAYWEB))
    assert revisit["mime"] == "warc/revisit" and revisit["status"] == "200"
    assert revisit["offset"] != original["offset"]
    # ReplayWeb.page finds a revisit's original from its exact date: milliseconds kept.
    assert (original["ts"], revisit["ts"]) == ("20240101100000123", "20240201100000000")
    assert all(not k.startswith("warc-") for line in _lines(build_index([warc])) for k in line)


def test_a_304_without_its_original_is_reported_and_left_as_written(tmp_path: Path) -> None:
    warc = tmp_path / "b.warc.gz"
    _write(warc, [("revisit", "2024-02-01T10:00:00Z", "304 Not Modified",
                   {"WARC-Refers-To": "<urn:uuid:00000000-0000-0000-0000-000000000000>"})])
    report = build_index([warc], PYWB)
    assert report.not_modified == 1 and report.resolved == 0
    assert report.unresolved == [f"{URL} 20240201100000"]
    assert _lines(report)[0]["status"] == "304"


def test_the_cli_writes_the_folder_index(tmp_path: Path, capsys) -> None:
    (tmp_path / "warc").mkdir()
    _write(tmp_path / "warc" / "c.warc.gz", [("response", "2024-01-01T10:00:00Z", "200 OK", {})])
    assert cli(["index", str(tmp_path)]) == 0
    assert len((tmp_path / INDEX_PATH).read_text().splitlines()) == 1
    assert "1 captures" in capsys.readouterr().out
    assert cli(["index", str(tmp_path / "nothing")]) == 2


def test_every_line_is_a_capture_the_one_reader_reads_there(crawl) -> None:  # noqa: ANN001
    """cdxj-indexer formats the lines; where each points, the reader finds that capture: same
    URI, date, status and record length, and every capture of the crawl has its line."""
    captures = {}
    for path in crawl.warc_files:
        with open_records(path) as records:
            for record in records:
                http = record.http_head()
                if record.head.type in ("response", "revisit") and http is not None:
                    captures[path.name, record.head.offset] = (
                        record.head.target_uri, iso_date_to_timestamp(record.head.date),
                        str(http.status), record.length)
    lines = _lines(build_index(crawl.warc_files, REPLAYWEB))
    assert len(lines) == len(captures) > 300
    for line in lines:
        uri, timestamp, status, length = captures[line["filename"], int(line["offset"])]
        assert (line["url"], line["ts"][:14], int(line["length"])) == (uri, timestamp, length)
        assert line["status"] == status or line["mime"] == "warc/revisit"
