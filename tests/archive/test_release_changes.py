"""Changes as data: the ``changes`` table of a release of an archive crawled before and after the
mirror moved on one epoch, checked against what the generator says it edited, added and
removed; ``history`` on a release, an archive and a corpus, as text and as JSON; every version's
page in the WACZ and its stable text file with ``--all-versions``."""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ifes_archive.crawler.cli import main as cli
from ifes_archive.fixtures.epochs import Changes, site_at
from ifes_archive.fixtures.model import Site
from tests.conftest import (
    RECRAWL_ARTICLES,
    RECRAWL_CHANGE_RATE,
    Crawl,
    Recrawl,
    build_release_cli,
)

#: The session's small changing mirror (tests/conftest.py, ``recrawl``).
ARTICLES, CHANGE_RATE = RECRAWL_ARTICLES, RECRAWL_CHANGE_RATE


@dataclass
class Recrawled:
    archive: Path
    crawl: Crawl
    before: Path
    """The release made after the first crawl."""
    after: Path
    """The default release made after the second crawl."""
    changes: Changes
    """What the generator changed from epoch 0 to epoch 1."""
    sites: tuple[Site, Site]


@pytest.fixture(scope="module")
def recrawled(recrawl: Recrawl) -> Recrawled:
    """The session's two crawls of the small changing mirror, and what the generator changed."""
    epoch1, (changes,) = site_at(articles=ARTICLES, epoch=1, change_rate=CHANGE_RATE)
    epoch0, _ = site_at(articles=ARTICLES, epoch=0, change_rate=CHANGE_RATE)
    return Recrawled(recrawl.archive, recrawl.crawl, recrawl.before, recrawl.after, changes,
                     (epoch0, epoch1))


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _ids(rows: list[dict], kind: str) -> set[int]:
    return {r["article_id"] for r in rows if r["kind"] == kind}


def test_the_changes_since_the_last_release_are_exactly_the_generators(
        recrawled: Recrawled) -> None:
    rows = _jsonl(recrawled.after / "data" / "changes" / "changes.jsonl")
    # what changed since the earlier release: the steps seen after its newest capture
    since = max(v["last_seen"] for v in _jsonl(recrawled.before / "data" / "versions" / "versions.jsonl"))
    recent = [r for r in rows if r["to_seen"] > since]
    changes = recrawled.changes
    assert changes.edited and changes.added and changes.removed
    assert _ids(recent, "edited") == set(changes.edited)
    assert _ids(recent, "added") == set(changes.added)
    assert _ids(recent, "withdrawn") == set(changes.removed)
    assert not _ids(recent, "restored")
    assert len(recent) == len(changes.edited) + len(changes.added) + len(changes.removed)
    # the whole history: one `added` per released article, the epoch's edits and removals
    released = {r["article_id"] for r in _jsonl(recrawled.after / "data" / "articles" / "articles.jsonl")}
    assert sorted(r["article_id"] for r in rows if r["kind"] == "added") == sorted(released)
    assert _ids(rows, "edited") == set(changes.edited)
    assert _ids(rows, "withdrawn") == set(changes.removed)


def test_an_edit_names_its_fields_values_and_words(recrawled: Recrawled) -> None:
    before, after = recrawled.sites
    rows = {r["article_id"]: r for r in _jsonl(recrawled.after / "data" / "changes" / "changes.jsonl")
            if r["kind"] == "edited"}
    for article_id in sorted(recrawled.changes.edited):
        row = rows[article_id]
        assert (row["from_version"], row["to_version"]) == (1, 2)
        assert row["from_seen"] < row["to_seen"]
        assert {"text", "date_modified", "word_count"} <= set(row["fields"]), row["fields"]
        values = {v["field"]: v for v in row["values"]}
        assert "text" not in values and set(values) == set(row["fields"]) - {"text", "bio"}
        modified = after.article(article_id).modified
        assert values["date_modified"]["new"]["value"] == f"{modified:%Y-%m-%d}"
        old, new = before.article(article_id).pages, after.article(article_id).pages
        grown = sum(len(b.text.split()) for p in new for b in p) - \
            sum(len(b.text.split()) for p in old for b in p)
        # the generator alters one paragraph (a note appended to it) or adds one
        assert grown > 0 and row["words_removed"] == 0, row
        assert row["words_added"] == grown, row
        assert (row["paragraphs_added"], row["paragraphs_edited"]) in ((1, 0), (0, 1)), row
        assert row["paragraphs_removed"] == 0
        assert values["word_count"]["new"] > values["word_count"]["old"]  # \w+ runs, not words


