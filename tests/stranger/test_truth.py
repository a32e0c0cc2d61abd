"""Truth invariants, and cross-checks of the truth against what the pages say twice."""

from __future__ import annotations

import datetime as dt
import re

import lxml.html

from ifes_archive.fixtures.stranger.chrome import item_url
from ifes_archive.fixtures.stranger.model import ARCHIVED

LISTINGS = ("category_table", "category_blog", "multi_blog", "section_blog")


def _listing_pages(site, get, m):
    """Every page of a listing item (following its own page links), as decoded HTML."""
    first = item_url("/", site, m).replace("&amp;", "&")
    seen, todo, out = set(), [first], []
    while todo:
        target = todo.pop()
        if target in seen:
            continue
        seen.add(target)
        page = get(target)
        out.append(page)
        for href in re.findall(r'href="http://[^/]+(/index\.php\?[^"]*limitstart=\d+)"', page):
            todo.append(href.replace("&amp;", "&"))
    return out


def test_every_article_is_reachable(site, truth, app):
    archived_months = {
        (a.created.year, a.created.month) for a in site.articles.values() if a.state == ARCHIVED
    }
    for aid in truth:
        art = site.articles[aid]
        linked = site.itemids_for(art) or any(
            m.target == aid and m.kind in ("static", "item_link") for m in site.menu
        )
        assert linked or (art.created.year, art.created.month) in archived_months, aid


def test_sections_are_listing_names(site, truth):
    for aid, t in truth.items():
        art = site.articles[aid]
        assert bool(t["sections"]) == bool(site.itemids_for(art)), aid
        assert not t["sections"] or art.catid


def test_dates_and_text(truth):
    for t in truth.values():
        pub = dt.date.fromisoformat(t["date_published"])
        if t["date_modified"]:
            assert dt.date.fromisoformat(t["date_modified"]) >= pub
        assert t["text"].strip() and t["language"] in ("en", "ru") and t["title"]
        assert "\n\n".join(p for p in t["page_texts"] if p) == t["text"]
        assert t["bio"] is None or t["text"].endswith(t["bio"]) or t["bio"] in t["text"]
        assert (
            not t["title_raw"].endswith(t["title"]) or t["title_raw"] == t["title"] or t["authors"]
        )


def test_listing_headings_and_links_agree_with_the_truth(site, truth, get):
    """A listing's heading is in the sections of every article it links, and it links them all."""
    for m in (m for m in site.menu if m.kind in LISTINGS):
        pages = _listing_pages(site, get, m)
        heading = (
            lxml.html.fromstring(pages[0]).xpath("string(//div[@class='componentheading'])").strip()
        )
        linked = {
            int(i)
            for p in pages
            for i in re.findall(rf"task=view&amp;id=(\d+)&amp;Itemid={m.id}\"", p)
        }
        expected = {a.id for a in site.listed_by(m) if a.id in truth}
        assert linked == expected, m.name
        for aid in linked:
            assert heading in truth[aid]["sections"], (m.name, aid)


def test_breadcrumb_under_each_itemid_is_one_of_the_sections(site, truth, get):
    several = 0
    for aid, t in truth.items():
        crumbs = set()
        for itemid in site.itemids_for(site.articles[aid]):
            doc = lxml.html.fromstring(
                get(f"/index.php?option=com_content&task=view&id={aid}&Itemid={itemid}")
            )
            names = [a.text_content().strip() for a in doc.xpath("//span[@class='pathway']/a")]
            crumbs.add(names[-1])
            assert names[-1] in t["sections"], (aid, itemid, names)
        several += len(crumbs) >= 3
    assert several, "some article shows three or more middle crumbs (like 941)"


def test_refusals_and_messages_on_http_200(site, get):
    refused = [a for a in site.articles.values() if not site.readable(a)]
    assert all(
        "недостаточно прав" in get(f"/index.php?option=com_content&task=view&id={a.id}")
        for a in refused
    )
    missing = {v: k for k, v in site.missing.items()}
    if "notfound" in missing:
        assert "Извините, страница не найдена." in get(
            f"/index.php?option=com_content&task=view&id={missing['notfound']}"
        )
    empty = [
        m
        for m in site.menu
        if m.kind in ("category_table", "category_blog") and not site.in_category(m.target)
    ]
    shown = "".join(get(item_url("/", site, m).replace("&amp;", "&")) for m in empty)
    assert (
        "Данная категория не содержит объектов." in shown
        or "Нет объектов для отображения!" in shown
    )
    assert "Нет объектов для отображения!" in get(
        "/index.php?option=com_content&task=archivecategory&year=1999&month=1&module=1"
    )


def test_print_view_holds_every_page_without_page_links(site, get):
    art = next(a for a in site.articles.values() if len(a.pages) > 2 and site.readable(a))
    printed = get(f"/index2.php?option=com_content&task=view&id={art.id}&pop=1&page=0")
    assert "pagenavcounter" not in printed and 'id="leftcol"' not in printed
    for k in range(len(art.pages)):
        page = get(f"/index.php?option=com_content&task=view&id={art.id}&limit=1&limitstart={k}")
        assert f"Страница {k + 1} из {len(art.pages)}" in page
        assert art.html[k][:60].replace("@@BASE@@", "") in printed.replace(
            "http://127.0.0.1:8080/", ""
        )


def test_category_table_pages_newest_first(site, get):
    m = max(
        (m for m in site.menu if m.kind == "category_table"), key=lambda m: len(site.listed_by(m))
    )
    total = len(site.listed_by(m))
    assert total > 30
    page = get(item_url("/", site, m).replace("&amp;", "&"))
    assert f"Результаты 1 - 30 из {total}" in page and 'class="sectiontableentry2"' in page
    assert (
        "&amp;limit=30&amp;limitstart=30" in page
        and '<span class="pagenav">&lt;&lt;&nbsp;[Первая]</span>' in page
    )
    dates = re.findall(r"<td>\n (\d\d)\.(\d\d)\.(\d{4}) г\.\n</td>", page)
    keyed = [(y, mth, d) for d, mth, y in dates]
    assert keyed == sorted(keyed, reverse=True) and len(keyed) == 30
