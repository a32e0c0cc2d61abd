"""A WACZ of an archive folder: its WARC files, the replay index, the articles as pages.

WACZ 1.1.1 (https://specs.webrecorder.net/wacz/1.1.1/): a ZIP holding ``archive/*.warc.gz``
(stored, not compressed again, so a reader can seek into them), ``indexes/index.cdxj``,
``pages/pages.jsonl`` and ``datapackage.json`` with the SHA-256 of each, and
``datapackage-digest.json`` with the digest of that. The index is the ReplayWeb.page flavour of
:mod:`archive.warcs.index` (a 304 revisit answers with the page it confirmed).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from ifes_archive.archive.warcs.index import REPLAYWEB, build_index

if TYPE_CHECKING:
    from collections.abc import Iterator

WACZ_VERSION = "1.1.1"
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Articles"}


def write_wacz(archive_dir: Path, out: Path, title: str = "ifes-archive",
               created: datetime | None = None, page_text: bool = False,
               warcs: list[Path] | None = None) -> int:
    """Write the WACZ of ``archive_dir`` to ``out``; return the number of index lines.

    ``created`` (default: now) is the package's date and every member's: the same folder and
    date give the same bytes. ``page_text`` puts each article's text in its page entry, for
    the full-text search of replay tools. ``warcs``: the WARC files to package (default: every
    ``warc/*.warc.gz`` of the folder).
    """
    created = created or datetime.now(timezone.utc)
    warcs = sorted((archive_dir / "warc").glob("*.warc.gz")) if warcs is None else warcs
    index = build_index(warcs, REPLAYWEB)
    members: dict[str, bytes | Path] = {f"archive/{p.name}": p for p in warcs}
    members["indexes/index.cdxj"] = "".join(f"{line}\n" for line in index.lines).encode()
    members["pages/pages.jsonl"] = "".join(
        json.dumps(page, ensure_ascii=False) + "\n"
        for page in [PAGES_HEADER, *_pages(archive_dir / "articles.jsonl", page_text)]
    ).encode("utf-8")
    resources = [_resource(name, data) for name, data in members.items()]
    package = {"profile": "data-package", "wacz_version": WACZ_VERSION, "title": title,
               "software": f"ifes-archive {version('ifes-archive')}",
               "created": created.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
               "resources": resources}
    package_bytes = json.dumps(package, indent=2).encode()
    digest = {"path": "datapackage.json",
              "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest()}
    members["datapackage.json"] = package_bytes
    members["datapackage-digest.json"] = json.dumps(digest, indent=2).encode()
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED, allowZip64=True) as wacz:
        for name, data in members.items():
            _store(wacz, name, data, created)
    partial.replace(out)
    return len(index.lines)


def _store(wacz: zipfile.ZipFile, name: str, data: bytes | Path, created: datetime) -> None:
    """Store one member, dated ``created`` (not the file's or the clock's time)."""
    info = zipfile.ZipInfo(name, created.astimezone(timezone.utc).timetuple()[:6])
    info.external_attr = 0o644 << 16
    info.file_size = data.stat().st_size if isinstance(data, Path) else len(data)
    with wacz.open(info, "w") as member:
        for chunk in _chunks(data):
            member.write(chunk)


def _resource(name: str, data: bytes | Path) -> dict[str, str | int]:
    sha = hashlib.sha256()
    size = 0
    for chunk in _chunks(data):
        sha.update(chunk)
        size += len(chunk)
    return {"name": Path(name).name, "path": name, "hash": "sha256:" + sha.hexdigest(),
            "bytes": size}


def _chunks(data: bytes | Path) -> Iterator[bytes]:
    if isinstance(data, bytes):
        yield data
        return
    with open(data, "rb") as stream:
        while chunk := stream.read(1 << 20):
            yield chunk


def _pages(corpus: Path, page_text: bool = False) -> Iterator[dict[str, str]]:
    """Yield one page per article version: the capture it came from, when, its title (and with
    ``page_text`` its text)."""
    if not corpus.exists():
        return
    with open(corpus, encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            capture = (record.get("captures") or [{}])[0]
            if capture.get("target_uri") and capture.get("date"):
                page = {"id": f"{record.get('article_id')}-v{record.get('version')}",
                        "url": capture["target_uri"], "ts": capture["date"],
                        "title": record.get("title") or capture["target_uri"]}
                if page_text and record.get("text"):
                    page["text"] = record["text"]
                yield page
