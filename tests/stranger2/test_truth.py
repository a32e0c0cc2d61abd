"""The truth agrees with what the generator serves: every word of it is on the page, in order."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import lxml.html

from ifes_archive.fixtures.stranger2.site import build_site, link_of
from ifes_archive.fixtures.stranger2.truth import article_truth

BLOCKS = {"p", "div", "br", "td", "tr", "th", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4",
          "blockquote", "hr", "tbody"}


def visible_words(fragment: lxml.html.HtmlElement) -> list[str]:
    """The words a browser without scripts shows: blocks and <br> separate, inline tags do not."""
    out: list[str] = []

    def walk(el: lxml.html.HtmlElement) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in ("script", "style") or not tag:
            out.append(el.tail or "")
            return
        sep = " " if tag in BLOCKS else ""  # «o:p», «st1:place»: unknown, so inline
        out.append(sep + (el.text or ""))
        for child in el:
            walk(child)
        out.append(sep + (el.tail or ""))

    walk(fragment)
    return "".join(out).split()


def parse(html: str) -> lxml.html.HtmlElement:
    """The page as a browser reads it (the bytes, windows-1251; lxml refuses a str with a prolog)."""
    parser = lxml.html.HTMLParser(encoding="cp1251")
    return lxml.html.fromstring(html.encode("cp1251", "xmlcharrefreplace"), parser=parser)


def body_cell(html: str) -> lxml.html.HtmlElement:
    doc = parse(html)
    return doc.xpath('//table[@class="contentpaneopen"][2]//td[not(@class)][@colspan="2"][@valign="top"][not(@width)]')[0]


def is_subsequence(needle: list[str], hay: list[str]) -> bool:
    it = iter(hay)
    return all(any(w == h for h in it) for w in needle)


def test_every_truth_word_is_in_the_print_view_in_order(site, truth, get):
    for aid, t in truth.items():
        page = get(f"/index2.php?option=com_content&task=view&id={aid}&pop=1&page=0&Itemid=1")
        words = visible_words(body_cell(page))
        # A cloaked address is written by script: the words around it are on the page.
        expected = [w for w in t["text"].split() if "@" not in w]
        assert is_subsequence(expected, words), aid


def test_view_pages_hold_the_page_texts_and_the_title(site, truth, get):
    for aid, t in list(truth.items())[:60]:
        for k, page_text in enumerate(t["page_texts"]):
            html = get(f"/index.php?option=com_content&task=view&id={aid}&Itemid=1&limit=1&limitstart={k}")
            words = visible_words(body_cell(html))
            assert is_subsequence([w for w in page_text.split() if "@" not in w], words), (aid, k)
            heading = parse(html).xpath('//td[@class="contentheading"]')[0].text_content()
            assert " ".join(heading.split()) == t["title_raw"]
            assert t["title_raw"].endswith(t["title"])


def test_authors_are_printed_and_counted_right(truth):
    for t in truth.values():
        assert len(t["authors"]) == len(t["author_forms"]) <= 3
        for name, forms in zip(t["authors"], t["author_forms"]):
            assert name in forms
        if t["bio"]:
            assert t["bio"] in t["text"] and len(t["authors"]) == 1


def test_sections_are_the_crumbs_of_the_listings_a_reader_walks_to(site, truth, get):
    """Walk every menu listing's pages in-process; the crumbs under each Itemid give the sections."""
    seen: dict[int, set[str]] = {}
    pairs: set[tuple[int, str]] = set()
    for m in site.menu:
        queue, done = ["/index.php?" + link_of(m)], set()
        while queue:
            target = queue.pop()
            if target in done:
                continue
            done.add(target)
            doc = parse(get(target))
            for href in doc.xpath('//div[@class="content"]//a/@href'):
                q = parse_qs(urlsplit(href).query)
                if q.get("task") == ["view"] and "Itemid" in q and "limitstart" not in q:
                    aid, itemid = int(q["id"][0]), q["Itemid"][0]
                    # A blog item with no title link and no read-more is named by its print button.
                    pairs.add((aid, f"/index.php?option=com_content&task=view&id={aid}&Itemid={itemid}"))
                elif "limitstart" in q or q.get("task") == ["category"]:
                    queue.append(urlsplit(href)._replace(scheme="", netloc="").geturl())
    for aid, target in pairs:
        if aid in truth:
            crumbs = parse(get(target)).xpath('//span[@class="pathway"]/a[@class="pathway"]')
            if len(crumbs) > 1:  # «Главная» and at least one more
                seen.setdefault(aid, set()).add(" ".join(crumbs[-1].text_content().split()))
    for aid, t in truth.items():
        if t["sections"]:
            assert seen.get(aid) == set(t["sections"]), aid


def test_dates_in_truth_are_the_pages_dates(truth, get):
    for aid, t in list(truth.items())[:40]:
        html = get(f"/index.php?option=com_content&task=view&id={aid}&Itemid=1")
        created = parse(html).xpath('//td[@class="createdate"]')[0].text_content()
        if t["date_published"]:
            y, m, d = t["date_published"].split("-")
            assert created == f" {d}.{m}.{y} г."
        else:
            assert not created.strip()
        mod = re.search(r"Последнее обновление \(  (\d\d)\.(\d\d)\.(\d{4}) г\. \)", html)
        assert (mod and f"{mod[3]}-{mod[2]}-{mod[1]}") == (t["date_modified"] or None)


def test_the_same_seed_gives_the_same_site_and_another_seed_another():
    one, again, other = (article_truth(build_site(s, 30)) for s in (5, 5, 6))
    assert one == again
    assert one != other
