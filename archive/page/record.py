"""The record builder: the captured pages of one article in, one article record out.

One pure function, :func:`build_record`, used alike by the crawl's pipeline and by an offline
rebuild from WARC: same bytes, same record. Each page is decoded (:mod:`archive.page.decode`) and
read as the madeyourweb template (:mod:`archive.page.extract`); trafilatura extracts the text of the
body cell; names (:mod:`archive.page.authors`), dates (:mod:`archive.page.dates`) and the language
(:mod:`archive.page.language`) come from what the pages show. The record is
:class:`archive.page.schema.Record`.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, get_args
from urllib.parse import urljoin

import msgspec

from ifes_archive.archive.page import authors as names
from ifes_archive.archive.page import checks, titles
from ifes_archive.archive.page.captured import CapturedPage, unique_pages
from ifes_archive.archive.page.dates import read_date
from ifes_archive.archive.page.decode import DecodedPage
from ifes_archive.archive.page.extract import (
    GENERIC_OPTIONS,
    Page,
    body_blocks,
    category_crumbs,
    generic_blocks,
    read_unless_refusal,
)
from ifes_archive.archive.page.flatten import paragraphs, text_of
from ifes_archive.archive.page.joomla import canonical_article_url, itemid_of
from ifes_archive.archive.page.language import count_matches, detect_language
from ifes_archive.archive.page.name_keys import name_key, near
from ifes_archive.archive.page.schema import (
    CHARSET_REPLACED_FLAG,
    EMPTY_FLAG,
    EXTRACTOR_PACKAGES,
    GENERIC_FLAG,
    INCOMPLETE_FLAG,
    PARSE_LIMIT_FLAG,
    RECORD_KEYS,
)
from ifes_archive.archive.software import package_version
from ifes_archive.archive.types import (
    AuthorSource,
    Breadcrumb,
    Check,
    DateOptions,
    DateValue,
    Extractor,
    Flag,
    Packages,
    PageEncoding,
    PagePointer,
    Person,
    Record,
    TrafilaturaOptions,
    record_digest,
)

if TYPE_CHECKING:
    from collections.abc import Sequence


__all__ = ["RECORD_KEYS", "Record", "build_record"]

logger = logging.getLogger(__name__)

#: Packages whose versions make the record what it is (the schema names them: ``extractor``).
PACKAGES = EXTRACTOR_PACKAGES
#: Flag of a record whose date line (by its source) shows no date that exists.
UNREADABLE: dict[str, Flag] = {"createdate": "createdate-unreadable",
                               "modifydate": "modifydate-unreadable"}
#: A page of another layout whose main text has fewer words than this is a stub (an error or
#: redirect notice, a frame), not an article.
MIN_GENERIC_WORDS = 5
_WORDS = re.compile(r"\w+")
#: A note of the list that may close a body after the bio: MS Word's footnotes
#: (``mso-element: footnote-list``: «[1] Ibid.»), a notes block («1. See ...», «* ...»).
NOTE = re.compile(r"^(?:\[\d{1,3}\]|\(\d{1,3}\)|\d{1,3}[.)]?\s|[*†]+)")
#: What may head such a list: a rule of dashes or underscores, «Notes», «Примечания»...
NOTES_HEADING = re.compile(r"^(?:_{3,}|[-–—]{3,}|(?:Notes|Footnotes|References|Примечания|"
                           r"Сноски|Ссылки|Литература)\s*:?)$", re.IGNORECASE)


def build_record(article_id: int, base_url: str, pages: Sequence[CapturedPage],
                 sections: Sequence[str] = (), url: str | None = None,
                 print_pages: Sequence[CapturedPage] = ()) -> Record | None:
    """Return the record of article *article_id* from its captured *pages* (any order), or
    None when the first page is no article: Joomla's «not authorised» / «not found» answers, a
    page of the template showing a title and nothing else, or a page of another layout whose
    main text (trafilatura's) is a stub.

    *sections* are category names listings of the crawl show the article under; the record's
    ``sections`` are those and the categories of the pages' breadcrumbs, sorted. *url* replaces
    the canonical article URL for a page that is no Joomla article (``ifes-archive extract``).
    *print_pages*, the article's print view, is what its text is checked against.
    """
    if not pages:
        raise ValueError(f"article {article_id}: no pages")
    ordered = unique_pages(pages)
    read = _read_pages(ordered)
    if read is None:
        return None
    reads, decoded = read.reads, read.decoded
    ordered = ordered[:len(reads)]  # a later page refused: the article ends before it
    if reads[0].body is None:
        fields = _generic_fields(read.first_text, reads[0])
        if word_count(fields.text) < MIN_GENERIC_WORDS:
            return None  # neither the template nor a text of some words: not an article page
    else:
        fields = _template_fields(reads, read.blocks)
        if fields.text is None and not reads[0].shows_article:
            return None  # the template with a title and nothing else
        printed = _print_text(print_pages, fields.title_raw or "")
        if printed is not None:
            fields.checks.append(checks.text_check(checks.PRINT_VIEW, fields.text, printed,
                                                   "print view"))
    flags = list(fields.flags)
    if len(ordered) < reads[0].page_total or [p.page for p in ordered] != list(range(len(ordered))):
        flags.append(INCOMPLETE_FLAG)
    if fields.text is None:
        flags.append(EMPTY_FLAG)
    if read.limited:
        flags.append(PARSE_LIMIT_FLAG)
    if any(d.replaced for d in decoded):
        flags.append(CHARSET_REPLACED_FLAG)
    crumbs = [name for read in reads for name in category_crumbs(read.crumbs)]
    record = Record(
        url=url or canonical_article_url(base_url, article_id), article_id=article_id,
        title=fields.title, title_raw=fields.title_raw, subtitle=fields.subtitle,
        authors=fields.authors, authors_sources=fields.authors_sources,
        date_published=_date(reads[0].created_raw, "createdate", flags),
        date_modified=_date(reads[0].modified_raw, "modifydate", flags),
        language=detect_language(fields.text), sections=sort_sections([*sections, *crumbs]),
        breadcrumb=_breadcrumb(ordered[0].url, reads[0], base_url), text=fields.text,
        bio=fields.bio, pages=len(ordered), word_count=word_count(fields.text),
        captures=[PagePointer.of(p.capture, p.page) for p in ordered if p.capture is not None],
        encoding=[PageEncoding(p.page, d.encoding, d.source, d.reason)
                  for p, d in zip(ordered, decoded)],
        extractor=fields.extractor, flags=flags, checks=fields.checks)
    return msgspec.structs.replace(record, digest=record_digest(record))


@dataclass
class _Fields:
    """What the body of the pages says: title, authors, text, and how it was read."""

    title: str | None
    title_raw: str | None
    subtitle: str | None
    authors: list[Person]
    authors_sources: list[AuthorSource]
    text: str | None
    bio: str | None
    extractor: Extractor
    flags: list[Flag]
    checks: list[Check]


@dataclass
class _ReadPages:
    """What an article's pages show, read one page at a time: a page's text and tree are let
    go once its paragraphs are taken (but the first page's, which the record reads more of)."""

    reads: list[Page] = dataclasses.field(default_factory=list)
    """Each page as the template shows it (the body cells of the first only)."""
    decoded: list[DecodedPage] = dataclasses.field(default_factory=list)
    """How each page was decoded (the text of the first only)."""
    blocks: list[list[str]] = dataclasses.field(default_factory=list)
    """The paragraphs of every page's body, in page order."""
    first_text: str = ""
    limited: bool = False
    """Some page was nested deeper than the parser goes."""


def _read_pages(ordered: Sequence[CapturedPage]) -> _ReadPages | None:
    """Return what the pages show, up to the first later page that is a refusal (the article
    ends before it); None when the first page is one."""
    read = _ReadPages()
    for number, page in enumerate(ordered):
        html = page.read_html()
        decoded, parsed = html.decoded, html.parsed
        shown = read_unless_refusal(parsed.root)
        if shown is None:  # Joomla's refusal
            if number == 0:
                return None
            break
        if shown.body is not None:
            read.blocks += body_blocks(shown.body)
        if number == 0:
            read.first_text = decoded.text
        read.reads.append(shown if number == 0 else
                          dataclasses.replace(shown, body=None if shown.body is None else []))
        read.decoded.append(decoded if number == 0 else dataclasses.replace(decoded, text=""))
        read.limited = read.limited or parsed.limited
    return read


# One text: the generic path asks twice of the same text (is it a stub? the record's count).
@lru_cache(maxsize=1)
def word_count(text: str | None) -> int:
    """Return the number of words (``\\w+``) in ``text``, counted without a list of them."""
    return count_matches(_WORDS, text or "")


def sort_sections(values: Sequence[str]) -> list[str]:
    """Return the distinct section names, case-insensitively sorted (ties: exact string)."""
    distinct = {" ".join(v.split()) for v in values if v and v.strip()}
    return sorted(distinct, key=lambda s: (s.casefold(), s))


def _template_fields(reads: list[Page], blocks: list[list[str]]) -> _Fields:
    """Return title, subtitle, authors, text, bio and extractor of pages of the template
    (``blocks``: the paragraphs of their bodies)."""
    first = reads[0]
    title_raw = first.title_raw or ""
    in_title = titles.expected_names(title_raw)
    lead = titles.read_lead(blocks, title_raw, in_title)
    expected = frozenset(name_key(m.surname) for m in in_title)
    row = (names.byline_mentions(first.author_row, expected, "row") or []) \
        if first.author_row else []
    mentions: list[names.Mention] = [*lead.byline, *row]
    title, prefix = titles.split_title(title_raw, lead.heading, mentions)
    named = {"title prefix": prefix, "byline": lead.byline, "author row": row}
    said = checks.authors_check(named)
    sources: list[AuthorSource] = [source for source in get_args(AuthorSource) if named[source]]
    opening = titles.name_shaped(lead.blocks[0]) if lead.blocks else None
    lone = checks.byline_check(sources, opening)
    bio = _bio(paragraphs(lead.blocks), mentions + prefix)
    if bio is not None:
        mentions.append(bio[1])
    people = names.reconcile(mentions + prefix)
    text = text_of(lead.blocks)
    cyrillic = detect_language(text) == "ru"
    return _Fields(title or None, title_raw or None, lead.subtitle,
                   [p.person(cyrillic) for p in people], sources, text, bio[0] if bio else None,
                   extractor_info("template"), [], [c for c in (said, lone) if c])


def _breadcrumb(url: str, page: Page, base_url: str) -> Breadcrumb | None:
    """Return the first page's breadcrumb: its menu item, the linked crumbs' names, and where
    each leads (relative to the site's root where it is on the site)."""
    if not page.crumbs and page.body is None:
        return None
    return Breadcrumb(itemid_of(url, base_url), [name for name, _ in page.crumbs],
                      [_site_link(urljoin(url, href), base_url) if href else None
                       for _, href in page.crumbs])


def _site_link(url: str, base_url: str) -> str:
    """Return *url* relative to *base_url* when under it (the host and port are the crawl's,
    not the page's content), else whole."""
    return url[len(base_url):] if base_url and url.startswith(base_url) else url


def _print_text(print_pages: Sequence[CapturedPage], title_raw: str) -> str | None:
    """Return the body text of the print view as the view pages' is read; None without one
    (or when it is a refusal, or not the template)."""
    if not print_pages:
        return None
    read = read_unless_refusal(print_pages[0].read_html().parsed.root)
    if read is None or read.body is None:
        return None
    lead = titles.read_lead(body_blocks(read.body), title_raw, titles.expected_names(title_raw))
    return text_of(lead.blocks) or ""


def _bio(paragraphs: list[str], known: list[names.Mention]) -> tuple[str, names.Mention] | None:
    """Return the closing bio paragraph and its name, when it opens with a known person: the
    last paragraph, or the last before the notes that close the body."""
    end = len(paragraphs)
    while end and (NOTE.match(paragraphs[end - 1]) or NOTES_HEADING.match(paragraphs[end - 1])):
        end -= 1
    if not end or not known:
        return None
    keys = [name_key(m.surname) for m in known]
    mention = names.bio_mention(paragraphs[end - 1], frozenset(keys))
    if mention is None:
        return None
    key = name_key(mention.surname)
    if key in keys or any(near(key, k) for k in keys):
        return paragraphs[end - 1], mention
    return None


def _generic_fields(html: str, page: Page) -> _Fields:
    """Return the fields trafilatura's generic extraction gives for an unknown page."""
    title, blocks = generic_blocks(html)
    title_raw = page.title_raw or title
    if blocks and blocks[0] and blocks[0][0] == title_raw:  # the repeated title line
        blocks[0] = blocks[0][1:]
    return _Fields(title_raw, title_raw, None, [], [], text_of(blocks), None,
                   extractor_info("generic"), [GENERIC_FLAG], [])


def _date(raw: str | None, source: str, flags: list[Flag]) -> DateValue | None:
    """Return the date a cell shows (value null, and a flag, when it shows none that exists)."""
    if not raw:
        return None
    day = read_date(raw)
    if day is None:
        flags.append(UNREADABLE[source])
    return DateValue(day.isoformat() if day else None, raw, source)


@lru_cache(maxsize=2)
def extractor_info(method: Literal["template", "generic"]) -> Extractor:
    """Return the method, the versions of the packages and the options behind a record."""
    versions = {package: package_version(package) for package in PACKAGES}
    template = method == "template"
    return Extractor(
        method=method, packages=msgspec.convert(versions, Packages),
        input="body cells of table.contentpaneopen" if template else "page",
        text="archive.flatten: blocks and <br><br> end paragraphs, <br> ends a line",
        trafilatura_options=None if template else msgspec.convert(GENERIC_OPTIONS,
                                                                   TrafilaturaOptions),
        dates=DateOptions("%d.%m.%Y", ["ru", "en"], "DMY"))
