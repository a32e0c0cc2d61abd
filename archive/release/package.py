"""The release's descriptors: ``datapackage.json`` (Frictionless), ``CITATION.cff``, ``SHA256SUMS``.

``datapackage.json`` lists every part as a resource with its size and SHA-256: the tables as JSON
Lines with their table schemas (field types and descriptions generated from the record schema,
as the Parquet files' are), ``metadata.csv`` likewise, the Parquet files, each text, the card's
plots and the WACZ as files. ``frictionless validate datapackage.json`` checks the lot.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ifes_archive.archive.corpus.manifest import sha256_of
from ifes_archive.archive.release.identity import (
    DOI_PLACEHOLDER,
    KEYWORDS,
    NOT_NAMED,
    PUBLISHER,
    PUBLISHER_RU,
    URL_PLACEHOLDER,
    split_contact,
)
from ifes_archive.archive.release.tables import json_type

if TYPE_CHECKING:
    from pathlib import Path

    from ifes_archive.archive.release.identity import Identity

SUMS = "SHA256SUMS"
_MEDIA_TYPES = {".parquet": "application/vnd.apache.parquet", ".txt": "text/plain",
                ".png": "image/png", ".wacz": "application/wacz", ".md": "text/markdown",
                ".jsonl": "application/jsonl", ".csv": "text/csv"}
_FIELD_TYPES = {"integer": "integer", "number": "number", "boolean": "boolean",
                "array": "array", "object": "object"}


def table_schema(properties: dict[str, dict[str, Any]],
                 keys: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the Frictionless table schema of a table's JSON Schema properties, with its
    ``keys`` (``primaryKey``, ``foreignKeys``: :func:`table_keys`)."""
    return {"fields": [_field(name, spec) for name, spec in properties.items()], **(keys or {})}


def _references(fields: list[str], table: str, to: list[str]) -> dict[str, Any]:
    return {"fields": fields, "reference": {"resource": table, "fields": to}}


def table_keys(all_versions: bool) -> dict[str, dict[str, Any]]:
    """Return the primary and foreign keys of each table (Frictionless checks both): a row of
    ``articles`` is an article (a version of it with ``--all-versions``), a ``versions`` row a
    version, a ``captures`` row one WARC record, a ``changes`` row the step the capture at
    ``to_seen`` first showed, a ``sections`` row a section, a ``metadata.csv`` row a text.
    (``articles.authors[].person_id`` names a ``persons`` row too, and ``section_ids`` a
    ``sections`` row; Frictionless keys cannot reach into a list.)"""
    article = ["article_id", "version"] if all_versions else ["article_id"]
    text = ["id", "version"] if all_versions else ["id"]
    version = ["article_id", "version"]
    return {"articles": {"primaryKey": article},
            "versions": {"primaryKey": version,
                         "foreignKeys": [_references(article, "articles", article)]},
            "captures": {"primaryKey": ["warc_filename", "warc_offset"],
                         "foreignKeys": [_references(version, "versions", version)]},
            "changes": {"primaryKey": ["article_id", "to_seen"],
                        "foreignKeys": [_references(["article_id"], "articles",
                                                    ["article_id"])]},
            "persons": {"primaryKey": ["person_id"]},
            "sections": {"primaryKey": ["section_id"]},
            "metadata": {"primaryKey": text,
                         "foreignKeys": [_references(text, "articles", article)]}}


