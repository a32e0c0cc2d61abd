"""Citations of real records of a crawl of the mirror: GOST for Russian, Chicago for English."""

from __future__ import annotations

import re
from datetime import date

import msgspec
import pytest

from ifes_archive.archive.release.citation import chicago, cite, gost, gost_name
from ifes_archive.archive.release.scope import published_on
from ifes_archive.archive.types import Person, Record


def _typed(record: dict) -> Record:
    """Return a record of the crawl (as its JSON line holds it, changed by a test) typed."""
    return msgspec.convert(record, Record)


def _person(author: dict) -> Person:
    return msgspec.convert(author, Person)


def _pick(crawl, language: str, authors: int | None = None, **wanted) -> dict:  # noqa: ANN001
    """Return the first current record of ``language`` with ``authors`` authors that fits."""
    for record in crawl.records():
        if record["status"] == "superseded" or record.get("language") != language:
            continue
        if authors is not None and len(record.get("authors") or []) != authors:
            continue
        if all(test(record) for test in wanted.values()):
            return record
    pytest.fail(f"the mirror has no {language} record with {authors} authors fitting {wanted}")


def _accessed(record: dict) -> tuple[date, str]:
    first = record["captures"][0]
    stamp = re.sub(r"\D", "", first["date"])[:14]
    return date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8])), \
        f"archive.wacz, {stamp}/{first['target_uri']}"


def _tail_ru(record: dict) -> str:
    day, copy = _accessed(record)
    return (f"URL: {record['url']} (дата обращения: {day:%d.%m.%Y}). — Архивная копия: {copy}.")


@pytest.mark.parametrize("count", [1, 2, 3])
def test_gost_names_up_to_three_authors_in_the_heading(crawl, count: int) -> None:  # noqa: ANN001
    record = _pick(crawl, "ru", count, dated=lambda r: published_on(_typed(r)) is not None)
    text = gost(_typed(record))
    names = [gost_name(_person(a)) for a in record["authors"]]
    assert text.startswith(", ".join(names) + " " + record["title"])
    assert " / " not in text  # names in the heading are not repeated (GOST R 7.0.5, 4.10.2)
    assert f". — Текст : электронный // Институт Дальнего Востока РАН : [сайт]. — " \
           f"{published_on(_typed(record)).year}. — " + _tail_ru(record) in text
    assert text == cite(_typed(record))
    for name in names:  # surname, then initials: «Журавлёв И. В.» (Yu. is one initial)
        assert re.fullmatch(r"\S+(?: \w{1,2}\.)+", name), name
    if count == 3:  # the initials of the fullest spelling: a patronymic the display name drops
        fullest = max(len(re.findall(r"\w\.", s)) for a in record["authors"]
                      for s in a["spellings"])
        assert max(len(re.findall(r"\w\.", n)) for n in names) == fullest


def test_gost_four_authors_starts_with_the_title_and_names_the_first(crawl) -> None:  # noqa: ANN001
    # the mirror's articles have one to three authors: four real authors from two of them
    three = _pick(crawl, "ru", 3)
    other = _pick(crawl, "ru", 2)
    record = {**three, "authors": three["authors"] + other["authors"][:1]}
    text = gost(_typed(record))
    first = record["authors"][0]
    surname, initials = gost_name(_person(first)).split(" ", 1)
    assert text.startswith(f"{record['title']} / {initials} {surname} [и др.]. — Текст")
    assert gost_name(_person(record["authors"][3])) not in text


def test_gost_without_authors_or_date(crawl) -> None:  # noqa: ANN001
    # every page of the mirror shows a date: a real record with its date and authors taken
    record = {**_pick(crawl, "ru", 1), "authors": [], "date_published": None}
    text = gost(_typed(record))
    assert text.startswith(record["title"] + ". — Текст : электронный // ")
    assert "[сайт]. — URL: " in text  # no year element
    assert text.endswith(_tail_ru(record))


def test_chicago_for_english_one_and_two_authors(crawl) -> None:  # noqa: ANN001
    one = _pick(crawl, "en", 1, dated=lambda r: published_on(_typed(r)) is not None)
    day, copy = _accessed(one)
    text = cite(_typed(one))
    assert text == chicago(_typed(one))
    name = one["authors"][0]["name"].split()
    assert re.match(r"[^,]+, [^.]+\. “", text), text  # Surname, Given. “Title.”
    assert name[-1] in text.split(",")[0] or name[0] in text.split(",")[0]
    assert f"“{one['title']}" in text
    assert "Institute of Far Eastern Studies, Russian Academy of Sciences." in text
    published = published_on(_typed(one))
    assert f"{published:%B} {published.day}, {published.year}." in text
    assert f"Accessed {day:%B} {day.day}, {day.year}. {one['url']}. Archived copy: {copy}." in text
    two = _pick(crawl, "en", 2)
    assert f", and {two['authors'][1]['name']}. “" in chicago(_typed(two))
    initials = _pick(crawl, "en", authors=None, spaced=lambda r: any(
        re.match(r"\w\.\w\.", a["name"]) for a in r["authors"]))
    names = chicago(_typed(initials)).split("“")[0]
    assert re.search(r"\b\w\. \w\.", names) and not re.search(r"\b\w\.\w\.", names)  # CMOS 14.72


def test_an_unknown_language_with_a_cyrillic_title_is_cited_by_gost(crawl) -> None:  # noqa: ANN001
    record = {**_pick(crawl, "ru", 1), "language": None}
    assert cite(_typed(record)) == gost(_typed(record))
    english = {**_pick(crawl, "en", 1), "language": None}
    assert cite(_typed(english)) == chicago(_typed(english))


def test_chicago_four_authors_and_none(crawl) -> None:  # noqa: ANN001
    three = _pick(crawl, "en", 3)
    fourth = _pick(crawl, "en", 1)["authors"]
    record = {**three, "authors": three["authors"] + fourth}
    text = chicago(_typed(record))
    assert all(a["name"].split()[-1] in text or a["name"].split()[0] in text
               for a in record["authors"])  # up to ten are all named (CMOS 14.76)
    assert "et al" not in text
    undated = chicago(_typed({**three, "authors": [], "date_published": None, "date_modified": None}))
    assert undated.startswith(f"“{three['title']}")
    assert re.search(r"Russian Academy of Sciences\. Accessed \w+ \d+, \d{4}\. http", undated)


def test_edited_article_cites_publication_and_revision_dates(crawl) -> None:  # noqa: ANN001
    def edited(record: dict) -> bool:
        modified = (record.get("date_modified") or {}).get("value")
        published = published_on(_typed(record))
        return bool(modified and published and modified[:10] != published.isoformat())

    record = _pick(crawl, "en", edited=edited)
    modified = date.fromisoformat(record["date_modified"]["value"][:10])
    published = published_on(_typed(record))
    text = chicago(_typed(record))
    assert f"{published:%B} {published.day}, {published.year}. Last modified " \
           f"{modified:%B} {modified.day}, {modified.year}." in text
    russian = _pick(crawl, "ru", edited=edited)
    assert f"[сайт]. — {published_on(_typed(russian)).year}. — URL:" in gost(_typed(russian))
