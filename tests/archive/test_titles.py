"""Titles and authors: every prefix form of the profile, subtitles, and no invented authors."""

from __future__ import annotations

import pytest

from ifes_archive.archive.authors import looks_like_surname
from ifes_archive.archive.record import build_record
from ifes_archive.archive.titles import heading_parts, prefixes
from tests.archive.test_record import BASE, article_page, page

PARAGRAPHS = ("<p>Russo-Japanese relations are clearly on hold this winter, and the visit of "
              "the prime minister was cancelled.</p><p>Both sides have become less interested "
              "in their partner.</p>")
TEXT = ("Russo-Japanese relations are clearly on hold this winter, and the visit of the prime "
        "minister was cancelled.\n\nBoth sides have become less interested in their partner.")


def record_of(title: str, lead: str = "") -> dict:
    record = build_record(941, BASE, [page(0, article_page(lead + PARAGRAPHS, title=title), None)])
    assert record is not None
    return record


def names_of(record: dict) -> list[str]:
    return [a["name"] for a in record["authors"]]


def test_surname_given_full_stop_with_a_subtitle_in_the_body() -> None:
    record = record_of(
        "Mikhailova Yulia. The Visual Language of Japanese Political Cartoons",
        "<p><strong>The Visual Language of Japanese Political Cartoons - Images of Prime "
        "Minister Koizumi Junichiro</strong></p><p>Yulia Mikhailova</p>")
    assert record["title"] == "The Visual Language of Japanese Political Cartoons"
    assert record["subtitle"] == "Images of Prime Minister Koizumi Junichiro"
    assert names_of(record) == ["Yulia Mikhailova"]
    assert record["text"] == TEXT


def test_a_subtitle_on_a_line_of_its_own_between_title_and_byline() -> None:
    record = record_of("Streltsov D.V. Russian Foreign Policy Towards Japan",
                       "<p><b>Russian Foreign Policy Towards Japan</b><br />Domestic Factors</p>"
                       "<p>D.V. Streltsov</p>")
    assert (record["title"], record["subtitle"]) == ("Russian Foreign Policy Towards Japan",
                                                     "Domestic Factors")
    assert names_of(record) == ["D.V. Streltsov"] and record["text"] == TEXT


def test_a_title_that_only_looks_like_a_prefix_keeps_its_words() -> None:
    for title in ("Japan Studies in Russia. Summary", "Japan Today. Summary",
                  "Japan Today, and Tomorrow", "Japan U.S. Relations"):
        record = record_of(title)
        assert record["title"] == title and record["authors"] == [], title
        assert record["text"] == TEXT


@pytest.mark.parametrize(("title", "lead", "title_after", "authors"), [
    # several authors, full names, full stop; nothing else on the page names them
    ("Ivanov Sergey, Petrova Natalia. Trade and Investment", "", "Trade and Investment",
     ["Sergey Ivanov", "Natalia Petrova"]),
    # three authors with initials, Cyrillic, the body repeating the title and naming them
    ("Стрельцов Д.В., Иванов С.А., Петрова Н.М. Япония и АТЭС",
     "<p>Япония и АТЭС</p><p>Д.В. Стрельцов, С.А. Иванов, Н.М. Петрова</p>", "Япония и АТЭС",
     ["Д.В. Стрельцов", "С.А. Иванов", "Н.М. Петрова"]),
    # surname, given name, comma; the byline spells it otherwise
    ("Streltsov Dmitry, Japan: Where Is the Dialogue Headed?", "<p>Dmitry Streltzov</p>",
     "Japan: Where Is the Dialogue Headed?", ["Dmitry Streltsov"]),
    # two authors with initials, "and" in the byline, no repeated title
    ("Tanaka H., Suzuki K. Trade Friction", "<p>Hiroshi Tanaka and Kenji Suzuki</p>",
     "Trade Friction", ["Hiroshi Tanaka", "Kenji Suzuki"]),
    # Cyrillic surname and given name, comma
    ("Петрова Наталья, Экономика Японии", "", "Экономика Японии", ["Наталья Петрова"]),
])
def test_prefix_forms(title: str, lead: str, title_after: str, authors: list[str]) -> None:
    record = record_of(title, lead)
    assert record["title"] == title_after
    assert names_of(record) == authors
    assert record["text"] == TEXT


def test_a_byline_without_the_title_line_needs_evidence() -> None:
    # "Economic Background" is name-shaped but no one's name: it stays text
    record = record_of("Japan and Asia", "<p>Economic Background</p>")
    assert record["authors"] == [] and record["text"].startswith("Economic Background\n\n")


def test_readings_and_shapes() -> None:
    assert [len(p.names) for p in prefixes("Ivanov S.A., Petrova N.M. Trade")] == [2, 1]
    assert prefixes("Japan Studies in Russia. Summary") == []
    assert heading_parts("Title Words — A Subtitle", "Ivanov S.A. Title Words") == (
        "Title Words", "A Subtitle")
    assert heading_parts("Words", "Ivanov S.A. Title Words") is None  # one word: not the title
    assert looks_like_surname("Streltsov") and looks_like_surname("Watanabe")
    assert not looks_like_surname("Japan") and not looks_like_surname("Studies")
