"""The manifest written beside a corpus: what it was made from, and with what.

Input WARC files with sizes and sha256, the versions of every package that shapes a record, the
extractor options, and the counts — enough to check the inputs and to rebuild the same corpus.
"""

from __future__ import annotations

import hashlib
import json
import platform
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from ifes_archive.archive.page.record import PACKAGES as RECORD_PACKAGES
from ifes_archive.archive.page.record import extractor_info
from ifes_archive.archive.software import package_version

if TYPE_CHECKING:
    from ifes_archive.archive.corpus.rebuild import RebuildResult
    from ifes_archive.archive.types import Extractor

#: Packages whose version can change a record: the record builder's, and the WARC reader.
PACKAGES = (*RECORD_PACKAGES, "warcio")


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(corpus: Path, result: RebuildResult) -> Path:
    """Write ``CORPUS.manifest.json`` and return its path."""
    manifest = {
        "corpus": {"file": corpus.name, "bytes": corpus.stat().st_size,
                   "sha256": sha256_of(corpus), "records": result.versions,
                   "articles": result.articles},
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "inputs": [{"file": str(p), "bytes": p.stat().st_size, "sha256": sha256_of(p)}
                   for p in result.files],
        "packages": {name: package_version(name) for name in PACKAGES},
        "python": platform.python_version(),
        # How records are extracted, as each record's ``extractor`` says it (versions above).
        "extractor": {"template": _options(extractor_info("template")),
                      "generic": _options(extractor_info("generic"))},
        "counts": {"warc_records_read": result.records_read, "listing_pages": result.listing_pages,
                   "articles": result.articles, "versions": result.versions,
                   "not_articles": result.not_articles, "skipped": result.skipped},
    }
    path = corpus.with_name(corpus.name + ".manifest.json")
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path


def _options(extractor: Extractor) -> dict[str, Any]:
    """Return how a method extracts (its ``extractor`` less the method and the versions)."""
    return {k: v for k, v in msgspec.to_builtins(extractor).items()
            if k not in ("method", "packages")}
