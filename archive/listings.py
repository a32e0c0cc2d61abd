"""Listing evidence: which articles a category listing page shows, under which category name.

A Joomla 1.0 article is filed under every category whose listings show it (site profile,
"URLs": the same ``id`` under several Itemids). Category tables (``task=category``) and category
blogs (``task=blogcategory``) name their category in ``div.componentheading`` and link each item
(``task=view&id=N``); the crawl and the offline rebuild both read them with
:func:`listed_articles` to fill a record's ``sections``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

from archive.decode import decode_html
from archive.extract import parse

#: Listing tasks that show one category (SEF forms: ``/content/category/...``,
#: ``/content/blogcategory/...``).
CATEGORY_TASKS = ("category", "blogcategory")
#: Links to the listed items (not links inside intro texts): table rows, and the blog's
#: title, «Подробнее...» (``a.readon``) and «Далее...» (``a.blogsection``) links.
ITEM_LINKS = ("//tr[starts-with(@class, 'sectiontableentry')]//a[@href]"
              " | //a[@href][contains(concat(' ', normalize-space(@class), ' '), ' readon ')"
              " or contains(concat(' ', normalize-space(@class), ' '), ' blogsection ')"
              " or contains(concat(' ', normalize-space(@class), ' '), ' contentpagetitle ')]")
_SEF_LISTING = re.compile(r"/content/(category|blogcategory)/")
_SEF_VIEW = re.compile(r"/content/view/(\d+)/")


def listing_task(url: str) -> str | None:
    """Return ``category`` or ``blogcategory`` when *url* is such a listing, else None."""
    parts = urlsplit(url)
    query = {k.lower(): v for k, v in parse_qs(parts.query).items()}
    if query.get("option", [""])[0] == "com_content":
        task = query.get("task", [""])[0].lower()
        return task if task in CATEGORY_TASKS else None
    sef = _SEF_LISTING.search(parts.path)
    return sef.group(1) if sef else None


def article_id_of(href: str) -> int | None:
    """Return the article id an article link points at (``task=view&id=N`` or SEF), or None."""
    parts = urlsplit(href)
    query = {k.lower(): v for k, v in parse_qs(parts.query).items()}
    if query.get("task", [""])[0].lower() == "view" and query.get("id", [""])[0].isdigit():
        return int(query["id"][0])
    sef = _SEF_VIEW.search(parts.path)
    return int(sef.group(1)) if sef else None


def listed_articles(url: str, content_type: str | None, body: bytes,
                    base_url: str) -> list[tuple[int, str]]:
    """Return the (article id, category name) pairs a category table or category blog page
    lists, in page order, each once; [] for any other page."""
    if listing_task(url) is None:
        return []
    root = parse(decode_html(body, content_type).text)
    heading = root.xpath("//div[contains(concat(' ', normalize-space(@class), ' '), "
                         "' componentheading ')]")
    name = " ".join(heading[0].text_content().split()) if heading else ""
    if not name:
        return []
    seen: dict[int, None] = {}
    for link in root.xpath(ITEM_LINKS):
        found = article_id_of(urljoin(base_url, link.get("href")))
        if found is not None:
            seen.setdefault(found)
    return [(article_id, name) for article_id in seen]


def sections_by_article(pairs: list[tuple[int, str]]) -> dict[int, list[str]]:
    """Return category names per article id from listing pairs (first seen first, each once)."""
    out: dict[int, list[str]] = {}
    for article_id, name in pairs:
        names = out.setdefault(article_id, [])
        if name not in names:
            names.append(name)
    return out
