"""Scheduled recrawls of a site that changes: 304s kept as revisits, and what changed, counted."""

from __future__ import annotations

import json
import signal
import time

import pytest

from archive.verify import parse_http, read_raw_records, verify_file
from archive.warc import REVISIT_NOT_MODIFIED
from fixtures.epochs import site_at
from tests.conftest import run_crawl, serve


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory: pytest.TempPathFactory):
    """Crawl; crawl again unchanged; move the site one epoch on; crawl again."""
    tmp = tmp_path_factory.mktemp("epochs")
    for served in serve(tmp, "--validators"):
        runs = [run_crawl(served.base_url, tmp / "out"), run_crawl(served.base_url, tmp / "out")]
        served.process.send_signal(signal.SIGUSR1)
        time.sleep(2)  # the server rebuilds the site at epoch 1
        runs.append(run_crawl(served.base_url, tmp / "out"))
        yield served, runs


def _reports(run) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((run.out / "reports").glob("run-*.json"))]


def test_unchanged_pages_answer_304_kept_as_revisits(three_runs) -> None:
    _, runs = three_runs
    assert all(r.returncode == 0 for r in runs), runs[-1].stderr[-2000:]
    second = runs[1].warc_files[1]
    revisits = [r for r in read_raw_records(second) if r.type == "revisit"]
    articles = [r for r in revisits if "task=view" in r.headers["WARC-Target-URI"]]
    assert len(articles) >= 170
    for record in articles:
        assert record.headers["WARC-Profile"] == REVISIT_NOT_MODIFIED
        assert parse_http(record.block).start_line == b"HTTP/1.1 304 Not Modified"
        assert "WARC-Refers-To" in record.headers and "WARC-Payload-Digest" in record.headers
    for path in runs[-1].warc_files:
        assert verify_file(path).ok


def test_reports_count_new_changed_unchanged_gone(three_runs) -> None:
    _, runs = three_runs
    first, second, third = _reports(runs[-1])
    (changes,) = site_at(epoch=1)[1]
    assert first["new"] == 174 and first["changed"] == 0
    assert second["new"] == 0 and second["changed"] == 0 and second["unchanged"] == 174
    assert third["new"] == len(changes.added)
    assert third["changed"] == len(changes.edited)
    assert third["gone"] == len(changes.removed)
    assert third["unchanged"] == 174 - len(changes.edited) - len(changes.removed)


def test_corpus_follows_the_site(three_runs) -> None:
    _, runs = three_runs
    site, (changes,) = site_at(epoch=1)
    records = {r["article_id"]: r for r in runs[-1].records()}
    assert changes.added <= set(records)
    for article_id in changes.edited:
        assert "[1]" in records[article_id]["text"]
