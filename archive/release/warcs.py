"""The release's copies of the archive's WARC files: every record but the captures of articles
left out, and what the files say about the crawl runs.

An article left out of a release (excluded, or outside its scope) leaves with its captures:
every record whose target URI is one of its pages — article pages, print and PDF views, the
e-mail form — is dropped (request, response and revisit alike). Everything else stays: robots.txt,
listings, other pages, refusals. Each record is its own gzip member and is copied byte for byte,
so a kept record is exactly what the archive holds; each file is read once, its kept records
stored in the WACZ as they are read, their index entries taken from the same read
(:func:`archive.warcs.wacz.pack_warc`). Records after a dropped one move: :meth:`Copies.pointer`
gives a capture pointer's place in the copy.

The ``warcinfo`` record at the head of each file names its crawl run (``ifes-run``), the software,
the robots policy, the User-Agent and the operator; the WARC-Dates of a run's records give its
window. The card tells the crawl from these (:class:`Run`): the WARC files are the truth.
"""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import TYPE_CHECKING, TypeAlias, TypeVar

import msgspec

from ifes_archive.archive.release.citation import ARCHIVE_FILE as WACZ
from ifes_archive.archive.release.scope import ReleaseInputError, article_of
from ifes_archive.archive.types import CapturePointer
from ifes_archive.archive.warcs.folder import ArchiveFolder
from ifes_archive.archive.warcs.wacz import WaczWriter, pack_warc, pages_jsonl
from ifes_archive.archive.warcs.warcfiles import closed_name, is_open
from ifes_archive.archive.warcs.writer import RUN_FIELD

if TYPE_CHECKING:
    from collections.abc import Callable, Collection
    from multiprocessing.queues import SimpleQueue
    from pathlib import Path

    from ifes_archive.archive.warcs.index import IndexEntry
    from ifes_archive.archive.warcs.warcpass import PassedRecord
    from ifes_archive.archive.workers import Pending, SerialWorker

#: A pointer, with its page or without.
P = TypeVar("P", bound=CapturePointer)
#: The page list and title of a WACZ, sent to the worker writing it.
Channel: TypeAlias = "SimpleQueue[tuple[Path, str]]"


@dataclass
class Run:
    """One crawl run, as its WARC files tell it."""

    label: str
    """The ``ifes-run`` of its warcinfo (``""`` for files that name none)."""
    info: dict[str, str] = field(default_factory=dict)
    """The fields of its first warcinfo record."""
    first: str = ""
    """The earliest WARC-Date of its records."""
    last: str = ""
    """The latest."""
    records: int = 0
    files: list[str] = field(default_factory=list)
    """Its WARC files, by name."""

    def saw(self, date: str) -> None:
        """Widen the window to ``date``."""
        self.records += 1
        if date and (not self.first or date < self.first):
            self.first = date
        if date > self.last:
            self.last = date


@dataclass
class Copies:
    """The copies made for a release."""

    runs: dict[str, Run] = field(default_factory=dict)
    records: int = 0
    dropped: int = 0
    """Records left out: captures of articles not in the release."""
    torn: int = 0
    """Records cut short at the end of a file (a copy cut off): not copied."""
    moved: dict[tuple[str, int], int] = field(default_factory=dict)
    """(file name, offset in the archive) -> offset in the copy, for files records left."""
    held: set[tuple[str, int]] = field(default_factory=set)
    """(file name, offset in the archive) of every response and revisit record copied."""
    unresolved: int = 0
    """Pointers asked for (:meth:`pointer`) that name no record copied."""

    def pointer(self, pointer: P) -> P:
        """Return a capture pointer into the archive's files as one into the copies (counting
        those that name no record the copies hold)."""
        key = (pointer.warc_filename, pointer.warc_offset)
        self.unresolved += key not in self.held
        if key not in self.moved:
            return pointer
        return msgspec.structs.replace(pointer, warc_offset=self.moved[key])

    def check(self, asked: list[tuple[str, int]]) -> None:
        """Count the pointers ``asked`` for (file name, offset) that name no record copied
        (pointers taken as they are, :class:`Unmoved`)."""
        self.unresolved += sum(key not in self.held for key in asked)

    def ordered_runs(self) -> list[Run]:
        """Return the runs by the date they started."""
        return sorted(self.runs.values(), key=lambda run: (run.first, run.label))


