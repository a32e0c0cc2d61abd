"""The release reads each WARC file once (archive/warcpass.py): what that one read gives — the
WACZ's WARC copies, their index, the digests of the WACZ and of its members — is what reading
them apart gave (cdxj-indexer over the copies, SHA-256 over the files)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections import Counter
from pathlib import Path

from ifes_archive.archive.warcs.index import REPLAYWEB, build_index
from tests.warcs import read_raw_records


def test_every_digest_the_wacz_and_the_release_give_is_of_the_bytes(release: Path) -> None:
    wacz = release / "archive.wacz"
    with zipfile.ZipFile(wacz) as archive:
        package = json.loads(archive.read("datapackage.json"))
        listed = {r["path"]: r for r in package["resources"]}
        assert set(listed) == set(archive.namelist()) - {"datapackage.json",
                                                          "datapackage-digest.json"}
        for path, entry in listed.items():
            data = archive.read(path)  # the ZIP's own CRC is checked as it is read
            assert entry["hash"] == "sha256:" + hashlib.sha256(data).hexdigest(), path
            assert entry["bytes"] == len(data), path
        digest = json.loads(archive.read("datapackage-digest.json"))
        assert digest["hash"] == "sha256:" + hashlib.sha256(
            archive.read("datapackage.json")).hexdigest()
        assert archive.testzip() is None
    whole = hashlib.sha256(wacz.read_bytes()).hexdigest()
    sums = dict(reversed(line.split("  ", 1)) for line in
                (release / "SHA256SUMS").read_text(encoding="utf-8").splitlines())
    assert sums["archive.wacz"] == whole
    descriptor = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    (entry,) = [r for r in descriptor["resources"] if r["path"] == "archive.wacz"]
    assert entry["hash"] == f"sha256:{whole}" and entry["bytes"] == wacz.stat().st_size


def test_every_record_is_in_the_wacz_once_as_stored_and_indexed_as_cdxj_indexer_does(
        release: Path, crawl, tmp_path: Path) -> None:
    with zipfile.ZipFile(release / "archive.wacz") as archive:
        archive.extractall(tmp_path)
        index = archive.read("indexes/index.cdxj").decode().splitlines()
    copies = sorted((tmp_path / "archive").iterdir())
    assert [p.name for p in copies] == sorted(p.name for p in crawl.warc_files)
    for copy in copies:  # nothing is left out of this release: each copy is the file itself
        assert copy.read_bytes() == next(p for p in crawl.warc_files
                                         if p.name == copy.name).read_bytes()
    ids = Counter(r.headers["WARC-Record-ID"] for p in copies for r in read_raw_records(p))
    archived = Counter(r.headers["WARC-Record-ID"] for p in crawl.warc_files
                       for r in read_raw_records(p))
    assert ids == archived and set(ids.values()) == {1}
    assert index == build_index(copies, REPLAYWEB).lines
    captures = [json.loads(line.split(" ", 2)[2]) for line in index]
    assert len({(c["filename"], c["offset"]) for c in captures}) == len(captures)
