"""Pass one of the rebuild: which capture of every article page the corpus is built from.

Every record's WARC headers and HTTP head are read (the blocks streamed past, never held) and
small pointers kept: per crawl run (the ``ifes-run`` field of each file's warcinfo; files without
one form a single run) and article page (id, page — whatever Itemid it was fetched under), the
newest capture that says something about the article: a complete ``200`` response, a revisit (its
content is the record it refers to), a 404 or 410 of the first page; and every listing page.
Captures imported from a public archive are grouped into moments
(:mod:`archive.corpus.imports.moments`), each a run of its own. Pass two is
:mod:`archive.corpus.rebuild`.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ifes_archive.archive.corpus.imports.moments import moment_label, moments
from ifes_archive.archive.corpus.imports.records import SOURCE_FIELD, source_name
from ifes_archive.archive.corpus.journal import ListingEvidence
from ifes_archive.archive.corpus.versions import GONE_STATUSES
from ifes_archive.archive.origin import origin_of
from ifes_archive.archive.page.captured import PRINT_PAGE
from ifes_archive.archive.page.joomla import listing_task, parse_url
from ifes_archive.archive.types import CapturePointer
from ifes_archive.archive.warcs.reader import CutShort, RecordHead, open_records, warcinfo_fields
from ifes_archive.archive.warcs.warcfiles import is_open
from ifes_archive.archive.warcs.writer import (
    BASE_FIELD,
    REVISIT_NOT_MODIFIED,
    RUN_FIELD,
    SCOPE_FIELD,
)

if TYPE_CHECKING:
    from pathlib import Path

    from ifes_archive.archive.warcs.http_messages import HttpHead

logger = logging.getLogger(__name__)

#: Why the rest of a WARC file was skipped: it could not be read past a point.
UNREADABLE_REST = "unreadable rest of a file"
#: The torn last record of a file a crawl left open (archive.warcs.warcfiles): skipped, as the
#: crawl's close-out of the file will cut it.
TORN_TAIL = "incomplete record at the end of a file left open"


@dataclass(frozen=True)
class PageCapture:
    """One capture of a page: a response (or, with ``refers_to``, a revisit), where it is and
    what it says of its page."""

    pointer: CapturePointer
    """The record: file name, offset, length, record id, target URI, WARC-Date."""
    path: str
    """The WARC file on this machine (the pointer names it as records carry it)."""
    status: int = 200
    revisit: bool = False
    refers_to: str = ""
    """A revisit's WARC-Refers-To: the record holding its content."""
    refers_to_target: tuple[str, str] = ("", "")
    """A revisit's WARC-Refers-To-Target-URI and -Date (how tools that write no WARC-Refers-To
    name the original)."""
    not_modified: bool = False
    """A revisit of the server-not-modified profile (a 304)."""

    def order(self) -> tuple[Any, ...]:
        """Return what orders captures of one page: newest date, then record id (then where)."""
        p = self.pointer
        return (p.date, p.warc_record_id, self.path, p.warc_offset, p.warc_length, p.target_uri,
                self.status, self.revisit, self.refers_to, self.refers_to_target,
                self.not_modified)


@dataclass
class Selection:
    """What pass one found: per (run, article, page) the newest capture, and what was skipped."""

    pages: dict[tuple[str, int, int], PageCapture] = field(default_factory=dict)
    contents: dict[str, PageCapture] = field(default_factory=dict)
    """Record id -> complete ``200`` article-page response (what revisits refer to)."""
    contents_at: dict[tuple[str, str], PageCapture] = field(default_factory=dict)
    """(target URI, WARC-Date) -> the same responses."""

    def original(self, revisit: PageCapture) -> PageCapture | None:
        """Return the response a revisit refers to, if the input holds it."""
        if revisit.refers_to:
            return self.contents.get(revisit.refers_to)
        return self.contents_at.get(revisit.refers_to_target)
    skipped: Counter = field(default_factory=Counter)
    records_read: int = 0
    listings: list[PageCapture] = field(default_factory=list)
    """Every complete ``200`` capture of a category listing page (the sections evidence)."""
    sections: ListingEvidence = field(default_factory=ListingEvidence)
    """What the listing pages say of each article (filled by :func:`read_listings`)."""
    unreadable: dict[str, str] = field(default_factory=dict)
    """File -> why it was not read to its end (closed files only: an open one's tail is torn)."""
    sources: dict[str, str] = field(default_factory=dict)
    """Run label -> who made its captures, for runs imported from a public archive."""
    imported: dict[tuple[str, int], list[tuple[int, PageCapture]]] = field(default_factory=dict)
    """(source archive, article id) -> its (page, capture)s of every import run from it, until
    :meth:`settle_imports` groups them into moments (:mod:`archive.corpus.imports.moments`)."""

    def settle_imports(self) -> None:
        """Offer every imported capture under the moment it belongs to, as a run of its own."""
        for (source, article_id), captures in sorted(self.imported.items(), key=lambda i: i[0]):
            for date, page, capture in moments((p, c.pointer.date, c) for p, c in captures):
                label = moment_label(source, date)
                self.sources[label] = source
                self.offer((label, article_id, page), capture)
        self.imported.clear()

    def offer(self, key: tuple[str, int, int], capture: PageCapture) -> None:
        """Keep ``capture`` for ``key`` if it is newer than the one kept (date, then id)."""
        if key not in self.pages or capture.order() > self.pages[key].order():
            self.pages[key] = capture


