"""Releases of an archive that lived through two crawls of a changing site: what changed since
the earlier release, every version, and exclusions (records, texts and captures left out)."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ifes_archive.archive.corpus.person_store import CURATED, STORE
from ifes_archive.archive.release.browse_plugin import read_capture
from ifes_archive.archive.release.scope import article_of
from ifes_archive.archive.release.warcs import write_release_wacz
from ifes_archive.archive.types import CapturePointer
from ifes_archive.archive.warcs.index import REPLAYWEB, build_index
from ifes_archive.fixtures.epochs import Changes, site_at
from tests.conftest import (
    RECRAWL_ARTICLES,
    RECRAWL_CHANGE_RATE,
    Crawl,
    Recrawl,
    build_release_cli,
)
from tests.warcs import read_raw_records


@dataclass
class History:
    archive: Path
    crawl: Crawl
    before: Path
    """The release made after the first crawl."""
    changes: Changes


@pytest.fixture(scope="module")
def history(recrawl: Recrawl) -> History:
    """The session's two crawls of the small changing mirror, and what the generator changed."""
    (changes,) = site_at(articles=RECRAWL_ARTICLES, epoch=1,
                         change_rate=RECRAWL_CHANGE_RATE)[1]
    return History(recrawl.archive, recrawl.crawl, recrawl.before, changes)


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _listed(changes_md: str, heading: str) -> set[int]:
    section = changes_md.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    return {int(line[2:].split(":", 1)[0]) for line in section.splitlines()
            if line.startswith("- ")}


def _unchanged(history: History) -> dict:
    """Return the record (of the earlier release) of an article the site did not change."""
    changed = history.changes.edited | history.changes.removed
    return next(r for r in _jsonl(history.before / "data" / "articles" / "articles.jsonl")
                if r["article_id"] not in changed)