def test_the_changes_table_is_typed_and_described(recrawled: Recrawled) -> None:
    table = pq.read_table(recrawled.after / "data" / "changes" / "changes-00000-of-00001.parquet")
    assert table.num_rows == len(_jsonl(recrawled.after / "data" / "changes" / "changes.jsonl"))
    assert str(table.schema.field("to_seen").type) == "timestamp[us, tz=UTC]"
    assert table.schema.field("fields").type.value_type == pa.string()
    assert table.schema.field("values").type.value_type.names == ["field", "old", "new"]
    descriptor = json.loads((recrawled.after / "datapackage.json").read_text(encoding="utf-8"))
    (resource,) = [r for r in descriptor["resources"] if r["path"] == "data/changes/changes.jsonl"]
    kind = next(f for f in resource["schema"]["fields"] if f["name"] == "kind")
    assert kind["constraints"]["enum"] == ["added", "edited", "withdrawn", "restored"]
    card = (recrawled.after / "README.md").read_text(encoding="utf-8")
    assert "config_name: changes" in card and "### `changes`" in card


def test_history_reads_a_release_an_archive_and_a_corpus_as_json(
        recrawled: Recrawled, capsys: pytest.CaptureFixture[str]) -> None:
    edited = min(recrawled.changes.edited)
    table = [r for r in _jsonl(recrawled.after / "data" / "changes" / "changes.jsonl")
             if r["article_id"] == edited]
    seen = {}
    for source in (recrawled.after, recrawled.archive, recrawled.archive / "articles.jsonl"):
        assert cli(["history", str(source), str(edited), "--json"]) == 0
        seen[source] = json.loads(capsys.readouterr().out)
        assert [r["kind"] for r in seen[source]["changes"]] == ["added", "edited"]
        assert [v["version"] for v in seen[source]["versions"]] == [1, 2]
    release, archive, corpus = seen.values()
    assert release["changes"] == table
    # the corpus's pointers are the archive's, the release's its WARC copies': else the same
    assert archive == corpus | {"source": archive["source"]}
    assert archive["changes"] == table
    assert [v["digest"] for v in archive["versions"]] == \
        [v["digest"] for v in release["versions"]]
    assert [v["released"] for v in release["versions"]] == [False, True]


