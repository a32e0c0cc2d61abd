"""A release's description of itself: the card, ``CITATION.cff``, ``datapackage.json`` (a
resource for every file, with its checksum) and, last, ``SHA256SUMS``; and the parts and run
reports they tell of.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ifes_archive.archive.release.card import languages_of, summary, write_card
from ifes_archive.archive.release.citation import ARCHIVE_FILE as WACZ
from ifes_archive.archive.release.contents import METADATA_CSV
from ifes_archive.archive.release.package import (
    citation_cff,
    datapackage,
    resource,
    table_keys,
    table_schema,
    write_json,
    write_sums,
)
from ifes_archive.archive.release.table_files import table_jsonl
from ifes_archive.archive.release.tables import all_tables
from ifes_archive.archive.release.tokens import FOLDER as TOKENS
from ifes_archive.archive.warcs.folder import ArchiveFolder

if TYPE_CHECKING:
    from pathlib import Path

    from ifes_archive.archive.release.card import CardFacts
    from ifes_archive.archive.release.package import Checksums


def describe_release(root: Path, facts: CardFacts, checksums: Checksums,
              provenance: dict[str, Any]) -> None:
    """Write the card, the citation, the package descriptor and, last, the checksums."""
    write_card(facts, root)
    description = summary(facts)
    seen = facts.coverage.seen
    (root / "CITATION.cff").write_text(
        citation_cff(facts.identity, description, languages_of(facts.coverage),
                     seen[1] if seen else None), encoding="utf-8")
    write_json(root / "datapackage.json",
               datapackage(facts.identity, description,
                           _resources(root, facts.parquet, checksums, facts.all_versions),
                           provenance))
    write_sums(root, checksums)


def release_parts(root: Path) -> list[tuple[str, int, int]]:
    """Return (part, files, bytes) of a release: each file at the top and in data/ (its
    tables' folders), each other folder (``texts/``, ``plots/``) as one part."""
    parts = []
    for path in sorted(root.iterdir()):
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        if path.name == "data":
            parts += [(p.relative_to(root).as_posix(), 1, p.stat().st_size) for p in files]
        else:
            parts.append((path.name + ("/" if path.is_dir() else ""), len(files),
                          sum(p.stat().st_size for p in files)))
    return parts


def run_reports(archive_dir: Path) -> list[dict[str, Any]]:
    """Return the archive's run reports, oldest first."""
    reports = []
    for path in ArchiveFolder(archive_dir).run_reports():
        try:
            reports.append(json.loads(path.read_text(encoding="utf-8")))
        except ValueError:
            continue  # a report cut short: the WARC files still tell the run
    return sorted(reports, key=lambda r: str(r.get("started", "")))


def _resources(root: Path, parquet: dict[str, list[str]], checksums: Checksums,
               all_versions: bool) -> list[dict[str, Any]]:
    tables, keys = all_tables(), table_keys(all_versions)
    entries = [resource(root, table_jsonl(root / "data", name), name, checksums,
                        schema=table_schema(tables[name], keys.get(name)))
               for name in parquet]
    for name, files in parquet.items():
        entries += [resource(root, root / path,
                             f"{name}-parquet" + (f"-{i}" if len(files) > 1 else ""), checksums,
                             f"The rows of {name} (JSON Lines) as typed Parquet")
                    for i, path in enumerate(files)]
    entries.append(resource(root, root / METADATA_CSV, "metadata", checksums,
                            "One row per file of texts/",
                            table_schema(tables["metadata"], keys["metadata"]),
                            encoding="utf-8-sig"))  # written with a BOM, for spreadsheets
    for folder, prefix in (("texts", "text"), ("plots", "plot"), (TOKENS, "tokens")):
        paths = sorted((root / folder).iterdir()) if (root / folder).is_dir() else []
        entries += [resource(root, path, f"{prefix}-{path.stem.replace('_', '-')}", checksums)
                    for path in paths]
    for name in ("README.md", "CHANGES.md", "CITATION.cff", WACZ):
        if (root / name).exists():
            entries.append(resource(root, root / name, name.lower().replace(".", "-"),
                                    checksums))
    return entries
