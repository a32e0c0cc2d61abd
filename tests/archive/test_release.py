"""A release of the default crawl: its parts, typed tables, card, descriptors; loaded where
researchers work (pandas, DuckDB, Hugging Face datasets, Frictionless); the same bytes twice."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import msgspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from ifes_archive.archive.page.decode import decode_html
from ifes_archive.archive.page.schema import RECORD_KEYS, Record, field_docs, record_schema
from ifes_archive.archive.release.browse_plugin import read_capture
from ifes_archive.archive.release.citation import cite
from ifes_archive.archive.release.identity import release_date
from ifes_archive.archive.release.privacy import MASKED_FIELDS, mask_emails
from ifes_archive.archive.release.table_files import ROW_GROUP_BYTES
from ifes_archive.archive.release.tables import TABLES_PATH, all_tables, tables_json
from ifes_archive.archive.warcs.index import INDEX_PATH
from ifes_archive.crawler.cli import main
from tests.browser import Chromium
from tests.conftest import RELEASE_DATE, build_release_cli
from tests.extras import need_chromium, need_pywb
from tests.pywb import wayback
from tests.warcs import read_raw_records

FRICTIONLESS = Path(sys.executable).with_name("frictionless")
WACZ_TOOL = Path(sys.executable).with_name("wacz")
#: Screenshots of the browser tests land here (kept after the run).
ARTEFACTS = Path(__file__).resolve().parents[2] / "out" / "test-artefacts"


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _current(crawl) -> list[dict]:
    return [r for r in crawl.records() if r["status"] != "superseded"]


def _masked(record: dict) -> dict:
    return {**record, **{name: mask_emails(record[name])[0] for name in MASKED_FIELDS
                         if isinstance(record.get(name), str)}}


def _card(release: Path) -> tuple[dict, str]:
    text = (release / "README.md").read_text(encoding="utf-8")
    _, head, body = text.split("---\n", 2)
    return yaml.safe_load(head), body


def test_every_part_is_there(release: Path, crawl) -> None:
    for name in ("README.md", "CHANGES.md", "CITATION.cff", "datapackage.json", "SHA256SUMS",
                 "archive.wacz", "metadata.csv"):
        assert (release / name).is_file(), name
    tables = ("articles", "versions", "captures", "changes", "persons", "sections")
    assert sorted(p.name for p in (release / "data").iterdir()) == sorted(tables)
    for table in tables:  # one folder per table: a glob of it takes that table's rows only
        assert sorted(p.name for p in (release / "data" / table).iterdir()) == \
            [f"{table}-00000-of-00001.parquet", f"{table}.jsonl"], table
    texts = sorted(p.name for p in (release / "texts").iterdir())
    assert texts == sorted(f"{r['article_id']}-v{r['version']}.txt" for r in _current(crawl))
    assert len(list((release / "plots").glob("*.png"))) == 4
    assert not list(release.parent.glob(".*")), "work folders left behind"


def test_the_shipped_table_columns_are_the_ones_the_row_types_give() -> None:
    # a release reads the columns from the shipped file rather than parse its row types' source
    assert TABLES_PATH.read_text(encoding="utf-8") == tables_json()
    assert list(all_tables()) == ["articles", "versions", "captures", "changes", "persons",
                                  "sections", "metadata"]


def test_articles_are_the_current_records_typed(release: Path, crawl) -> None:
    table = pq.read_table(release / "data" / "articles" / "articles-00000-of-00001.parquet")
    schema = table.schema
    assert schema.names == [*RECORD_KEYS, "section_ids", "citation"]  # ids of sections; citation
    assert schema.field("date_published").type.field("value").type == pa.date32()
    assert schema.field("first_seen").type == pa.timestamp("us", tz="UTC")
    assert schema.field("authors").type == pa.list_(pa.struct([
        pa.field("name", pa.string()), pa.field("spellings", pa.list_(pa.string())),
        pa.field("person_id", pa.string())]))
    assert schema.field("sections").type == pa.list_(pa.string())
    assert schema.field("section_ids").type == pa.list_(pa.string())
    described = {name: spec["description"] for name, spec in record_schema()["properties"].items()}
    described["section_ids"] = schema.field("section_ids").metadata[b"description"].decode()
    described["citation"] = all_tables()["articles"]["citation"]["description"]
    assert {f.name: f.metadata[b"description"].decode() for f in schema} == described
    assert all(described.values())
    records = [_masked(r) for r in _current(crawl)]  # e-mail addresses masked by default
    rows = table.to_pylist()
    assert [r["article_id"] for r in rows] == [r["article_id"] for r in records]
    for row, record in zip(rows, records):
        assert row["text"] == record["text"] and row["title"] == record["title"]
        day = (row["date_published"] or {}).get("value")  # null: a day that does not exist
        assert row["date_published"] is None or \
            (day.isoformat() if day else None) == record["date_published"]["value"]
        assert [a["name"] for a in row["authors"]] == [a["name"] for a in record["authors"]]
        assert row["first_seen"].isoformat().replace("+00:00", "Z") == record["first_seen"]
    jsonl = _jsonl(release / "data" / "articles" / "articles.jsonl")
    persons = {p["person_id"] for p in _jsonl(release / "data" / "persons" / "persons.jsonl")}
    for row in jsonl:  # each author carries its person, which the persons table lists
        assert all(author.pop("person_id") in persons for author in row["authors"])
        assert row.pop("citation") == cite(msgspec.convert(row, Record))
    sections = {s["section_id"] for s in _jsonl(release / "data" / "sections" / "sections.jsonl")}
    for row in jsonl:  # each name of sections has its id, which the sections table lists
        ids = row.pop("section_ids")
        assert set(ids) <= sections and len(ids) <= len(row["sections"])
        assert bool(ids) == bool(row["sections"])
    assert jsonl == records


def test_row_groups_fit_the_hub_viewer(release: Path) -> None:
    for path in (release / "data").glob("*/*.parquet"):
        metadata = pq.ParquetFile(path).metadata
        for group in range(metadata.num_row_groups):
            assert metadata.row_group(group).total_byte_size <= ROW_GROUP_BYTES
        assert metadata.row_group(0).column(0).has_offset_index  # page index: readers seek


#: Writes the articles table again from a release's JSON Lines, in a process of its own, and
#: says whether pandas was loaded (argv: the release, the folder to write into, "pandas" to load
#: pandas first).
_REWRITE_ARTICLES = """
import json, sys
from pathlib import Path
if sys.argv[3] == "pandas":
    import pandas
