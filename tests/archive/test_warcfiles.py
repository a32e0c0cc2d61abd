"""Inputs that are not what they claim, given to the offline verbs: a line and a status, never
a traceback nor a silent loss.

The archives are copies of the session's crawl (the mirror crawled over loopback), cut with
``truncate`` as an interrupted copy cuts them, or with junk and symlink loops put beside them.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from ifes_archive.archive.corpus.selection import TORN_TAIL
from ifes_archive.archive.warcs.warcfiles import WarcInputError, find_warcs
from ifes_archive.crawler.cli import main
from tests.archive.test_release import mid_record_cut
from tests.conftest import build_release_cli

#: Where in a record the cut falls: in the middle of its block, or a few bytes into its gzip
#: member (before its WARC head is whole).
CUTS = {"mid-block": lambda crawl: mid_record_cut(crawl),
        "in-head": lambda crawl: _record_start(crawl) + 12}


def _record_start(crawl) -> int:
    largest = max((p for r in crawl.records() for p in r["captures"]),
                  key=lambda p: p["warc_length"])
    return largest["warc_offset"]


def _copy(crawl, root: Path, cut: int | None = None, suffix: str = "") -> Path:
    """Return an archive folder holding the crawl's WARC file (cut at ``cut``, renamed with
    ``suffix``) and its corpus."""
    archive = root / "archive"
    (archive / "warc").mkdir(parents=True)
    shutil.copy(crawl.out / "articles.jsonl", archive)
    (original,) = crawl.warc_files
    target = archive / "warc" / (original.name + suffix)
    shutil.copy(original, target)
    if cut is not None:
        os.truncate(target, cut)
    return archive


def _one_line(err: str, *names: str) -> None:
    """Assert that ``err`` is lines of the command's own (no traceback), one naming ``names``."""
    lines = err.splitlines()
    assert lines and all(line.startswith("ifes-archive ") for line in lines), err
    assert any(all(name in line for name in names) for line in lines), err


@pytest.mark.parametrize("where", CUTS)
def test_a_closed_warc_cut_short_is_not_read_to_its_end(
        crawl, tmp_path: Path, where: str, capsys: pytest.CaptureFixture[str]) -> None:
    archive = _copy(crawl, tmp_path, CUTS[where](crawl))
    (cut,) = (archive / "warc").iterdir()
    assert main(["rebuild", str(archive / "warc"), "--out", str(tmp_path / "corpus.jsonl"),
                 "--workers", "1"]) == 1
    _one_line(capsys.readouterr().err, "could not be read to their end", f"({cut}: ")
    assert main(["index", str(archive)]) == 1
    _one_line(capsys.readouterr().err, str(cut), "not indexed")
    assert not (archive / "indexes" / "index.cdxj").exists()  # nothing else to index
    assert main(["verify", str(cut)]) == 1
    assert "problems" in capsys.readouterr().out
    out = tmp_path / "release"
    assert build_release_cli(archive, out) == 2
    _one_line(capsys.readouterr().err, str(cut), "not read to its end")
    assert not out.exists()


def test_the_torn_tail_of_a_file_left_open_is_taken_as_a_crash_left_it(
        crawl, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = _copy(crawl, tmp_path, mid_record_cut(crawl), ".open")
    corpus = tmp_path / "corpus.jsonl"
    assert main(["rebuild", str(archive / "warc"), "--out", str(corpus), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert f"{TORN_TAIL} 1" in out
    rebuilt = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    assert 0 < len(rebuilt) < len(crawl.records())
    # index leaves a file still open out, and says so
    assert main(["index", str(archive)]) == 1
    _one_line(capsys.readouterr().err, ".open", "still open")


JUNK = {
    "text file": lambda warc: (warc / "notes.txt").write_text("my notes\n"),
    "misnamed junk": lambda warc: (warc / "x.warc.gz").write_bytes(b"<html>not a warc</html>"),
    "gzip of no WARC": lambda warc: (warc / "y.warc.gz").write_bytes(
        __import__("gzip").compress(b"PK\x03\x04 a zip, gzipped")),
    "empty file": lambda warc: (warc / "z.warc").write_bytes(b""),
    "symlink loop": lambda warc: (warc / "loop.warc.gz").symlink_to("loop.warc.gz"),
    "folder loop": lambda warc: (warc / "again").symlink_to(".", target_is_directory=True),
    "broken symlink": lambda warc: (warc / "gone.warc.gz").symlink_to("nowhere.warc.gz"),
}


@pytest.mark.parametrize("junk", JUNK)
def test_junk_in_the_warc_folder_is_named_in_one_line(
        crawl, tmp_path: Path, junk: str, capsys: pytest.CaptureFixture[str]) -> None:
    archive = _copy(crawl, tmp_path)
    warc = archive / "warc"
    JUNK[junk](warc)
    with pytest.raises(WarcInputError) as caught:
        find_warcs([warc])
    named = str(caught.value).split(":")[0]
    assert Path(named).parent.parent == warc or Path(named).parent == warc, caught.value
    for argv in (["rebuild", str(warc), "--out", str(tmp_path / "c.jsonl")],
                 ["index", str(archive)], ["verify", str(warc)]):
        assert main(argv) == 2, argv
        _one_line(capsys.readouterr().err, named)
    assert build_release_cli(archive, tmp_path / "release") == 2
    _one_line(capsys.readouterr().err, named)
    assert not (tmp_path / "c.jsonl").exists() and not (tmp_path / "release").exists()


def test_hidden_files_and_open_files_are_no_junk(crawl, tmp_path: Path) -> None:
    archive = _copy(crawl, tmp_path)
    (archive / "warc" / ".DS_Store").write_bytes(b"\x00\x01")
    (archive / "warc" / "ifes-x.warc.gz.open").write_bytes(b"")  # a crawl just opened it
    names = [p.name for p in find_warcs([archive / "warc"])]
    assert names == sorted([crawl.warc_files[0].name, "ifes-x.warc.gz.open"])


def test_the_folders_own_list_passes_strays_over_that_the_verbs_name(crawl, tmp_path: Path) -> None:
    """The one lister two ways: what a crawl reads back and reports of its ``warc/`` (closed
    WARC files; a stray file never stops it) and what an offline verb reads (open files too;
    a stray file is an input error naming it)."""
    from ifes_archive.archive.warcs.folder import ArchiveFolder
    from ifes_archive.archive.warcs.warcfiles import warcs_under

    archive = _copy(crawl, tmp_path)
    (closed,) = (archive / "warc").iterdir()
    opened = closed.with_name("ifes-later.warc.gz.open")
    shutil.copy(closed, opened)
    (archive / "warc" / "notes.txt").write_text("not a WARC", encoding="utf-8")
    folder = ArchiveFolder(archive)
    assert folder.warc_files() == [closed]
    assert warcs_under(folder.warc, open_too=True) == [closed, opened]
    with pytest.raises(WarcInputError, match=r"notes\.txt"):
        folder.warc_inputs()
    (archive / "warc" / "notes.txt").unlink()
    assert folder.warc_inputs() == find_warcs([archive]) == [closed, opened]
    assert ArchiveFolder(tmp_path / "none").warc_files() == []
