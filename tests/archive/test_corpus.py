"""The corpus file: journal in, every version sorted, with listing sections out."""

from __future__ import annotations

import json
from pathlib import Path

from ifes_archive.archive.corpus.articles import finalize, version_line
from ifes_archive.archive.corpus.journal import (
    Gone,
    GoneLine,
    NotModifiedLine,
    SameLine,
    line_json,
    listing_line,
    read_listings,
)
from ifes_archive.archive.corpus.versions import Version
from ifes_archive.archive.page.record import sort_sections
from ifes_archive.archive.page.record_json import record_to_json
from ifes_archive.archive.types import Breadcrumb, CapturePointer, PagePointer, Record
from tests.archive.typed import a_record


def _record(article_id: int, sections: list[str], title: str = "t", seen: str = "2026-01-01",
            capture: str = "urn:a", **changes: object) -> Record:
    return a_record(article_id=article_id, sections=sections, title=title, first_seen=seen,
                    last_seen=seen, captures=[PagePointer("f", 0, 1, capture, "u", seen, 0)],
                    **changes)


GONE_AT = CapturePointer("f", 9, 1, "urn:g", "u", "2026-02-01T00:00:03Z")


def test_version_line_joins_sections_as_the_builder_does() -> None:
    crumbs = sort_sections(["Economy", "Publications"])
    listed = ["economy", " Elections  ", "Economy"]
    line = version_line(_record(1, crumbs), Version(None, "d", "a", "b"), 1, True, listed)
    assert json.loads(line)["sections"] == sort_sections([*listed, "Economy", "Publications"])
    plain = json.loads(version_line(_record(1, crumbs), Version(None, "d", "a", "b"), 2, False))
    assert plain["sections"] == crumbs
    assert (plain["version"], plain["first_seen"], plain["last_seen"], plain["status"]) == (
        2, "a", "b", "superseded")


def test_finalize_keeps_every_version_sorted_and_joins_listings(tmp_path: Path) -> None:
    journal = tmp_path / "a.journal.jsonl"
    lines = [
        record_to_json(_record(3, [], seen="2026-01-01T00:00:03Z", capture="urn:3")),
        record_to_json(_record(1, ["Old"], seen="2026-01-01T00:00:01Z", capture="urn:1a")),
        # a second crawl: article 1 unchanged (304), then edited (its title); article 3 removed
        line_json(NotModifiedLine(1, "2026-02-01T00:00:00Z", "urn:1a"), ""),
        line_json(GoneLine(3, "2026-02-01T00:00:03Z", Gone("HTTP 404", GONE_AT)), ""),
        record_to_json(_record(1, ["New"], title="t2", seen="2026-03-01T00:00:00Z",
                               capture="urn:1b")),
    ]
    journal.write_text("\n".join(lines) + "\n" + '{"article_id": 2, "sec', encoding="utf-8")
    listings = tmp_path / "a.listings.jsonl"
    listings.write_text(listing_line([(3, "Elections"), (1, "Law")]) + "\n"
                        + listing_line([(3, "Economy")]) + "\n[[9, ", encoding="utf-8")
    out = tmp_path / "a.jsonl"
    assert finalize(journal, out, read_listings(listings)) == 2
    records = [json.loads(x) for x in out.read_text().splitlines()]
    assert [(r["article_id"], r["version"], r["sections"], r["status"]) for r in records] == [
        (1, 1, ["Law", "Old"], "superseded"), (1, 2, ["Law", "New"], "current"),
        (3, 1, ["Economy", "Elections"], "gone")]
    assert (records[0]["first_seen"], records[0]["last_seen"]) == (
        "2026-01-01T00:00:01Z", "2026-02-01T00:00:00Z")
    assert records[2]["gone"] == {"date": "2026-02-01T00:00:03Z", "reason": "HTTP 404",
                                  "capture": GONE_AT.as_dict()}
    assert records[1]["gone"] is None and records[1]["captures"][0]["warc_record_id"] == "urn:1b"


def test_sections_and_breadcrumb_alone_make_no_new_version(tmp_path: Path) -> None:
    # Joomla prints the breadcrumb of the menu item a page was reached under, and an archive
    # holds one article under several; sections are the article's, joined from every listing
    journal = tmp_path / "a.journal.jsonl"
    first = _record(4, ["Law"], seen="2026-01-01T00:00:00Z", capture="urn:4a",
                    breadcrumb=Breadcrumb(60, ["Law"], [None]))
    later = _record(4, ["Economy"], seen="2026-02-01T00:00:00Z", capture="urn:4b",
                    breadcrumb=Breadcrumb(61, ["Publications"], [None]))
    journal.write_text(record_to_json(first) + "\n" + record_to_json(later) + "\n",
                       encoding="utf-8")
    out = tmp_path / "a.jsonl"
    assert finalize(journal, out) == 1
    (only,) = [json.loads(x) for x in out.read_text().splitlines()]
    assert (only["version"], only["first_seen"], only["last_seen"]) == (
        1, "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z")
    edited = _record(4, ["Economy"], title="t2", seen="2026-02-01T00:00:00Z", capture="urn:4b",
                     breadcrumb=Breadcrumb(61, ["Publications"], [None]))
    journal.write_text(record_to_json(first) + "\n" + record_to_json(edited) + "\n",
                       encoding="utf-8")
    assert finalize(journal, out) == 1
    assert [json.loads(x)["version"] for x in out.read_text().splitlines()] == [1, 2]


def test_a_short_line_extends_the_version_its_digest_names(tmp_path: Path) -> None:
    journal = tmp_path / "a.journal.jsonl"
    record = _record(5, [], seen="2026-01-01T00:00:00Z", capture="urn:5a")
    journal.write_text("\n".join([
        record_to_json(record),
        line_json(SameLine(5, "2026-02-01T00:00:00Z", record.digest, "urn:5b"), ""),
        # a 304 to the capture the short line stood for confirms the same content
        line_json(NotModifiedLine(5, "2026-03-01T00:00:00Z", "urn:5b"), ""),
    ]) + "\n", encoding="utf-8")
    out = tmp_path / "a.jsonl"
    assert finalize(journal, out) == 1
    (only,) = [json.loads(x) for x in out.read_text().splitlines()]
    assert (only["first_seen"], only["last_seen"], only["version"]) == (
        "2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z", 1)
    assert only["captures"][0]["warc_record_id"] == "urn:5a"


def test_a_torn_last_line_is_cut_so_the_next_one_stands_alone(tmp_path: Path) -> None:
    from ifes_archive.archive.corpus.journal import cut_torn_tail

    journal = tmp_path / "a.journal.jsonl"
    journal.write_bytes(b'{"a": 1}\n{"b": 2}\n{"article_id": 3, "ti')
    assert cut_torn_tail(journal) == len(b'{"article_id": 3, "ti')
    assert journal.read_bytes() == b'{"a": 1}\n{"b": 2}\n'
    assert cut_torn_tail(journal) == 0
    journal.write_bytes(b"no newline at all")
    assert cut_torn_tail(journal) == len(b"no newline at all") and journal.read_bytes() == b""
