"""The journals of an archive folder: what every crawl saw of every article, and of every listing.

The article journal (``articles.journal.jsonl``) is append-only and shared by every run into the
folder; each line is one look at one article, of one of four kinds:

- :class:`RecordLine` — a record built from the article's captured pages (the record itself,
  its ``first_seen`` and ``last_seen`` the date of the run's captures);
- :class:`SameLine` — a record equal to the article's current version, journaled short (a
  server without validators sends every page whole on every run);
- :class:`NotModifiedLine` — its first page answered ``304 Not Modified``;
- :class:`GoneLine` — it was found removed (404 or 410, Joomla's «not found» page).

Every line carries the label of the run that wrote it (``run``). Each kind gives the
:class:`~archive.corpus.versions.Observation` the fold takes (:meth:`RecordLine.observation`, ...):
the crawl reads them back from the lines it wrote (:func:`observation_of_line`), and the offline
rebuild makes the same kinds from the WARC files, so both fold the same observations.

The listing journal (``articles.listings.jsonl``) holds one line per listing page: the (article
id, listing name, listing key) entries it files (:func:`listing_line`, :func:`read_listings`).

A crash can leave a torn last line; :func:`cut_torn_tail` cuts it before a run appends, and the
readers skip one they meet.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, ClassVar

import msgspec

from ifes_archive.archive.corpus.versions import Observation
from ifes_archive.archive.page.record_json import record_from_json
from ifes_archive.archive.page.schema import INCOMPLETE_FLAG
from ifes_archive.archive.types import CapturePointer, Record, record_digest, record_json

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import Path

logger = logging.getLogger(__name__)

#: ``observed`` of the short lines (a record line has none).
NOT_MODIFIED_LINE, GONE_LINE, SAME_LINE = "not-modified", "gone", "same"


@dataclass(frozen=True)
class RecordLine:
    """A record built from the article's pages as captured in one run."""

    record: Record
    """The record (:func:`archive.page.record.build_record`), with ``first_seen`` and ``last_seen``
    set to the date of the run's captures."""

    @property
    def article_id(self) -> int:
        return self.record.article_id

    def observation(self, ref: Any = None, run: str = "") -> Observation:
        """Return the observation: the record's content (its digest), where it is (``ref``)."""
        record = self.record
        return _LineView(record.article_id, None, run, record.first_seen,
                         [_CaptureView(c.warc_record_id, c.date) for c in record.captures],
                         list(record.flags), record.digest or record_digest(record)
                         ).observation(ref)


class _ShortLine(msgspec.Struct, frozen=True, tag_field="observed"):
    """A line that says what was seen of the article without its record (its kind, the JSON's
    ``observed``, is the tag: a short line decodes straight into its kind)."""

    article_id: int
    seen: str


class SameLine(_ShortLine, frozen=True, tag=SAME_LINE):
    """A record equal to the article's current version (its digest), journaled short."""

    observed: ClassVar[str] = SAME_LINE
    digest: str
    first_capture: str
    """The record id of the first page's content capture (what a later 304 refers to)."""

    def observation(self, ref: Any = None, run: str = "") -> Observation:
        return Observation.record(self.seen, self.digest, self.first_capture, run=run)


class NotModifiedLine(_ShortLine, frozen=True, tag=NOT_MODIFIED_LINE):
    """The article's first page answered 304 to a conditional request."""

    observed: ClassVar[str] = NOT_MODIFIED_LINE
    refers_to: str
    """The record id of the capture the 304 confirms."""

    def observation(self, ref: Any = None, run: str = "") -> Observation:
        return Observation.confirmed(self.seen, self.refers_to, run)


class Gone(msgspec.Struct, frozen=True):
    """Why and where an article was found removed."""

    reason: str
    """``HTTP 404``, ``not found page``, ..."""
    capture: CapturePointer | None = None
    """The pointer to the capture that showed it."""


class GoneLine(_ShortLine, frozen=True, tag=GONE_LINE):
    """The article was found removed."""

    observed: ClassVar[str] = GONE_LINE
    gone: Gone

    def observation(self, ref: Any = None, run: str = "") -> Observation:
        capture = self.gone.capture
        return Observation.removed(self.seen, self.gone.reason,
                                   capture.warc_record_id if capture else "", capture, run)


