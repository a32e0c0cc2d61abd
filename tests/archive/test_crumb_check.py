"""The crumb check gives the same answer whichever order a crawl meets the site's pages in.

A crawl fetches each listing once, under the Itemid of the first link to it, and each article
under the Itemid of the first link to it: which ones comes from the scheduling. A category table
is linked both from its own menu item and from its section's page, which links it under the
section's Itemid; an article listed in several categories' tables (the mirror's cross-listing)
is linked under the Itemid of every table that lists it, and an article page's «Пред.» and
«След.» links keep the Itemid it was read under. Under a section's menu item the breadcrumb
names the article's own category. Here the mirror's pages go through the crawl's path (listing
journal, records, ``finalize``) with the tables fetched under their own menu items, or under
their sections': every read of an article must get the same answer both ways, and never a
disagreement (the site is consistent), or whether a crawl's cross-checks agree would depend on
its scheduling.
"""

from __future__ import annotations

import json
from pathlib import Path

import lxml.html
import msgspec
import pytest

from ifes_archive.archive.corpus.articles import finalize
from ifes_archive.archive.corpus.journal import listing_line, read_listings
from ifes_archive.archive.page.captured import CapturedPage
from ifes_archive.archive.page.checks import crumb_check
from ifes_archive.archive.page.joomla import article_id_of
from ifes_archive.archive.page.listings import listed_articles
from ifes_archive.archive.page.record import build_record
from ifes_archive.archive.page.record_json import record_to_json
from ifes_archive.archive.types import Breadcrumb, Check, PagePointer, Record
from ifes_archive.fixtures.mirror import Mirror
from ifes_archive.fixtures.model import PUBLISHED
from ifes_archive.fixtures.site import build_site

BASE = "http://127.0.0.1:8/"
#: Every row or item of a listing on one page (its name is the same on every page).
WHOLE = "&limit=1000&limitstart=0"


@pytest.fixture(scope="module")
def mirror() -> Mirror:
    return Mirror(build_site())


def _get(mirror: Mirror, target: str) -> tuple[str, str | None, bytes]:
    response = mirror.respond("GET", target, BASE, [])
    assert response.status == 200, target
    return BASE + target.lstrip("/"), dict(response.headers).get("Content-Type"), response.body


def _listings(mirror: Mirror, tables_under_own_item: bool) -> list[str]:
    """The listing URLs one crawl fetches: every category table under its own menu item (where
    it has one) or every one under its section's, and every blog under its menu item."""
    site, targets = mirror.site, []
    for category in site.categories:
        section = site.section(category.section)
        assert section is not None
        itemid = (category.table_itemid if tables_under_own_item and category.table_itemid
                  else section.itemid)
        targets.append(f"/index.php?option=com_content&task=category&sectionid={section.id}"
                       f"&id={category.id}&Itemid={itemid}")
    for item in site.menu:
        if item.kind in ("blogcategory", "blogsection"):
            targets.append(f"/{item.link}&Itemid={item.id}")
    return [t + WHOLE for t in targets]


def _crumb_checks(mirror: Mirror, tmp: Path, tables_under_own_item: bool,
                  pages: dict[tuple[int, int], tuple[Record, set]],
                  ) -> dict[tuple[int, int], dict | None]:
    """Return (article id, Itemid) -> the crumb check of the article read under that Itemid,
    for every Itemid the pages of this order link the article under: the listings', and those
    of the article pages read so (their «Пред.»/«След.» links keep the Itemid they were read
    under). *pages*: each read's record and links, filled as they are built."""
    tmp.mkdir()
    listings, todo = tmp / "a.listings.jsonl", set()
    with open(listings, "w", encoding="utf-8") as out:
        for target in _listings(mirror, tables_under_own_item):
            url, content_type, body = _get(mirror, target)
            entries = listed_articles(url, content_type, body, BASE)
            if entries:
                out.write(listing_line(entries) + "\n")
            todo |= _article_links(body)
    public = {a.id for a in mirror.site.articles if a.is_public}
    reads: dict[tuple[int, int], None] = {}
    while todo:
        read = min(todo)
        todo.remove(read)
        if read in reads or read[0] not in public:
            continue
        if read not in pages:
            pages[read] = _read(mirror, *read)
        reads[read] = None
        todo |= pages[read][1] - reads.keys()
    # every read through finalize on its own: reads that differ only in the breadcrumb (the
    # menu item they came under) are one version of the article, and each read's check is asked
    journal, corpus = tmp / "a.journal.jsonl", tmp / "a.jsonl"
    checks = {}
    for read in reads:
        seen = "2026-01-01T00:00:00Z"
        pointer = PagePointer("f", 0, 1, f"urn:{read[0]}:{read[1]}", "u", seen, 0)
        record = msgspec.structs.replace(pages[read][0], first_seen=seen, last_seen=seen,
                                         captures=[pointer])
        journal.write_text(record_to_json(record) + "\n", encoding="utf-8")
        finalize(journal, corpus, read_listings(listings))
        (version,) = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
        found = [c for c in version["checks"] if c["check"] == "crumb"]
        checks[read] = found[0] if found else None
    assert len(checks) == len(reads)
    return checks


