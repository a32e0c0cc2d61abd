"""The crawl state: opened (set aside when unreadable), and relearned from the WARC files.

The WARC files are the truth and the crawl state (:class:`archive.warcs.state.CrawlState`) an
index of them. The capture session opens the state with :func:`open_state`; a state lost beside
WARC files, or the captures an interrupted run wrote but never committed to it, are relearned
from the files (:func:`recover_state`).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from typing import TYPE_CHECKING

from ifes_archive.archive.corpus.imports.records import SOURCE_FIELD
from ifes_archive.archive.page.joomla import state_key
from ifes_archive.archive.types import CapturePointer
from ifes_archive.archive.warcs.reader import open_records, warcinfo_fields
from ifes_archive.archive.warcs.state import CrawlState, KnownCapture
from ifes_archive.archive.warcs.writer import BASE_FIELD

if TYPE_CHECKING:
    from pathlib import Path

logger = logging.getLogger(__name__)


def open_state(path: Path) -> CrawlState:
    """Open the crawl state; one that is not a database any more is set aside (the WARC files
    teach a new one everything)."""
    try:
        return CrawlState(path)
    except sqlite3.DatabaseError as exc:
        aside = path.with_name(f"{path.name}.unreadable-{time.strftime('%Y%m%dT%H%M%S')}")
        os.replace(path, aside)
        logger.warning("The crawl state %s cannot be read (%s): set aside as %s, relearned from "
                       "the WARC files", path, exc, aside.name)
        return CrawlState(path)


def known_capture(key: str, pointer: CapturePointer, headers: list[tuple[str, str]],
                  payload_digest: str, run_id: int, base_url: str | None) -> KnownCapture:
    """Return what the state keeps of a ``200`` response captured at ``pointer`` (its last
    ``ETag`` and ``Last-Modified``) when the site was at ``base_url``."""
    values = {name.lower(): value for name, value in headers}
    return KnownCapture(key, pointer, 200, values.get("etag"), values.get("last-modified"),
                        payload_digest, run_id, base_url=base_url)


def recover_state(state: CrawlState, paths: list[Path], run_id: int,
                  bases: list[str] | None = None) -> int:
    """Teach ``state`` the captures in ``paths`` that it missed: those of the interrupted run
    ``run_id`` (a crash between writing a record and committing the state would otherwise make
    the resumed run fetch the page again), or all of a folder whose state file was lost. Return
    how many it learned; a file that cannot be read is reported and skipped."""
    learned = 0
    for path in paths:
        try:
            learned += _learn_from(state, path, run_id, bases or [])
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the crawl
            logger.warning("Could not learn captures from %s: %r", path.name, exc)
    return learned


def _learn_from(state: CrawlState, path: Path, run_id: int, bases: list[str]) -> int:
    """Learn the captures of one file; keys are relative to the base URL its warcinfo names
    (the site may have been elsewhere then), else to ``bases``. A file of captures imported
    from a public archive teaches nothing: the state holds what the crawls captured, and an
    archive's validators of years ago are no ground for a conditional request (the crawl asks
    for the articles archives hold through ``articles.archived.json``)."""
    learned = 0
    file_bases = bases
    with open_records(path) as records:
        for record in records:
            head = record.head
            if head.type == "warcinfo":
                fields = warcinfo_fields(record)
                if fields.get(SOURCE_FIELD):
                    return learned  # captures an import brought: no crawl of ours made them
                base = fields.get(BASE_FIELD)
                file_bases = [base, *bases] if base else bases
                continue
            if head.type not in ("response", "revisit"):
                continue
            key = state_key(head.target_uri, *file_bases)
            known = state.known(key)
            if head.type == "revisit":
                # (WARC-Truncated: length is what an identical-payload revisit carries.)
                if known is not None and (known.seen_date or known.pointer.date) < head.date and \
                        known.pointer.warc_record_id == head.refers_to:
                    state.touch(key, run_id, head.date)
                    learned += 1
                continue
            http = record.http_head()
            if head.truncated or http is None or http.status != 200 or (
                    known is not None and known.pointer.date >= head.date):
                continue
            pointer = CapturePointer(path.name, head.offset, record.length, head.id,
                                     head.target_uri, head.date)
            state.remember(known_capture(key, pointer, list(http.headers), head.payload_digest,
                                         run_id, file_bases[0] if file_bases else None))
            learned += 1
    return learned
