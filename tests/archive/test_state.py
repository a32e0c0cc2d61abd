"""The crawl state: what a recrawl revalidates against, and the runs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ifes_archive.archive.types import CapturePointer
from ifes_archive.archive.warcs.state import CrawlState, KnownCapture

#: The schema the first releases wrote (no seen_date, no run label).
OLD_SCHEMA = """
CREATE TABLE captures (key TEXT PRIMARY KEY, target_uri TEXT NOT NULL, status INTEGER NOT NULL,
    etag TEXT, last_modified TEXT, payload_digest TEXT NOT NULL, record_id TEXT NOT NULL,
    warc_date TEXT NOT NULL, run_id INTEGER NOT NULL, warc_filename TEXT NOT NULL,
    warc_offset INTEGER NOT NULL, warc_length INTEGER NOT NULL);
CREATE TABLE runs (id INTEGER PRIMARY KEY, started TEXT NOT NULL, finished TEXT,
    finish_reason TEXT);
INSERT INTO captures VALUES ('article:5:0', 'http://h/a', 200, 'W/"x"', NULL, 'sha1:AA', '<urn:a>',
    '2026-01-01T00:00:00.000000Z', 1, 'f.warc.gz', 10, 20);
INSERT INTO runs VALUES (1, '2026-01-01T00:00:00+00:00', NULL, NULL);
"""


def test_a_state_file_of_an_earlier_release_is_read_and_extended(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)
    state = CrawlState(path)
    known = state.known("article:5:0")
    assert known is not None and known.etag == 'W/"x"' and known.seen_date is None
    assert known.pointer == CapturePointer("f.warc.gz", 10, 20, "<urn:a>", "http://h/a",
                                           "2026-01-01T00:00:00.000000Z")
    run_id, resumed = state.begin_run()
    assert (run_id, resumed) == (1, True)  # the unfinished run goes on
    label = state.run_label(run_id)
    assert label.startswith("urn:uuid:") and state.run_label(run_id) == label
    state.touch("article:5:0", run_id, "2026-02-01T00:00:00.000000Z")
    assert state.known("article:5:0").seen_date == "2026-02-01T00:00:00.000000Z"
    state.close()


def test_remember_sets_the_seen_date_and_runs_get_labels(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "state.sqlite")
    assert state.is_new()
    run_id, resumed = state.begin_run()
    assert not resumed and not state.is_new()
    pointer = CapturePointer("g.warc.gz", 0, 9, "<urn:b>", "http://h/k",
                             "2026-03-01T00:00:00.000000Z")
    state.remember(KnownCapture("k", pointer, 200, None, "Mon, 01 Jan 2024 00:00:00 GMT",
                                "sha1:BB", run_id))
    assert state.known("k").seen_date == "2026-03-01T00:00:00.000000Z"
    assert state.known("k").pointer == pointer
    state.finish_run(run_id, "finished")
    second, resumed = state.begin_run()
    assert second == run_id + 1 and not resumed
    assert state.run_label(second) != state.run_label(run_id)
    state.close()
