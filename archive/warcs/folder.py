"""The archive folder: where each file of a crawl lives, and the lock that keeps one crawl in it.

Every path derives from the folder (the crawl's ``ARCHIVE_DIR`` setting, ``--out`` of
``ifes-archive crawl``), and each is made when it is first written::

    ARCHIVE_DIR/
      warc/                         the captures (ifes-*.warc.gz; *.open while being written)
      articles.jsonl                the corpus: every version of every article
      articles.journal.jsonl        what each run saw of each article, in order (append-only)
      articles.listings.jsonl       which listing files which article under which name
      articles.archived.json        article ids public archives hold (``ifes-archive import``):
                                    the next crawl asks the site for those it does not know
      state.sqlite                  the crawl state: validators and runs (relearned from warc/)
      crawl-summary.json            the last run's report
      reports/run-STAMP.json|.txt   each run's report; run-STAMP.crawl.log its crawl log
      reports/import-STAMP.json     each import's report (``ifes-archive import``)
      indexes/index.cdxj            ``ifes-archive index``
      persons.json                  person ids, kept from release to release (``persons``)
      persons.curated.json          the curator's merges and splits of persons
      .lock                         held while a crawl runs (its pid inside)
"""

from __future__ import annotations

import fcntl
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

#: The file of person ids, and the curator's file beside it (:mod:`archive.corpus.person_store`).
PERSONS_FILE, CURATED_PERSONS_FILE = "persons.json", "persons.curated.json"


@dataclass(frozen=True)
class ArchiveFolder:
    """The paths of one archive folder."""

    root: Path

    @property
    def warc(self) -> Path:
        """The folder of WARC files."""
        return self.root / "warc"

    @property
    def articles(self) -> Path:
        """The corpus (JSON lines)."""
        return self.root / "articles.jsonl"

    @property
    def journal(self) -> Path:
        """The journal the corpus is folded from."""
        return self.root / "articles.journal.jsonl"

    @property
    def listings(self) -> Path:
        """The listing evidence (sections)."""
        return self.root / "articles.listings.jsonl"

    @property
    def archived(self) -> Path:
        """The article ids each public archive imported from holds
        (:mod:`archive.corpus.imports.held`)."""
        return self.root / "articles.archived.json"

    @property
    def state(self) -> Path:
        """The crawl state."""
        return self.root / "state.sqlite"

    @property
    def reports(self) -> Path:
        """The folder of run reports and crawl logs."""
        return self.root / "reports"

    @property
    def summary(self) -> Path:
        """The last run's report."""
        return self.root / "crawl-summary.json"

    @property
    def indexes(self) -> Path:
        """The folder of replay indexes."""
        return self.root / "indexes"

    @property
    def index(self) -> Path:
        """The replay index ``ifes-archive index`` writes by default."""
        return self.indexes / "index.cdxj"

    @property
    def persons(self) -> Path:
        """The person ids every release keeps (:mod:`archive.corpus.person_store`)."""
        return self.root / PERSONS_FILE

    @property
    def curated_persons(self) -> Path:
        """The curator's merges and splits of persons, honoured by every later run."""
        return self.root / CURATED_PERSONS_FILE

    @property
    def lock_file(self) -> Path:
        """The file a running crawl holds locked."""
        return self.root / ".lock"

    def warc_files(self) -> list[Path]:
        """Return the WARC files the crawl wrote and closed, in name (so time) order: what it
        reads back and reports (:func:`archive.warcs.warcfiles.warcs_under`)."""
        from ifes_archive.archive.warcs.warcfiles import warcs_under

        return warcs_under(self.warc)

    def warc_inputs(self) -> list[Path]:
        """Return the folder's WARC files as an offline verb reads them, open ones too, [] when
        it has no ``warc/``; raise :class:`archive.warcs.warcfiles.WarcInputError` naming a stray
        file (:func:`archive.warcs.warcfiles.find_warcs`)."""
        from ifes_archive.archive.warcs.warcfiles import find_warcs

        return find_warcs([self.warc]) if self.warc.is_dir() else []

    def run_reports(self) -> list[Path]:
        """Return the runs' JSON reports, in name (so start time) order."""
        return sorted(self.reports.glob("run-*.json"))

    def run_report(self, stamp: str, suffix: str) -> Path:
        """Return a file of the run started at ``stamp``: ``json``, ``txt``, ``crawl.log``."""
        return self.reports / f"run-{stamp}.{suffix}"

    def import_report(self, stamp: str) -> Path:
        """Return the report of the import run (``ifes-archive import``) started at ``stamp``."""
        return self.reports / f"import-{stamp}.json"


def run_stamp() -> str:
    """Return the stamp naming a run's report files (UTC, to the second)."""
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime())


class LockHeld(RuntimeError):
    """Another process holds a lock file (:func:`take_lock`)."""

    def __init__(self, path: Path, holder: str):
        super().__init__(f"{path} is held by pid {holder}")
        self.path, self.holder = path, holder


class FolderLocked(LockHeld):
    """Another crawl is writing into the same archive folder."""

    def __str__(self) -> str:
        return f"another crawl (pid {self.holder}) is running in {self.path.parent}"


def take_lock(path: Path) -> IO[str]:
    """Return ``path`` opened (made if missing) and locked for this process, this pid written
    in it; raise :class:`LockHeld` at once if another process holds it. The lock lasts until the
    file is closed (or the process ends, however it ends: the kernel lets go of a flock)."""
    while True:
        stream = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - the caller holds it
        try:
            fcntl.flock(stream, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            stream.seek(0)
            holder = stream.read().strip() or "unknown"
            stream.close()
            raise LockHeld(path, holder) from None
        if _is_at(stream, path):
            break
        stream.close()  # its holder removed it (drop_lock) as this one locked it: again
    stream.seek(0)
    stream.truncate()
    stream.write(str(os.getpid()))
    stream.flush()
    return stream


def drop_lock(stream: IO[str], path: Path) -> None:
    """Let go of a lock :func:`take_lock` gave, and remove its file (a process that opened the
    file meanwhile sees, once it has the lock, that the file is gone, and takes a new one)."""
    path.unlink(missing_ok=True)
    stream.close()


def _is_at(stream: IO[str], path: Path) -> bool:
    """Whether ``stream`` is the file at ``path`` (not one removed since it was opened)."""
    try:
        there = path.stat()
    except FileNotFoundError:
        return False
    held = os.fstat(stream.fileno())
    return (there.st_dev, there.st_ino) == (held.st_dev, held.st_ino)


class FolderHold:
    """One owner's hold on an archive folder's lock (:func:`acquire`), let go of once."""

    def __init__(self, folder: ArchiveFolder, stream: IO[str]):
        self.folder = folder
        self._stream: IO[str] | None = stream

    @property
    def held(self) -> bool:
        """Whether the lock is still held."""
        return self._stream is not None

    def release(self) -> None:
        """Let go of the lock (closing the file releases the flock); a second call does nothing."""
        if self._stream is not None:
            self._stream.close()
            self._stream = None


def acquire(folder: ArchiveFolder) -> FolderHold:
    """Lock ``folder`` (made if missing) for one owner: a crawl's capture session, an import;
    raise FolderLocked at once if anyone else holds it (another process, or another owner in
    this one)."""
    folder.root.mkdir(parents=True, exist_ok=True)
    try:
        stream = take_lock(folder.lock_file.resolve())
    except LockHeld as exc:
        raise FolderLocked(folder.lock_file, exc.holder) from None
    return FolderHold(folder, stream)
