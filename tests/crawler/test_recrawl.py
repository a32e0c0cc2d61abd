"""A second crawl into the same folder: revisits that refer to the first, a lock, a cap."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ifes_archive.archive.warcs.verify import verify_file
from ifes_archive.archive.warcs.writer import REVISIT_IDENTICAL
from ifes_archive.fixtures.server import MIRROR_SETTINGS
from tests.conftest import run_crawl, serve
from tests.extras import need_pywb
from tests.pywb import get, wayback
from tests.warcs import read_raw_records


@pytest.fixture(scope="module")
def twice(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("recrawl")
    for served in serve(tmp):
        first = run_crawl(served.base_url, tmp / "out")
        second = run_crawl(served.base_url, tmp / "out")
        yield served, first, second


def test_second_crawl_stores_unchanged_pages_as_revisits(twice) -> None:
    served, first, second = twice
    heads = {e.response_bytes.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n" for e in served.exchanges()}
    assert first.returncode == 0 and second.returncode == 0, second.stderr[-2000:]
    files = second.warc_files
    assert len(files) == 2
    older = {r.id: r for r in read_raw_records(files[0]) if r.type == "response"}
    revisits = [r for r in read_raw_records(files[1]) if r.type == "revisit"]
    article_revisits = [r for r in revisits if "task=view" in r.headers["WARC-Target-URI"]]
    assert len(article_revisits) >= 150
    for revisit in revisits:
        original = older[revisit.headers["WARC-Refers-To"]]
        assert revisit.headers["WARC-Profile"] == REVISIT_IDENTICAL
        assert revisit.headers["WARC-Payload-Digest"] == original.headers["WARC-Payload-Digest"]
        assert revisit.headers["WARC-Refers-To-Date"] == original.headers["WARC-Date"]
        assert revisit.headers["WARC-Refers-To-Target-URI"] == original.headers["WARC-Target-URI"]
        assert revisit.block in heads  # this visit's own head, as sent; the body is dropped
        assert revisit.headers["WARC-Truncated"] == "length"
    assert sum(p.stat().st_size for p in files[1:]) < files[0].stat().st_size / 2


def test_recrawl_files_verify(twice) -> None:
    _, _, second = twice
    for path in second.warc_files:
        assert verify_file(path).ok, verify_file(path).problems[:5]
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *map(str, second.warc_files)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-1000:]


def test_a_second_crawl_in_the_same_folder_is_refused(tmp_path: Path) -> None:
    for served in serve(tmp_path, "--fault", r"task=view=slow:0.3"):
        pairs = [a for k, v in MIRROR_SETTINGS.items() for a in ("-s", f"{k}={v}")]
        command = [sys.executable, "-m", "ifes_archive.crawler.cli", "crawl", "--base-url", served.base_url,
                   "--out", str(tmp_path / "out"), *pairs]
        running = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while not (tmp_path / "out" / ".lock").exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(1)
            refused = subprocess.run(command, capture_output=True, text=True, timeout=60)
        finally:
            running.kill()
            running.wait()
    assert refused.returncode == 3
    assert "another crawl" in refused.stderr
    (record,) = (tmp_path / "out" / "reports").glob("refused-*.json")
    assert f"(recorded in {record})" in refused.stderr
    assert json.loads(record.read_text())["finish_reason"] == "archive_locked"


def test_a_capped_run_stops_cleanly(tmp_path: Path) -> None:
    for served in serve(tmp_path):
        pairs = [a for k, v in MIRROR_SETTINGS.items() for a in ("-s", f"{k}={v}")]
        done = subprocess.run([sys.executable, "-m", "ifes_archive.crawler.cli", "crawl", "--base-url",
                               served.base_url, "--out", str(tmp_path / "out"), "--max-pages",
                               "40", *pairs], capture_output=True, text=True, timeout=300)
    # a run cut short by a bound says so: exit 5, the bound named in the report and on stderr
    assert done.returncode == 5, done.stderr[-2000:]
    assert "closespider_pagecount" in done.stdout
    assert "BOUND max-pages (CLOSESPIDER_PAGECOUNT)" in done.stdout
    assert "bounded: max-pages" in done.stderr
    report = json.loads((tmp_path / "out" / "crawl-summary.json").read_text())
    assert report["bounds"]["max-pages"]["setting"] == "CLOSESPIDER_PAGECOUNT"
    files = list((tmp_path / "out" / "warc").iterdir())
    assert files and not [p for p in files if p.name.endswith(".open")]
    responses = [r for p in files for r in read_raw_records(p) if r.type == "response"]
    assert 40 <= len(responses) < 100


def test_pywb_replays_revisits_with_the_original_content(twice, tmp_path: Path) -> None:
    from ifes_archive.archive.warcs.http_messages import read_http

    pywb = need_pywb()
    _, _, second = twice
    subprocess.run([pywb / "wb-manager", "init", "ifes"], cwd=tmp_path, check=True,
                   capture_output=True)
    subprocess.run([pywb / "wb-manager", "add", "ifes", *map(str, second.warc_files)],
                   cwd=tmp_path, check=True, capture_output=True)
    with wayback(tmp_path) as root:
        originals = {r.id: r for r in read_raw_records(second.warc_files[0])}
        revisits = [r for r in read_raw_records(second.warc_files[1]) if r.type == "revisit"
                    and "task=view" in r.headers["WARC-Target-URI"]][:5]
        assert revisits
        for revisit in revisits:
            original = originals[revisit.headers["WARC-Refers-To"]].block
            entity = bytes(read_http([original], keep=True, decode=True).body)
            stamp = "".join(c for c in revisit.headers["WARC-Date"] if c.isdigit())[:14]
            url = f"{root}ifes/{stamp}id_/{revisit.headers['WARC-Target-URI']}"
            _, body, headers = get(url)
            memento = headers and headers.get("Memento-Datetime")
            assert body == entity
            assert memento and memento.startswith(_http_date(revisit.headers["WARC-Date"]))


def _http_date(warc_date: str) -> str:
    from datetime import datetime
    from email.utils import format_datetime

    moment = datetime.fromisoformat(warc_date.replace("Z", "+00:00"))
    return format_datetime(moment.replace(microsecond=0), usegmt=True)


def test_run_reports_say_what_changed(twice) -> None:
    _, _first, second = twice
    reports = sorted((second.out / "reports").glob("run-*.json"))
    assert len(reports) == 2
    import json

    before, after = (json.loads(p.read_text()) for p in reports)
    assert before["new"] >= 174 and before["unchanged"] == 0
    assert after["new"] == 0 and after["changed"] == 0 and after["unchanged"] == before["new"]
    assert after["duration_seconds"] > 0 and after["response_bytes"] > 0
    assert {f["reason"] for f in after["failures"]} == {"HTTP 404"}
    assert f"unchanged {after['unchanged']}" in second.stdout
    texts = sorted((second.out / "reports").glob("run-*.txt"))
    assert [p.stem for p in texts] == [p.stem for p in reports]
    assert texts[-1].read_text().strip() in second.stdout


def test_unchanged_articles_are_journaled_short(twice) -> None:
    """A server without validators sends every page whole: the record built again equals the
    current version, and the journal gets a short line for it, not the record again."""
    import json

    _, _first, second = twice
    lines = [json.loads(x) for x in (second.out / "articles.journal.jsonl").read_text().splitlines()]
    kinds = [line.get("observed", "record") for line in lines]
    records = kinds.count("record")
    assert records == len({line["article_id"] for line in lines if "observed" not in line})
    assert kinds.count("same") == records
    assert len(second.records()) == records


def test_a_lost_state_is_relearned_with_revisits_and_seen_dates(twice, tmp_path: Path) -> None:
    from ifes_archive.archive.warcs.state import CrawlState
    from ifes_archive.crawler.recovery import recover_state

    _, _, second = twice
    original = CrawlState(second.out / "state.sqlite")
    keys = [row[0] for row in original._db.execute("SELECT key FROM captures")]  # noqa: SLF001
    blank = CrawlState(tmp_path / "state.sqlite")
    broken = tmp_path / "broken.warc.gz"
    broken.write_bytes(b"\x1f\x8b\x08 not a WARC file")
    assert recover_state(blank, [*second.warc_files, broken], 0) >= 2 * len(keys) - 10
    # the pointer: target URI, record id, WARC-Date, file, offset, length
    fields = ("pointer", "etag", "payload_digest", "seen_date")
    revisited = 0
    for key in keys:
        want, got = original.known(key), blank.known(key)
        assert got is not None, key
        assert [getattr(got, f) for f in fields] == [getattr(want, f) for f in fields], key
        revisited += want.seen_date != want.pointer.date
    assert revisited > 150  # the second crawl's identical-payload revisits were learned
    original.close()
    blank.close()