from ifes_archive.archive.release.table_files import TableWriter
from ifes_archive.archive.release.tables import all_tables
writer = TableWriter(Path(sys.argv[2]), "articles", all_tables()["articles"])
for line in (Path(sys.argv[1]) / "data/articles/articles.jsonl").read_text("utf-8").splitlines():
    writer.write(json.loads(line), line)
writer.close()
print("pandas" in sys.modules)
"""


def test_the_tables_are_written_without_pandas_and_as_with_it(release: Path,
                                                               tmp_path: Path) -> None:
    # pyarrow's conversion of Python values imports pandas unless kept out (table_files.py)
    written = {}
    for load in ("none", "pandas"):
        done = subprocess.run([sys.executable, "-c", _REWRITE_ARTICLES, str(release),
                               str(tmp_path / load), load], capture_output=True, text=True,
                              check=True)
        assert done.stdout.strip() == str(load == "pandas"), done.stderr
        written[load] = (tmp_path / load / "articles" /
                         "articles-00000-of-00001.parquet").read_bytes()
    assert written["none"] == written["pandas"]
    assert written["none"] == (release / "data" / "articles" /
                               "articles-00000-of-00001.parquet").read_bytes()


def test_versions_and_captures_join_on_id_and_version(release: Path, crawl) -> None:
    versions = _jsonl(release / "data" / "versions" / "versions.jsonl")
    captures = _jsonl(release / "data" / "captures" / "captures.jsonl")
    rows = _jsonl(release / "data" / "articles" / "articles.jsonl")
    articles = {(r["article_id"], r["version"]) for r in rows}
    assert {(v["article_id"], v["version"]) for v in versions if v["released"]} == articles
    assert {(c["article_id"], c["version"]) for c in captures} <= \
        {(v["article_id"], v["version"]) for v in versions}
    multi = [r for r in crawl.records() if r["pages"] > 1]
    assert multi, "the mirror has multi-page articles"
    pages = sorted(c["page"] for c in captures if c["article_id"] == multi[0]["article_id"])
    assert pages == list(range(multi[0]["pages"]))
    assert pq.read_table(release / "data" / "captures" / "captures-00000-of-00001.parquet").num_rows == len(captures)


def test_capture_pointers_open_their_records_in_the_wacz(release: Path, crawl) -> None:
    by_offset = {(p.name, r.offset): r for p in crawl.warc_files for r in read_raw_records(p)}
    captures = _jsonl(release / "data" / "captures" / "captures.jsonl")
    for capture in captures:
        headers, message, body = read_capture(release / "archive.wacz", capture["warc_filename"],
                                              capture["warc_offset"], capture["warc_length"])
        assert dict(headers)["WARC-Record-ID"] == capture["warc_record_id"]
        assert dict(headers)["WARC-Target-URI"] == capture["target_uri"]
        content_type = next((v for k, v in message.headers if k.lower() == "content-type"), None)
        assert message.start_line == b"HTTP/1.1 200 OK"
        assert "<html" in decode_html(body, content_type).text.lower()  # UTF-16 pages too
        # nothing was left out of this release: the WACZ's copies are the archive's files
        original = by_offset[(capture["warc_filename"], capture["warc_offset"])]
        assert original.headers["WARC-Record-ID"] == capture["warc_record_id"]


def test_wacz_validates_with_one_page_per_article(release: Path, crawl) -> None:
    done = subprocess.run([str(WACZ_TOOL), "validate", "-f", str(release / "archive.wacz")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "Validation succeeded" in done.stdout, done.stdout + done.stderr
    with zipfile.ZipFile(release / "archive.wacz") as wacz:
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()[1:]]
        index = wacz.read("indexes/index.cdxj").decode().splitlines()
        warcs = sorted(n for n in wacz.namelist() if n.startswith("archive/"))
    records = _current(crawl)
    assert [p["id"] for p in pages] == [f"{r['article_id']}-v{r['version']}" for r in records]
    for page, record in zip(pages, records):
        assert page["title"] == record["title"] and page.get("text") == record["text"]
        assert page["url"] == record["captures"][0]["target_uri"]
        assert page["ts"] == record["captures"][0]["date"]
    assert warcs == [f"archive/{p.name}" for p in crawl.warc_files]
    assert len(index) == sum(1 for p in crawl.warc_files for r in read_raw_records(p)
                             if r.type in ("response", "revisit"))


def test_texts_and_metadata_csv(release: Path, crawl) -> None:
    with open(release / "metadata.csv", encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    records = {r["article_id"]: _masked(r) for r in _current(crawl)}
    assert len(rows) == len(records)
    for row in rows:
        record = records[int(row["id"])]
        text = (release / row["file"]).read_text(encoding="utf-8")
        assert text == (record["text"] + "\n" if record["text"] else "")
        assert row["citation"] == cite(msgspec.convert(record, Record))
        assert int(row["words"]) == record["word_count"]
        assert row["authors"].split("; ") == [a["name"] for a in record["authors"]] or \
            (row["authors"] == "" and not record["authors"])
        assert row["date"] == ((record["date_published"] or {}).get("value") or "")
        assert row["language"] == (record["language"] or "")
        assert row["url"] == record["url"]


def test_card_header_loads_and_sections_are_there(release: Path, crawl) -> None:
    head, body = _card(release)
    assert head["language"] == ["en", "ru"] and head["license"] == "other"
    assert head["size_categories"] == ["n<1K"] and head["pretty_name"]
    configs = {c["config_name"]: c for c in head["configs"]}
    assert configs["articles"]["default"] is True
    assert configs["versions"]["data_files"][0]["path"] == [
        "data/versions/versions-00000-of-00001.parquet"]
    for heading in ("## What is in it", "## How to load it", "## How it was collected",
                    "### Crawl runs", "### Run reports", "### Extraction", "## Fields",
                    "## Coverage and known gaps", "## How to cite"):
        assert heading in body, heading
    for name in RECORD_KEYS:
        assert f"| `{name}` |" in body
    for plot in (release / "plots").iterdir():
        assert f"](plots/{plot.name})" in body
        assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = crawl.summary
    assert f"| {report['requests']} |" in body  # the run report's requests
    assert "robots.txt: obey" in body and "delay between requests (s): 0.0" in body
    assert f"{len(_current(crawl)):,} articles" in body


def test_citation_names_dataset_version_date_and_publisher(release: Path) -> None:
    cff = yaml.safe_load((release / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "dataset"
    assert cff["version"] == "2026.12.01" and str(cff["date-released"]) == RELEASE_DATE
    assert cff["authors"] and cff["title"]
    (source,) = cff["references"]
    assert "Far Eastern Studies" in source["authors"][0]["name"] and source["url"] == cff["url"]


def test_sha256sums_cover_every_file_and_check(release: Path) -> None:
    listed = {line.split("  ", 1)[1] for line in
              (release / "SHA256SUMS").read_text().splitlines()}
    files = {p.relative_to(release).as_posix() for p in release.rglob("*") if p.is_file()}
    assert listed == files - {"SHA256SUMS"}
    done = subprocess.run(["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=release,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def _frictionless(package: Path) -> dict:
    done = subprocess.run([str(FRICTIONLESS), "validate", "--json", str(package.name)],
                          cwd=package.parent, capture_output=True, text=True, timeout=300)
    return json.loads(done.stdout)


def test_frictionless_accepts_the_package_and_catches_a_changed_file(release: Path,
                                                                     tmp_path: Path) -> None:
    descriptor = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    names = {r["name"]: r for r in descriptor["resources"]}
    fields = {f["name"]: f for f in names["articles"]["schema"]["fields"]}
    assert fields["title"]["description"] == field_docs(Record)["title"]
    assert fields["article_id"]["constraints"]["required"] is True
    assert all(r["hash"].startswith("sha256:") and r["bytes"] > 0 for r in names.values()
               if not r["path"].startswith("texts/") or r["bytes"])
    report = _frictionless(release / "datapackage.json")
    assert report["valid"], [e["message"] for t in report["tasks"] for e in t["errors"]][:5]
    assert len(report["tasks"]) == len(descriptor["resources"])
    copy = tmp_path / "copy"
    shutil.copytree(release, copy)
    text = next(p for p in (copy / "texts").iterdir() if p.stat().st_size)
    text.write_text(text.read_text(encoding="utf-8").replace(" ", "  ", 1), encoding="utf-8")
    broken = _frictionless(copy / "datapackage.json")
    assert not broken["valid"]
    assert {e["type"] for t in broken["tasks"] for e in t["errors"]} >= {"hash-count"}


def test_pandas_and_duckdb_read_the_parquet(release: Path, crawl) -> None:
    import duckdb
    import pandas as pd

    frame = pd.read_parquet(release / "data" / "articles" / "articles-00000-of-00001.parquet")
    records = _current(crawl)
    assert list(frame["article_id"]) == [r["article_id"] for r in records]
    assert str(frame["first_seen"].dtype).startswith("datetime64")
    languages = {}
    for record in records:
        languages[record["language"]] = languages.get(record["language"], 0) + 1
    query = f"""SELECT language, count(*) FROM '{release}/data/articles/*.parquet'
                GROUP BY 1 ORDER BY 1"""
    assert dict(duckdb.sql(query).fetchall()) == languages
    join = f"""SELECT count(*) FROM '{release}/data/articles/*.parquet' a
               JOIN '{release}/data/captures/*.parquet' c USING (article_id, version)"""
    assert duckdb.sql(join).fetchall()[0][0] == sum(len(r["captures"]) for r in records)
    years = duckdb.sql(f"SELECT min(year(date_published.value)) FROM "
                       f"'{release}/data/articles/*.parquet'").fetchall()[0][0]
    assert years == min(int(r["date_published"]["value"][:4]) for r in records
                        if r["date_published"] and r["date_published"]["value"])


_LOAD = """
import json, sys
from datasets import load_dataset
release = sys.argv[1]
default = load_dataset(release)["train"]
versions = load_dataset(release, "versions")["train"]
parquet = load_dataset("parquet", data_files=release + "/data/articles/*.parquet")["train"]
print(json.dumps({"rows": default.num_rows, "versions": versions.num_rows,
                  "parquet": parquet.num_rows, "ids": list(default["article_id"]),
                  "value": str(default.features["date_published"]["value"].dtype),
                  "first": default[0]["title"]}))