def _article_links(body: bytes) -> set[tuple[int, int]]:
    """Return the (article id, Itemid) of the page's links to articles under a menu item."""
    links = set()
    for href in lxml.html.fromstring(body).xpath("//a/@href"):
        found = article_id_of(href)
        if found is not None and "Itemid=" in href:
            links.add((found, int(href.rsplit("Itemid=", 1)[1].split("&")[0])))
    return links


def _read(mirror: Mirror, article_id: int, itemid: int) -> tuple[Record, set[tuple[int, int]]]:
    """Return the article's record read under *itemid* (every page of it, as the crawl reads
    it), and the first page's links to articles."""
    article = mirror.site.article(article_id)
    assert article is not None
    view = f"/index.php?option=com_content&task=view&id={article_id}&Itemid={itemid}"
    pages = [CapturedPage(k, *_get(mirror, view + (f"&limit=1&limitstart={k}" if k else "")),
                          None) for k in range(article.page_count)]
    record = build_record(article_id, BASE, pages)
    assert record is not None and "incomplete" not in record.flags
    return record, _article_links(pages[0].body)


def test_the_crumb_check_is_the_same_in_every_order_and_never_a_false_alarm(
        mirror: Mirror, tmp_path: Path) -> None:
    site = mirror.site
    public = {a.id for a in site.articles if a.state == PUBLISHED}
    # only the articles listed in several categories can be read under their section's menu
    # item through a table that is not their own category's
    crossed = {a.id for a in site.articles if len(a.categories) > 1} & public
    pages: dict[tuple[int, int], tuple[dict, set]] = {}
    own = _crumb_checks(mirror, tmp_path / "own", True, pages)
    sections = _crumb_checks(mirror, tmp_path / "sections", False, pages)
    for checks in (own, sections):
        wrong = {k: c["detail"] for k, c in checks.items() if c is not None and not c["agrees"]}
        assert not wrong, wrong
    # the same read gets the same answer whichever Itemid the crawl fetched its listings under
    both = own.keys() & sections.keys()
    differ = {k: (own[k], sections[k]) for k in both if own[k] != sections[k]}
    assert not differ, differ
    # and the check is made: on cross-listed articles read under a section's menu item too
    section_items = {s.itemid for s in site.sections}
    made = [k for k, c in {**own, **sections}.items() if c is not None]
    assert len({a for a, _ in made}) > len(public) // 2
    assert any(a in crossed and i in section_items for a, i in made)


#: Article 7 read under the section's menu item 90: its own category is Политика (45); the
#: section's page shows Культура's table (48), which lists it too, under the same Itemid.
CRUMB = Breadcrumb(90, ["Публикации на русском", "Политика"],
                   ["index.php?option=com_content&task=section&id=7&Itemid=90",
                    "index.php?option=com_content&task=category&sectionid=7&id=45&Itemid=90"])


def test_a_crumb_is_compared_with_the_listing_it_leads_to() -> None:
    # fetched under Itemid 91 (Политика's own menu item) or 90, the table is the same listing
    assert crumb_check(CRUMB, {"category:48": ["Культура"], "category:45": ["Политика"]}) == \
        Check("crumb", True, "")
    # the crumb's own listing not (yet) read: nothing to compare, no false alarm
    assert crumb_check(CRUMB, {"category:48": ["Культура"]}) is None
    assert crumb_check(msgspec.structs.replace(CRUMB, links=[]),
                       {"category:45": ["Политика"]}) is None


def test_a_crumb_that_names_its_listing_otherwise_disagrees() -> None:
    said = crumb_check(CRUMB, {"category:45": ["Экономика"]})
    assert said is not None and not said.agrees
    assert said.detail == "Itemid 90: crumb Политика, its listing (category:45) Экономика"
    # a blog is the menu item's own listing: the same blog under another menu item is another
    blog = Breadcrumb(97, ["Все публикации на русском", "Культура"],
                      ["index.php?option=com_content&task=blogsection&id=7&Itemid=95",
                       "index.php?option=com_content&task=blogcategory&id=48&Itemid=97"])
    assert crumb_check(blog, {"blogcategory:48@96": ["Экономика"]}) is None
    said = crumb_check(blog, {"blogsection:7@95": ["Все публикации"],
                              "blogcategory:48@97": ["Культура"]})
    assert said is not None and not said.agrees and "blogsection:7@95" in (said.detail or "")
