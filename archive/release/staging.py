"""A release's folder and the folders beside it: the lock, the staging folder, the swap.

A release is written into a folder of its own beside ``--out`` (``.OUT.staging-PID-RANDOM``)
and put in its place only when whole, so a failed or killed build leaves the earlier release
untouched and a new one never keeps a file of an old one. A lock file beside ``--out``
(``.OUT.lock``, the crawl's kind of lock: :func:`archive.warcs.folder.take_lock`) keeps a second
build out while one runs: two builds into one folder would otherwise mix their files.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ifes_archive.archive.release.package import SUMS
from ifes_archive.archive.warcs.folder import drop_lock, take_lock

if TYPE_CHECKING:
    from collections.abc import Iterator


@contextmanager
def release_lock(out: Path) -> Iterator[None]:
    """Hold the lock of release folder ``out`` (a file beside it: ``out`` itself is replaced)
    while the body runs, and remove it after; raise LockHeld at once if another build holds
    it. (A build killed leaves the file: the next one takes it, the kernel let go of it.)"""
    path = out.with_name(f".{out.name}.lock")
    stream = take_lock(path)
    try:
        yield
    finally:
        drop_lock(stream, path)


def tidy(out: Path) -> None:
    """Clear what a build of ``out`` that died left beside it (the lock is held: no build is
    running); put back a release it had moved aside and not yet replaced."""
    old = out.with_name(f".{out.name}.old")
    if old.is_dir() and not out.exists():
        old.rename(out)
    for leftover in (old, *out.parent.glob(f".{out.name}.staging-*"),
                     *out.parent.glob(f".{out.name}.work-*")):
        shutil.rmtree(leftover, ignore_errors=True)


def is_release(folder: Path) -> bool:
    """Return whether ``folder`` holds a release (its checksums and package descriptor)."""
    return (folder / SUMS).is_file() and (folder / "datapackage.json").is_file()


def put_in_place(staging: Path, out: Path) -> None:
    """Put the whole release ``staging`` in the place of ``out`` (an earlier release there is
    moved aside first, and removed once the new one is in place)."""
    if not out.exists():
        staging.rename(out)
        return
    old = out.with_name(f".{out.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    out.rename(old)
    staging.rename(out)
    shutil.rmtree(old)


def new_folders(out: Path) -> tuple[Path, Path]:
    """Return this build's own staging folder and work folder beside ``out`` (a build that dies
    leaves them: the next one tidies them)."""
    staging = out.with_name(f".{out.name}.staging-{os.getpid()}-{secrets.token_hex(4)}")
    staging.mkdir()  # (not mkdtemp: the release keeps this folder's mode, as umask says)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.work-{os.getpid()}-", dir=out.parent))
    return staging, work