def _field(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    kind, nullable = json_type(spec)
    field: dict[str, Any] = {"name": name, "type": _FIELD_TYPES.get(kind) or {
        "date": "date", "date-time": "datetime"}.get(spec.get("format", ""), "string")}
    if spec.get("description"):
        field["description"] = spec["description"]
    constraints: dict[str, Any] = {"required": True} if not nullable else {}
    if "enum" in spec:
        constraints["enum"] = spec["enum"]
    if "minimum" in spec:
        constraints["minimum"] = spec["minimum"]
    if constraints:
        field["constraints"] = constraints
    return field


class Checksums:
    """SHA-256 of the files of one build, each file read once (the package descriptor and
    ``SHA256SUMS`` both list them), or not at all when its writer hashed it (:meth:`know`).
    Only for files that are final when first asked for."""

    def __init__(self) -> None:
        self._known: dict[Path, str] = {}

    def know(self, path: Path, digest: str) -> None:
        """Take ``digest`` as the SHA-256 of ``path`` (one taken as the file was written)."""
        self._known[path] = digest

    def of(self, path: Path) -> str:
        """Return the hex SHA-256 of ``path``."""
        if path not in self._known:
            self._known[path] = sha256_of(path)
        return self._known[path]


def resource(root: Path, path: Path, name: str, checksums: Checksums, description: str = "",
             schema: dict[str, Any] | None = None, encoding: str = "utf-8") -> dict[str, Any]:
    """Return the resource of one file: a table when ``schema`` is given, a file otherwise."""
    relative = path.relative_to(root).as_posix()
    entry: dict[str, Any] = {"name": name, "path": relative}
    if schema is not None:
        entry |= {"type": "table", "format": path.suffix.lstrip("."), "encoding": encoding}
    else:
        entry |= {"type": "file", "format": path.suffix.lstrip(".")}
    entry["mediatype"] = _MEDIA_TYPES.get(path.suffix, "application/octet-stream")
    if description:
        entry["description"] = description
    if schema is not None:
        entry["schema"] = schema
    entry |= {"bytes": path.stat().st_size, "hash": "sha256:" + checksums.of(path)}
    return entry


def datapackage(identity: Identity, description: str, resources: list[dict[str, Any]],
                extra: dict[str, Any]) -> dict[str, Any]:
    """Return the ``datapackage.json`` descriptor."""
    licence = {"name": identity.license,
               "path": f"https://spdx.org/licenses/{identity.license}.html"} \
        if identity.open_license else {"name": "other", "title": "Rights remain with the authors "
                                       "and the publisher; see README.md"}
    return {"profile": "data-package", "name": identity.name, "title": identity.title,
            "description": description, "version": identity.version,
            "created": f"{identity.released.isoformat()}T00:00:00Z",
            "homepage": identity.site, "keywords": list(KEYWORDS), "licenses": [licence],
            "sources": [{"title": f"{PUBLISHER} ({PUBLISHER_RU})", "path": identity.site}],
            "contributors": [_contributor(c) for c in identity.creators],
            "resources": resources, "ifes_archive": extra}


def _contributor(creator: str) -> dict[str, str]:
    name, email = split_contact(creator)
    return {"title": name, "role": "author", **({"email": email} if email else {})}


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON (same data, same bytes)."""
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def citation_cff(identity: Identity, abstract: str, languages: list[str],
                 accessed: str | None) -> str:
    """Return ``CITATION.cff`` (CFF 1.2.0): the dataset, and the publisher's site as its
    source."""
    q = yaml_string
    lines = ["cff-version: 1.2.0",
             'message: "If you use this dataset, please cite it as below."',
             "type: dataset", f"title: {q(identity.title)}", f"version: {q(identity.version)}",
             f"date-released: {identity.released.isoformat()}", f"abstract: {q(abstract)}",
             "authors:"]
    for creator in identity.creators or (NOT_NAMED,):
        name, email = split_contact(creator)
        lines.append(f"  - name: {q(name)}")
        if email:
            lines.append(f"    email: {q(email)}")
    if identity.open_license:
        lines.append(f"license: {q(identity.license)}")
    lines += [f"url: {q(identity.site)}",
              f"repository: {q(URL_PLACEHOLDER)}  # FILL IN: where the release is deposited",
              f"doi: {q(DOI_PLACEHOLDER)}  # FILL IN: the release's DOI", "keywords:",
              *[f"  - {q(k)}" for k in KEYWORDS],
              "references:", "  - type: website", f"    title: {q(f'{PUBLISHER}: publications')}",
              "    authors:", f"      - name: {q(PUBLISHER)}", f"        alias: {q(PUBLISHER_RU)}",
              "    publisher:", f"      name: {q(PUBLISHER)}", f"    url: {q(identity.site)}"]
    if languages:
        lines += ["    languages:", *[f"      - {q(code)}" for code in languages]]
    if accessed:
        lines.append(f"    date-accessed: {accessed[:10]}")
    return "\n".join(lines) + "\n"


def yaml_string(value: str) -> str:
    """Return a YAML double-quoted scalar (JSON's string syntax is one)."""
    return json.dumps(value, ensure_ascii=False)


def write_sums(root: Path, checksums: Checksums) -> Path:
    """Write ``SHA256SUMS`` over every file of ``root`` (itself aside), in ``sha256sum -c``
    form, sorted by path; return its path."""
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != SUMS)
    lines = [f"{checksums.of(p)}  {p.relative_to(root).as_posix()}\n" for p in files]
    target = root / SUMS
    target.write_text("".join(lines), encoding="utf-8")
    return target
