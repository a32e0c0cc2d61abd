"""A WACZ of an archive folder: its WARC files, the replay index, the articles as pages.

WACZ 1.1.1 (https://specs.webrecorder.net/wacz/1.1.1/): a ZIP holding ``archive/*.warc.gz``
(stored, not compressed again, so a reader can seek into them), ``indexes/index.cdxj``,
``pages/pages.jsonl`` and ``datapackage.json`` with the SHA-256 of each, and
``datapackage-digest.json`` with the digest of that. The index is the ReplayWeb.page flavour of
:mod:`archive.warcs.index` (a 304 revisit answers with the page it confirmed).

The WARC bytes are read once (:mod:`archive.warcs.warcpass`): each record's stored bytes go into
the ZIP as they are read, hashed on the way for ``datapackage.json``, while the same read gives the
index entries. The ZIP itself is written front to back and never seeked, so its own SHA-256 (the
release's ``SHA256SUMS`` lists it) is taken as it is written: each member's CRC and sizes follow
its data (a ZIP data descriptor, APPNOTE 4.3.9), as streaming ZIP writers do.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ifes_archive.archive.software import PRODUCT, own_version
from ifes_archive.archive.warcs.folder import ArchiveFolder
from ifes_archive.archive.warcs.index import REPLAYWEB, IndexEntry, resolve_index
from ifes_archive.archive.warcs.reader import CutShort
from ifes_archive.archive.warcs.warcpass import PassedRecord, Tee, pass_file, passed_records

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from types import TracebackType

WACZ_VERSION = "1.1.1"
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Articles"}


class HashedSink:
    """A file written front to back whose SHA-256 is taken as it is written (no ``seek`` or
    ``tell``: the ZIP writer then never goes back)."""

    def __init__(self, stream: IO[bytes]):
        self._stream = stream
        self.sha256 = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self._stream.write(data)
        self.sha256.update(data)
        return len(data)

    def flush(self) -> None:
        self._stream.flush()

    def close(self) -> None:
        """Leave the file open (its owner closes it)."""


class Member:
    """One member being written: its bytes go into the ZIP, hashed and counted on the way."""

    def __init__(self, target: IO[bytes]):
        self._target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes | memoryview) -> None:
        self._target.write(data)
        self.sha256.update(data)
        self.size += len(data)


class WaczWriter:
    """Writes a WACZ to ``out`` (``OUT.partial`` until whole; removed if the writing fails), each
    member dated ``created``: WARC files first (:meth:`warc`), then :meth:`finish`."""

    def __init__(self, out: Path, created: datetime):
        self.out, self.created = out, created
        self._partial = out.with_name(out.name + ".partial")
        self._file = open(self._partial, "wb")  # noqa: SIM115 - closed by close()
        self._sink = HashedSink(self._file)
        self._zip = zipfile.ZipFile(self._sink, "w", zipfile.ZIP_STORED, allowZip64=True)
        self._resources: list[dict[str, str | int]] = []
        self.sha256 = ""
        """The WACZ's own SHA-256 (hex), once finished."""

    def __enter__(self) -> WaczWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        if kind is not None:
            self._file.close()
            self._partial.unlink(missing_ok=True)

    def member(self, name: str, size_bound: int, listed: bool = True) -> _MemberContext:
        """Return a context giving a :class:`Member` named ``name`` of at most ``size_bound``
        bytes (ZIP64 is chosen on it: a member's sizes are written after its data), a resource
        of ``datapackage.json`` when ``listed``."""
        info = zipfile.ZipInfo(name, self.created.astimezone(timezone.utc).timetuple()[:6])
        info.external_attr = 0o644 << 16
        info.file_size = size_bound
        return _MemberContext(self if listed else None, name, self._zip.open(info, "w"))

    def add(self, name: str, data: bytes, listed: bool = True) -> None:
        """Store member ``name`` holding ``data``."""
        with self.member(name, len(data), listed) as member:
            member.write(data)

    def finish(self, entries: list[IndexEntry], pages: bytes, title: str) -> int:
        """Store the index of ``entries``, the page list and the package descriptors; close
        the WACZ and put it in place; return the number of index lines."""
        lines = resolve_index(entries, REPLAYWEB).lines
        self.add("indexes/index.cdxj", "".join(f"{line}\n" for line in lines).encode())
        self.add("pages/pages.jsonl", pages)
        package = {"profile": "data-package", "wacz_version": WACZ_VERSION, "title": title,
                   "software": f"{PRODUCT} {own_version()}",
                   "created": self.created.astimezone(timezone.utc).strftime(
                       "%Y-%m-%dT%H:%M:%SZ"),
                   "resources": self._resources}
        package_bytes = json.dumps(package, indent=2).encode()
        digest = {"path": "datapackage.json",
                  "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest()}
        self.add("datapackage.json", package_bytes, listed=False)
        self.add("datapackage-digest.json", json.dumps(digest, indent=2).encode(), listed=False)
        self._zip.close()
        self._file.close()
        self.sha256 = self._sink.sha256.hexdigest()
        self._partial.replace(self.out)
        return len(lines)

    def _done(self, name: str, member: Member) -> None:
        self._resources.append({"name": Path(name).name, "path": name,
                                "hash": "sha256:" + member.sha256.hexdigest(),
                                "bytes": member.size})


class _MemberContext:
    def __init__(self, writer: WaczWriter | None, name: str, target: IO[bytes]):
        self._writer, self._name, self._target = writer, name, target
        self._member = Member(target)

    def __enter__(self) -> Member:
        return self._member

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._target.close()
        if kind is None and self._writer is not None:
            self._writer._done(self._name, self._member)  # noqa: SLF001 - its own writer


def pack_warc(path: Path, name: str, wacz: WaczWriter, keep: Callable[[PassedRecord], bool],
              tolerate: Callable[[Exception], bool] | None = None) -> list[IndexEntry]:
    """Store the records of ``path`` that ``keep`` takes as WACZ member ``archive/NAME``, read
    once; return their index entries (offsets in the member). A ``keep`` that raises stops it;
    so does a file that stops parsing, unless ``tolerate`` takes the error (the member then
    ends with the last record kept)."""
    entries = []
    with wacz.member(f"archive/{name}", path.stat().st_size) as member:
        try:
            for record in pass_file(path, name):
                if not keep(record):
                    continue
                if record.entry is not None:
                    record.entry.fields["offset"] = str(member.size)
                    entries.append(record.entry)
                member.write(record.stored())
        except Exception as exc:
            if tolerate is None or not tolerate(exc):
                raise
    return entries


def write_wacz(archive_dir: Path, out: Path, title: str = "ifes-archive",
               created: datetime | None = None, page_text: bool = False,
               warcs: list[Path] | None = None) -> int:
    """Write the WACZ of ``archive_dir`` to ``out``; return the number of index lines.

    ``created`` (default: now) is the package's date and every member's: the same folder and
    date give the same bytes. ``page_text`` puts each article's text in its page entry, for
    the full-text search of replay tools. ``warcs``: the WARC files to package (default: every
    ``warc/*.warc.gz`` of the folder), each whole, as it is.
    """
    created = created or datetime.now(timezone.utc)
    folder = ArchiveFolder(archive_dir)
    warcs = folder.warc_files() if warcs is None else warcs
    with WaczWriter(out, created) as wacz:
        entries = []
        for path in warcs:
            entries += _pack_whole(path, wacz)
        return wacz.finish(entries, pages_jsonl(folder.articles, page_text),
                           title)


def _pack_whole(path: Path, wacz: WaczWriter) -> list[IndexEntry]:
    """Store ``path`` whole (bytes after its last record too), read once."""
    entries = []
    with wacz.member(f"archive/{path.name}", path.stat().st_size) as member, \
            open(path, "rb") as stream:
        tee = Tee(stream)
        try:
            for record in passed_records(tee, path.name):
                if record.entry is not None:
                    entries.append(record.entry)
                member.write(record.stored())
        except CutShort:
            pass  # bytes that are no record: copied all the same, as the file holds them
        member.write(tee.rest())
    return entries


def pages_jsonl(corpus: Path, page_text: bool = False) -> bytes:
    """Return ``pages/pages.jsonl``: its header, then one page per article version of
    ``corpus`` (:func:`_pages`)."""
    return "".join(json.dumps(page, ensure_ascii=False) + "\n"
                   for page in [PAGES_HEADER, *_pages(corpus, page_text)]).encode("utf-8")


def _pages(corpus: Path, page_text: bool = False) -> Iterator[dict[str, Any]]:
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