def test_history_of_a_release_as_text(recrawled: Recrawled, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    edited, removed = min(recrawled.changes.edited), min(recrawled.changes.removed)
    assert cli(["history", str(recrawled.after), str(edited), "--diff"]) == 0
    shown = capsys.readouterr().out
    assert "article" in shown and "2 version(s)" in shown
    assert "  edited (from version 1): " in shown and "date_modified" in shown
    assert "text of only one of the two versions" in shown  # the default release: newest only
    assert cli(["history", str(recrawled.after), str(removed)]) == 0
    assert "  gone: " in capsys.readouterr().out
    assert cli(["history", str(recrawled.after), "999999"]) == 1
    assert "is not in" in capsys.readouterr().err
    assert cli(["history", str(tmp_path), "1"]) == 2
    assert "no corpus or release" in capsys.readouterr().err


def _as_first_releases_wrote(row: dict) -> dict:
    """Return a row of ``articles`` as the first releases wrote it (2026-11-30): records had no
    ``authors_sources``, breadcrumb links, capture pages or digest; no persons, sections or
    citations yet."""
    gone = {"authors_sources", "digest", "sources", "section_ids", "citation"}
    row = {k: v for k, v in row.items() if k not in gone}
    row["authors"] = [{"name": a["name"], "spellings": a["spellings"]} for a in row["authors"]]
    row["captures"] = [{k: v for k, v in c.items() if k != "page"} for c in row["captures"]]
    if row["breadcrumb"]:
        row["breadcrumb"] = {k: v for k, v in row["breadcrumb"].items() if k != "links"}
    return row


def _write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")


def test_history_of_a_release_built_before_sources_and_changes(
        recrawled: Recrawled, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A release built before the ``changes`` table, the versions table's ``sources`` and the
    record fields records have had since: ``--json`` prints its rows as it wrote them, the text
    tells its versions without steps, and a row that is none of its table's is one line of
    error."""
    old = tmp_path / "old"
    shutil.copytree(recrawled.after, old)
    shutil.rmtree(old / "data" / "changes")
    articles = old / "data" / "articles" / "articles.jsonl"
    _write(articles, [_as_first_releases_wrote(row) for row in _jsonl(articles)])
    versions = old / "data" / "versions" / "versions.jsonl"
    rows = [{k: v for k, v in row.items() if k != "sources"} for row in _jsonl(versions)]
    _write(versions, rows)
    edited = min(recrawled.changes.edited)
    assert cli(["history", str(old), str(edited), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["versions"] == sorted((r for r in rows if r["article_id"] == edited),
                                         key=lambda r: r["version"])
    assert len(printed["versions"]) == 2 and printed["changes"] == []
    assert cli(["history", str(old), str(edited), "--diff"]) == 0
    shown = capsys.readouterr().out
    assert "version 1 (superseded)" in shown and "version 2 (current)" in shown
    assert "edited (from" not in shown and "text of only one of the two versions" in shown
    told = shown.splitlines()  # the released version from its old row, the other from its row
    assert sum(line.startswith("  published ") for line in told) == 1
    assert sum(line.startswith("  modified ") for line in told) == 1
    _write(versions, [{**r, "word_count": "many"} if r["article_id"] == edited else r
                      for r in rows])
    assert cli(["history", str(old), str(edited)]) == 2
    assert f"a row of article {edited} is unreadable" in capsys.readouterr().err


def test_all_versions_pages_and_stable_text_names(recrawled: Recrawled, tmp_path: Path) -> None:
    out = tmp_path / "all"
    assert build_release_cli(recrawled.archive, out, "--all-versions") == 0
    corpus = recrawled.crawl.records()
    assert sorted(p.name for p in (out / "texts").iterdir()) == \
        sorted(f"{r['article_id']}-v{r['version']}.txt" for r in corpus)
    # the newest version's file has the same name, and text, in the default release
    newest = sorted(p.name for p in (recrawled.after / "texts").iterdir())
    assert newest == sorted(f"{r['article_id']}-v{r['version']}.txt" for r in corpus
                            if r["status"] != "superseded")
    assert all((out / "texts" / name).read_bytes() ==
               (recrawled.after / "texts" / name).read_bytes() for name in newest)
    with zipfile.ZipFile(out / "archive.wacz") as wacz:
        pages = [json.loads(line) for line in
                 wacz.read("pages/pages.jsonl").decode("utf-8").splitlines()[1:]]
        index = wacz.read("indexes/index.cdxj").decode("utf-8").splitlines()
    assert [p["id"] for p in pages] == [f"{r['article_id']}-v{r['version']}" for r in corpus]
    indexed = {(json.loads(line.split(" ", 2)[2])["url"], line.split(" ", 2)[1][:14])
               for line in index}
    for page, record in zip(pages, corpus):
        capture = record["captures"][0]
        assert (page["url"], page["ts"]) == (capture["target_uri"], capture["date"])
        stamp = capture["date"].replace("-", "").replace(":", "").replace("T", "")[:14]
        assert (page["url"], stamp) in indexed, page["id"]
    edited = min(recrawled.changes.edited)
    assert len({p["ts"] for p in pages if p["id"].startswith(f"{edited}-v")}) == 2
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "one page entry per article version, at the capture it came from" in card
    assert "one page entry per article (title" in \
        (recrawled.after / "README.md").read_text(encoding="utf-8")
    assert (out / "data" / "changes" / "changes.jsonl").read_bytes() == \
        (recrawled.after / "data" / "changes" / "changes.jsonl").read_bytes()
