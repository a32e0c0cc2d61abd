"""Listing evidence: which articles a listing page shows, under which name.

A reader knows an article under the name of every listing that shows it (site profile, "URLs":
the same ``id`` under several Itemids, with the crumb of each): category tables
(``task=category``), category blogs and blogs over several categories (``task=blogcategory``,
``id=0``), and section blogs (``task=blogsection``). Each names itself in
``div.componentheading`` (a menu item's blog: the menu item's name) and links each item
(``task=view&id=N``); the crawl and the offline rebuild both read them with
:func:`listed_articles` to fill a record's ``sections``, and key each by :func:`listing_key`, the
listing an article's breadcrumb links to (the crumb check compares the two names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urljoin, urlsplit

import lxml.html

from ifes_archive.archive.decode import decode_html
from ifes_archive.archive.extract import NAMED_TASKS, parse

#: Links to the listed items (not links inside intro texts): table rows, and the blog's
#: title, «Подробнее...» (``a.readon``) and «Далее...» (``a.blogsection``) links.
ITEM_LINKS = ("//tr[starts-with(@class, 'sectiontableentry')]//a[@href]"
              " | //a[@href][contains(concat(' ', normalize-space(@class), ' '), ' readon ')"
              " or contains(concat(' ', normalize-space(@class), ' '), ' blogsection ')"
              " or contains(concat(' ', normalize-space(@class), ' '), ' contentpagetitle ')]"
              # an intro item whose title is no link and that has no more text than its intro
              # (no «Подробнее...») is known by its own print, e-mail and PDF buttons
              " | //td[contains(concat(' ', normalize-space(@class), ' '), ' buttonheading ')]"
              "//a[@href]")
#: Tasks of an item's buttons that name it by ``id`` (the print view is ``task=view&pop=1``).
_BUTTON_TASKS = ("view", "emailform")
_SEF_LISTING = re.compile(r"/content/(category|blogcategory)/")
_SEF_VIEW = re.compile(r"/content/view/(\d+)/")
#: The Itemid of a SEF listing: /content/category/S/C/M/, /content/blogcategory/C/M/.
_SEF_ITEMID = re.compile(r"/content/(?:category/\d+/\d+|blogcategory/\d+)/(\d+)/")
#: The category of a SEF listing (same forms).
_SEF_TARGET = re.compile(r"/content/(?:category/\d+|blogcategory)/(\d+)/")
_CLASS = "contains(concat(' ', normalize-space(@class), ' '), ' {} ')"


def listing_task(url: str) -> str | None:
    """Return ``category``, ``blogcategory`` or ``blogsection`` when *url* is such a listing,
    else None."""
    parts = urlsplit(url)
    query = {k.lower(): v for k, v in parse_qs(parts.query).items()}
    if query.get("option", [""])[0] == "com_content":
        task = query.get("task", [""])[0].lower()
        return task if task in NAMED_TASKS else None
    sef = _SEF_LISTING.search(parts.path)
    return sef.group(1) if sef else None


def article_id_of(href: str, buttons: bool = False) -> int | None:
    """Return the article id an article link points at (``task=view&id=N`` or SEF), or None;
    with *buttons*, also the id an item's e-mail or PDF button names."""
    parts = urlsplit(href)
    query = {k.lower(): v for k, v in parse_qs(parts.query).items()}
    task = query.get("task", [""])[0].lower()
    named = task == "view" or buttons and (task in _BUTTON_TASKS or query.get("do_pdf") == ["1"])
    if named and query.get("id", [""])[0].isdigit():
        return int(query["id"][0])
    sef = _SEF_VIEW.search(parts.path)
    return int(sef.group(1)) if sef else None


@dataclass(frozen=True)
class Listing:
    """What one listing page shows: its name, its breadcrumb's last crumb, its menu item, the
    articles it lists (page order, each once), and which listing it is (:func:`listing_key`)."""

    name: str
    crumb: str
    itemid: int | None
    article_ids: tuple[int, ...]
    key: str | None = None