@dataclass
class Unmoved:
    """Capture pointers into copies nothing is left out of: no record moves, each pointer
    stays as it is (the tables need not wait for the copies); those asked for are kept, to be
    checked against the copies once made (:meth:`Copies.check`)."""

    asked: list[tuple[str, int]] = field(default_factory=list)

    def pointer(self, pointer: P) -> P:
        """Return ``pointer`` as it is."""
        self.asked.append((pointer.warc_filename, pointer.warc_offset))
        return pointer


@dataclass
class ReleaseWacz:
    """What writing the release's WACZ gave: the copies of the WARC files it holds, its index
    lines and its SHA-256 (taken as it was written)."""

    copies: Copies
    lines: int
    sha256: str


def write_release_wacz(files: list[Path], out: Path, drop: Collection[int], pages: Path,
                       title: str, created: datetime) -> ReleaseWacz:
    """Write the release's WACZ to ``out``: the WARC files without the captures of articles
    ``drop`` (read once), their index, one page (with its text) per version of ``pages`` (a
    corpus); dated ``created``."""
    return _write_wacz(files, out, drop, created, lambda: (pages, title))


#: Where a WACZ begun before the corpus was known (:func:`write_whole_wacz`) gets its page list
#: and title: set in the worker as it starts (:func:`take_channel`), put by the release.
_channel: Channel | None = None


def take_channel(channel: Channel) -> None:
    """Pool initializer: keep ``channel``, where :func:`write_whole_wacz` reads the page list
    and title it finishes the WACZ with."""
    global _channel  # noqa: PLW0603 - one worker, one WACZ: the process's own channel
    _channel = channel


def write_whole_wacz(files: list[Path], out: Path, created: datetime) -> ReleaseWacz:
    """Write the release's WACZ to ``out`` when it leaves no article out, begun before the
    corpus is known: the WARC files whole (read once), their index, then, when the release
    puts them on the channel (:func:`take_channel`), one page per version of its page list
    and its title; dated ``created``."""
    channel = _channel
    if channel is None:
        raise RuntimeError("write_whole_wacz runs in a worker given a channel (take_channel)")
    return _write_wacz(files, out, (), created, channel.get)


def _write_wacz(files: list[Path], out: Path, drop: Collection[int], created: datetime,
                rest: Callable[[], tuple[Path, str]]) -> ReleaseWacz:
    """Write the WACZ: the WARC files without the captures of articles ``drop``, then the
    pages and title ``rest`` gives (it may wait for them)."""
    with WaczWriter(out, created) as wacz:
        packed = pack_warcs(files, wacz, drop)
        pages, title = rest()
        lines = wacz.finish(packed.entries, pages_jsonl(pages, page_text=True), title)
    return ReleaseWacz(packed.copies, lines, wacz.sha256)


def pack_warcs(files: list[Path], wacz: WaczWriter, drop: Collection[int]) -> Packed:
    """Store ``files`` in ``wacz`` without the captures of articles ``drop``, each read once;
    return what was kept, moved and dropped, the runs the files tell, and the index entries."""
    packed = Packed(Copies())
    names = [closed_name(path) for path in files]
    if len(set(names)) != len(names):
        raise ReleaseInputError("two WARC files of the archive have the same name: " + ", ".join(
            sorted({n for n in names if names.count(n) > 1})))
    for path in files:
        try:
            packed.entries += _pack(path, wacz, drop, packed.copies)
        except ReleaseInputError:
            raise
        except Exception as exc:  # noqa: BLE001 - warcio's, zlib's, the disk's: one line
            raise ReleaseInputError(f"{path}: not read to its end ({exc}); a release copies "
                                    "every record of the archive's WARC files") from exc
    return packed


@dataclass
class Packed:
    """What :func:`pack_warcs` did: the copies, and the index entries of what they hold."""

    copies: Copies
    entries: list[IndexEntry] = field(default_factory=list)


