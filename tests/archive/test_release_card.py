"""The card of a release of the default crawl: personal data (e-mail addresses masked and
counted), what was not captured, which pages replay garbled, an example record, the dataset's
citation with its placeholders and an unnamed creator; ``--keep-emails``."""

from __future__ import annotations

import csv
import html
import json
import re
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from ifes_archive.archive.page.cloak import run_writes
from ifes_archive.archive.page.decode import codec, decode_html, header_charset
from ifes_archive.archive.release.browse_plugin import read_capture
from ifes_archive.archive.release.identity import DOI_PLACEHOLDER, NOT_NAMED, URL_PLACEHOLDER
from ifes_archive.archive.release.privacy import MASK
from ifes_archive.fixtures.assets import STATIC_FILES
from tests.conftest import build_release_cli

#: An address, written independently of the release's pattern (privacy.EMAIL).
ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _current(crawl) -> list[dict]:  # noqa: ANN001
    return [r for r in crawl.records() if r["status"] != "superseded"]


def _body(release: Path) -> str:
    return (release / "README.md").read_text(encoding="utf-8").split("---\n", 2)[2]


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _addresses(records: list[dict], name: str) -> tuple[int, int]:
    """Return (addresses, records holding any) in field ``name`` of the records."""
    found = [len(ADDRESS.findall(r.get(name) or "")) for r in records]
    return sum(found), sum(1 for n in found if n)


@pytest.fixture(scope="module")
def kept(crawl, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:  # noqa: ANN001
    """A release of the default crawl with ``--keep-emails`` (and no ``--creator``), and what
    the command wrote to stderr."""
    import contextlib
    import io

    out = tmp_path_factory.mktemp("kept") / "release"
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors):
        assert build_release_cli(crawl.out, out, "--keep-emails") == 0
    return out, errors.getvalue()


def test_emails_are_masked_and_counted(release: Path, crawl) -> None:  # noqa: ANN001
    records = _current(crawl)
    in_texts, texts = _addresses(records, "text")
    in_bios, bios = _addresses(records, "bio")
    print(f"{in_texts} addresses in {texts} of {len(records)} texts; {in_bios} in {bios} bios")
    assert in_texts and in_bios, "the mirror's bios carry cloaked addresses"
    body = _body(release)
    assert "## Personal data" in body
    assert f"{in_texts:,} e-mail addresses in {texts:,} texts ({in_bios:,} of them in the " \
           "bios" in body
    assert "| e-mail addresses in `text` | " in body
    assert f"| {in_texts:,} addresses in {texts:,} rows | masked" in body
    assert f"| {in_bios:,} addresses in {bios:,} rows | masked" in body
    rows = _jsonl(release / "data" / "articles" / "articles.jsonl")
    assert sum(r["text"].count(MASK) for r in rows if r["text"]) == in_texts
    assert sum((r["bio"] or "").count(MASK) for r in rows) == in_bios
    table = pq.read_table(release / "data" / "articles" / "articles-00000-of-00001.parquet").to_pylist()
    places = [json.dumps(rows, ensure_ascii=False), json.dumps(table, default=str,
                                                               ensure_ascii=False),
              (release / "metadata.csv").read_text(encoding="utf-8"),
              *[p.read_text(encoding="utf-8") for p in (release / "texts").iterdir()]]
    assert not any(ADDRESS.search(text) for text in places)
    authors = sum(len(r["authors"]) for r in records)
    assert f"{sum(1 for r in records if r['authors']):,} rows, {authors:,} names" in body


def test_the_wacz_keeps_the_addresses(release: Path, crawl) -> None:  # noqa: ANN001
    record = next(r for r in _current(crawl) if ADDRESS.search(r.get("bio") or ""))
    address = ADDRESS.search(record["bio"])[0]
    captures = _jsonl(release / "data" / "captures" / "captures.jsonl")
    pages = [c for c in captures if c["article_id"] == record["article_id"]]
    seen = ""
    for capture in pages:  # the capture as the site sent it, the cloaking run as a browser does
        _, message, body = read_capture(release / "archive.wacz", capture["warc_filename"],
                                        capture["warc_offset"], capture["warc_length"])
        kind = next((v for k, v in message.headers if k.lower() == "content-type"), None)
        seen += run_writes(decode_html(body, kind).text)
    assert address in html.unescape(seen)
    with zipfile.ZipFile(release / "archive.wacz") as wacz:
        assert address in wacz.read("pages/pages.jsonl").decode()


