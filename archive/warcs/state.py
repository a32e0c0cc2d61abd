"""Crawl state kept in the archive folder: what was fetched, with which validators, in which run.

A SQLite file (``DIR/state.sqlite``) remembers per URL key (an article page is keyed by its id
and page, whatever Itemid it was fetched under) the last full capture: status, ``ETag``,
``Last-Modified``, payload digest, response record id, target URI and date. A recrawl uses it to
send conditional requests and to write revisit records that refer to that capture. It also
keeps the runs: a run that never finished (killed) is resumed by the next crawl.

The WARC files stay the truth: this is an index of them, committed often; a lost state file
is relearned from the WARC files by the next crawl (:func:`crawler.capture.recover_state`).
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ifes_archive.archive.types import CapturePointer

if TYPE_CHECKING:
    from collections.abc import Sequence

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
    warc_length INTEGER NOT NULL,
    seen_date TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT,
    finish_reason TEXT,
    label TEXT
);
"""
#: Columns added since the first version of the schema: (table, column, type).
ADDED_COLUMNS = (("captures", "seen_date", "TEXT"), ("runs", "label", "TEXT"),
                 ("runs", "base_url", "TEXT"), ("captures", "base_url", "TEXT"))
#: The columns of a capture, in the order :meth:`KnownCapture.row` gives them.
COLUMNS = ("key", "target_uri", "status", "etag", "last_modified", "payload_digest", "record_id",
           "warc_date", "run_id", "warc_filename", "warc_offset", "warc_length", "seen_date",
           "base_url")
#: Commit after every write: a killed crawl must know every page it captured (WAL mode
#: makes a commit cheap: no fsync, and the OS keeps it through a SIGKILL).
COMMIT_EVERY = 1


class StateLost(Exception):
    """The state file was removed or replaced while the crawl ran: what it learns from now on
    would go nowhere."""


@dataclass(frozen=True)
class KnownCapture:
    """The last full capture of a URL key."""

    key: str
    pointer: CapturePointer
    """Where the response record is (file, offset, length, record id, target URI, WARC-Date):
    what a revisit refers to, and what a resumed run replays."""
    status: int
    etag: str | None
    last_modified: str | None
    payload_digest: str
    run_id: int
    seen_date: str | None = None
    """WARC-Date of the last capture that showed it (a revisit's, when one confirmed it)."""
    base_url: str | None = None
    """The site's base URL when it was captured (the site may have moved since)."""

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> KnownCapture:
        """Return the capture of one row of :data:`COLUMNS`."""
        (key, target_uri, status, etag, last_modified, payload_digest, record_id, warc_date,
         run_id, warc_filename, warc_offset, warc_length, seen_date, base_url) = row
        pointer = CapturePointer(warc_filename, warc_offset, warc_length, record_id, target_uri,
                                 warc_date)
        return cls(key, pointer, status, etag, last_modified, payload_digest, run_id, seen_date,
                   base_url)

    def row(self) -> tuple[Any, ...]:
        """Return the capture as a row of :data:`COLUMNS`."""
        p = self.pointer
        return (self.key, p.target_uri, self.status, self.etag, self.last_modified,
                self.payload_digest, p.warc_record_id, p.date, self.run_id, p.warc_filename,
                p.warc_offset, p.warc_length, self.seen_date or p.date, self.base_url)


