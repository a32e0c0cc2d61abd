"""The sections vocabulary: every listing an article is filed under, once, by the site's own id.

A record's ``sections`` are names (archive/page/listings.py): the same Joomla category may be shown
under a Russian and an English menu item («Политика», «Politics»), and navigation aggregates
(«Все публикации», a section's blog) sit beside subject categories. Here each name is resolved,
article by article, to the listing that shows it — from the listing journal's (article id, name,
listing key) entries and the article's breadcrumb (each crumb's name and link) — and each listing
to its section id, made of the Joomla ids in its URL, never of a name:

- ``category:C`` — a category table or a one-category blog (``id=C``), under any menu item;
- ``section:S`` — a section page or a section blog (``id=S``), under any menu item;
- ``blog:M`` — a blog over several categories (``blogcategory&id=0``): menu item M decides what
  it lists, so it is its own section.

A section's ``parent`` is the crumb before it in the breadcrumbs (section → category); a
category no breadcrumb shows under a section takes the one section that files all its
articles. Its
``kind`` is decided by what the site files under it (:func:`kind_of`), and the row says why.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ifes_archive.archive.page.joomla import parse_url

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ifes_archive.archive.types import Breadcrumb

SUBJECT, NAVIGATION = "subject", "navigation"
#: A listing that files at least this share of the site's listed articles is the site, or most
#: of it, not a subject (an «all publications» blog, the front page).
MOST_OF_SITE = 0.5
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_PREFIXES = {"category": "category", "blogcategory": "category", "section": "section",
             "blogsection": "section"}


def section_id(link: str | None) -> str | None:
    """Return the section id of a listing URL (or a journal's listing key, ``category:C``,
    ``blogcategory:C@M``, ``blogsection:S@M``); None for any other URL."""
    if not link:
        return None
    if "://" not in link and "?" not in link and ":" in link:
        return _key_id(link)
    parsed = parse_url(link)
    prefix = _PREFIXES.get(parsed.kind)
    if prefix is None:
        return None
    if parsed.kind == "blogcategory" and not parsed.id:
        return f"blog:{parsed.itemid or 0}"
    return f"{prefix}:{parsed.id or 0}"


def _key_id(key: str) -> str | None:
    """Return the section id of a listing key (:func:`archive.page.joomla.listing_key`)."""
    kind, _, rest = key.partition(":")
    target, _, itemid = rest.partition("@")
    if kind not in _PREFIXES or not target.isdigit():
        return None
    if kind == "blogcategory" and int(target) == 0:
        return f"blog:{int(itemid) if itemid.isdigit() else 0}"
    return f"{_PREFIXES[kind]}:{int(target)}"


def script_of(name: str) -> str:
    """Return ``ru`` for a name in Cyrillic, ``en`` for any other."""
    return "ru" if _CYRILLIC.search(name) else "en"


@dataclass
class _Seen:
    """What the evidence says of one section."""

    names: Counter = field(default_factory=Counter)
    parents: Counter = field(default_factory=Counter)
    articles: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Section:
    """One section of the vocabulary."""

    section_id: str
    name_en: str | None
    name_ru: str | None
    names: list[str]
    parent: str | None
    kind: str
    evidence: str
    articles: list[int]


class Vocabulary:
    """Gathers the evidence of every article, then names its sections (:meth:`sections`) and
    resolves each article's section names to ids (:meth:`ids_of`)."""

    def __init__(self) -> None:
        self._seen: dict[str, _Seen] = defaultdict(_Seen)
        self._by_article: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self._built: dict[str, Section] | None = None

    def add_listed(self, entries: Iterable[tuple[Any, ...]]) -> None:
        """Add listing entries (article id, listing name, listing key) of the listing journal."""
        for article_id, name, *rest in entries:
            found = _key_id(rest[0]) if rest and isinstance(rest[0], str) else None
            if found is not None:
                self._note(int(article_id), str(name), found)

    def add_breadcrumb(self, article_id: int, crumb: Breadcrumb | None) -> None:
        """Add an article's breadcrumb: each crumb that links a listing, and its parent crumb."""
        parent = None
        for name, link in zip(crumb.path if crumb else [], crumb.links if crumb else []):
            found = section_id(link)
            if found is None:
                continue
            self._note(article_id, name, found)
            if parent is not None:
                self._seen[found].parents[parent] += 1
            parent = found

    def _note(self, article_id: int, name: str, found: str) -> None:
        name = " ".join(name.split())
        self._seen[found].names[name] += 1
        self._seen[found].articles.add(article_id)
        self._by_article[article_id][name.casefold()].add(found)
        self._built = None

    def ids_of(self, article_id: int, names: Iterable[str]) -> list[str]:
        """Return the section ids of an article's section names (each once, in name order):
        by the article's own evidence, else by a name only one section has."""
        own = self._by_article.get(article_id, {})
        ids: list[str] = []
        for name in names:
            folded = " ".join(name.split()).casefold()
            for found in sorted(own.get(folded) or self._unique(folded)):
                if found not in ids:
                    ids.append(found)
        return ids

    def _unique(self, folded: str) -> set[str]:
        holders = {s for s, seen in self._seen.items()
                   if folded in {n.casefold() for n in seen.names}}
        return holders if len(holders) == 1 else set()

    def sections(self) -> dict[str, Section]:
        """Return every section by id, in id order."""
        if self._built is None:
            total = len(set().union(*(s.articles for s in self._seen.values())))
            self._built = {sid: self._section(sid, total) for sid in sorted(self._seen, key=_order)}
        return self._built

    def _section(self, sid: str, total: int) -> Section:
        seen = self._seen[sid]
        names = [n for n, _ in sorted(seen.names.items(), key=lambda item: (-item[1], item[0]))]
        parent, how = self._parent(sid, seen)
        kind, why = kind_of(sid, self._categories_of(seen.articles), len(seen.articles), total)
        why += how
        return Section(sid, next((n for n in names if script_of(n) == "en"), None),
                       next((n for n in names if script_of(n) == "ru"), None), names, parent,
                       kind, why, sorted(seen.articles))

    def _parent(self, sid: str, seen: _Seen) -> tuple[str | None, str]:
        """Return the section's parent and, when no breadcrumb showed one, how it was found:
        the one Joomla section whose listings file every article of a category (a breadcrumb
        is of the menu item the article was first fetched under, which may show none)."""
        if seen.parents:
            return seen.parents.most_common(1)[0][0], ""
        holders = [s for s, other in self._seen.items() if s.startswith("section:")
                   and seen.articles <= other.articles] if sid.startswith("category:") else []
        if len(holders) != 1:
            return None, ""
        return holders[0], f"; parent {holders[0]}: it files every article of the category"

    def _categories_of(self, articles: set[int]) -> dict[str, str | None]:
        """Return the categories the articles are filed in, each with its parent section."""
        return {sid: (seen.parents.most_common(1)[0][0] if seen.parents else None)
                for sid, seen in self._seen.items()
                if sid.startswith("category:") and seen.articles & articles}


def kind_of(sid: str, categories: dict[str, str | None], articles: int,
            total: int) -> tuple[str, str]:
    """Return (kind, evidence) of a section: ``navigation`` when it is a Joomla section (the
    site's container of categories), when it files at least :data:`MOST_OF_SITE` of the site's
    listed articles, or when it is a blog over categories of more than one section;
    else ``subject`` (one category, or a blog over categories of one section)."""
    share = f"files {articles} of the {total} listed articles"
    spread = f"its articles in {len(categories)} categories"
    parents = {p for p in categories.values() if p}
    if sid.startswith("section:"):
        return NAVIGATION, f"a Joomla section (id {sid[8:]}): {share}, {spread}"
    if total and articles / total >= MOST_OF_SITE:
        return NAVIGATION, f"{share}: most of the site"
    if sid.startswith("category:"):
        return SUBJECT, f"one Joomla category (id {sid[9:]}): {share}"
    if len(parents) > 1:
        return NAVIGATION, f"{share}, {spread} in {len(parents)} sections"
    return SUBJECT, f"a blog over categories of one section: {share}, {spread}"


def _order(sid: str) -> tuple[str, int]:
    kind, _, number = sid.partition(":")
    return kind, int(number) if number.isdigit() else 0
