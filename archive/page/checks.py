"""Cross-checks of what the site says twice: how far to trust a record without any gold.

On the live site there is no gold to score against, but the site repeats itself: the authors
are named in the title prefix, the byline and the author row; the article's words are on its
view pages and again on its print view (``index2.php?...&pop=1``: the whole article, no
chrome); an article's breadcrumb names the listings it leads to, which name themselves on
their pages. Where only the body's byline names the authors, nothing repeats it: the ``byline``
check then says whether a name-shaped paragraph opening the body was read as the authors (on
the evidence of a known given name or initials) or left in the text for want of it. Each check
gives a :class:`~archive.types.Check` for the record's ``checks``;
the crawl report counts them (:func:`tally`).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from ifes_archive.archive.page import authors as names
from ifes_archive.archive.page.listings import fold_name, listing_key
from ifes_archive.archive.page.name_keys import name_key, near
from ifes_archive.archive.types import Breadcrumb, Check, Record

AUTHORS = "authors"
PRINT_VIEW = "print-view"
CRUMB = "crumb"
#: Authors named by the body's byline alone, or a name-shaped opening paragraph read as no one.
BYLINE = "byline"
#: A listing's name against its breadcrumb's last crumb
#: (:func:`archive.page.listings.listing_check`).
LISTING_CRUMB = "listing-crumb"
#: Words of one text the other may lack before the texts count as disagreeing: none.
_WORD = re.compile(r"\w+")
#: What lies between the words.
_BETWEEN_WORDS = re.compile(r"\W+")


def check(name: str, agrees: bool, detail: str = "") -> Check:
    """Return one check's entry."""
    return Check(name, agrees, detail)


def authors_check(sources: Mapping[str, Sequence[names.Mention]]) -> Check | None:
    """Return whether the sources that name authors (``title prefix``, ``byline``, ``author
    row``) name the same people; None when fewer than two name anyone. The author row (Joomla's
    alias: often the first author only) must name some of the others' people and no one else."""
    present = {source: list(found) for source, found in sources.items() if found}
    if len(present) < 2:
        return None
    lists = [(s, m) for s, m in present.items() if s != "author row"]
    problems = []
    for (one, first), (other, second) in itertools.pairwise(lists):
        if not _same_people(first, second):
            problems.append(f"{one} names {_surnames(first)}, {other} {_surnames(second)}")
    if "author row" in present:
        others = [m for _, found in lists for m in found]
        strangers = [r for r in present["author row"]
                     if not any(_same_person(r, m) for m in others)]
        if others and strangers:
            problems.append(f"author row names {_surnames(strangers)}, not {_surnames(others)}")
    return check(AUTHORS, not problems, "; ".join(problems))


def byline_check(sources: Sequence[str], opening: Sequence[names.Mention] | None
                 ) -> Check | None:
    """Return whether the authors rest on the body's byline alone (*sources* is ``["byline"]``:
    agrees), or no one names authors while the body opens with a paragraph of names
    (*opening*, :func:`archive.page.titles.name_shaped`) that had no evidence of being names
    (disagrees: a byline missed, or a heading shaped like a name); None otherwise."""
    if list(sources) == ["byline"]:
        return check(BYLINE, True)
    if sources or not opening:
        return None
    return check(BYLINE, False, "no one named; the body opens with name-shaped "
                                f"{' / '.join(m.text for m in opening)}, no given name known")


def _surnames(mentions: Sequence[names.Mention]) -> str:
    return ", ".join(m.surname for m in mentions)


def _same_person(one: names.Mention, other: names.Mention) -> bool:
    a, b = name_key(one.surname), name_key(other.surname)
    return a == b or near(a, b)


def _same_people(first: Sequence[names.Mention], second: Sequence[names.Mention]) -> bool:
    return len(first) == len(second) and all(any(_same_person(m, n) for n in second)
                                             for m in first)


def text_check(name: str, text: str | None, other: str | None, what: str) -> Check:
    """Return whether *text* has the words of *other* (``\\w+`` tokens, in order); *what*
    names the other side in the detail."""
    # No list of the words: an article's text may be megabytes (ARTICLE_MAXSIZE).
    if _word_line(text) == _word_line(other):
        return check(name, True)
    mine, theirs = Counter(_words(text)), Counter(_words(other))
    missing, extra = theirs - mine, mine - theirs
    if not missing and not extra:
        return check(name, False, f"same words as the {what}, in another order")
    return check(name, False, f"{sum(missing.values())} word(s) of the {what} missing "
                              f"({_sample(missing)}), {sum(extra.values())} not in it "
                              f"({_sample(extra)})")


def _word_line(text: str | None) -> str:
    """Return the words (``\\w+``) of ``text`` one space apart: two texts have the same words
    in the same order when these are equal (one string as long as the text, made at C speed)."""
    return _BETWEEN_WORDS.sub(" ", text or "").strip(" ")


def _words(text: str | None) -> Iterator[str]:
    return (match.group() for match in _WORD.finditer(text or ""))


def _sample(words: Counter) -> str:
    return " ".join(w for w, _ in words.most_common(5)) or "-"


def crumb_check(breadcrumb: Breadcrumb, listed: Mapping[str, Sequence[str]]) -> Check | None:
    """Return whether each crumb of an article's *breadcrumb* (the record's: ``path`` and
    ``links``) that leads to a listing which lists the article names it as that listing calls
    itself (*listed*: :func:`archive.page.joomla.listing_key` -> the names of the listing's pages
    that list the article); None when no crumb leads to such a listing.

    A crumb is compared with the listing it links to, not with whatever listings a crawl
    fetched under the same Itemid: under a section's menu item the breadcrumb names the
    article's own category, while the section's page links every category table of the section
    under its Itemid, and an article may be listed in several of them; which Itemid a table was
    fetched under, and the article, is the crawl's scheduling, not what the site says.
    """
    crumbs = [(name, key) for name, link in zip(breadcrumb.path, breadcrumb.links)
              if link and (key := listing_key(link)) is not None and listed.get(key)]
    if not crumbs:
        return None
    itemid = breadcrumb.itemid
    problems = [f"Itemid {itemid}: crumb {name}, its listing ({key}) {' / '.join(listed[key])}"
                for name, key in crumbs
                if fold_name(name) not in {fold_name(n) for n in listed[key]}]
    return check(CRUMB, not problems, "; ".join(problems))


def listing_crumb_detail(said: Mapping[str, Any]) -> str:
    """Return the detail of a listing's name against its crumb (``listing_check``'s result)."""
    return f"Itemid {said['itemid']}: listing {said['name']!r}, crumb {said['crumb']!r}"


def tally(records: Iterable[Record]) -> dict[str, Any]:
    """Return per check how many records agree and disagree, and the disagreements."""
    counts: dict[str, Counter] = {}
    disagreements = []
    for record in records:
        for entry in record.checks:
            counts.setdefault(entry.check, Counter())["agree" if entry.agrees
                                                      else "disagree"] += 1
            if not entry.agrees:
                disagreements.append({"article_id": record.article_id,
                                      "check": entry.check, "detail": entry.detail})
    return {"counts": {k: dict(sorted(v.items())) for k, v in sorted(counts.items())},
            "disagreements": disagreements}
