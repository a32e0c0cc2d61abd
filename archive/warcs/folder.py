"""The archive folder: where each file of a crawl lives, and the lock that keeps one crawl in it.

Every path derives from the folder (the crawl's ``ARCHIVE_DIR`` setting, ``--out`` of
``ifes-archive crawl``), and each is made when it is first written::

    ARCHIVE_DIR/
      warc/                         the captures (ifes-*.warc.gz; *.open while being written)
      articles.jsonl                the corpus: every version of every article
      articles.journal.jsonl        what each run saw of each article, in order (append-only)
      articles.listings.jsonl       which listing files which article under which name
      state.sqlite                  the crawl state: validators and runs (relearned from warc/)
      crawl-summary.json            the last run's report
      reports/run-STAMP.json|.txt   each run's report; run-STAMP.crawl.log its crawl log
      indexes/index.cdxj            ``ifes-archive index``
      .lock                         held while a crawl runs (its pid inside)
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO


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
    def lock_file(self) -> Path:
        """The file a running crawl holds locked."""
        return self.root / ".lock"

    def warc_files(self) -> list[Path]:
        """Return the folder's closed WARC files, in name (so time) order."""
        return sorted(self.warc.glob("*.warc.gz"))

    def run_report(self, stamp: str, suffix: str) -> Path:
        """Return a file of the run started at ``stamp``: ``json``, ``txt``, ``crawl.log``."""
        return self.reports / f"run-{stamp}.{suffix}"


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


#: Locks this process holds: lock file -> (open file, how many holders). The command line takes
#: the lock before first contact and the crawl's capture session takes it again: one process,
#: one lock, released when its last holder lets go.
_HELD: dict[Path, tuple[IO[str], int]] = {}
_HELD_GUARD = threading.Lock()


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


def acquire(folder: ArchiveFolder) -> None:
    """Lock ``folder`` for this process (made if missing); raise FolderLocked at once if another
    process holds it."""
    path = folder.lock_file.resolve() if folder.root.exists() else folder.lock_file
    with _HELD_GUARD:
        if path in _HELD:
            stream, count = _HELD[path]
            _HELD[path] = (stream, count + 1)
            return
        folder.root.mkdir(parents=True, exist_ok=True)
        path = folder.lock_file.resolve()
        try:
            stream = take_lock(path)
        except LockHeld as exc:
            raise FolderLocked(folder.lock_file, exc.holder) from None
        _HELD[path] = (stream, 1)


def release(folder: ArchiveFolder) -> None:
    """Let go of this process's hold on ``folder`` (unlocked when the last holder lets go)."""
    path = folder.lock_file.resolve()
    with _HELD_GUARD:
        if path not in _HELD:
            return
        stream, count = _HELD.pop(path)
        if count > 1:
            _HELD[path] = (stream, count - 1)
            return
        stream.close()  # closing the file releases the flock
