"""The article record: one documented dataclass, and the JSON Schema generated from it.

``python -m ifes_archive.archive.page.schema`` rewrites ``archive/page/record.schema.json`` (shipped
with the package);
a test fails when the committed file differs from what the dataclass gives.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ifes_archive.archive.pointer import CapturePointer

SCHEMA_PATH = Path(__file__).with_name("record.schema.json")
#: Every flag a record may carry, and what it tells the researcher.
FLAGS = {
    "generic-extraction": "The page is not the known template: the text is trafilatura's generic "
                          "extraction of the whole page; no authors, dates or sections are read.",
    "incomplete": "Fewer pages were captured than the article's «Страница 1 из N» counter says, "
                  "or a later page was refused: the text stops early.",
    "empty-body": "The article's body shows no text (an empty body cell, or none at all): "
                  "``text`` is null.",
    "parse-limit": "The page was nested deeper than the HTML parser goes; the excess nesting "
                   "was flattened so that no text is lost.",
    "charset-replaced": "Bytes the page's charset cannot decode were replaced by U+FFFD (a few "
                        "stray bytes; the charset itself is right for the rest).",
    "createdate-unreadable": "The created line shows no date that exists: ``date_published`` "
                             "keeps its raw string, its value is null.",
    "modifydate-unreadable": "The «Последнее обновление» line shows no date that exists: "
                             "``date_modified`` keeps its raw string, its value is null.",
}
#: Where a record's authors may have been read (``authors_sources``), in the order listed.
AUTHOR_SOURCES = ("title prefix", "byline", "author row")
SCHEMA_ID = "https://github.com/ifes-archive/ifes-archive/archive/record.schema.json"


@dataclass(frozen=True)
class Record:
    """One article of the corpus, built from its captured pages by ``build_record``."""

    url: str
    """Canonical article URL: ``BASE + index.php?option=com_content&task=view&id=N``."""
    article_id: int
    """Joomla content id (``id``): the identity of the article (0 for a page of another site
    given to ``ifes-archive extract``)."""
    title: str | None
    """The title without the author prefix ("Streltsov Dmitry, ..." removed; a title that only
    looks like one keeps its words)."""
    title_raw: str | None
    """The title as the page displays it (``td.contentheading``)."""
    subtitle: str | None
    """The subtitle the body's repeated title line adds ("Title - Subtitle", or a line of its
    own under the title): part of the title the reader sees, kept apart so that ``title`` stays
    the displayed title without its author prefix; null when there is none."""
    authors: list[dict[str, Any]]
    """People, in byline order: ``{"name": display name, "spellings": [every form seen]}``;
    title prefix, byline, author row and bio reconciled across transliterations and scripts."""
    authors_sources: list[str]
    """Where on the page the authors were read, in this order: ``title prefix`` (the names
    before the title), ``byline`` (a line of names at the top of the body: under the repeated
    title, or a paragraph of names opening the body, read as names on the evidence of a known
    given name or initials), ``author row`` (Joomla's «Автор» line); empty when no one is named.
    ``["byline"]`` alone: nothing else on the page confirms the names (see the ``byline``
    check)."""
    date_published: dict[str, Any] | None
    """``{"value": "YYYY-MM-DD", "raw": text shown, "source": "createdate"}``; null if none."""
    date_modified: dict[str, Any] | None
    """``{"value", "raw", "source": "modifydate"}`` of the update line; null if never updated."""
    language: str | None
    """ISO 639-1 code of the article text (not of the chrome); null when unknown."""
    sections: list[str]
    """Every category the article is filed under: names from listings that list it and from its
    own breadcrumb, sorted case-insensitively (then by exact string)."""
    breadcrumb: dict[str, Any] | None
    """The breadcrumb of the article's first page as fetched: ``{"itemid": the menu item it was
    read under (null: none), "path": the linked crumbs between «Главная» and the title,
    "links": where each of them leads, relative to the site's root}``; null when the page shows
    none."""
    text: str | None
    """Article body only: every page in order, paragraphs separated by a blank line; abstract,
    keywords, tables (a line per row) and lists (a line per item) kept; no title line, byline or
    chrome."""
    bio: str | None
    """The closing author-bio paragraph (it stays in ``text`` too); null when none."""
    pages: int
    """Number of pages of the article ({mospagebreak} pages) captured."""
    word_count: int
    """Number of words (``\\w+`` runs) of ``text``."""
    captures: list[CapturePointer]
    """Pointers to the WARC response records the record was built from, in page order."""
    encoding: list[dict[str, Any]]
    """Per page: ``{"page", "charset", "source", "reason"}``: which charset decoded it and why."""
    extractor: dict[str, Any]
    """What produced the record: method (``template`` or ``generic``), package versions,
    options."""
    flags: list[str]
    """Warnings for the researcher: where the record is less than a whole article read plainly
    from the known template. Each flag, and what it means:"""
    checks: list[dict[str, Any]]
    """Cross-checks of what the site says twice, made without any gold: ``{"check", "agrees",
    "detail"}``, ``detail`` saying what disagreed. ``authors``: the title prefix, the byline and
    the author row name the same people; ``print-view``: the text of the article's view pages
    has the words of its print view (``index2.php?...&pop=1``, the whole article without
    chrome), in order; ``byline``: the authors rest on the body's byline alone (agrees), or no one
    is named while the body opens with a paragraph shaped like names that had no evidence of being
    names — no known given name, no initials (disagrees: a byline missed, or a heading that looks
    like one); ``crumb``: each crumb of the article's breadcrumb that leads to a listing
    that lists the article names it as that listing calls itself. A check with one side missing
    is not listed."""
    version: int = 1
    """Which version of the article this is: 1, 2, ... in the order the crawls saw them. A
    version is a span of captures whose record is the same (``captures``, the version fields
    aside); the corpus keeps every version, the newest last."""
    first_seen: str | None = None
    """WARC-Date of the first capture that showed this version (response or revisit record)."""
    last_seen: str | None = None
    """WARC-Date of the last capture that showed it (a 304 or an unchanged payload confirms it)."""
    status: str = "current"
    """``current`` (the newest version, still there), ``superseded`` (a later version exists) or
    ``gone`` (the newest version, and the article was found removed after it)."""
    gone: dict[str, Any] | None = None
    """When the article was found removed after this version: ``{"date": WARC-Date, "reason":
    "HTTP 404" | "HTTP 410" | "not found page" | "restricted page", "capture": pointer}``."""
    sources: list[str] | None = None
    """Who captured this version, in the order they first did: ``crawl`` (this project's own
    crawls) or the host of a public web archive its captures were imported from
    (``ifes-archive import``; ``web.archive.org``, say). Equal content seen by several is one
    version naming them all; a version only archives name was never seen by the crawls."""


RECORD_KEYS = tuple(f.name for f in fields(Record))

_TYPES: dict[str, dict[str, Any]] = {
    "str": {"type": "string"}, "int": {"type": "integer"}, "bool": {"type": "boolean"},
    "str | None": {"type": ["string", "null"]}, "int | None": {"type": ["integer", "null"]},
    "list[str]": {"type": "array", "items": {"type": "string"}},
    "list[str] | None": {"type": ["array", "null"], "items": {"type": "string"}},
    "list[dict[str, Any]]": {"type": "array", "items": {"type": "object"}},
    "dict[str, Any]": {"type": "object"},
    "dict[str, Any] | None": {"type": ["object", "null"]},
}
_INSTANT = {"type": "string", "format": "date-time"}
_POINTER = {"type": "object", "required": ["warc_filename", "warc_offset", "warc_length",
                                           "warc_record_id", "target_uri", "date"], "properties": {
    "warc_filename": {"type": "string", "description": "The WARC file holding the record."},
    "warc_offset": {"type": "integer", "description": "Byte offset of the record in the file."},
    "warc_length": {"type": "integer", "description": "Bytes the record takes in the file."},
    "warc_record_id": {"type": "string", "description": "Its WARC-Record-ID."},
    "target_uri": {"type": "string", "description": "Its WARC-Target-URI: the URL as fetched."},
    "date": {**_INSTANT, "description": "Its WARC-Date."}}}
_GONE = {"type": ["object", "null"], "required": ["date", "reason", "capture"], "properties": {
    "date": _INSTANT, "reason": {"type": "string"},
    "capture": {**_POINTER, "type": ["object", "null"]}}}
_ENCODING = {"type": "object", "required": ["page", "charset", "source", "reason"], "properties": {
    "page": {"type": "integer"}, "charset": {"type": "string"}, "source": {"type": "string"},
    "reason": {"type": "string"}}}
_DATE = {"type": ["object", "null"], "required": ["value", "raw", "source"], "properties": {
    "value": {"type": ["string", "null"], "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$",
              "description": "The day; null when the raw string shows no day that exists."},
    "raw": {"type": "string"}, "source": {"type": "string"}}}
_PERSON = {"type": "object", "required": ["name", "spellings"], "properties": {
    "name": {"type": "string"}, "spellings": {"type": "array", "items": {"type": "string"}}}}
_CRUMB = {"type": ["object", "null"], "required": ["itemid", "path"], "properties": {
    "itemid": {"type": ["integer", "null"]}, "path": {"type": "array", "items": {"type": "string"}},
    "links": {"type": "array", "items": {"type": ["string", "null"]}}}}
_CHECK = {"type": "object", "required": ["check", "agrees", "detail"], "properties": {
    "check": {"type": "string"}, "agrees": {"type": "boolean"},
    "detail": {"type": ["string", "null"]}}}
#: Packages whose versions make a record what it is (``extractor.packages``).
EXTRACTOR_PACKAGES = ("ifes-archive", "trafilatura", "lxml", "dateparser", "charset-normalizer")
_TEXT = {"type": "string"}
#: ``extractor``, its parts named, so that a release's Parquet holds it as a struct as the JSON
#: holds it as an object (a part a later version adds stays in the JSON only).
_EXTRACTOR = {"type": "object", "properties": {
    "method": {"type": "string", "enum": ["template", "generic"]},
    "packages": {"type": "object", "properties": {
        name: {"type": ["string", "null"]} for name in EXTRACTOR_PACKAGES}},
    "input": _TEXT, "text": _TEXT,
    "trafilatura_options": {"type": ["object", "null"], "properties": {
        "output_format": _TEXT, **{name: {"type": "boolean"} for name in (
            "favor_precision", "include_tables", "include_comments", "deduplicate",
            "with_metadata")}}},
    "dates": {"type": "object", "properties": {
        "fast_path": _TEXT, "dateparser_languages": {"type": "array", "items": _TEXT},
        "date_order": _TEXT}}}}
_REFINED: dict[str, dict[str, Any]] = {"extractor": _EXTRACTOR,
            "date_published": _DATE, "date_modified": _DATE,
            "authors": {"type": "array", "items": _PERSON}, "gone": _GONE,
            "captures": {"type": "array", "items": _POINTER},
            "encoding": {"type": "array", "items": _ENCODING}, "breadcrumb": _CRUMB,
            "checks": {"type": "array", "items": _CHECK},
            "authors_sources": {"type": "array",
                                "items": {"type": "string", "enum": list(AUTHOR_SOURCES)}},
            "first_seen": {**_INSTANT, "type": ["string", "null"]},
            "last_seen": {**_INSTANT, "type": ["string", "null"]},
            "version": {"type": "integer", "minimum": 1},
            "flags": {"type": "array", "items": {"type": "string", "enum": list(FLAGS)}},
            "status": {"type": "string", "enum": ["current", "superseded", "gone"]}}


def field_docs(cls: type) -> dict[str, str]:
    """Return the docstring under each annotated attribute of a class, by attribute name."""
    tree = ast.parse(inspect.getsource(cls))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs = {}
    for node, after in itertools.pairwise(body):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and \
                isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
            docs[node.target.id] = " ".join(str(after.value.value).split())
    return docs


def properties_of(cls: type, refined: dict[str, dict[str, Any]] | None = None,
                  ) -> dict[str, dict[str, Any]]:
    """Return the JSON Schema of each attribute of dataclass ``cls``, by name, with its
    docstring as description: from its annotation, or from ``refined`` where that says more."""
    docs = field_docs(cls)
    properties = {}
    for f in fields(cls):
        spec = dict((refined or {}).get(f.name) or _TYPES[str(f.type)])
        spec["description"] = docs.get(f.name, "")
        properties[f.name] = spec
    return properties


def record_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of :class:`Record`, with field descriptions."""
    properties = properties_of(Record, _REFINED)
    properties["flags"]["description"] += " " + " ".join(f"``{k}``: {v}" for k, v in FLAGS.items())
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "ifes-archive article record",
            "description": " ".join((Record.__doc__ or "").split()), "type": "object",
            "required": list(RECORD_KEYS), "properties": properties,
            "additionalProperties": False}


def schema_json() -> str:
    """Return the schema as the shipped file holds it."""
    return json.dumps(record_schema(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    SCHEMA_PATH.write_text(schema_json(), encoding="utf-8")
    print(SCHEMA_PATH)