class CrawlState:
    """The state database of one archive folder."""

    def __init__(self, path: Path):
        self.path = path
        self._db = sqlite3.connect(str(path), isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        for table, column, kind in ADDED_COLUMNS:
            columns = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
            if column not in columns:  # a folder made by an earlier version
                self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
        self._db.execute("BEGIN")
        self._pending = 0
        self._inode = os.stat(path).st_ino

    def known(self, key: str) -> KnownCapture | None:
        """Return the last full capture under ``key``, if any."""
        row = self._db.execute(f"SELECT {', '.join(COLUMNS)} FROM captures WHERE key = ?",
                               (key,)).fetchone()
        return KnownCapture.from_row(row) if row else None

    def remember(self, capture: KnownCapture) -> None:
        """Store ``capture`` as the last full capture of its key."""
        self._db.execute(f"INSERT OR REPLACE INTO captures ({', '.join(COLUMNS)}) "
                         f"VALUES ({', '.join('?' * len(COLUMNS))})", capture.row())
        self._wrote()

    def forget(self, key: str) -> None:
        """Forget the capture of ``key``: the next crawl asks for it whole."""
        self._db.execute("DELETE FROM captures WHERE key = ?", (key,))
        self._wrote()

    def touch(self, key: str, run_id: int, seen_date: str) -> None:
        """Note that ``key`` was confirmed (unchanged) in run ``run_id`` by a capture of
        ``seen_date``."""
        self._db.execute("UPDATE captures SET run_id = ?, seen_date = ? WHERE key = ?",
                         (run_id, seen_date, key))
        self._wrote()

    def is_new(self) -> bool:
        """Whether no run was ever recorded here (a new folder, or a state file that was lost)."""
        return self._db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 0

    def begin_run(self, base_url: str | None = None) -> tuple[int, bool]:
        """Return (run id, resumed): the unfinished last run continues, else a new one starts
        (at ``base_url``, the site's address this run)."""
        row = self._db.execute("SELECT id, finished FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        if row and row[1] is None:
            self._db.execute("UPDATE runs SET base_url = ? WHERE id = ?", (base_url, row[0]))
            self.commit()
            return row[0], True
        cursor = self._db.execute("INSERT INTO runs (started, label, base_url) VALUES (?, ?, ?)",
                                  (_now(), new_run_label(), base_url))
        self.commit()
        return int(cursor.lastrowid or 0), False

    def move_run(self, run_id: int, base_url: str | None) -> None:
        """Record that run ``run_id`` found the site at ``base_url`` (first contact followed
        the base URL given there)."""
        self._db.execute("UPDATE runs SET base_url = ? WHERE id = ?", (base_url, run_id))
        self.commit()

    def base_before(self, run_id: int) -> str | None:
        """Return the site's base URL in the last run before ``run_id`` that named one."""
        row = self._db.execute("SELECT base_url FROM runs WHERE id < ? AND base_url IS NOT NULL"
                               " ORDER BY id DESC LIMIT 1", (run_id,)).fetchone()
        return row[0] if row else None

    def run_label(self, run_id: int) -> str:
        """Return the run's label (the WARC files of the run name it), making one if missing."""
        row = self._db.execute("SELECT label FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row and row[0]:
            return str(row[0])
        label = new_run_label()
        self._db.execute("UPDATE runs SET label = ? WHERE id = ?", (label, run_id))
        self.commit()
        return label

    def finish_run(self, run_id: int, reason: str) -> None:
        """Mark run ``run_id`` finished with ``reason``."""
        self._db.execute("UPDATE runs SET finished = ?, finish_reason = ? WHERE id = ?",
                         (_now(), reason, run_id))
        self.commit()

    def known_articles(self) -> list[tuple[int, str, str | None]]:
        """Return (article id, URL last captured, base URL then) of every article whose first
        page is known."""
        rows = self._db.execute("SELECT key, target_uri, base_url FROM captures"
                                " WHERE key LIKE 'article:%:0' ORDER BY key")
        return [(int(key.split(":")[1]), uri, base) for key, uri, base in rows]

    def commit(self) -> None:
        """Make every write so far durable; raise StateLost when the file is gone."""
        self._check_file()
        self._db.execute("COMMIT")
        self._db.execute("BEGIN")
        self._pending = 0

    def close(self) -> None:
        """Commit and close."""
        try:
            self._check_file()
            self._db.execute("COMMIT")
        finally:
            self._db.close()

    def _check_file(self) -> None:
        # SQLite goes on writing into a file that was deleted (or renamed away) under it.
        try:
            inode = os.stat(self.path).st_ino
        except FileNotFoundError:
            inode = None
        if inode != self._inode:
            raise StateLost(f"the crawl state {self.path} was removed or replaced during the run")

    def _wrote(self) -> None:
        self._pending += 1
        if self._pending >= COMMIT_EVERY:
            self.commit()


def new_run_label() -> str:
    """Return a label for a new run: unique even when the state file is lost."""
    return f"urn:uuid:{uuid.uuid4()}"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