"""


def load_with_datasets(release: Path, home: Path) -> dict:
    """Load a release with Hugging Face ``datasets`` in a child process, offline."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
           "HF_HOME": str(home), "HF_DATASETS_DISABLE_PROGRESS_BARS": "1"}
    done = subprocess.run([sys.executable, "-c", _LOAD, str(release)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_hugging_face_datasets_loads_the_card_configs(release: Path, crawl,
                                                      tmp_path: Path) -> None:
    loaded = load_with_datasets(release, tmp_path / "hf")
    records = _current(crawl)
    assert loaded["rows"] == loaded["parquet"] == len(records)
    assert loaded["ids"] == [r["article_id"] for r in records]
    assert loaded["versions"] == len(crawl.records())
    assert loaded["value"] == "date32" and loaded["first"] == records[0]["title"]


def test_same_archive_same_options_same_bytes(release: Path, crawl, tmp_path: Path) -> None:
    again = tmp_path / "again"
    assert build_release_cli(crawl.out, again) == 0
    assert (again / "SHA256SUMS").read_bytes() == (release / "SHA256SUMS").read_bytes()
    later = tmp_path / "later"
    assert main(["release", str(crawl.out), "--out", str(later), "--date", "2027-01-15",
                 "--no-progress"]) == 0
    differ = {line.split("  ", 1)[1] for line in set(
        (later / "SHA256SUMS").read_text().splitlines()) ^ set(
        (release / "SHA256SUMS").read_text().splitlines())}
    # only the parts that state the release date (and the sums over them)
    assert differ == {"README.md", "CHANGES.md", "CITATION.cff", "datapackage.json",
                      "archive.wacz"}


def test_a_second_release_into_the_same_folder_keeps_nothing_of_the_first(
        release: Path, crawl, tmp_path: Path) -> None:
    out = tmp_path / "release"
    shutil.copytree(release, out)  # the first: the session's release (same archive and options)
    assert build_release_cli(crawl.out, out, "--language", "ru") == 0
    rows = _jsonl(out / "data" / "articles" / "articles.jsonl")
    assert rows and {r["language"] for r in rows} == {"ru"}
    assert sorted(p.name for p in (out / "texts").iterdir()) == \
        sorted(f"{r['article_id']}-v{r['version']}.txt" for r in rows)
    assert not list(tmp_path.glob(".*")), "work folders left behind"


def test_not_a_release_is_never_replaced(crawl, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "chapter1.tex").write_text("\\chapter{One}")
    assert build_release_cli(crawl.out, precious) == 2
    assert "not a release" in capsys.readouterr().err
    assert [p.name for p in precious.iterdir()] == ["chapter1.tex"]
    assert build_release_cli(crawl.out, crawl.out) == 2


def test_scope_from_to_section_language(release: Path, crawl, tmp_path: Path) -> None:
    out = tmp_path / "scoped"
    records = _current(crawl)

    def in_scope(r: dict, section: str) -> bool:
        return bool(r["date_published"] and "2009-01-01" <= (r["date_published"]["value"] or "")
                    <= "2011-12-31" and section in r["sections"] and r["language"] == "en")

    # a section some English articles of those years are filed under (the most of them)
    section = max({s for r in records for s in r["sections"]},
                  key=lambda s: (sum(in_scope(r, s) for r in records), s))
    assert build_release_cli(crawl.out, out, "--from", "2009-01-01", "--to", "2011-12-31",
                             "--section", section.upper(), "--language", "en") == 0
    expected = [r["article_id"] for r in records if in_scope(r, section)]
    rows = _jsonl(out / "data" / "articles" / "articles.jsonl")
    assert expected and [r["article_id"] for r in rows] == expected
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["ifes_archive"]["counts"]["out_of_scope"] == len(records) - len(expected)
    _, body = _card(out)
    assert "published 2009-01-01 to 2011-12-31" in body and f"filed under {section.upper()}" in body


def test_progress_on_request_and_quiet_in_ci(crawl, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "ifes_archive.crawler.cli", "release", str(crawl.out), "--date",
               RELEASE_DATE, "--language", "ru", "--creator", "A Curator"]  # (else a warning)
    quiet = subprocess.run([*command, "--out", str(tmp_path / "a")], capture_output=True,
                           text=True, env={**os.environ, "CI": "true"}, timeout=300)
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr
    shown = subprocess.run([*command, "--out", str(tmp_path / "b"), "--progress"],
                           capture_output=True, text=True, timeout=300)
    assert shown.returncode == 0 and "release: articles" in shown.stderr
    assert "release" in quiet.stdout and str(tmp_path / "a") in quiet.stdout


def test_rebuilt_release_equals_the_read_one(release: Path, crawl, tmp_path: Path) -> None:
    out = tmp_path / "rebuilt"
    assert build_release_cli(crawl.out, out, "--rebuild", "--workers", "1") == 0
    for name in ("data/articles/articles-00000-of-00001.parquet",
                 "data/versions/versions.jsonl", "data/captures/captures.jsonl",
                 "metadata.csv", "plots/words_per_article.png"):
        assert (out / name).read_bytes() == (release / name).read_bytes(), name
    _, body = _card(out)
    assert "rebuilt from the WARC files" in body


def test_the_wacz_replays_in_pywb_as_a_reader_sees_it(release: Path, tmp_path: Path) -> None:
    """pywb over the WACZ's WARC copies (unpacked and indexed as the README says: pywb 2.10
    cannot add a WACZ whose index is CDXJ), an article opened in headless Chromium."""
    need_pywb()
    folder = tmp_path / "unpacked"
    (folder / "warc").mkdir(parents=True)
    with zipfile.ZipFile(release / "archive.wacz") as wacz:
        for name in wacz.namelist():
            if name.startswith("archive/"):
                (folder / "warc" / Path(name).name).write_bytes(wacz.read(name))
    assert main(["index", str(folder)]) == 0
    home = tmp_path / "pywb"
    home.mkdir()
    (home / "config.yaml").write_text(
        f"collections:\n  release:\n    index_paths: {folder / INDEX_PATH.parent}/\n"
        f"    archive_paths: {folder / 'warc'}/\n", encoding="utf-8")
    record = next(r for r in _jsonl(release / "data" / "articles" / "articles.jsonl")  # labelled right
                  if r["text"] and "1251" in read_capture(
                      release / "archive.wacz", **_where(r["captures"][0]))[1].values(
                      "Content-Type")[-1])
    pointer = record["captures"][0]
    stamp = "".join(c for c in pointer["date"] if c.isdigit())[:14]
    browser = Chromium(need_chromium(), tmp_path / "profile")
    try:
        with wayback(home) as root:
            page = browser.open(f"{root}release/{stamp}/{pointer['target_uri']}")
            replayed = "document.querySelector('#wb_iframe_div iframe').contentDocument"
            text = page.evaluate(f"{replayed}.body.innerText")
            page.evaluate(f"{replayed}.querySelector('.contentheading').scrollIntoView()")
            ARTEFACTS.mkdir(parents=True, exist_ok=True)
            shot = page.screenshot(ARTEFACTS / "release-wacz-pywb.png")
    finally:
        browser.close()
    shown = " ".join(text.split())
    paragraphs = [p for p in record["text"].split("\n\n") if len(p) > 40]
    assert paragraphs and all(" ".join(p.split()) in shown for p in paragraphs[:3])
    assert " ".join(record["title_raw"].split()) in shown
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _where(pointer: dict) -> dict:
    return {"file": pointer["warc_filename"], "offset": pointer["warc_offset"],
            "length": pointer["warc_length"]}


def test_the_release_date_is_the_option_else_source_date_epoch(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    assert release_date() == date(2026, 1, 1)
    assert release_date("2027-03-04") == date(2027, 3, 4)


def mid_record_cut(crawl) -> int:
    """Return a place in the middle of the largest record a capture pointer names: past its
    WARC head, inside its block. (A cut at a fixed share of the file could land in a record's
    gzip header or WARC head, which warcio reads as no record at all rather than a torn one:
    where depends on the crawl's order, so such a test failed now and then under load.)"""
    largest = max((p for r in crawl.records() for p in r["captures"]),
                  key=lambda p: p["warc_length"])
    assert largest["warc_length"] > 2048  # so its middle is past its head
    return largest["warc_offset"] + largest["warc_length"] // 2


def test_a_warc_file_cut_short_is_said_not_hidden(crawl, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """A copy of the archive whose WARC file a crash left open, its last record torn: the torn
    record stays out of the WACZ (the file goes in under its closed name), and the card counts
    the pointers to records that are no longer there. (A closed file cut short is refused:
    tests/archive/test_warcfiles.py.)"""
    archive = tmp_path / "archive"
    (archive / "warc").mkdir(parents=True)
    shutil.copy(crawl.out / "articles.jsonl", archive)
    (original,) = crawl.warc_files
    data = original.read_bytes()
    cut = mid_record_cut(crawl)
    (archive / "warc" / (original.name + ".open")).write_bytes(data[:cut])
    beyond = sum(1 for r in crawl.records() for p in r["captures"]
                 if p["warc_offset"] + p["warc_length"] > cut)
    assert build_release_cli(archive, tmp_path / "release") == 0
    assert f"WARC files: {beyond:,} capture pointers name no record they hold, 1 records cut " \
           "short" in capsys.readouterr().out
    card = (tmp_path / "release" / "README.md").read_text(encoding="utf-8")
    assert f"{beyond:,} capture pointers name a record" in card
    with zipfile.ZipFile(tmp_path / "release" / "archive.wacz") as wacz:
        copy = wacz.read(f"archive/{original.name}")
    assert len(copy) < cut and data.startswith(copy)  # whole records only, byte for byte