#: One line of the article journal.
JournalLine = RecordLine | SameLine | NotModifiedLine | GoneLine
#: A short line of the article journal, decoded straight into its kind (a ``run`` passed over).
_SHORT = msgspec.json.Decoder(SameLine | NotModifiedLine | GoneLine)


def line_json(line: JournalLine, run: str) -> str:
    """Return ``line`` as the journal holds it (no newline), marked with the ``run`` label."""
    if isinstance(line, RecordLine):
        return record_json(line.record, run=run)
    # the tag after the id, as journals have always held it
    fields = msgspec.to_builtins(line)
    fields = {"article_id": fields.pop("article_id"), **fields, "run": run}
    return json.dumps(fields, ensure_ascii=False)


class _CaptureView(msgspec.Struct, frozen=True):
    """What an observation needs of a record's capture pointer."""

    warc_record_id: str
    date: str


class _LineView(msgspec.Struct, frozen=True):
    """What the fold needs of any journal line, decoded in one pass (a record line's text and
    the rest of the record are skipped unread): a record line has no ``observed``."""

    article_id: int
    observed: str | None = None
    run: str | None = None
    first_seen: str | None = None
    """A record line's."""
    captures: list[_CaptureView] = []
    flags: list[str] = []
    digest: str = ""
    """A record line's (none in lines of journals written before records carried it)."""

    def observation(self, ref: Any = None) -> Observation:
        """Return the observation of a record line (``ref``: where its record is)."""
        seen = self.first_seen or max((c.date for c in self.captures), default="")
        return Observation.record(seen, self.digest,
                                  self.captures[0].warc_record_id if self.captures else "",
                                  INCOMPLETE_FLAG not in self.flags, ref, self.run or "")


_LINE = msgspec.json.Decoder(_LineView)


def parse_line(text: bytes | str) -> tuple[JournalLine, str]:
    """Return (line, run label) of one journal line; raise ValueError if it is bad."""
    try:
        view = _LINE.decode(text)
    except msgspec.DecodeError as exc:
        raise ValueError(f"not a journal line: {exc}") from exc
    if view.observed is not None:
        return _short_line(text), view.run or ""
    return RecordLine(record_from_json(text)), view.run or ""


def _short_line(text: bytes | str) -> SameLine | NotModifiedLine | GoneLine:
    """Return the short line ``text`` holds; raise ValueError if it is bad (a kind unknown, a
    field missing)."""
    try:
        return _SHORT.decode(text)
    except msgspec.DecodeError as exc:
        raise ValueError(f"not a journal line: {exc}") from exc


def observation_of_line(text: bytes | str, ref: Any = None) -> tuple[int, Observation]:
    """Return (article id, observation) of one journal line; raise ValueError if it is bad.
    ``ref`` says where a record line's record is (the fold hands it back with its version).
    The line is decoded once, into what the observation needs; only a record line of a journal
    written before records carried their digest is decoded whole, to take it."""
    try:
        view = _LINE.decode(text)
    except msgspec.DecodeError as exc:
        raise ValueError(f"not a journal line: {exc}") from exc
    if view.observed is not None:
        return view.article_id, _short_line(text).observation(ref, view.run or "")
    if not view.digest:
        try:
            line, run = parse_line(text)
        except ValueError as exc:
            raise ValueError(f"not a journal line: {exc}") from exc
        return line.article_id, line.observation(ref, run)
    return view.article_id, view.observation(ref)


def read_observations(journal: Path) -> dict[int, list[Observation]]:
    """Return article id -> what the journal says each crawl saw of it (whole lines only; a
    torn or bad line is skipped with a warning). Each observation's ``ref`` is its line's
    (offset, length)."""
    observations: dict[int, list[Observation]] = {}
    if not journal.exists():
        return observations
    offset = 0
    with open(journal, "rb") as stream:
        for line in stream:
            if line.endswith(b"\n"):
                try:
                    article_id, seen = observation_of_line(line, (offset, len(line)))
                except ValueError:
                    logger.warning("skipping a bad journal line at byte %d of %s", offset, journal)
                else:
                    observations.setdefault(article_id, []).append(seen)
            else:
                logger.warning("skipping a torn last line at byte %d of %s", offset, journal)
            offset += len(line)
    return observations


