"""The typed values a record is made of, from the record function to the release: msgspec structs.

One type per thing the corpus says — a capture pointer (:class:`CapturePointer`), a page's
capture (:class:`PagePointer`: the pointer and the page it holds), a date read from the page
(:class:`DateValue`), a person (:class:`Person`), the breadcrumb (:class:`Breadcrumb`), a page's
charset (:class:`PageEncoding`), a cross-check (:class:`Check`), a flag (:data:`Flag`), what made
the record (:class:`Extractor`), a removal (:class:`Gone`) — and the record itself
(:class:`Record`). Each attribute's docstring is its documentation; the JSON Schema shipped in
``archive/page/record.schema.json`` is generated from these types (:mod:`archive.page.schema`).

Why msgspec: its structs are typed classes mypy reads, they decode a JSON line straight into
the struct, validating every field on the way (no dict in between), several times faster than
``json.loads`` into dicts, and they generate their JSON Schema. dataclasses hold types but need
hand-written conversion both ways (``asdict`` turned pointers into dicts, so code took both);
pydantic does the same job as msgspec at a multiple of its decoding time and memory per object.

This is the bottom of the house: it imports nothing of the project.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Annotated, Any, Literal

import msgspec

#: A WARC-Date (``2026-11-30T17:17:17.877899Z``): an instant, in JSON a string.
Instant = Annotated[str, msgspec.Meta(extra_json_schema={"format": "date-time"})]
#: A day, ``YYYY-MM-DD``.
Day = Annotated[str, msgspec.Meta(pattern=r"^\d{4}-\d{2}-\d{2}$",
                                  extra_json_schema={"format": "date"})]
#: Every flag a record may carry (:data:`archive.page.schema.FLAGS` says what each tells).
Flag = Literal["generic-extraction", "incomplete", "empty-body", "parse-limit",
               "charset-replaced", "createdate-unreadable", "modifydate-unreadable"]
#: Where a record's authors may have been read (``authors_sources``), in the order listed.
AuthorSource = Literal["title prefix", "byline", "author row"]
#: A version's standing in the corpus.
Status = Literal["current", "superseded", "gone"]


class CapturePointer(msgspec.Struct, frozen=True):
    """Where a response record lives: enough to open it again without an index. The one
    pointer type: the crawl state's :class:`~archive.warcs.state.KnownCapture` and the rebuild's
    :class:`~archive.corpus.selection.PageCapture` hold one; records carry them (``gone``, and with
    their page in ``captures``)."""

    warc_filename: str
    """The WARC file holding the record."""
    warc_offset: int
    """Byte offset of the record in the file."""
    warc_length: int
    """Bytes the record takes in the file."""
    warc_record_id: str
    """Its WARC-Record-ID."""
    target_uri: str
    """Its WARC-Target-URI: the URL as fetched."""
    date: Instant
    """Its WARC-Date."""

    def as_dict(self) -> dict[str, str | int]:
        """Return the pointer as the plain dict JSON holds."""
        return msgspec.structs.asdict(self)


class PagePointer(CapturePointer, frozen=True):
    """The capture of one page of an article: its pointer, and which page it holds."""

    page: int
    """0-based page of the article (Joomla's ``limitstart``) the record holds."""

    @classmethod
    def of(cls, pointer: CapturePointer, page: int) -> PagePointer:
        """Return ``pointer`` with the page it holds."""
        return cls(pointer.warc_filename, pointer.warc_offset, pointer.warc_length,
                   pointer.warc_record_id, pointer.target_uri, pointer.date, page)

    def pointer(self) -> CapturePointer:
        """Return the bare pointer (the page left out)."""
        return CapturePointer(self.warc_filename, self.warc_offset, self.warc_length,
                              self.warc_record_id, self.target_uri, self.date)


class DateValue(msgspec.Struct, frozen=True):
    """A date the page shows."""

    value: Day | None
    """The day; null when the raw string shows no day that exists."""
    raw: str
    """The text the page shows."""
    source: str
    """Which line of the page showed it: ``createdate`` or ``modifydate``."""


class Person(msgspec.Struct, frozen=True):
    """One author of an article."""

    name: str
    """The display name: surname and given name as the pages spell them best."""
    spellings: list[str]
    """Every form of the name seen on the pages, sorted, each once."""


class Breadcrumb(msgspec.Struct, frozen=True):
    """The breadcrumb of an article's first page as fetched."""

    itemid: int | None
    """The menu item (``Itemid``) the page was read under; null: none."""
    path: list[str]
    """The linked crumbs between «Главная» and the title."""
    links: list[str | None]
    """Where each crumb leads, relative to the site's root where it is on the site."""


class PageEncoding(msgspec.Struct, frozen=True):
    """How one page was decoded."""

    page: int
    """0-based page of the article."""
    charset: str
    """The charset that decoded it."""
    source: str
    """Where the charset came from (byte-order mark, meta, header, detection, default)."""
    reason: str
    """Why it was taken."""


class Check(msgspec.Struct, frozen=True):
    """A cross-check of what the site says twice."""

    check: str
    """Which check: ``authors``, ``print-view``, ``byline`` or ``crumb``."""
    agrees: bool
    """Whether the two sides agree."""
    detail: str | None
    """What disagreed ("" when they agree)."""


class Packages(msgspec.Struct, frozen=True):
    """The versions of the packages that make a record what it is (null: not installed)."""

    ifes_archive: str | None = msgspec.field(default=None, name="ifes-archive")
    trafilatura: str | None = None
    lxml: str | None = None
    dateparser: str | None = None
    charset_normalizer: str | None = msgspec.field(default=None, name="charset-normalizer")


class TrafilaturaOptions(msgspec.Struct, frozen=True):
    """The options of trafilatura's generic extraction."""

    output_format: str
    favor_precision: bool
    include_tables: bool
    include_comments: bool
    deduplicate: bool
    with_metadata: bool


class DateOptions(msgspec.Struct, frozen=True):
    """How dates are read."""

    fast_path: str
    dateparser_languages: list[str]
    date_order: str


class Extractor(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """What produced a record: method, package versions, options."""

    method: Literal["template", "generic"]
    packages: Packages
    input: str
    text: str
    trafilatura_options: TrafilaturaOptions | None = None
    """Only for the generic method (left out of the JSON for the template's)."""
    dates: DateOptions


class Gone(msgspec.Struct, frozen=True):
    """When and how an article was found removed."""

    date: Instant
    """The WARC-Date of the capture that showed it."""
    reason: str
    """``HTTP 404``, ``HTTP 410``, ``not found page`` or ``restricted page``."""
    capture: CapturePointer | None
    """The capture that showed it."""


class Record(msgspec.Struct, frozen=True, kw_only=True):
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
    authors: Sequence[Person]
    """People, in byline order: ``{"name": display name, "spellings": [every form seen]}``;
    title prefix, byline, author row and bio reconciled across transliterations and scripts."""
    authors_sources: list[AuthorSource]
    """Where on the page the authors were read, in this order: ``title prefix`` (the names
    before the title), ``byline`` (a line of names at the top of the body: under the repeated
    title, or a paragraph of names opening the body, read as names on the evidence of a known
    given name or initials), ``author row`` (Joomla's «Автор» line); empty when no one is named.
    ``["byline"]`` alone: nothing else on the page confirms the names (see the ``byline``
    check)."""
    date_published: DateValue | None
    """``{"value": "YYYY-MM-DD", "raw": text shown, "source": "createdate"}``; null if none."""
    date_modified: DateValue | None
    """``{"value", "raw", "source": "modifydate"}`` of the update line; null if never updated."""
    language: str | None
    """ISO 639-1 code of the article text (not of the chrome); null when unknown."""
    sections: list[str]
    """Every category the article is filed under: names from listings that list it and from its
    own breadcrumb, sorted case-insensitively (then by exact string)."""
    breadcrumb: Breadcrumb | None
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
    captures: list[PagePointer]
    """Pointers to the WARC response records the record was built from, in page order, each
    with the page it holds (``page``)."""
    encoding: list[PageEncoding]
    """Per page: ``{"page", "charset", "source", "reason"}``: which charset decoded it and why."""
    extractor: Extractor
    """What produced the record: method (``template`` or ``generic``), package versions,
    options."""
    flags: list[Flag]
    """Warnings for the researcher: where the record is less than a whole article read plainly
    from the known template. Each flag, and what it means:"""
    checks: list[Check]
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
    version: Annotated[int, msgspec.Meta(ge=1)] = 1
    """Which version of the article this is: 1, 2, ... in the order the crawls saw them. A
    version is a span of captures whose record is the same (``captures``, the version fields
    aside); the corpus keeps every version, the newest last."""
    first_seen: Instant | None = None
    """WARC-Date of the first capture that showed this version (response or revisit record)."""
    last_seen: Instant | None = None
    """WARC-Date of the last capture that showed it (a 304 or an unchanged payload confirms it)."""
    status: Status = "current"
    """``current`` (the newest version, still there), ``superseded`` (a later version exists) or
    ``gone`` (the newest version, and the article was found removed after it)."""
    gone: Gone | None = None
    """When the article was found removed after this version: ``{"date": WARC-Date, "reason":
    "HTTP 404" | "HTTP 410" | "not found page" | "restricted page", "capture": pointer}``."""
    sources: list[str] | None = None
    """Who captured this version, in the order they first did: ``crawl`` (this project's own
    crawls) or the host of a public web archive its captures were imported from
    (``ifes-archive import``; ``web.archive.org``, say). Equal content seen by several is one
    version naming them all; a version only archives name was never seen by the crawls."""
    digest: str = ""
    """SHA-1 of what the record says (every field but the capture pointers, the version fields,
    the checks, the breadcrumb and the sections: see :data:`archive.corpus.versions.NOT_CONTENT`),
    taken once when the record is built: two versions with the same digest say the same."""


#: Every struct of the record, by name (the schema generator reads their attribute docstrings).
STRUCTS: tuple[type[msgspec.Struct], ...] = (
    Record, CapturePointer, PagePointer, DateValue, Person, Breadcrumb, PageEncoding, Check,
    Packages, TrafilaturaOptions, DateOptions, Extractor, Gone)


#: Record keys that say where and when, not what, and how far the record agrees with what the
#: site says elsewhere (a run that did not fetch the print view changes no version): left out
#: of the content comparison. So are the page's pathway (``breadcrumb``) and the ``sections``
#: read from it: Joomla draws them from the menu item the page was fetched under (``Itemid``),
#: which is how the visitor came, not what the article says; a web archive holds one article
#: under whichever Itemid its crawler happened to follow, epoch after epoch. And the digest
#: itself.
NOT_CONTENT = frozenset({"captures", "version", "first_seen", "last_seen", "status", "gone", "run",
                         "checks", "sources", "breadcrumb", "sections", "digest"})


def record_digest(record: Record) -> str:
    """Return the digest of what ``record`` says (:attr:`Record.digest`)."""
    return content_digest(msgspec.to_builtins(record))


def content_digest(data: dict[str, Any]) -> str:
    """Return the SHA-1 of the fields of a record as JSON holds them (``data``), those of
    :data:`NOT_CONTENT` left out: the same text, so the same digest, as every earlier
    version of this code wrote into journals."""
    content = {k: v for k, v in data.items() if k not in NOT_CONTENT}
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def record_json(record: Record, **extra: Any) -> str:
    """Return ``record`` as one JSON line (no newline), its keys in field order and ``extra``
    keys after them, spaced as ``json.dumps`` writes (the bytes every earlier version wrote)."""
    data = msgspec.to_builtins(record)
    data.update(extra)
    return json.dumps(data, ensure_ascii=False)
