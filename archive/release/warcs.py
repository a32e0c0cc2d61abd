"""The release's copies of the archive's WARC files: every record but the captures of articles
left out, and what the files say about the crawl runs.

An article left out of a release (excluded, or outside its scope) leaves with its captures:
every record whose target URI is one of its pages — article pages, print and PDF views, the
e-mail form — is dropped (request, response and revisit alike). Everything else stays: robots.txt,
listings, other pages, refusals. Each record is its own gzip member and is copied byte for byte,
so a kept record is exactly what the archive holds; a file nothing is dropped from is linked (or
copied) whole. Records after a dropped one move: :meth:`Copies.pointer` gives a capture pointer's
place in the copy.

The ``warcinfo`` record at the head of each file names its crawl run (``ifes-run``), the software,
the robots policy, the User-Agent and the operator; the WARC-Dates of a run's records give its
window. The card tells the crawl from these (:class:`Run`): the WARC files are the truth.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ifes_archive.archive.release.scope import ReleaseInputError, article_of
from ifes_archive.archive.warcs.reader import WarcRecord, open_records, warcinfo_fields
from ifes_archive.archive.warcs.warcfiles import closed_name, is_open
from ifes_archive.archive.warcs.writer import RUN_FIELD

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterator

_COPY_CHUNK = 1 << 20


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

    def pointer(self, pointer: dict[str, Any] | None) -> dict[str, Any] | None:
        """Return a capture pointer into the archive's files as one into the copies (counting
        those that name no record the copies hold)."""
        if not pointer:
            return pointer
        key = (pointer.get("warc_filename", ""), pointer.get("warc_offset", -1))
        self.unresolved += key not in self.held
        if key not in self.moved:
            return pointer
        return {**pointer, "warc_offset": self.moved[key]}

    def ordered_runs(self) -> list[Run]:
        """Return the runs by the date they started."""
        return sorted(self.runs.values(), key=lambda run: (run.first, run.label))


def copy_warcs(files: list[Path], folder: Path, drop: Collection[int],
               progress: Callable[[int], None] | None = None) -> Copies:
    """Copy ``files`` into ``folder`` without the captures of articles ``drop``; return what
    was copied, moved and dropped, and the runs the files tell."""
    folder.mkdir(parents=True, exist_ok=True)
    copies = Copies()
    names = [closed_name(path) for path in files]
    if len(set(names)) != len(names):
        raise ReleaseInputError("two WARC files of the archive have the same name: " + ", ".join(
            sorted({n for n in names if names.count(n) > 1})))
    for number, path in enumerate(files, 1):
        try:
            kept = _scan(path, drop, copies)
        except ReleaseInputError:
            raise
        except Exception as exc:  # noqa: BLE001 - warcio's, zlib's, the disk's: one line
            raise ReleaseInputError(f"{path}: not read to its end ({exc}); a release copies "
                                    "every record of the archive's WARC files") from exc
        # A file a crash left open goes in under the name it has once closed (the name the
        # records' pointers use), its torn last record left out, as the crawl's close-out does
        target = folder / closed_name(path)
        if all(keep for _, _, keep in kept):
            _link_or_copy(path, target)
        else:
            _copy_kept(path, target, kept, copies)
        if progress:
            progress(number)
    return copies


def _scan(path: Path, drop: Collection[int], copies: Copies) -> list[tuple[int, int, bool]]:
    """Return (offset, length, keep) of every record of ``path``; note runs and counts."""
    kept: list[tuple[int, int, bool]] = []
    run: Run | None = None
    with open_records(path, whole=True) as records:
        for record in _tolerant(records, path, copies):
            head = record.head
            if head.type == "warcinfo":
                info = warcinfo_fields(record)
                run = copies.runs.setdefault(info.get(RUN_FIELD, ""),
                                             Run(info.get(RUN_FIELD, ""), info))
                if closed_name(path) not in run.files:
                    run.files.append(closed_name(path))
            if run is None:  # a file without warcinfo: the unnamed run
                run = copies.runs.setdefault("", Run(""))
            run.saw(head.date)
            wanted = not (head.target_uri and drop and article_of(head.target_uri) in drop)
            whole = record.complete
            if not whole and not is_open(path):
                raise ReleaseInputError(
                    f"{path}: not read to its end (it ends inside the record at offset "
                    f"{head.offset}: a copy cut short?); a release copies every record of the "
                    "archive's WARC files")
            copies.torn += not whole
            copies.dropped += not wanted
            kept.append((head.offset, record.length, wanted and whole))
            if wanted and whole and head.type in ("response", "revisit"):
                copies.held.add((closed_name(path), head.offset))
    copies.records += len(kept)
    return kept


def _tolerant(records: Iterator[WarcRecord], path: Path, copies: Copies) -> Iterator[WarcRecord]:
    """Yield ``records``; in a file a crash left open, stop quietly (one record counted torn)
    where they stop parsing: its tail is expected to be torn."""
    try:
        yield from records
    except Exception:  # noqa: BLE001 - a torn tail breaks off anyhow; only an open file's may
        if not is_open(path):
            raise
        copies.torn += 1


def _copy_kept(source: Path, target: Path, kept: list[tuple[int, int, bool]],
               copies: Copies) -> None:
    with open(source, "rb") as src, open(target, "wb") as dst:
        for offset, length, keep in kept:
            if not keep:
                continue
            copies.moved[(closed_name(source), offset)] = dst.tell()
            src.seek(offset)
            left = length
            while left > 0:
                chunk = src.read(min(_COPY_CHUNK, left))
                if not chunk:
                    raise ReleaseInputError(f"{source}: ends inside the record at {offset}")
                dst.write(chunk)
                left -= len(chunk)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or no hard links there
        shutil.copyfile(source, target)