def cut_torn_tail(path: Path) -> int:
    """Cut a torn last line (a crash mid-write) off the journal ``path``, so the next line
    appended starts a line of its own; return how many bytes were cut."""
    if not path.exists() or path.stat().st_size == 0:
        return 0
    with open(path, "r+b") as stream:
        size = stream.seek(0, os.SEEK_END)
        position = size
        while position > 0:
            step = min(65536, position)
            stream.seek(position - step)
            chunk = stream.read(step)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                end = position - step + newline + 1
                break
            position -= step
        else:
            end = 0
        if end < size:
            stream.truncate(end)
            logger.warning("cut a torn last line (%d bytes) off %s", size - end, path)
        return size - end


class JournalFile:
    """A journal opened for appending: a torn last line cut first; each line flushed at once,
    and fsynced every ``fsync_every`` lines (0: only on :meth:`sync` and :meth:`close`)."""

    def __init__(self, path: Path, fsync_every: int = 0):
        cut_torn_tail(path)
        self.path = path
        self.fsync_every = fsync_every
        self._file: IO[bytes] | None = path.open("ab")
        #: Bytes in the file: where the next line starts.
        self.size = self._file.seek(0, os.SEEK_END)
        self._unsynced = 0

    def append(self, text: str) -> tuple[int, int]:
        """Append one line (``text`` holds no newline); return where it is, (offset, length)
        in bytes, as :func:`read_observations` gives each line's ``ref``."""
        assert self._file is not None, "the journal is closed"
        line = (text + "\n").encode("utf-8")
        self._file.write(line)
        self._file.flush()
        ref = (self.size, len(line))
        self.size += len(line)
        self._unsynced += 1
        if self.fsync_every and self._unsynced >= self.fsync_every:
            self.sync()
        return ref

    def sync(self) -> None:
        """Flush and fsync what was appended."""
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._unsynced = 0

    def close(self) -> None:
        """Sync and close (once)."""
        if self._file is not None:
            self.sync()
            self._file.close()
            self._file = None


# The listing journal ------------------------------------------------------------------------

#: One listing's evidence: (article id, listing name) or (article id, name, the listing's key,
#: :func:`archive.page.joomla.listing_key`; an Itemid in journals of earlier versions, not used).
Listed = tuple


@dataclass
class ListingEvidence:
    """What the listing pages say: the names each article is listed under, and by menu item."""

    sections: dict[int, list[str]] = field(default_factory=dict)
    """Article id -> listing names (each once, first seen first)."""
    by_listing: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    """Article id -> key of a listing that lists it -> the listing's names: what the crumb
    check compares the breadcrumb's crumbs with."""

    def add(self, entries: Iterable[Listed]) -> None:
        """Add one listing page's (article id, name[, listing key]) entries."""
        for article_id, name, *rest in entries:
            _add_once(self.sections.setdefault(article_id, []), name)
            key = rest[0] if rest else None
            if isinstance(key, str):
                _add_once(self.by_listing.setdefault(article_id, {}).setdefault(key, []), name)

    def get(self, article_id: int, default: Sequence[str] = ()) -> Sequence[str]:
        """Return the listing names of an article (mapping-style, as the sections are read)."""
        return self.sections.get(article_id, default)


def _add_once(names: list[str], name: str) -> None:
    if name not in names:
        names.append(name)


def listing_line(entries: Iterable[Listed]) -> str:
    """Return one listing page's (article id, name[, listing key]) entries as a journal line."""
    return json.dumps([list(entry) for entry in entries], ensure_ascii=False)


def read_listings(journal: Path) -> ListingEvidence:
    """Return the listing evidence of a listing journal (torn lines skipped)."""
    evidence = ListingEvidence()
    if not journal.exists():
        return evidence
    with open(journal, "rb") as stream:
        for line in stream:
            try:
                entries = [(int(i), str(n), *rest) for i, n, *rest in json.loads(line)] \
                    if line.endswith(b"\n") else []
            except (ValueError, TypeError):
                logger.warning("skipping a torn or bad line of %s", journal)
                continue
            evidence.add(entries)
    return evidence
