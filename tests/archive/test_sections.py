"""The sections vocabulary: ids from the listing URLs, kinds from what the site files, and the
release's ``sections`` table on a crawl of the mirror (one section under a Russian and an English
name is one row; parents are the breadcrumbs'; aggregates are navigation)."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import msgspec
import pytest

from ifes_archive.archive.corpus.sections import (
    NAVIGATION,
    SUBJECT,
    Vocabulary,
    kind_of,
    section_id,
)
from ifes_archive.archive.release.sections import released_sections
from ifes_archive.archive.types import Breadcrumb, Record
from ifes_archive.fixtures.model import PUBLISHED
from ifes_archive.fixtures.site import Site, build_site
from ifes_archive.fixtures.structure import EMPTY_CATEGORY

Q = "index.php?option=com_content&"


@pytest.mark.parametrize(("link", "expected"), [
    (Q + "task=category&sectionid=5&id=34&Itemid=60", "category:34"),
    (f"http://127.0.0.1:8000/{Q}task=blogcategory&amp;id=34&amp;Itemid=70", "category:34"),
    (Q + "task=blogcategory&id=0&Itemid=110", "blog:110"),
    (Q + "Itemid=79&task=blogsection&id=5", "section:5"),
    (Q + "task=section&id=7&Itemid=90", "section:7"),
    ("/content/category/5/35/61/", "category:35"),
    ("category:34", "category:34"), ("blogcategory:35@71", "category:35"),
    ("blogcategory:0@71", "blog:71"), ("blogsection:7@95", "section:7"),
    (Q + "task=view&id=941&Itemid=60", None), ("index.php?option=com_frontpage", None),
    ("frontpage", None), (None, None), ("", None)])
def test_a_section_is_named_by_the_ids_of_its_listing_url(link: str | None,
                                                           expected: str | None) -> None:
    assert section_id(link) == expected


def test_the_kind_is_what_the_site_files_under_it() -> None:
    one = {"category:34": "section:5", "category:35": "section:5"}
    two = {**one, "category:45": "section:7"}
    assert kind_of("section:5", one, 10, 100)[0] == NAVIGATION  # a container of categories
    assert kind_of("category:34", one, 10, 100)[0] == SUBJECT
    assert kind_of("category:34", one, 60, 100)[0] == NAVIGATION  # most of the site
    assert kind_of("blog:110", one, 30, 100)[0] == SUBJECT  # a theme within one section
    assert kind_of("blog:110", two, 30, 100)[0] == NAVIGATION  # over several sections
    assert "2 sections" in kind_of("blog:110", two, 30, 100)[1]


def test_an_article_s_names_resolve_by_its_own_evidence() -> None:
    vocabulary = Vocabulary()  # «Экономика» is two categories: each article's is its own
    vocabulary.add_listed([(1, "Экономика", "blogcategory:35@71"), (1, "Economy", "category:35"),
                           (2, "Экономика", "category:46"), (3, "Экономика", "category:46")])
    assert vocabulary.ids_of(1, ["Economy", "Экономика"]) == ["category:35"]
    assert vocabulary.ids_of(2, ["Экономика"]) == ["category:46"]
    assert vocabulary.ids_of(4, ["Economy"]) == ["category:35"]  # one section has the name
    assert vocabulary.ids_of(4, ["Экономика", "Unknown"]) == []  # two have it: none guessed
    row = vocabulary.sections()["category:35"]
    assert (row.name_en, row.name_ru, row.names) == ("Economy", "Экономика",
                                                     ["Economy", "Экономика"])


@pytest.fixture(scope="module")
def site() -> Site:
    return build_site()  # what the default mirror serves


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def table(release: Path) -> dict[str, dict]:
    return {row["section_id"]: row for row in _jsonl(release / "data" / "sections" / "sections.jsonl")}


def _served_names(site: Site, category_id: int) -> set[str]:
    """The names the mirror serves a category under: its table's and its blogs'."""
    category = site.category(category_id)
    assert category is not None
    return {category.title} | {m.name for m in site.menu
                               if m.kind == "blogcategory" and m.target == category_id}


def test_one_section_under_a_russian_and_an_english_name_is_one_row(site: Site,
                                                                     table: dict) -> None:
    listed = {c for a in site.articles if a.state == PUBLISHED for c in a.categories}
    assert {f"category:{c}" for c in listed} == {s for s in table if s.startswith("category:")}
    bilingual = 0
    for category_id in listed:
        row = table[f"category:{category_id}"]
        assert set(row["names"]) == _served_names(site, category_id)
        bilingual += bool(row["name_en"] and row["name_ru"])
    assert bilingual >= 1, "the mirror serves a category under a Russian and an English name"
    blogs = {f"blog:{m.id}" for m in site.menu if m.kind == "blogcategory" and not m.target}
    sections = {f"section:{s.id}" for s in site.sections}
    assert set(table) == {f"category:{c}" for c in listed} | blogs | sections


def test_parents_are_the_breadcrumbs(site: Site, table: dict, crawl) -> None:
    assert all(row["parent"] in table for row in table.values() if row["parent"])
    for category in site.categories:
        if f"category:{category.id}" in table:
            assert table[f"category:{category.id}"]["parent"] == f"section:{category.section}"
    pairs = 0
    for record in crawl.records():
        crumb = record.get("breadcrumb") or {}
        ids = [section_id(link) for link in crumb.get("links") or []]
        for parent, child in pairwise(ids):
            if parent and child:
                assert table[child]["parent"] == parent, record["article_id"]
                pairs += 1
    print(f"{pairs} (parent, child) crumb pairs checked")
    assert pairs, "some breadcrumb shows a section and its category"  # how many: crawl order


def test_every_aggregate_is_navigation(site: Site, table: dict) -> None:
    aggregates = {m.name for m in site.menu if m.kind in ("blogsection", "section")}
    assert {"Все публикации", "Все публикации на русском", "Publications"} <= aggregates
    for row in table.values():
        is_aggregate = bool(aggregates & set(row["names"]))
        assert (row["kind"] == NAVIGATION) == is_aggregate, row
        assert row["evidence"]
    assert all(table[f"section:{s.id}"]["kind"] == NAVIGATION for s in site.sections)


def test_every_article_s_section_ids_are_its_listings(site: Site, table: dict,
                                                      release: Path) -> None:
    for row in _jsonl(release / "data" / "articles" / "articles.jsonl"):
        assert set(row["section_ids"]) <= set(table), row["article_id"]
        article = site.article(row["article_id"])
        assert article is not None
        if article.state == PUBLISHED:
            categories = {f"category:{c}" for c in article.categories if c != EMPTY_CATEGORY}
            assert {i for i in row["section_ids"] if i.startswith("category:")} == categories
            assert f"section:{site.category(article.home).section}" in row["section_ids"]
        for section in row["section_ids"]:
            assert row["article_id"] in table[section]["articles"]


def test_the_card_counts_subject_sections_only(release: Path, table: dict, crawl) -> None:
    card = (release / "README.md").read_text(encoding="utf-8")
    subjects = sum(row["kind"] == SUBJECT for row in table.values())
    navigation = len(table) - subjects
    assert f"- {subjects:,} subject sections and {navigation:,} navigation listings" in card
    assert "Articles per subject section" in card
    records = crawl.records()
    breadcrumbs = [(r["article_id"], msgspec.convert(r["breadcrumb"], Breadcrumb | None))
                   for r in records]
    sections = released_sections(crawl.out, breadcrumbs, {r["article_id"] for r in records})
    counted = {name for r in records for name in sections.subjects_of(msgspec.convert(r, Record))}
    navigation_names = {n for row in table.values() if row["kind"] == NAVIGATION
                        for n in row["names"]}
    assert counted and not counted & navigation_names
    assert "Economy" in counted and "Экономика" in counted  # category 35 and category 46


def test_a_category_no_breadcrumb_shows_takes_the_section_that_files_all_its_articles() -> None:
    vocabulary = Vocabulary()
    vocabulary.add_listed([(1, "Культура", "blogcategory:48@97"), (2, "Культура", "category:48"),
                           (1, "Все", "blogsection:7@95"), (2, "Все", "blogsection:7@95"),
                           (3, "Все", "blogsection:7@95"), (2, "Мир", "blogsection:5@79")])
    row = vocabulary.sections()["category:48"]
    assert row.parent == "section:7" and "files every article" in row.evidence
    vocabulary.add_breadcrumb(4, Breadcrumb(95, ["Все", "Культура"], [
        Q + "task=blogsection&id=7&Itemid=95", Q + "task=blogcategory&id=48&Itemid=97"]))
    row = vocabulary.sections()["category:48"]  # a breadcrumb, when there is one, says it
    assert row.parent == "section:7" and "files every article" not in row.evidence