def read_listing(url: str, content_type: str | None, body: bytes,
                 base_url: str) -> Listing | None:
    """Return what a category table, blog or section blog page shows; None for any other page, or
    one without a name (``div.componentheading``, else its breadcrumb's last crumb)."""
    if listing_task(url) is None:
        return None
    root = parse(decode_html(body, content_type).text)
    heading = root.xpath(f"//div[{_CLASS.format('componentheading')}]")
    crumb = _last_crumb(root)
    name = " ".join(heading[0].text_content().split()) if heading else crumb
    if not name:
        return None
    seen: dict[int, None] = {}
    for link in root.xpath(ITEM_LINKS):
        found = article_id_of(urljoin(base_url, link.get("href")), buttons=True)
        if found is not None:
            seen.setdefault(found)
    return Listing(name, crumb, itemid_of(url), tuple(seen), listing_key(url))


def _last_crumb(root: lxml.html.HtmlElement) -> str:
    """Return the last entry of the page's breadcrumb (``span.pathway``): the plain text after
    its last link and arrow, else that link's text; "" without a breadcrumb."""
    pathway = root.xpath(f"//span[{_CLASS.format('pathway')}]")
    if not pathway:
        return ""
    children = list(pathway[0])
    text = " ".join(((children[-1].tail if children else pathway[0].text) or "").split())
    links = pathway[0].xpath("./a")
    return text or (" ".join(links[-1].text_content().split()) if links else "")


def itemid_of(url: str) -> int | None:
    """Return the ``Itemid`` of a URL (any case; SEF listings: its place in the path)."""
    parts = urlsplit(url)
    query = {k.lower(): v for k, v in parse_qs(parts.query).items()}
    value = query.get("itemid", [""])[0]
    if value.isdigit():
        return int(value)
    sef = _SEF_ITEMID.search(parts.path)
    return int(sef.group(1)) if sef else None


def listing_key(url: str) -> str | None:
    """Return which listing *url* shows, as an article's breadcrumb links it: a category table
    by its category (``category:C``), a blog by its target and menu item (``blogcategory:C@M``,
    ``blogcategory:0@M`` over several categories, ``blogsection:S@M``); None for a URL that is
    no named listing (:func:`listing_task`).

    A category table shows its category's name and rows under any Itemid: the Itemid only says
    how the visitor came (the category's own menu item, or its section's page, which links
    every table of the section under the section's Itemid), so a crawl may fetch it under either.
    A blog's heading is its menu item's name, so the menu item is part of what it is.
    """
    task = listing_task(url)
    if task is None:
        return None
    parts = urlsplit(url)
    query = {k.lower(): v for k, v in parse_qs(parts.query).items()}
    target = query.get("id", [""])[0]
    if not target.isdigit():
        sef = _SEF_TARGET.search(parts.path)
        target = sef.group(1) if sef else "0"
    if task == "category":
        return f"category:{int(target)}"
    return f"{task}:{int(target)}@{itemid_of(url) or 0}"


def listed_articles(url: str, content_type: str | None, body: bytes,
                    base_url: str) -> list[tuple[int, str, str | None]]:
    """Return the (article id, listing name, :func:`listing_key`) entries a named listing page
    (:data:`NAMED_TASKS`) lists, in page order, each once; [] for any other page."""
    listing = read_listing(url, content_type, body, base_url)
    if listing is None:
        return []
    return [(article_id, listing.name, listing.key) for article_id in listing.article_ids]


def listing_check(listing: Listing) -> dict[str, object] | None:
    """Return whether a listing's name is its breadcrumb's last crumb (the menu item it is
    read under names it the same), None when it shows no breadcrumb."""
    if not listing.crumb:
        return None
    agrees = fold_name(listing.name) == fold_name(listing.crumb)
    return {"itemid": listing.itemid, "name": listing.name, "crumb": listing.crumb,
            "agrees": agrees}


def fold_name(name: str) -> str:
    """Return a listing or crumb name for comparison (case and spacing)."""
    return " ".join(name.split()).casefold()


def sections_by_article(pairs: list[tuple[int, str, str | None]]) -> dict[int, list[str]]:
    """Return category names per article id from listing entries (first seen first, once)."""
    out: dict[int, list[str]] = {}
    for article_id, name, _ in pairs:
        names = out.setdefault(article_id, [])
        if name not in names:
            names.append(name)
    return out