def _digests(folder: Path) -> dict[str, str]:
    """Return the digest of every file of an archive folder but its persons' ids (which every
    release keeps up to date there, archive/corpus/person_store.py)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != STORE}


def test_changes_against_the_earlier_release(history: History, tmp_path: Path) -> None:
    out = tmp_path / "release-2"
    assert build_release_cli(history.archive, out, "--previous", str(history.before)) == 0
    text = (out / "CHANGES.md").read_text(encoding="utf-8")
    changes = history.changes
    assert changes.added and changes.edited and changes.removed
    assert _listed(text, "Added") == set(changes.added)
    assert _listed(text, "Changed") == set(changes.edited)
    assert _listed(text, "Withdrawn by the publisher") == set(changes.removed)
    before = _jsonl(history.before / "data" / "articles" / "articles.jsonl")
    unchanged = len(before) - len(changes.edited) - len(changes.removed)
    assert f"{unchanged} unchanged" in text and "Against release 2026.12.01" in text
    card = (out / "README.md").read_text(encoding="utf-8")
    assert f"{len(changes.added):,} added, {len(changes.edited):,} changed" in card
    rows = {r["article_id"]: r for r in _jsonl(out / "data" / "articles" / "articles.jsonl")}
    assert all(rows[i]["status"] == "gone" and rows[i]["gone"]["reason"] for i in changes.removed)


def _authors(release: Path) -> dict[tuple[int, str], str]:
    """Return the person of each (article, author name) of a release."""
    return {(r["article_id"], a["name"]): a["person_id"]
            for r in _jsonl(release / "data" / "articles" / "articles.jsonl") for a in r["authors"]}


def test_persons_keep_their_ids_and_the_curator_is_honoured(history: History,
                                                           tmp_path: Path) -> None:
    archive = tmp_path / "archive"  # a copy: the curator's file stays out of the other tests
    shutil.copytree(history.archive, archive)
    second = tmp_path / "release-2"
    assert build_release_cli(archive, second) == 0
    before, after = _authors(history.before), _authors(second)
    assert before and all(after[k] == pid for k, pid in before.items() if k in after)
    old = {p["person_id"]: p for p in _jsonl(history.before / "data" / "persons" / "persons.jsonl")}
    new = {p["person_id"]: p for p in _jsonl(second / "data" / "persons" / "persons.jsonl")}
    assert set(after.values()) == set(new) and set(before.values()) == set(old)
    added = set(new) - set(old)
    assert all(pid > max(old) for pid in added)  # a new person never takes an old id
    # the curator merges two persons and splits one author off a third
    many = sorted((p for p in new.values() if len(p["articles"]) > 1),
                  key=lambda p: p["person_id"])
    (keep, merged), split = many[:2], many[2]
    article = split["articles"][-1]
    spelling = next(s["spelling"] for s in split["spellings"] if article in s["articles"])
    (archive / CURATED).write_text(json.dumps({
        "merge": [{"persons": [keep["person_id"], merged["person_id"]]}],
        "split": [{"article_id": article, "spelling": spelling, "note": "a namesake"}]}),
        encoding="utf-8")
    split_ids = []
    for run in ("3", "4"):  # and every later release
        assert build_release_cli(archive, tmp_path / run) == 0
        persons = {p["person_id"]: p for p in _jsonl(tmp_path / run / "data" / "persons" / "persons.jsonl")}
        assert merged["person_id"] not in persons
        assert persons[keep["person_id"]]["articles"] == \
            sorted(set(keep["articles"]) | set(merged["articles"]))
        assert persons[split["person_id"]]["articles"] == \
            [a for a in split["articles"] if a != article]
        alone = [p for p in persons.values() if p["articles"] == [article] and p["kept_apart"]]
        assert len(alone) == 1 and alone[0]["evidence"][0]["rule"] == "curated split"
        assert alone[0]["person_id"] not in old
        split_ids.append(alone[0]["person_id"])
    assert split_ids[0] == split_ids[1]


def test_every_version_with_all_versions(history: History, tmp_path: Path) -> None:
    out = tmp_path / "all"
    assert build_release_cli(history.archive, out, "--all-versions") == 0
    corpus = history.crawl.records()
    rows = _jsonl(out / "data" / "articles" / "articles.jsonl")
    assert [(r["article_id"], r["version"]) for r in rows] == \
        [(r["article_id"], r["version"]) for r in corpus]
    edited = min(history.changes.edited)
    old, new = (out / "texts" / f"{edited}-v1.txt"), (out / "texts" / f"{edited}-v2.txt")
    assert old.read_text(encoding="utf-8") != new.read_text(encoding="utf-8")
    versions = _jsonl(out / "data" / "versions" / "versions.jsonl")
    assert all(v["released"] for v in versions) and len(versions) == len(corpus)
    digests = {(v["article_id"], v["version"]): v["digest"] for v in versions}
    assert digests[(edited, 1)] != digests[(edited, 2)]
    newest = {r["article_id"]: r.get("language") or "unknown" for r in corpus}
    languages = Counter(newest.values())  # per article, not per version (row)
    split = ", ".join(f"{n:,} {code}" for code, n in sorted(languages.items(),
                                                           key=lambda i: (-i[1], i[0])))
    card = (out / "README.md").read_text(encoding="utf-8")
    assert len(rows) > len(newest) and f"{len(newest):,} articles ({split})" in card


def test_exclusions_leave_records_texts_and_captures_out(
        history: History, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edited, kept = min(history.changes.edited), _unchanged(history)
    url = kept["url"].split("index.php")[0] + \
        f"index.php?option=com_content&Itemid=3&task=view&id={edited}"
    exclude = tmp_path / "takedowns.txt"
    exclude.write_text(f"# takedown requests\n{url}\tcopyright claim by the publisher\n"
                       f"{kept['article_id']}   the author asked, 2026-11-02\n\n"
                       "999999  an article this archive never saw\n",
                       encoding="utf-8")
    archive_before = _digests(history.archive)
    out = tmp_path / "excluded"
    assert build_release_cli(history.archive, out, "--exclude", str(exclude),
                             "--previous", str(history.before)) == 0
    assert "1 exclusions name no article of the archive" in capsys.readouterr().out
    assert _digests(history.archive) == archive_before, "the raw archive was touched"
    gone_ids = {edited, kept["article_id"]}
    for table in ("articles", "versions", "captures"):
        ids = {r["article_id"] for r in _jsonl(out / "data" / table / f"{table}.jsonl")}
        assert ids and not ids & gone_ids, table
    named = {a for p in _jsonl(out / "data" / "persons" / "persons.jsonl") for a in [
        *p["articles"], *(a for s in p["spellings"] for a in s["articles"]),
        *(e[k] for e in p["evidence"] for k in ("article_id", "with_article_id"))]}
    assert named and not named & gone_ids, "persons name an excluded article"
    texts = {p.stem.split("-")[0] for p in (out / "texts").iterdir()}
    assert not texts & {str(i) for i in gone_ids}
    metadata = (out / "metadata.csv").read_text(encoding="utf-8")
    assert f"id={edited}," not in metadata and f"id={kept['article_id']}," not in metadata
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "2 articles were excluded on request" in card
    assert "copyright claim by the publisher" in card and "the author asked" in card
    assert kept["title"] not in card and f"id={edited}" not in card
    changes = (out / "CHANGES.md").read_text(encoding="utf-8")
    assert "2 removed on request" in changes and kept["title"] not in changes
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["ifes_archive"]["counts"]["excluded"] == 2
    _wacz_holds_none_of(out, gone_ids, tmp_path / "unpacked")


def _wacz_holds_none_of(release: Path, left_out: set[int], folder: Path) -> None:
    """Check that the WACZ has no capture, index line or page of ``left_out``, and that the
    release's pointers open the records they name in the WACZ's (shorter) WARC copies."""
    with zipfile.ZipFile(release / "archive.wacz") as wacz:
        wacz.extractall(folder)
    records = [r for p in sorted((folder / "archive").iterdir()) for r in read_raw_records(p)]
    assert records and not {article_of(r.headers.get("WARC-Target-URI", "")) for r in records} \
        & left_out
    for line in (folder / "indexes" / "index.cdxj").read_text().splitlines():
        assert article_of(json.loads(line.split(" ", 2)[2])["url"]) not in left_out
    pages = _jsonl(folder / "pages" / "pages.jsonl")[1:]
    assert pages and not {int(p["id"].split("-")[0]) for p in pages} & left_out
    for capture in _jsonl(release / "data" / "captures" / "captures.jsonl"):
        headers, _, _ = read_capture(release / "archive.wacz", capture["warc_filename"],
                                     capture["warc_offset"], capture["warc_length"])
        assert dict(headers)["WARC-Record-ID"] == capture["warc_record_id"]


def test_warc_copies_drop_exactly_the_left_out_captures(history: History,
                                                       tmp_path: Path) -> None:
    # an edited article (fetched whole twice) and an unchanged one (a 304 revisit the second time)
    drop = {min(history.changes.edited), _unchanged(history)["article_id"]}
    files = sorted((history.archive / "warc").glob("*.warc.gz"))
    wacz = tmp_path / "release.wacz"
    packed = write_release_wacz(files, wacz, drop, history.archive / "articles.jsonl", "t",
                                datetime(2026, 12, 1, tzinfo=timezone.utc))
    copies = packed.copies
    with zipfile.ZipFile(wacz) as archive:
        archive.extractall(tmp_path / "unpacked")
    assert len(copies.runs) == 2 and all(run.first <= run.last for run in copies.runs.values())
    kept_total = dropped = 0
    for original in files:
        records = read_raw_records(original)
        left = [r for r in records if article_of(r.headers.get("WARC-Target-URI", "")) in drop]
        copied = read_raw_records(tmp_path / "unpacked" / "archive" / original.name)
        assert [(r.headers, r.block) for r in copied] == \
            [(r.headers, r.block) for r in records if r not in left]
        types = {r.type for r in left}
        assert not left or types <= {"request", "response", "revisit"}
        for record in records:
            if record not in left:
                pointer = copies.pointer(CapturePointer(original.name, record.offset, 0, "", "",
                                                        ""))
                moved = next(r for r in copied if r.offset == pointer.warc_offset)
                assert moved.headers["WARC-Record-ID"] == record.headers["WARC-Record-ID"]
        kept_total += len(copied)
        dropped += len(left)
    assert dropped and copies.dropped == dropped and copies.records == kept_total + dropped
    assert {"revisit"} <= {r.type for p in files for r in read_raw_records(p)
                           if article_of(r.headers.get("WARC-Target-URI", "")) in drop}
    # the index taken in the same read is cdxj-indexer's index of the copies
    copied_files = sorted((tmp_path / "unpacked" / "archive").iterdir())
    assert (tmp_path / "unpacked" / "indexes" / "index.cdxj").read_text().splitlines() == \
        build_index(copied_files, REPLAYWEB).lines
    assert packed.lines == len(build_index(copied_files, REPLAYWEB).lines)


@pytest.mark.parametrize(("line", "says"), [
    ("697\n", "an id or URL, then the reason"),
    ("http://example.org/about.html  not ours\n", "neither an article id nor an article URL"),
])
def test_a_bad_exclusion_line_is_refused_with_its_place(history: History, tmp_path: Path,
                                                        line: str, says: str,
                                                        capsys: pytest.CaptureFixture[str],
                                                        ) -> None:
    exclude = tmp_path / "exclude.txt"
    exclude.write_text("# one bad line\n" + line, encoding="utf-8")
    assert build_release_cli(history.archive, tmp_path / "out", "--exclude", str(exclude)) == 2
    error = capsys.readouterr().err
    assert f"{exclude}:2:" in error and says in error
    assert not (tmp_path / "out").exists()


def test_previous_must_be_a_release(history: History, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert build_release_cli(history.archive, tmp_path / "out", "--previous",
                             str(history.archive)) == 2
    assert "is not a release" in capsys.readouterr().err


def test_shards_share_one_schema_and_load_as_one(history: History, tmp_path: Path) -> None:
    import pyarrow.parquet as pq
    import yaml

    from tests.archive.test_release import load_with_datasets

    out = tmp_path / "sharded"
    assert build_release_cli(history.archive, out, "--shard-size", "60000") == 0
    shards = sorted((out / "data" / "articles").glob("articles-*-of-*.parquet"))
    assert len(shards) >= 3
    assert sorted((out / "data" / "articles").iterdir()) == sorted([*shards, out / "data" /
                                                                   "articles" / "articles.jsonl"])
    schemas = {pq.read_schema(path).to_string() for path in shards}
    assert len(schemas) == 1
    head = yaml.safe_load((out / "README.md").read_text(encoding="utf-8").split("---\n")[1])
    (articles,) = [c for c in head["configs"] if c["config_name"] == "articles"]
    assert articles["data_files"][0]["path"] == [p.relative_to(out).as_posix() for p in shards]
    loaded = load_with_datasets(out, tmp_path / "hf")
    assert loaded["rows"] == len(_jsonl(out / "data" / "articles" / "articles.jsonl"))
