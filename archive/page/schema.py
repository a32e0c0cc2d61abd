"""The article record's JSON Schema, generated from its types (:mod:`archive.types`).

``python -m ifes_archive.archive.page.schema`` rewrites ``archive/page/record.schema.json``
(shipped with the package); a test fails when the committed file differs from what the types
give.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import json
from dataclasses import fields
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

import msgspec

from ifes_archive.archive.types import STRUCTS, AuthorSource, Flag, Packages, Record

__all__ = ["AUTHOR_SOURCES", "CHARSET_REPLACED_FLAG", "EMPTY_FLAG", "EXTRACTOR_PACKAGES", "FLAGS",
           "GENERIC_FLAG", "INCOMPLETE_FLAG", "PARSE_LIMIT_FLAG", "RECORD_KEYS", "Record",
           "record_schema", "schema_json", "struct_schema"]

SCHEMA_PATH = Path(__file__).with_name("record.schema.json")
#: Flag of a record whose pages are not the known template.
GENERIC_FLAG: Flag = "generic-extraction"
#: Flag of a record with fewer pages than the article's page counter says it has: the record
#: builder sets it, the pipeline and the journal read it (such a record never starts a version
#: once there is one).
INCOMPLETE_FLAG: Flag = "incomplete"
#: Flag of a record whose body shows no text.
EMPTY_FLAG: Flag = "empty-body"
#: Flag of a record whose page was nested deeper than the HTML parser goes.
PARSE_LIMIT_FLAG: Flag = "parse-limit"
#: Flag of a record with bytes its declared charset does not decode (replaced by U+FFFD).
CHARSET_REPLACED_FLAG: Flag = "charset-replaced"
#: Every flag a record may carry, and what it tells the researcher.
FLAGS = {
    GENERIC_FLAG: "The page is not the known template: the text is trafilatura's generic "
                  "extraction of the whole page; no authors, dates or sections are read.",
    INCOMPLETE_FLAG: "Fewer pages were captured than the article's «Страница 1 из N» counter "
                     "says, or a later page was refused: the text stops early.",
    EMPTY_FLAG: "The article's body shows no text (an empty body cell, or none at all): "
                "``text`` is null.",
    PARSE_LIMIT_FLAG: "The page was nested deeper than the HTML parser goes; the excess "
                      "nesting was flattened so that no text is lost.",
    CHARSET_REPLACED_FLAG: "Bytes the page's charset cannot decode were replaced by U+FFFD (a "
                           "few stray bytes; the charset itself is right for the rest).",
    "createdate-unreadable": "The created line shows no date that exists: ``date_published`` "
                             "keeps its raw string, its value is null.",
    "modifydate-unreadable": "The «Последнее обновление» line shows no date that exists: "
                             "``date_modified`` keeps its raw string, its value is null.",
}
#: Where a record's authors may have been read (``authors_sources``), in the order listed.
AUTHOR_SOURCES: tuple[str, ...] = get_args(AuthorSource)
SCHEMA_ID = "https://github.com/ifes-archive/ifes-archive/archive/record.schema.json"
#: The record's keys, in the order its JSON holds them.
RECORD_KEYS = tuple(info.encode_name for info in msgspec.structs.fields(Record))
#: Packages whose versions make a record what it is (``extractor.packages``).
EXTRACTOR_PACKAGES = tuple(info.encode_name for info in msgspec.structs.fields(Packages))

_TYPES: dict[str, dict[str, Any]] = {
    "str": {"type": "string"}, "int": {"type": "integer"}, "bool": {"type": "boolean"},
    "str | None": {"type": ["string", "null"]}, "int | None": {"type": ["integer", "null"]},
    "list[str]": {"type": "array", "items": {"type": "string"}},
    "list[str] | None": {"type": ["array", "null"], "items": {"type": "string"}},
    "list[dict[str, Any]]": {"type": "array", "items": {"type": "object"}},
    "dict[str, Any]": {"type": "object"},
    "dict[str, Any] | None": {"type": ["object", "null"]},
}


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
    return struct_schema(Record)


def struct_schema(cls: type[msgspec.Struct], *parts: type[msgspec.Struct]) -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of the record type ``cls`` (:class:`Record` or a
    type extending it, of further ``parts``): msgspec's schema of the types, each attribute's
    docstring as its description, the parts inlined (every property says its own type, as the
    release's tables read it)."""
    _, components = msgspec.json.schema_components((cls,))
    for struct in (*STRUCTS, cls, *parts):
        if struct.__name__ in components:
            _describe(components[struct.__name__], struct)
    record = _inline(components[cls.__name__], components)
    record["properties"]["flags"]["description"] += " " + " ".join(
        f"``{k}``: {v}" for k, v in FLAGS.items())
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "ifes-archive article record", "description": record["description"],
            "type": "object", "required": record["required"],
            "properties": record["properties"], "additionalProperties": False}