def archive_hosts(files: list[Path]) -> set[str] | None:
    """Return the hosts (``host`` or ``host:port``) the archive's warcinfo records name as the
    crawl's scope, None when no file names any (an archive of another tool)."""
    hosts: set[str] = set()
    for path in files:
        try:
            with open_records(path) as records:
                first = next(records, None)
                if first is not None and first.head.type == "warcinfo":
                    fields = warcinfo_fields(first)
                    scope = fields.get(SCOPE_FIELD, "") or fields.get(BASE_FIELD, "")
                    hosts.update(host_of(url) for url in scope.split())
        except Exception as exc:  # noqa: BLE001 - pass one reports the file
            logger.debug("%s: no warcinfo read: %r", path, exc)
    return hosts or None


def host_of(url: str) -> str:
    """Return ``host`` or ``host:port`` of ``url`` (the port only when not the scheme's own),
    in the origin's one spelling (:mod:`archive.origin`); a URL with no origin it accepts
    gives its host as written, lower-cased."""
    origin = origin_of(url)
    return origin.netloc if origin is not None else (urlsplit(url).hostname or "").lower()


def select(files: list[Path], hosts: set[str] | None = None) -> Selection:
    """Pass one: choose the captures of every article page in ``files``, run by run; a capture
    of a host not in ``hosts`` (when given) is counted, not used."""
    selection = Selection()
    for path in files:
        try:
            _scan(path, selection, hosts)
        except Exception as exc:  # noqa: BLE001 - a broken file is reported, the rest goes on
            if is_open(path):  # a crawl's file still open: its torn tail is expected
                selection.skipped[TORN_TAIL] += 1
                continue
            logger.debug("%s: not read to its end: %r", path, exc)
            selection.unreadable[str(path)] = str(exc) if isinstance(exc, CutShort) else \
                f"{type(exc).__name__}: {exc}"
            selection.skipped[UNREADABLE_REST] += 1
    selection.settle_imports()
    return selection


def _scan(path: Path, selection: Selection, hosts: set[str] | None = None) -> None:
    run = ""
    with open_records(path, whole=True) as records:
        for record in records:
            head = record.head
            http = record.http_head() if head.type in ("response", "revisit") else None
            info = warcinfo_fields(record) if head.type == "warcinfo" else None
            if not record.complete:
                # The file ends inside this record: a crash's (or a running crawl's) open file
                # may; a closed one was cut off (an interrupted copy) and is not read to its end
                if not is_open(path):
                    raise CutShort(f"it ends inside the record at offset {head.offset}")
                selection.skipped[TORN_TAIL] += 1
                continue
            selection.records_read += 1
            if info is not None:
                run = info.get(RUN_FIELD, "")
                if info.get(SOURCE_FIELD):
                    selection.sources[run] = source_name(info[SOURCE_FIELD])
                selection.skipped["warcinfo record"] += 1
                continue
            reason, key, status = _classify(head, http)
            if hosts is not None and head.type in ("response", "revisit") and \
                    host_of(head.target_uri) not in hosts:
                selection.skipped[f"capture of another host ({host_of(head.target_uri)})"] += 1
                continue
            if not key and reason != "listing page":
                selection.skipped[reason] += 1
                continue
            capture = PageCapture(
                CapturePointer(path.name, head.offset, record.length, head.id, head.target_uri,
                               head.date),
                str(path), status, head.type == "revisit", head.refers_to,
                (head.refers_to_target_uri, head.refers_to_date),
                head.profile == REVISIT_NOT_MODIFIED)
            if key is None:
                selection.listings.append(capture)
                continue
            if status == 200 and not capture.revisit:
                selection.contents[head.id] = capture
                selection.contents_at[(head.target_uri, head.date)] = capture
            if run in selection.sources:
                imported = (selection.sources[run], key[0])
                selection.imported.setdefault(imported, []).append((key[1], capture))
            else:
                selection.offer((run, *key), capture)


def _classify(head: RecordHead, http: HttpHead | None) -> tuple[str, tuple[int, int] | None, int]:
    """Return (why skipped, None, 0), ("listing page", None, 200) or ("", (article id, page),
    status) for one record."""
    if head.type not in ("response", "revisit"):
        return f"{head.type} record", None, 0
    uri = head.target_uri
    parsed = parse_url(uri)
    key: tuple[int, int] | None = None
    if parsed.id is not None:
        # The article's print view is its page PRINT_PAGE: what its text is checked by.
        key = (parsed.id, PRINT_PAGE if parsed.kind == "print" else parsed.limitstart or 0)
    is_article = parsed.kind in ("article", "article_page", "print") and key is not None
    if head.type == "revisit":
        return ("", key, 200) if is_article else ("revisit record", None, 0)
    if head.truncated:
        return "truncated response", None, 0
    status = http.status if http is not None else 0
    if is_article and key is not None and status in GONE_STATUSES and key[1] == 0:
        return "", key, status
    if status != 200:
        return "not a 200 response", None, 0
    if listing_task(uri) is not None:
        return "listing page", None, 200
    if not is_article:
        return "not an article page", None, 0
    return "", key, 200
