"""The release's tables: their columns, typed from the record schema.

Every table is described once, as JSON Schema properties: ``articles`` by the record schema
(:func:`archive.page.schema.record_schema`, generated from :class:`archive.page.schema.Record`), the
others by the documented dataclasses below, whose columns that share a record field's name take that
field's type and description. From that one description come the Parquet (Arrow) schema — dates
as dates, instants as UTC timestamps, lists as lists, objects with known properties as structs,
free-form objects as JSON text — the Frictionless table schemas and the card's field lists.

The description is generated, not made at run time: reading each row type's docstrings means
parsing its module's source, which cost a release about a second. ``python -m
ifes_archive.archive.release.tables`` writes it to ``archive/release/tables.schema.json`` (shipped
with the package, as ``record.schema.json`` is); a test fails when the committed file differs
from what the types give, and :func:`all_tables` reads the file.

Their files are written by :mod:`archive.release.table_files`.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ifes_archive.archive.page.schema import field_docs, properties_of, record_schema, struct_schema
from ifes_archive.archive.release.rows import ArticleRow, ReleasedAuthor


@dataclass(frozen=True)
class VersionRow:
    """One version of a released article: when it was seen, what it was, whether it is gone."""

    article_id: int
    version: int
    status: str
    first_seen: str | None
    last_seen: str | None
    gone: dict[str, Any] | None
    title: str | None
    date_modified: dict[str, Any] | None
    word_count: int
    flags: list[str]
    digest: str
    """SHA-1 of what the version says (every record field but capture pointers and version
    fields): two versions with the same digest say the same."""
    released: bool
    """True when this version is a row of ``articles`` (and has a file in ``texts/``)."""
    sources: list[str] | None = None


@dataclass(frozen=True)
class CaptureRow:
    """One WARC response record a released version was built from."""

    article_id: int
    version: int
    page: int
    """0-based page of the article (Joomla's ``limitstart``) the record holds."""
    warc_filename: str
    warc_offset: int
    warc_length: int
    warc_record_id: str
    target_uri: str
    date: str


@dataclass(frozen=True)
class TextRow:
    """One text file of ``texts/``, as corpus tools read it (flat values, one row per file)."""

    id: int
    """The article's Joomla id (``article_id`` elsewhere)."""
    version: int
    """Which version of the article the text is."""
    status: str
    """``current``, ``superseded`` or ``gone`` (see the articles table)."""
    title: str | None
    """The title without the author prefix."""
    authors: str | None
    """Display names in byline order, separated by ``; ``; empty when none is known."""
    date: str | None
    """Publication date, ``YYYY-MM-DD``; empty when the page shows none."""
    year: int | None
    """Publication year; empty when no date."""
    sections: str | None
    """Categories the article is filed under, separated by ``; ``; empty when none."""
    language: str | None
    """ISO 639-1 code of the text."""
    words: int
    """Words (``\\w+`` runs) of the text."""
    url: str
    """Canonical article URL."""
    file: str
    """The text file, relative to the release folder."""
    citation: str
    """How to cite the article (``citation`` of the articles table)."""


@dataclass(frozen=True)
class PersonRow:
    """One person: every author of the released articles who is they (archive/corpus/persons.py)."""

    person_id: str
    """Stable id (``P`` and six digits), kept in the archive folder from one release to the
    next and never given to another person; ``authors[].person_id`` of ``articles``."""
    name_latin: str | None
    """The name in Latin script as the articles print it most (given name and surname); null
    when they print it only in Cyrillic."""
    name_cyrillic: str | None
    """The name in Cyrillic script as the articles print it most; null when they print it
    only in Latin."""
    articles: list[int]
    """The articles the person wrote (``article_id``), in id order."""
    spellings: list[dict[str, Any]]
    """Every printed spelling of the name (title prefix, byline, author row, bio) and the
    articles it is printed in: ``{"spelling", "articles"}``."""
    evidence: list[dict[str, Any]]
    """Why each author was put with the person: ``{"article_id", "name", "rule", "with_article_id",
    "with_name", "detail"}``; ``rule`` is ``same name``, ``transliteration``, ``initials``,
    ``surname``, ``ambiguous`` (fits several persons, kept apart), ``namesakes`` (fits one, but
    leaves out a part of the name that this archive's namesakes often differ by: kept apart),
    ``curated merge`` or ``curated split``."""
    kept_apart: bool
    """The name fits more than one person (a bare initial and surname) or a curator split it
    off: it was not merged with any."""


@dataclass(frozen=True)
class SectionRow:
    """One section: a listing the released articles are filed under (archive/corpus/sections.py)."""

    section_id: str
    """Stable id made of the Joomla ids in the listing's URL, never of a name: ``category:C``
    (a category table or one-category blog), ``section:S`` (a section page or section blog),
    ``blog:M`` (a blog over several categories, menu item M); ``section_ids`` of
    ``articles``."""
    name_en: str | None
    """The name in Latin script the site shows it under most; null when only Cyrillic."""
    name_ru: str | None
    """The name in Cyrillic the site shows it under most; null when only Latin."""
    names: list[str]
    """Every name a listing or a breadcrumb shows it under, the most seen first."""
    parent: str | None
    """The section before it in the articles' breadcrumbs (section → category), else, for a
    category, the one section that files all its articles (``evidence`` says so); null at the
    top."""
    kind: str
    """``subject`` or ``navigation`` (a Joomla section, a listing of most of the site, a blog
    over categories of several sections): only subjects are counted and plotted by the card."""
    evidence: str
    """Why it is of its kind: what the site files under it."""
    articles: list[int]
    """The released articles filed under it (``article_id``: those whose ``section_ids`` hold
    it; for a parent no article's sections name, those whose breadcrumbs show it), in id
    order."""


_SECTION_REFINED: dict[str, dict[str, Any]] = {
    "names": {"type": "array", "items": {"type": "string"}},
    "articles": {"type": "array", "items": {"type": "integer"}}}

_PERSON_REFINED: dict[str, dict[str, Any]] = {
    "articles": {"type": "array", "items": {"type": "integer"}},
    "spellings": {"type": "array", "items": {"type": "object", "properties": {
        "spelling": {"type": "string"}, "articles": {"type": "array",
                                                     "items": {"type": "integer"}}}}},
    "evidence": {"type": "array", "items": {"type": "object", "properties": {
        "article_id": {"type": "integer"}, "name": {"type": "string"},
        "rule": {"type": "string"}, "with_article_id": {"type": ["integer", "null"]},
        "with_name": {"type": ["string", "null"]}, "detail": {"type": "string"}}}}}

#: What a version step did to an article (``kind`` of the ``changes`` table).
CHANGE_KINDS = ("added", "edited", "withdrawn", "restored")


@dataclass(frozen=True)
class ChangeRow:
    """One step in the history of a released article: it appeared, was edited, was withdrawn
    by the publisher, or came back."""

    article_id: int
    kind: str
    """``added`` (its first version), ``edited`` (a version that says something else),
    ``withdrawn`` (found removed after ``from_version``), ``restored`` (a version seen after
    the removal)."""
    from_version: int | None
    """The version before the step (null for ``added``)."""
    to_version: int | None
    """The version after the step (null for ``withdrawn``)."""
    from_seen: str | None
    """The last capture that showed the state before the step (the old version's
    ``last_seen``; for ``restored`` the capture that found the article removed): the step was
    made after it. Null for ``added``."""
    to_seen: str | None
    """The first capture that showed the state after the step (the new version's
    ``first_seen``; for ``withdrawn`` the capture that found the article removed): the step
    was made before it. ``to_seen > X`` selects what changed since X."""
    fields: list[str]
    """Record fields whose values differ between the two versions (``text`` among them when
    the text changed); empty for ``added`` and ``withdrawn``."""
    values: list[dict[str, Any]]
    """The old and new value of each changed field but the long ones (``text``, ``bio``), as
    the records hold them (in Parquet as JSON text)."""
    words_added: int | None
    """Words (whitespace-separated) of the new text that the old lacks: whole paragraphs added,
    and words added within an edited paragraph (as ``ifes-archive history --diff`` shows them);
    null for ``added`` and ``withdrawn``."""
    words_removed: int | None
    """Words of the old text the new one lacks, counted the same way."""
    paragraphs_added: int | None
    """Paragraphs of the new text with no counterpart in the old."""
    paragraphs_removed: int | None
    """Paragraphs of the old text with no counterpart in the new."""
    paragraphs_edited: int | None
    """Paragraphs at the same place that keep at least half their words but not all."""


#: Joins list values in the flat CSV (the tables keep lists; browse keeps them as JSON arrays).
LIST_SEPARATOR = "; "
_TEXT_REFINED = {"date": {"type": ["string", "null"], "format": "date"}}
#: A value of any JSON type: a free-form JSON text in Parquet.
_ANY_JSON = {"type": ["object", "array", "string", "integer", "number", "boolean", "null"]}
_CHANGES_REFINED: dict[str, dict[str, Any]] = {
    "kind": {"type": "string", "enum": list(CHANGE_KINDS)},
    "from_seen": {"type": ["string", "null"], "format": "date-time"},
    "to_seen": {"type": ["string", "null"], "format": "date-time"},
    "values": {"type": "array", "items": {"type": "object", "properties": {
        "field": {"type": "string", "description": "The record field."},
        "old": {**_ANY_JSON, "description": "Its value before the step."},
        "new": {**_ANY_JSON, "description": "Its value after the step."}}}}}


def table_properties(cls: type, refined: dict[str, dict[str, Any]] | None = None,
                     ) -> dict[str, dict[str, Any]]:
    """Return the JSON Schema properties of a row dataclass: a column named like a record
    field (or a capture pointer's) and given no docstring of its own is that field."""
    record = _record_properties()
    inherited = {**record["captures"]["items"]["properties"], **record}
    own = field_docs(cls)
    return {name: spec if name in own or name not in inherited else dict(inherited[name])
            for name, spec in properties_of(cls, refined or {**_TEXT_REFINED,
                                                             **_CHANGES_REFINED}).items()}


@functools.cache
def _record_properties() -> dict[str, dict[str, Any]]:
    """The record schema's properties, made once a process (read only: callers copy): it
    parses every record type's source for its docstrings, and six tables inherit from it."""
    properties: dict[str, dict[str, Any]] = record_schema()["properties"]
    return properties


def article_properties() -> dict[str, dict[str, Any]]:
    """Return the columns of ``articles``, generated from its row type
    (:class:`~archive.release.rows.ArticleRow`): the record's, each author with its
    ``person_id``, the ``section_ids`` of its ``sections``, and the article's ``citation``."""
    properties: dict[str, dict[str, Any]] = struct_schema(ArticleRow, ReleasedAuthor)[
        "properties"]
    return properties


#: The columns of every table, as :func:`described_tables` gives them (a test holds it so).
TABLES_PATH = Path(__file__).with_name("tables.schema.json")


def all_tables() -> dict[str, dict[str, dict[str, Any]]]:
    """Return the columns of every table of the release by name: ``articles`` (the record
    schema's properties), ``versions``, ``captures``, ``changes``, ``persons``, ``sections``,
    ``metadata`` (of ``texts/``), as the shipped :data:`TABLES_PATH` holds them (a fresh copy:
    a caller may change it)."""
    loaded: dict[str, dict[str, dict[str, Any]]] = json.loads(_tables_text())
    return loaded


@functools.cache
def _tables_text() -> str:
    return TABLES_PATH.read_text(encoding="utf-8")


def described_tables() -> dict[str, dict[str, dict[str, Any]]]:
    """Return the columns of every table, made from the row types (each row type's docstrings
    read from its source): what :data:`TABLES_PATH` holds."""
    return {"articles": article_properties(), "versions": table_properties(VersionRow),
            "captures": table_properties(CaptureRow), "changes": table_properties(ChangeRow),
            "persons": table_properties(PersonRow, _PERSON_REFINED),
            "sections": table_properties(SectionRow, _SECTION_REFINED),
            "metadata": table_properties(TextRow)}


def tables_json() -> str:
    """Return the columns of every table as the shipped file holds them."""
    return json.dumps(described_tables(), ensure_ascii=False, indent=2) + "\n"


def json_type(spec: dict[str, Any]) -> tuple[str, bool]:
    """Return (the JSON type of a spec, whether null is allowed)."""
    kinds = spec.get("type", "string")
    listed = [kinds] if isinstance(kinds, str) else list(kinds)
    return next((k for k in listed if k != "null"), "null"), "null" in listed


def row_of(instance: Any) -> dict[str, Any]:
    """Return a row dataclass as the plain dict its JSON line holds (fields in order)."""
    return {f.name: getattr(instance, f.name) for f in fields(instance)}


if __name__ == "__main__":
    TABLES_PATH.write_text(tables_json(), encoding="utf-8")
    print(TABLES_PATH)