def test_keep_emails_keeps_them_and_the_creator_is_not_named(kept: tuple[Path, str],
                                                             crawl) -> None:  # noqa: ANN001
    out, errors = kept
    records = _current(crawl)
    rows = _jsonl(out / "data" / "articles" / "articles.jsonl")
    assert [r["text"] for r in rows] == [r["text"] for r in records]
    in_texts, texts = _addresses(records, "text")
    body = _body(out)
    assert f"| {in_texts:,} addresses in {texts:,} rows | kept as the site showed them" in body
    assert "warning: no --creator given" in errors
    assert "The creator of this release is not named" in body
    assert f"author = {{{NOT_NAMED}}}" in body and "ifes-archive" not in \
        body.split("```bibtex")[1].split("author = ")[1].split("\n")[0]
    assert f"url = {{{URL_PLACEHOLDER}}}," in body and f"doi = {{{DOI_PLACEHOLDER}}}," in body
    cff = yaml.safe_load((out / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["authors"] == [{"name": NOT_NAMED}]
    assert cff["doi"] == DOI_PLACEHOLDER and cff["repository"] == URL_PLACEHOLDER


def test_a_named_creator_is_cited(crawl, tmp_path: Path,  # noqa: ANN001
                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "named"
    assert build_release_cli(crawl.out, out, "--creator", "Anna Curator <anna@example.org>") == 0
    assert "--creator" not in capsys.readouterr().err
    body = _body(out)
    assert "author = {Anna Curator}" in body and "is not named" not in body
    cff = yaml.safe_load((out / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["authors"] == [{"name": "Anna Curator", "email": "anna@example.org"}]


def test_the_card_says_what_was_not_captured(release: Path, crawl) -> None:  # noqa: ANN001
    body = _body(release)
    section = body.split("## What was not captured")[1].split("\n## ")[0]
    assert "Stylesheets (CSS), scripts, images and linked documents (PDF, DOC) were not " \
           "captured" in section
    assert "`page-requisites`: `off`." in section  # as the crawl's warcinfo records say


def test_the_card_lists_the_pages_that_replay_garbled(release: Path, crawl) -> None:  # noqa: ANN001
    """A page replays garbled when its HTTP header names a charset other than the one its
    bytes are in (read back from the WACZ, compared with how the record decoded it)."""
    garbled = set()
    for capture in _jsonl(release / "data" / "captures" / "captures.jsonl"):
        _, message, _ = read_capture(release / "archive.wacz", capture["warc_filename"],
                                     capture["warc_offset"], capture["warc_length"])
        kind = next((v for k, v in message.headers if k.lower() == "content-type"), None)
        said = codec(header_charset(kind))
        record = next(r for r in _current(crawl) if r["article_id"] == capture["article_id"])
        used = {e["page"]: e for e in record["encoding"]}.get(capture["page"])
        if said and used and codec(used["charset"]) != said and used["source"] != "bom":
            garbled.add(record["article_id"])
    body = _body(release)
    section = body.split("### Pages that replay garbled")[1].split("\n#")[0]
    print(f"{len(garbled)} articles replay garbled: {sorted(garbled)}")
    assert garbled, "the mirror has pages whose header names the wrong charset"
    assert f"{len(garbled):,} articles have a page whose HTTP header" in section
    assert ", ".join(str(i) for i in sorted(garbled)) in section


def test_the_card_shows_an_example_record(release: Path) -> None:
    first = _jsonl(release / "data" / "articles" / "articles.jsonl")[0]
    section = _body(release).split("## An example record")[1].split("\n## ")[0]
    shown = json.loads(section.split("```json\n")[1].split("\n```")[0])
    assert shown["article_id"] == first["article_id"] and shown["title"] == first["title"]
    assert shown["citation"] == first["citation"] and shown["authors"] == first["authors"]
    assert len(shown["text"]) < len(first["text"]) and first["text"].startswith(
        shown["text"].removesuffix(" …"))


def test_metadata_csv_carries_the_citation(release: Path) -> None:
    with open(release / "metadata.csv", encoding="utf-8-sig", newline="") as stream:
        rows = {int(r["id"]): r["citation"] for r in csv.DictReader(stream)}
    articles = {r["article_id"]: r["citation"] for r in
                _jsonl(release / "data" / "articles" / "articles.jsonl")}
    assert rows == articles and all("archive.wacz, " in c for c in rows.values())


def test_the_card_says_which_requisites_a_crawl_captured(requisites_crawl,  # noqa: ANN001
                                                         tmp_path: Path) -> None:
    assert build_release_cli(requisites_crawl.out, tmp_path / "release", "--creator", "A") == 0
    section = _body(tmp_path / "release").split("## What was not captured")[1].split("\n## ")[0]
    assert f"Page requisites were captured in at least one run ({len(STATIC_FILES):,} " \
           "captured, 0 failed" in section
    assert "Linked documents (PDF, DOC) are not requisites and were not captured." in section
    assert "`page-requisites`: `on: what pages embed on the same host" in section
