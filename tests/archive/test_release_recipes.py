"""A sharded release read the way its card says: every recipe the card prints is taken from the
card's text and run inside the release folder, and must read every row of its table; one
folder per table, one type per field in every format, keys that Frictionless checks."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from ifes_archive.archive.release.browse import build_database
from ifes_archive.archive.release.changes import read_previous
from ifes_archive.archive.release.lookup import article_history
from tests.archive.test_release import FRICTIONLESS
from tests.conftest import build_release_cli

#: Small enough that the tables the recipes read come in several shards.
SHARD_SIZE = "4000"
TABLES = ("articles", "versions", "captures", "changes", "persons", "sections")
#: What the card's Python recipes leave behind, as the probe reports it.
PROBE = """
import json as _json
print(_json.dumps({"pandas": len(articles), "polars": captures.height,
                   "duckdb": sum(n for _, n in by_language),
                   "datasets": dataset["train"].num_rows, "versions": versions.num_rows}))
"""


@pytest.fixture(scope="module")
def sharded(crawl, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sharded") / "release"
    assert build_release_cli(crawl.out, out, "--shard-size", SHARD_SIZE) == 0
    return out


@pytest.fixture(scope="module")
def every_version(crawl, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("every-version") / "release"
    assert build_release_cli(crawl.out, out, "--shard-size", SHARD_SIZE, "--all-versions") == 0
    return out


def _rows(release: Path, table: str) -> int:
    path = release / "data" / table / f"{table}.jsonl"
    return len(path.read_text(encoding="utf-8").splitlines())


def _loading(release: Path) -> str:
    """Return the card's "How to load it" section, as printed."""
    card = (release / "README.md").read_text(encoding="utf-8")
    return card.split("## How to load it", 1)[1].split("\n## ", 1)[0]


