"""Two releases into one ``--out``: one builds, the other is refused and changes nothing; a
build killed half-way leaves nothing under the release's name.

The builds overlap for certain, not by luck: the first one's ``--exclude`` file is a FIFO, which
it opens after taking the lock and making its staging folder, and which it reads only when the
test writes the takedown into it.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import RELEASE_DATE, build_release_cli

#: How long a build may take to take its lock (a loaded machine: generous).
LOCK_WAIT = 120.0


def _start(archive: Path, out: Path, *options: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ifes_archive.crawler.cli", "release",
                             str(archive), "--out", str(out), "--date", RELEASE_DATE,
                             "--no-progress", *options],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_lock(out: Path, build: subprocess.Popen) -> None:
    """Return once ``build`` holds the lock of ``out`` (its pid in the lock file)."""
    lock = out.with_name(f".{out.name}.lock")
    deadline = time.monotonic() + LOCK_WAIT
    while time.monotonic() < deadline and build.poll() is None:
        if lock.exists() and lock.read_text(encoding="utf-8").strip() == str(build.pid):
            return
        time.sleep(0.05)
    raise AssertionError(f"the build did not take the lock: {build.communicate()}")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _beside(out: Path) -> list[str]:
    """Return what lies beside ``out`` other than it and its lock."""
    return sorted(p.name for p in out.parent.iterdir()
                  if p.name not in (out.name, f".{out.name}.lock"))


def test_a_second_release_into_the_same_folder_is_refused(
        crawl, release: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "releases" / "release"
    shutil.copytree(release, out)
    before = _files(out)
    taken = crawl.records()[0]
    takedown = tmp_path / "takedowns.fifo"
    os.mkfifo(takedown)
    winner = _start(crawl.out, out, "--exclude", str(takedown))
    try:
        _wait_for_lock(out, winner)
        assert build_release_cli(crawl.out, out) == 3
        error = capsys.readouterr().err.strip()
        assert error.count("\n") == 0 and f"pid {winner.pid}" in error, error
        assert "not starting a second one" in error
        assert _files(out) == before, "the refused build changed the release"
        with open(takedown, "w", encoding="utf-8") as fifo:
            fifo.write(f"{taken['article_id']} the author asked\n")
        stdout, stderr = winner.communicate(timeout=600)
    finally:
        winner.kill()
    assert winner.returncode == 0, stderr
    assert "1 excluded" in stdout
    # The winner's release is what its card says: the article is nowhere in it.
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "1 articles were excluded on request" in card
    gone = taken["article_id"]
    with open(out / "metadata.csv", encoding="utf-8-sig", newline="") as stream:
        assert gone not in {int(row["id"]) for row in csv.DictReader(stream)}
    assert not [p for p in (out / "texts").iterdir() if p.stem.split("-")[0] == str(gone)]
    for table in ("articles", "versions", "captures"):
        assert gone not in pq.read_table(out / "data" / table / f"{table}-00000-of-00001.parquet")["article_id"] \
            .to_pylist(), table
        lines = (out / "data" / table / f"{table}.jsonl").read_text(encoding="utf-8").splitlines()
        assert gone not in {json.loads(line)["article_id"] for line in lines}, table
    with zipfile.ZipFile(out / "archive.wacz") as wacz:
        pages = wacz.read("pages/pages.jsonl").decode("utf-8")
    assert not re.search(rf"[?&]id={gone}\b", pages)
    check = subprocess.run(["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=out,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert _beside(out) == [], "a build left its working folders"


def test_a_release_killed_half_way_leaves_nothing_under_its_name(
        crawl, tmp_path: Path) -> None:
    out = tmp_path / "releases" / "release"
    takedown = tmp_path / "takedowns.fifo"
    os.mkfifo(takedown)
    build = _start(crawl.out, out, "--exclude", str(takedown))
    try:
        _wait_for_lock(out, build)
        assert [n for n in _beside(out) if n.startswith(".release.staging-")]
        build.send_signal(signal.SIGKILL)
        build.wait(timeout=60)
    finally:
        build.kill()
    assert not out.exists()
    # The next build takes the lock the dead one held, clears what it left, and builds.
    assert build_release_cli(crawl.out, out) == 0
    assert (out / "SHA256SUMS").is_file() and _beside(out) == []