def _pack(path: Path, wacz: WaczWriter, drop: Collection[int], copies: Copies) -> list[IndexEntry]:
    """Store the records of ``path`` the release keeps (a file a crash left open goes in under
    the name it has once closed, the name the records' pointers use, its torn last record left
    out, as the crawl's close-out does); note runs, counts and moves."""
    choice = _Choice(path, closed_name(path), drop, copies)
    entries = pack_warc(path, choice.name, wacz, choice.keep, choice.torn_tail)
    copies.records += choice.records
    return entries


class _Choice:
    """Which records of one file a release keeps, decided as the pass reads them."""

    def __init__(self, path: Path, name: str, drop: Collection[int], copies: Copies):
        self.path, self.name, self.drop, self.copies = path, name, drop, copies
        self.run: Run | None = None
        self.records = 0
        self.stored = 0
        """Bytes kept so far: where the next kept record starts in the copy."""

    def keep(self, record: PassedRecord) -> bool:
        """Return whether ``record`` goes into the copy (raise on a record a closed file ends
        inside); count it."""
        head, copies = record.head, self.copies
        self.records += 1
        self._note_run(record)
        wanted = not (head.target_uri and self.drop and article_of(head.target_uri) in self.drop)
        if not record.complete and not is_open(self.path):
            raise ReleaseInputError(
                f"{self.path}: not read to its end (it ends inside the record at offset "
                f"{head.offset}: a copy cut short?); a release copies every record of the "
                "archive's WARC files")
        copies.torn += not record.complete
        copies.dropped += not wanted
        kept = wanted and record.complete
        if kept:
            if self.stored != head.offset:
                copies.moved[(self.name, head.offset)] = self.stored
            if head.type in ("response", "revisit"):
                copies.held.add((self.name, head.offset))
            self.stored += record.length
        return kept

    def torn_tail(self, error: Exception) -> bool:
        """Return whether the file may stop parsing here: a file a crash left open, whose tail
        is expected to be torn (counted); a closed one may not."""
        if isinstance(error, ReleaseInputError) or not is_open(self.path):
            return False
        self.copies.torn += 1
        return True

    def _note_run(self, record: PassedRecord) -> None:
        if record.info is not None:
            info = record.info
            self.run = self.copies.runs.setdefault(info.get(RUN_FIELD, ""),
                                                   Run(info.get(RUN_FIELD, ""), info))
            if self.name not in self.run.files:
                self.run.files.append(self.name)
        if self.run is None:  # a file without warcinfo: the unnamed run
            self.run = self.copies.runs.setdefault("", Run(""))
        self.run.saw(record.head.date)


class WaczJob:
    """The WACZ, written by the release's worker: the WARC files' one pass begun before the
    corpus is known when the release leaves no article out (``whole``: no exclusions, the
    whole corpus in scope), since then no record is left out of the copies and the pass
    needs nothing but the files (with ``--rebuild``, it runs while the rebuild's first pass
    reads the same files on the other core); otherwise begun once the release's plan says
    which articles are left out."""

    def __init__(self, archive_dir: Path, root: Path, released: date, whole: bool):
        self.warcs = ArchiveFolder(archive_dir).warc_inputs()
        self.out, self.whole = root / WACZ, whole
        self.created = datetime.combine(released, time(), timezone.utc)
        self.channel: Channel = multiprocessing.get_context().SimpleQueue()
        self._early: Pending[ReleaseWacz] | None = None

    def begin(self, worker: SerialWorker) -> None:
        """Start the WARC files' pass now when nothing can be left out."""
        if self.warcs and self.whole:
            self._early = worker.submit(write_whole_wacz, self.warcs, self.out, self.created)

    def finish(self, worker: SerialWorker, dropped: Collection[int], pages: Path, title: str,
               ) -> Pending[ReleaseWacz] | None:
        """Hand the WACZ its page list (``pages``: the versions it shows) and title, starting
        it now if it was not begun, without the captures of articles ``dropped``; return the
        job (None: the archive has no WARC files)."""
        if self._early is not None:
            self.channel.put((pages, title))
            return self._early
        if not self.warcs:
            return None
        return worker.submit(write_release_wacz, self.warcs, self.out, dropped, pages, title,
                             self.created)
