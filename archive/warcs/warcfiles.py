"""The WARC files an offline verb reads, found one way for all of them.

``rebuild``, ``verify``, ``index`` and ``release`` are given files or folders (an archive
folder stands for its ``warc/``); under a folder every file is taken, in every sub-folder
(symlinks followed, each folder once). A WARC file is
named ``*.warc`` or ``*.warc.gz`` and starts with a WARC record (``WARC/``, gzipped or not); one
named ``*.warc.gz.open`` is a file a crawl is writing, or one a crash left (the next crawl
closes it out: :func:`archive.warcs.closeout.close_out_open_files`) — the only kind whose last
record may be torn. Hidden files (``.name``) are passed over. Anything else is an input error
named in one line (:class:`WarcInputError`): a file that is not a WARC by its name or by its
first bytes, an empty one, a symlink loop, a broken symlink — not a traceback later, nor a file
silently skipped.
"""

from __future__ import annotations

import errno
import zlib
from typing import TYPE_CHECKING

from ifes_archive.archive.warcs.folder import ArchiveFolder
from ifes_archive.archive.warcs.writer import OPEN_SUFFIX

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

#: The names of WARC files (closed ones; an open one adds OPEN_SUFFIX).
WARC_SUFFIXES = (".warc", ".warc.gz")
_GZIP_MAGIC = b"\x1f\x8b"
_WARC_MAGIC = b"WARC/"
#: Bytes read to tell a WARC file (a gzip member's header and its first bytes of output).
_SNIFF = 4096


class WarcInputError(ValueError):
    """A path given as (or found among) WARC files that is none: its message names it."""


def is_open(path: Path) -> bool:
    """Whether ``path`` is a WARC file still open (being written, or left by a crash)."""
    return path.name.endswith(OPEN_SUFFIX)


def closed_name(path: Path) -> str:
    """Return the name ``path`` has (or will have) once closed."""
    return path.name.removesuffix(OPEN_SUFFIX)


def find_warcs(paths: Iterable[Path]) -> list[Path]:
    """Return the WARC files named or found under ``paths``, sorted by name, then path; raise
    :class:`WarcInputError` naming the first that is none."""
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()
    for path in paths:
        if path.is_dir() and ArchiveFolder(path).warc.is_dir():  # an archive folder: its WARCs
            path = ArchiveFolder(path).warc  # noqa: PLW2901 - the folder meant
        found += map(_checked, _under(path, seen)) if path.is_dir() else [_checked(path)]
    return sorted(set(found), key=lambda p: (p.name, str(p)))


def warcs_under(folder: Path, open_too: bool = False) -> list[Path]:
    """Return the closed WARC files in ``folder`` and under it (with ``open_too``, the open ones
    too), sorted by name, then path; [] when there is no such folder. What a crawl reads back
    and reports of its ``warc/``, and what a check scans: a stray file is passed over here (the
    offline verbs name it: :func:`find_warcs`), so it never stops a crawl nor its report."""
    if not folder.is_dir():
        return []
    found = [path for path in _under(folder, set()) if _is_warc(path, open_too)]
    return sorted(found, key=lambda p: (p.name, str(p)))


def _under(folder: Path, seen: set[tuple[int, int]]) -> Iterator[Path]:
    """Yield every file under ``folder`` but hidden ones, in name order, each folder once."""
    stat = folder.stat()
    if (stat.st_dev, stat.st_ino) in seen:
        raise WarcInputError(f"{folder}: a symlink loop (this folder is reached twice)")
    seen.add((stat.st_dev, stat.st_ino))
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            yield from _under(entry, seen)
        else:
            yield entry


def _is_warc(path: Path, open_too: bool) -> bool:
    """Whether ``path`` is a WARC file, closed unless ``open_too`` (if not, what it is goes
    unsaid)."""
    try:
        return (open_too or not is_open(path)) and bool(_checked(path))
    except WarcInputError:
        return False


def _checked(path: Path) -> Path:
    """Return ``path`` if it is a WARC file; raise WarcInputError saying what it is if not."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise WarcInputError(f"{path}: {_unreachable(exc)}") from None
    if not path.is_file():
        raise WarcInputError(f"{path}: not a file, so not a WARC file")
    if not closed_name(path).endswith(WARC_SUFFIXES):
        raise WarcInputError(f"{path}: not a WARC file (its name ends neither in .warc nor in "
                             ".warc.gz); move it out of the WARC folder")
    if stat.st_size == 0 and not is_open(path):
        raise WarcInputError(f"{path}: an empty file, not a WARC file")
    start = _first_bytes(path)
    if start is not None and not start.startswith(_WARC_MAGIC[:len(start)]):
        raise WarcInputError(f"{path}: not a WARC file (it starts with {start[:16]!r}, not "
                             "with a WARC record)")
    return path


def _unreachable(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "a symlink loop"
    if exc.errno == errno.ENOENT:
        return "no such file (a broken symlink?)"
    return exc.strerror or str(exc)


def _first_bytes(path: Path) -> bytes | None:
    """Return the first bytes of the WARC data of ``path`` (gzip undone); None when there are
    none to judge by (a file cut off inside its first gzip header)."""
    with open(path, "rb") as stream:
        head = stream.read(_SNIFF)
    if not head.startswith(_GZIP_MAGIC):
        return None if _GZIP_MAGIC.startswith(head) else head[:len(_WARC_MAGIC)]
    try:
        data = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(head, len(_WARC_MAGIC))
    except zlib.error as exc:
        raise WarcInputError(f"{path}: not a WARC file (gzip that does not decode: {exc})") \
            from None
    return data or None

