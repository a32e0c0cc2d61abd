"""The record builder: the captured pages of one article in, one article record out.

One pure function, :func:`build_record`, used alike by the crawl's pipeline and by an offline
rebuild from WARC: same bytes, same record. Each page is decoded (:mod:`archive.decode`) and read
as the madeyourweb template (:mod:`archive.extract`); trafilatura extracts the text of the body
cell; names (:mod:`archive.authors`), dates (:mod:`archive.dates`) and the language
(:mod:`archive.language`) come from what the pages show. The record is
:class:`archive.schema.Record`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from typing import TYPE_CHECKING, Any

from archive import authors as names
from archive.dates import read_date
from archive.decode import DecodedPage, decode_html, meta_charset
from archive.extract import (
    TRAFILATURA_OPTIONS,
    Page,
    block_texts,
    category_crumbs,
    generic_text,
    is_refusal,
    parse,
    read_page,
    refusal_kind,
    trafilatura_paragraphs,
)
from archive.language import detect_language
from archive.schema import RECORD_KEYS, Record

if TYPE_CHECKING:
    from collections.abc import Sequence

    import lxml.html

__all__ = [
    "RECORD_KEYS",
    "CapturedPage",
    "DecodedPage",
    "Record",
    "build_record",
    "decode_html",
    "refusal_of",
    "html_root",
    "meta_charset",
    "record_to_json",
]

logger = logging.getLogger(__name__)

#: Packages whose versions make the record what it is.
PACKAGES = ("ifes-archive", "trafilatura", "lxml", "dateparser", "charset-normalizer")
#: Flag of a record whose pages are not the known template.
GENERIC_FLAG = "generic-extraction"
#: Flag of a record with fewer pages than the article's page counter says it has.
INCOMPLETE_FLAG = "incomplete"
#: Longest byline line: a few names (more words than that is a sentence, not a byline).
MAX_BYLINE_WORDS = 16
#: A proper tail of the title shorter than this is not taken for the repeated title line.
MIN_HEADING_WORDS = 2
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class CapturedPage:
    """One fetched page of an article, as the crawl or the WARC holds it."""

    page: int
    """0-based page number (Joomla's ``limitstart``)."""
    url: str
    """The URL as fetched."""
    content_type: str | None
    """The HTTP ``Content-Type`` header, if any."""
    body: bytes
    """The entity, content coding (gzip) removed."""
    capture: dict[str, Any] | None
    """Pointer to the WARC response record, or None when not captured."""


def html_root(text: str) -> lxml.html.HtmlElement:
    """Return the lxml tree of a decoded page (its XML prolog, which lxml refuses, removed)."""
    return parse(text)


def build_record(article_id: int, base_url: str, pages: Sequence[CapturedPage],
                 sections: Sequence[str] = ()) -> dict[str, Any] | None:
    """Return the record of article *article_id* from its captured *pages* (any order), or
    None when the first page is no article: Joomla's «not authorised» / «not found» answers, or
    a page that is neither the known template nor holds any text trafilatura can extract.

    *sections* are category names listings of the crawl show the article under; the record's
    ``sections`` are those and the categories of the pages' breadcrumbs, sorted.
    """
    if not pages:
        raise ValueError(f"article {article_id}: no pages")
    ordered = _unique_pages(pages)
    decoded = [decode_html(p.body, p.content_type) for p in ordered]
    roots = [parse(d.text) for d in decoded]
    if is_refusal(roots[0]):
        return None
    refused = next((i for i, root in enumerate(roots) if i and is_refusal(root)), None)
    if refused is not None:  # a later page refused: the article ends before it, incomplete
        ordered, decoded, roots = ordered[:refused], decoded[:refused], roots[:refused]
    reads = [read_page(root) for root in roots]
    if reads[0].body is None:
        fields = _generic_fields(decoded[0].text, reads[0])
        if fields["text"] is None:
            return None  # neither the template nor any body text: not an article page
    else:
        fields = _template_fields(reads)
    if len(ordered) < reads[0].page_total or [p.page for p in ordered] != list(range(len(ordered))):
        fields["flags"] = [*fields["flags"], INCOMPLETE_FLAG]
    crumbs = [name for read in reads for name in category_crumbs(read.crumbs)]
    text = fields["text"]
    record = Record(
        url=canonical_url(base_url, article_id), article_id=article_id,
        date_published=_date(reads[0].created_raw, "createdate"),
        date_modified=_date(reads[0].modified_raw, "modifydate"),
        language=detect_language(text), sections=sort_sections([*sections, *crumbs]),
        pages=len(ordered), word_count=len(_WORDS.findall(text or "")),
        captures=[p.capture for p in ordered if p.capture is not None],
        encoding=[{"page": p.page, "charset": d.encoding, "source": d.source, "reason": d.reason}
                  for p, d in zip(ordered, decoded)],
        **fields)
    return dataclasses.asdict(record)


def refusal_of(page: CapturedPage) -> str | None:
    """Return "restricted" or "not found" when ``page`` is Joomla's refusal (HTTP 200), else
    None."""
    return refusal_kind(parse(decode_html(page.body, page.content_type).text))


def record_to_json(record: dict[str, Any]) -> str:
    """Return *record* as one JSON line (no newline), keys in :data:`RECORD_KEYS` order."""
    ordered = {key: record.get(key) for key in RECORD_KEYS}
    ordered.update((k, v) for k, v in record.items() if k not in ordered)
    return json.dumps(ordered, ensure_ascii=False)


def sort_sections(values: Sequence[str]) -> list[str]:
    """Return the distinct section names, case-insensitively sorted (ties: exact string)."""
    distinct = {" ".join(v.split()) for v in values if v and v.strip()}
    return sorted(distinct, key=lambda s: (s.casefold(), s))


def canonical_url(base_url: str, article_id: int) -> str:
    """Return ``BASE + index.php?option=com_content&task=view&id=N``."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    return f"{base}index.php?option=com_content&task=view&id={article_id}"


def _template_fields(reads: list[Page]) -> dict[str, Any]:
    """Return title, authors, text, bio and extractor of pages of the known template."""
    first = reads[0]
    title_raw = first.title_raw or ""
    heading, byline = _lead_lines(first, title_raw)
    mentions: list[names.Mention] = list(byline)
    if first.author_row:
        row = names.given_first(first.author_row, "row")
        mentions += [row] if row else []
    paragraphs = [p for read in reads if read.body is not None
                  for p in trafilatura_paragraphs(read.body)]
    title, prefix = names.split_title(title_raw, heading, mentions)
    bio = _bio(paragraphs, mentions + prefix)
    if bio is not None:
        mentions.append(bio[1])
    people = names.reconcile(mentions + prefix)
    cyrillic = detect_language("\n".join(paragraphs)) == "ru"
    return {"title": title or None, "title_raw": title_raw or None,
            "authors": [p.as_dict(cyrillic) for p in people],
            "text": "\n\n".join(paragraphs) or None, "bio": bio[0] if bio else None,
            "extractor": extractor_info("template"), "flags": []}


def _lead_lines(page: Page, title_raw: str) -> tuple[str | None, list[names.Mention]]:
    """Remove the repeated title line and the byline from the top of the first page's body;
    return the title line and the byline's names."""
    assert page.body is not None
    heading: str | None = None
    byline: list[names.Mention] = []
    for block, text in block_texts(page.body):
        if not text:
            continue
        if heading is None and not byline and title_raw.endswith(text) and (
                text == title_raw or len(text.split()) >= MIN_HEADING_WORDS):
            heading = text
            block.drop_tree()
            continue
        found = names.byline_mentions(text) if len(text.split()) <= MAX_BYLINE_WORDS else None
        if found and not byline:
            byline = found
            block.drop_tree()
            continue
        break
    return heading, byline


def _bio(paragraphs: list[str], known: list[names.Mention]) -> tuple[str, names.Mention] | None:
    """Return the closing bio paragraph and its name, when it opens with a known person."""
    if not paragraphs or not known:
        return None
    mention = names.bio_mention(paragraphs[-1])
    if mention is None:
        return None
    keys = [names.name_key(m.surname) for m in known]
    key = names.name_key(mention.surname)
    if key in keys or any(names.near(key, k) for k in keys):
        return paragraphs[-1], mention
    return None


def _generic_fields(html: str, page: Page) -> dict[str, Any]:
    """Return the fields trafilatura's generic extraction gives for an unknown page."""
    title, paragraphs = generic_text(html)
    title_raw = page.title_raw or title
    paragraphs = [p for p in paragraphs if p != title_raw]  # the repeated title line
    return {"title": title_raw, "title_raw": title_raw, "authors": [],
            "text": "\n\n".join(paragraphs) or None, "bio": None,
            "extractor": extractor_info("generic"), "flags": [GENERIC_FLAG]}


def _date(raw: str | None, source: str) -> dict[str, Any] | None:
    if not raw:
        return None
    day = read_date(raw)
    return {"value": day.isoformat(), "raw": raw, "source": source} if day else None


@lru_cache(maxsize=2)
def extractor_info(method: str) -> dict[str, Any]:
    """Return the method, the versions of the packages and the options behind a record."""
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    options = dict(TRAFILATURA_OPTIONS) if method == "template" else {
        "output_format": "xml", "include_tables": True, "deduplicate": False}
    return {"method": method, "packages": versions, "trafilatura_options": options,
            "input": "body cell of table.contentpaneopen" if method == "template" else "page",
            "recall_guard": method == "template",
            "dates": {"fast_path": "%d.%m.%Y", "dateparser_languages": ["ru", "en"],
                      "date_order": "DMY"}}


def _unique_pages(pages: Sequence[CapturedPage]) -> list[CapturedPage]:
    """Return *pages* by page number, the first of each number kept."""
    by_number: dict[int, CapturedPage] = {}
    for page in pages:
        by_number.setdefault(page.page, page)
    return [by_number[number] for number in sorted(by_number)]
