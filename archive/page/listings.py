"""Listing evidence: which articles a listing page shows, under which name.

A reader knows an article under the name of every listing that shows it (docs/site-profile.md,
"URLs": the same ``id`` under several Itemids, with the crumb of each): category tables
(``task=category``), category blogs and blogs over several categories (``task=blogcategory``,
``id=0``), and section blogs (``task=blogsection``). Each names itself in
``div.componentheading`` (a menu item's blog: the menu item's name) and links each item
(``task=view&id=N``); the crawl and the offline rebuild both read them with
:func:`listed_articles` to fill a record's ``sections``, and key each by
:func:`archive.page.joomla.listing_key`, the
listing an article's breadcrumb links to (the crumb check compares the two names).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin

import lxml.html

from ifes_archive.archive.page.decode import decode_html
from ifes_archive.archive.page.extract import parse
from ifes_archive.archive.page.joomla import article_id_of, itemid_of, listing_key, listing_task
from ifes_archive.archive.page.page_template import BREADCRUMB, ITEM_LINKS, LISTING_HEADING


@dataclass(frozen=True)
class Listing:
    """What one listing page shows: its name, its breadcrumb's last crumb, its menu item, the
    articles it lists (page order, each once), and which listing it is (:func:`listing_key`)."""

    name: str
    crumb: str
    itemid: int | None
    article_ids: tuple[int, ...]
    key: str | None = None


def read_listing(url: str, content_type: str | None, body: bytes, base_url: str,
                 root: lxml.html.HtmlElement | None = None) -> Listing | None:
    """Return what a category table, blog or section blog page shows; None for any other page, or
    one without a name (``div.componentheading``, else its breadcrumb's last crumb). ``root``:
    the page already decoded and parsed (the crawl's spider read it), else ``body`` is."""
    if listing_task(url, base_url) is None:
        return None
    if root is None:
        root = parse(decode_html(body, content_type).text)
    heading = root.xpath(LISTING_HEADING)
    crumb = _last_crumb(root)
    name = " ".join(heading[0].text_content().split()) if heading else crumb
    if not name:
        return None
    seen: dict[int, None] = {}
    for link in root.xpath(ITEM_LINKS):
        found = _listed_id(urljoin(base_url, link.get("href")), base_url)
        if found is not None:
            seen.setdefault(found)
    return Listing(name, crumb, itemid_of(url, base_url), tuple(seen), listing_key(url, base_url))


#: URLs longer than this are not kept by :func:`_listed_id`'s cache (a hostile page's links).
CACHED_URL_MAX = 2048


def _listed_id(url: str, base_url: str) -> int | None:
    """Return the article a listing's link names (:func:`article_id_of`, buttons too)."""
    if len(url) > CACHED_URL_MAX:
        return article_id_of(url, base_url, buttons=True)
    return _cached_listed_id(url, base_url)


# An item's links repeat (its title, "read more", its buttons), and an article is listed on
# several listings: the ids of short URLs kept.
@lru_cache(maxsize=4096)
def _cached_listed_id(url: str, base_url: str) -> int | None:
    return article_id_of(url, base_url, buttons=True)


def _last_crumb(root: lxml.html.HtmlElement) -> str:
    """Return the last entry of the page's breadcrumb (``span.pathway``): the plain text after
    its last link and arrow, else that link's text; "" without a breadcrumb."""
    pathway = root.xpath(BREADCRUMB)
    if not pathway:
        return ""
    children = list(pathway[0])
    text = " ".join(((children[-1].tail if children else pathway[0].text) or "").split())
    links = pathway[0].xpath("./a")
    return text or (" ".join(links[-1].text_content().split()) if links else "")


def listed_articles(url: str, content_type: str | None, body: bytes,
                    base_url: str) -> list[tuple[int, str, str | None]]:
    """Return the (article id, listing name, :func:`archive.page.joomla.listing_key`) entries a
    named listing page (:data:`archive.page.joomla.NAMED_TASKS`) lists, in page order, each once; []
    for any other page."""
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
