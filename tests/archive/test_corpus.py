"""The corpus file: journal in, sorted records with listing sections out."""

from __future__ import annotations

import json
from pathlib import Path

from archive.corpus import finalize, listing_line, read_listings, with_sections
from archive.record import record_to_json, sort_sections


def _line(article_id: int, sections: list[str]) -> str:
    return record_to_json({"article_id": article_id, "sections": sections, "title": "t"})


def test_with_sections_gives_what_the_builder_gives_when_handed_them() -> None:
    crumbs = sort_sections(["Economy", "Publications"])
    listed = ["economy", " Elections  ", "Economy"]
    joined = with_sections((_line(1, crumbs) + "\n").encode(), listed)
    expected = sort_sections([*listed, "Economy", "Publications"])
    assert json.loads(joined)["sections"] == expected
    assert with_sections(b"same\n", []) == b"same\n"


def test_finalize_sorts_keeps_last_and_joins_listings(tmp_path: Path) -> None:
    journal = tmp_path / "a.journal.jsonl"
    journal.write_text("\n".join([_line(3, []), _line(1, ["Old"]), _line(1, ["New"])]) + "\n"
                       + '{"article_id": 2, "sec', encoding="utf-8")  # torn last line
    listings = tmp_path / "a.listings.jsonl"
    listings.write_text(listing_line([(3, "Elections"), (1, "Law")]) + "\n"
                        + listing_line([(3, "Economy")]) + "\n[[9, ", encoding="utf-8")
    out = tmp_path / "a.jsonl"
    assert finalize(journal, out, read_listings(listings)) == 2
    records = [json.loads(x) for x in out.read_text().splitlines()]
    assert [(r["article_id"], r["sections"]) for r in records] == [
        (1, ["Law", "New"]), (3, ["Economy", "Elections"])]