def _python(section: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert blocks, "the card prints no Python recipe"
    return "\n".join(blocks)


def test_every_table_has_a_folder_and_no_glob_spans_two(sharded: Path, crawl) -> None:
    assert sorted(p.name for p in (sharded / "data").iterdir()) == sorted(TABLES)
    assert not list((sharded / "data").glob("*.parquet"))  # the glob that once took them all
    for table in TABLES:
        shards = sorted((sharded / "data" / table).glob("*.parquet"))
        assert [p.name for p in shards] == [f"{table}-{i:05d}-of-{len(shards):05d}.parquet"
                                            for i in range(len(shards))]
        assert sum(pq.ParquetFile(p).metadata.num_rows for p in shards) == _rows(sharded, table)
    for table in ("articles", "versions", "captures"):
        assert len(list((sharded / "data" / table).glob("*.parquet"))) >= 3, table
    records = crawl.records()
    assert _rows(sharded, "versions") == len(records)
    assert _rows(sharded, "captures") == sum(len(r["captures"]) for r in records)


def test_the_cards_python_recipes_read_every_row(sharded: Path, tmp_path: Path) -> None:
    """pandas, polars, DuckDB and ``datasets`` (``load_dataset(".")``), as the card prints
    them, run in the release folder."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
           "HF_HOME": str(tmp_path / "hf"), "HF_DATASETS_DISABLE_PROGRESS_BARS": "1"}
    code = _python(_loading(sharded))
    for library in ("pandas", "polars", "duckdb", "datasets"):
        assert f"import {library}" in code or f"from {library} import" in code, library
    done = subprocess.run([sys.executable, "-c", code + PROBE], cwd=sharded, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    read = json.loads(done.stdout.strip().splitlines()[-1])
    articles = _rows(sharded, "articles")
    print("rows read by each recipe:", read)
    assert read == {"pandas": articles, "polars": _rows(sharded, "captures"),
                    "duckdb": articles, "datasets": articles,
                    "versions": _rows(sharded, "versions")}


def test_the_cards_r_line_reads_the_tables_folder(sharded: Path) -> None:
    """R with arrow is not on this machine: the line must name every shard of the folder
    (``Sys.glob`` of it), and what that glob names, opened as the dataset arrow's C++ core
    opens for R, holds every row."""
    section = _loading(sharded)
    (line,) = [span for span in re.findall(r"`([^`]*)`", section) if "arrow::" in span]
    (pattern,) = re.findall(r'arrow::open_dataset\(Sys\.glob\("([^"]+)"\)\)', line)
    assert pattern == "data/articles/*.parquet"
    files = sorted(str(p) for p in sharded.glob(pattern))
    assert len(files) >= 3
    assert ds.dataset(files, format="parquet").count_rows() == _rows(sharded, "articles")


def test_metadata_csv_has_a_bom_and_reads_plainly(sharded: Path) -> None:
    import pandas as pd

    raw = (sharded / "metadata.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid,version,")  # Excel reads UTF-8 by its BOM
    frame = pd.read_csv(sharded / "metadata.csv")  # no options: pandas drops the BOM
    assert list(frame.columns)[:2] == ["id", "version"]
    assert len(frame) == _rows(sharded, "articles")
    assert 'read.csv("metadata.csv", fileEncoding = "UTF-8-BOM")' in _loading(sharded)


def test_extractor_is_the_same_object_in_parquet_and_json(sharded: Path) -> None:
    table = ds.dataset(sorted((sharded / "data" / "articles").glob("*.parquet")),
                       format="parquet").to_table(columns=["extractor"])
    assert str(table.schema.field("extractor").type).startswith("struct<")
    lines = (sharded / "data" / "articles" / "articles.jsonl").read_text(encoding="utf-8")
    for typed, line in zip(table.column("extractor").to_pylist(), lines.splitlines()):
        want = json.loads(line)["extractor"]
        typed = {k: v for k, v in typed.items() if v is not None or k in want}
        assert typed == want


def _frictionless(package: Path) -> dict:
    done = subprocess.run([str(FRICTIONLESS), "validate", "--json", package.name],
                          cwd=package.parent, capture_output=True, text=True, timeout=300)
    return json.loads(done.stdout)


def _errors(report: dict) -> set[str]:
    return {e["type"] for t in report["tasks"] for e in t["errors"]}


@pytest.mark.parametrize("which", ["sharded", "every_version"])
def test_keys_are_declared_and_hold(which: str, request: pytest.FixtureRequest) -> None:
    release: Path = request.getfixturevalue(which)
    descriptor = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    schemas = {r["name"]: r.get("schema", {}) for r in descriptor["resources"]}
    article = ["article_id", "version"] if which == "every_version" else ["article_id"]
    assert schemas["articles"]["primaryKey"] == article
    assert schemas["versions"]["primaryKey"] == ["article_id", "version"]
    assert schemas["captures"]["primaryKey"] == ["warc_filename", "warc_offset"]
    assert schemas["persons"]["primaryKey"] == ["person_id"]
    assert schemas["sections"]["primaryKey"] == ["section_id"]
    assert schemas["captures"]["foreignKeys"][0]["reference"]["resource"] == "versions"
    assert schemas["versions"]["foreignKeys"][0]["reference"] == {"resource": "articles",
                                                                  "fields": article}
    report = _frictionless(release / "datapackage.json")
    assert report["valid"], [e["message"] for t in report["tasks"] for e in t["errors"]][:5]


def test_frictionless_catches_a_broken_key(sharded: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(sharded, copy)
    versions = copy / "data" / "versions" / "versions.jsonl"
    lines = versions.read_text(encoding="utf-8").splitlines()
    versions.write_text("\n".join([*lines, lines[0]]) + "\n", encoding="utf-8")  # twice
    captures = copy / "data" / "captures" / "captures.jsonl"
    rows = [json.loads(line) for line in captures.read_text(encoding="utf-8").splitlines()]
    rows[0]["version"] = 99  # a version no row of versions is
    captures.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                        encoding="utf-8")
    assert _errors(_frictionless(copy / "datapackage.json")) >= {"primary-key", "foreign-key"}


#: The project's README, whose release section prints recipes too.
README = Path(__file__).resolve().parents[2] / "README.md"
#: Runs each README expression given as argv in the release folder; prints the rows of each.
_EVALUATE = """
import glob, json, os, sys
import datasets, duckdb, pandas, polars
def rows(value):
    if isinstance(value, duckdb.DuckDBPyRelation):
        return sum(row[-1] for row in value.fetchall()) if "count(*)" in value.sql_query() \\
            else len(value.fetchall())
    if isinstance(value, datasets.DatasetDict):
        return value["train"].num_rows
    return len(value)
print(json.dumps([rows(eval(expression)) for expression in sys.argv[1:]]))
"""


def _readme_spans(start: str, end: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    paragraph = text.split(start, 1)[1].split(end, 1)[0]
    return [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", paragraph)]


def test_the_readmes_recipes_read_every_row(sharded: Path, tmp_path: Path) -> None:
    spans = _readme_spans("Load it where you work", "Check it:")
    python = [s for s in spans if s.startswith(("pandas.", "polars.", "duckdb.", "datasets."))]
    assert len(python) == 4, spans
    (changes,) = [s for s in _readme_spans("**What changed** is a query", "Load it where")
                  if s.startswith("duckdb.")]
    since = changes.replace("OLD/", f"{sharded}/")  # the release as its own earlier one
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
           "HF_HOME": str(tmp_path / "hf"), "HF_DATASETS_DISABLE_PROGRESS_BARS": "1"}
    done = subprocess.run([sys.executable, "-c", _EVALUATE, *python, since], cwd=sharded,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    read = json.loads(done.stdout.strip().splitlines()[-1])
    print("rows read by each README recipe:", dict(zip([*python, since], read)))
    newest = max(json.loads(line)["last_seen"] for line in
                 (sharded / "data" / "versions" / "versions.jsonl").read_text().splitlines())
    later = [line for line in (sharded / "data" / "changes" / "changes.jsonl").read_text(
        encoding="utf-8").splitlines() if json.loads(line)["to_seen"] > newest]
    assert read == [_rows(sharded, "articles")] * 4 + [len(later)]
    (r_line,) = [s for s in spans if "arrow::" in s]
    assert r_line == 'arrow::open_dataset(Sys.glob("data/articles/*.parquet"))'


def test_a_release_of_the_flat_layout_still_reads(sharded: Path, tmp_path: Path) -> None:
    """A release built before tables had folders (``data/NAME.jsonl``) is still a
    ``--previous``, a history source and browsable."""
    old = tmp_path / "old"
    shutil.copytree(sharded, old)
    for table in TABLES:
        (old / "data" / table / f"{table}.jsonl").rename(old / "data" / f"{table}.jsonl")
        shutil.rmtree(old / "data" / table)
    assert read_previous(old) == read_previous(sharded)
    article_id = json.loads((sharded / "data" / "changes" / "changes.jsonl").read_text(
        encoding="utf-8").splitlines()[-1])["article_id"]
    before, after = article_history(old, article_id), article_history(sharded, article_id)
    assert before.rows == after.rows and before.changes == after.changes and after.changes
    assert before.source == old / "data" / "versions.jsonl"
    db = sqlite3.connect(build_database(old, tmp_path / "old.db"))
    try:
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == \
            _rows(sharded, "articles")
    finally:
        db.close()