def _describe(spec: dict[str, Any], cls: type[msgspec.Struct]) -> None:
    """Give each property of a struct's schema its attribute's docstring, and list every
    property the JSON always holds as required (all but the defaults a struct leaves out)."""
    spec.pop("title", None)
    spec["description"] = " ".join((cls.__doc__ or "").split())
    docs = {name: doc for base in reversed(cls.__mro__)
            if issubclass(base, msgspec.Struct) and base is not msgspec.Struct
            for name, doc in field_docs(base).items()}
    hints = get_type_hints(cls, include_extras=True)
    always = not cls.__struct_config__.omit_defaults
    for info in msgspec.structs.fields(cls):
        prop = spec["properties"][info.encode_name]
        if info.name in docs:
            prop["description"] = docs[info.name]
        _declared_order(prop, hints[info.name])
    spec["required"] = [info.encode_name for info in msgspec.structs.fields(cls)
                        if always or info.required]


def _declared_order(spec: Any, hint: Any) -> None:
    """Put the values of an ``enum`` msgspec sorted back in the order the ``Literal`` declares
    them (``current``, ``superseded``, ``gone``)."""
    if get_origin(hint) is Literal:
        values = list(get_args(hint))
        for part in _parts(spec):
            if sorted(part.get("enum", ()), key=str) == sorted(values, key=str):
                part["enum"] = values
        return
    for arg in get_args(hint):
        _declared_order(spec, arg)


def _parts(spec: Any) -> list[dict[str, Any]]:
    """Return ``spec`` and every schema nested in it."""
    if isinstance(spec, list):
        return [part for item in spec for part in _parts(item)]
    if not isinstance(spec, dict):
        return []
    return [spec, *(part for value in spec.values() for part in _parts(value))]


def _inline(spec: Any, components: dict[str, Any]) -> Any:
    """Return ``spec`` with every ``$ref`` replaced by what it names and every ``anyOf`` of a
    type and null written as that type with ``null`` among its types."""
    if isinstance(spec, list):
        return [_inline(item, components) for item in spec]
    if not isinstance(spec, dict):
        return spec
    spec = dict(spec)
    if "$ref" in spec:
        spec = {**components[spec.pop("$ref").rsplit("/", 1)[1]], **spec}
    options = spec.get("anyOf")
    if options and len(options) == 2 and {"type": "null"} in options:
        spec.pop("anyOf")
        spec = {**next(o for o in options if o != {"type": "null"}), **spec}
        spec = _inline(spec, components)
        kinds = spec.get("type", "string")
        spec["type"] = [*([kinds] if isinstance(kinds, str) else kinds), "null"]
    if "enum" in spec and "type" not in spec:
        spec = {"type": "string", **spec}
    return {key: _inline(value, components) for key, value in spec.items()}


def schema_json() -> str:
    """Return the schema as the shipped file holds it."""
    return json.dumps(record_schema(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    SCHEMA_PATH.write_text(schema_json(), encoding="utf-8")
    print(SCHEMA_PATH)
