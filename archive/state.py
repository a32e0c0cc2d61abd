"""Crawl state kept in the archive folder: what was fetched, with which validators, in which run.

A SQLite file (``DIR/state.sqlite``) remembers per URL key (an article page is keyed by its id
and page, whatever Itemid it was fetched under) the last full capture: status, ``ETag``,
``Last-Modified``, payload digest, response record id, target URI and date. A recrawl uses it to
send conditional requests and to write revisit records that refer to that capture. It also
keeps the runs: a run that never finished (killed) is resumed by the next crawl.

The WARC files stay the truth: this is an index of them, committed often, cheap to lose.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS captures (
    key TEXT PRIMARY KEY,
    target_uri TEXT NOT NULL,
    status INTEGER NOT NULL,
    etag TEXT,
    last_modified TEXT,
    payload_digest TEXT NOT NULL,
    record_id TEXT NOT NULL,
    warc_date TEXT NOT NULL,
    run_id INTEGER NOT NULL,
    warc_filename TEXT NOT NULL,
    warc_offset INTEGER NOT NULL,
    warc_length INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT,
    finish_reason TEXT
);
"""
#: Commit after every write: a killed crawl must know every page it captured (WAL mode
#: makes a commit cheap: no fsync, and the OS keeps it through a SIGKILL).
COMMIT_EVERY = 1


@dataclass(frozen=True)
class KnownCapture:
    """The last full capture of a URL key."""

    key: str
    target_uri: str
    status: int
    etag: str | None
    last_modified: str | None
    payload_digest: str
    record_id: str
    warc_date: str
    run_id: int
    #: Where the response record is, to read it back (a resumed run replays it).
    warc_filename: str
    warc_offset: int
    warc_length: int


class CrawlState:
    """The state database of one archive folder."""

    def __init__(self, path: Path):
        self.path = path
        self._db = sqlite3.connect(str(path), isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._db.execute("BEGIN")
        self._pending = 0

    def known(self, key: str) -> KnownCapture | None:
        """Return the last full capture under ``key``, if any."""
        row = self._db.execute(
            "SELECT key, target_uri, status, etag, last_modified, payload_digest, record_id,"
            " warc_date, run_id, warc_filename, warc_offset, warc_length FROM captures WHERE key = ?",
            (key,)).fetchone()
        return KnownCapture(*row) if row else None

    def remember(self, capture: KnownCapture) -> None:
        """Store ``capture`` as the last full capture of its key."""
        self._db.execute("INSERT OR REPLACE INTO captures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (capture.key, capture.target_uri, capture.status, capture.etag,
                          capture.last_modified, capture.payload_digest, capture.record_id,
                          capture.warc_date, capture.run_id, capture.warc_filename,
                          capture.warc_offset, capture.warc_length))
        self._wrote()

    def touch(self, key: str, run_id: int) -> None:
        """Note that ``key`` was confirmed (unchanged) in run ``run_id``."""
        self._db.execute("UPDATE captures SET run_id = ? WHERE key = ?", (run_id, key))
        self._wrote()

    def begin_run(self) -> tuple[int, bool]:
        """Return (run id, resumed): the unfinished last run continues, else a new one starts."""
        row = self._db.execute("SELECT id, finished FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        if row and row[1] is None:
            return row[0], True
        cursor = self._db.execute("INSERT INTO runs (started) VALUES (?)", (_now(),))
        self.commit()
        return int(cursor.lastrowid or 0), False

    def finish_run(self, run_id: int, reason: str) -> None:
        """Mark run ``run_id`` finished with ``reason``."""
        self._db.execute("UPDATE runs SET finished = ?, finish_reason = ? WHERE id = ?",
                         (_now(), reason, run_id))
        self.commit()

    def keys_of_run(self, run_id: int) -> set[str]:
        """Return the keys captured or confirmed in run ``run_id``."""
        rows = self._db.execute("SELECT key FROM captures WHERE run_id = ?", (run_id,))
        return {row[0] for row in rows}

    def known_articles(self) -> list[tuple[int, str]]:
        """Return (article id, URL last captured) of every article whose first page is known."""
        rows = self._db.execute(
            "SELECT key, target_uri FROM captures WHERE key LIKE 'article:%:0' ORDER BY key")
        return [(int(key.split(":")[1]), uri) for key, uri in rows]

    def commit(self) -> None:
        """Make every write so far durable."""
        self._db.execute("COMMIT")
        self._db.execute("BEGIN")
        self._pending = 0

    def close(self) -> None:
        """Commit and close."""
        self._db.execute("COMMIT")
        self._db.close()

    def _wrote(self) -> None:
        self._pending += 1
        if self._pending >= COMMIT_EVERY:
            self.commit()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
