"""Reading a public archive's index for ``ifes-archive import``: a CDX server's answers page by
page (resume keys), or a Memento TimeMap's (``rel="timemap"`` links), within bounds.

An archive's index is read as far as it is sound, and each thing wrong with it is one line
(:attr:`IndexListing.problems`, printed on stderr; the import then exits 1), never a hang or a
traceback:

- an answer is read within ``IMPORT_INDEX_MAXSIZE`` bytes (a page that never ends is cut there,
  bound ``import-index-size``: its rows are not used and the index is read no further) and
  within ``IMPORT_TIMEOUT`` seconds as a whole (:mod:`crawler.archive_client`);
- at most ``IMPORT_MAX_INDEX_PAGES`` pages are followed (bound ``import-index-pages``);
- a resume key the server gave before, or a TimeMap page linked again, is a loop: paging
  stops there;
- a malformed line or row is left out and counted (a page with no readable row at all is no
  index answer: :class:`IndexUnavailable`); duplicate rows are the caller's
  (:func:`archive.corpus.imports.cdx.distinct`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from ifes_archive.archive.corpus.imports.cdx import CdxPage, cdx_query_url, parse_cdx
from ifes_archive.archive.corpus.imports.timemap import parse_timemap
from ifes_archive.crawler.archive_client import AnswerTooLarge, ArchiveClient, ArchiveUnavailable
from ifes_archive.crawler.bounds import note_bound

if TYPE_CHECKING:
    from scrapy.statscollectors import StatsCollector

    from ifes_archive.archive.corpus.imports.cdx import Capture

#: Malformed lines quoted in a problem line (the count says how many more).
QUOTED = 3


class IndexUnavailable(Exception):
    """The archive's index (CDX or TimeMap) could not be read: nothing to import from."""


class BoundsOf:
    """The two calls of a Scrapy stats collector :func:`crawler.bounds.note_bound` makes, kept
    in the ``bounds`` of ``holder`` (a report)."""

    def __init__(self, holder: Any):
        self.holder = holder

    def get_value(self, key: str) -> Any:
        return self.holder.bounds

    def set_value(self, key: str, value: Any) -> None:
        self.holder.bounds = dict(sorted(value.items()))


def bound(holder: Any, name: str, url: str, detail: str, setting: str) -> None:
    """Note that bound ``name`` took effect on ``url`` in ``holder``'s ``bounds``."""
    note_bound(cast("StatsCollector", BoundsOf(holder)), name, url, detail, setting)


@dataclass
class IndexListing:
    """What the index listed: every row read, the pages asked for, what was wrong."""

    rows: list[Capture] = field(default_factory=list)
    pages: int = 0
    problems: list[str] = field(default_factory=list)
    bounds: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IndexLimits:
    """How far an index is read (``IMPORT_*`` settings)."""

    page_size: int
    max_pages: int
    max_size: int


def read_index(client: ArchiveClient, base_url: str, limits: IndexLimits, cdx: str = "",
               timemap: str = "") -> IndexListing:
    """Return what the index at ``cdx`` (a CDX endpoint) or ``timemap`` lists; raise
    IndexUnavailable when its first answer is none."""
    listing = IndexListing()
    try:
        if cdx:
            _cdx_rows(client, listing, cdx, base_url, limits)
        else:
            _timemap_rows(client, listing, timemap, limits)
    except ArchiveUnavailable as exc:
        if listing.pages <= 1:  # its first page: no index at all
            raise IndexUnavailable(str(exc)) from exc
        listing.problems.append(f"the index read no further: {exc}")
    return listing


def _cdx_rows(client: ArchiveClient, listing: IndexListing, endpoint: str, base_url: str,
              limits: IndexLimits) -> None:
    """Page through a CDX server's answers with resume keys; a server that ignores them (pywb
    cuts at ``limit`` and says nothing) is asked once more for everything."""
    keys: list[str] = []
    while True:
        url = cdx_query_url(endpoint, base_url, limits.page_size, keys[-1] if keys else "")
        page = _cdx_page(client, listing, url, limits)
        if page is None:
            return
        listing.rows += page.captures
        if page.resume_key in keys:
            listing.problems.append(f"{url}: the CDX server gave the resume key "
                                    f"{page.resume_key!r} again: its paging loops, the index "
                                    "was read no further")
            return
        if page.resume_key:
            keys.append(page.resume_key)
            continue
        if limits.page_size and page.rows >= limits.page_size and not keys:
            whole = _cdx_page(client, listing, cdx_query_url(endpoint, base_url), limits)
            if whole is not None:
                listing.rows = whole.captures
        return


def _cdx_page(client: ArchiveClient, listing: IndexListing, url: str,
              limits: IndexLimits) -> CdxPage | None:
    """Return one CDX answer, None when a bound or a fault ends the index here."""
    body = _answer(client, listing, url, limits)
    if body is None:
        return None
    try:
        page = parse_cdx(body.decode("utf-8", "replace"))
    except ValueError as exc:
        if listing.pages == 1:
            raise IndexUnavailable(f"{url}: not a CDX answer ({exc})") from exc
        listing.problems.append(f"{url}: not a CDX answer ({exc}): the index was read no "
                                "further")
        return None
    if page.bad:
        quoted = "; ".join(repr(line[:80]) for line in page.bad[:QUOTED])
        more = f" and {len(page.bad) - QUOTED} more" if len(page.bad) > QUOTED else ""
        listing.problems.append(f"{url}: {len(page.bad)} malformed rows left out: "
                                f"{quoted}{more}")
    return page


def _answer(client: ArchiveClient, listing: IndexListing, url: str,
            limits: IndexLimits) -> bytes | None:
    """Return the body of one index page (None: a 404, no such index; or a bound)."""
    if listing.pages >= limits.max_pages:
        bound(listing, "import-index-pages", url, f"{limits.max_pages} index pages a run",
              "IMPORT_MAX_INDEX_PAGES")
        return None
    listing.pages += 1
    try:
        answer = client.get(url, limits.max_size)
    except AnswerTooLarge:
        bound(listing, "import-index-size", url, f"an index page past {limits.max_size:,} "
              "bytes: cut off, its rows not used, the index read no further",
              "IMPORT_INDEX_MAXSIZE")
        return None
    if answer.status == 404:  # pywb: "No Captures found"
        return None
    if answer.status != 200:
        if listing.pages == 1:
            raise IndexUnavailable(f"{url}: HTTP {answer.status}")
        listing.problems.append(f"{url}: HTTP {answer.status}: the index was read no further")
        return None
    return answer.body


def _timemap_rows(client: ArchiveClient, listing: IndexListing, url: str,
                  limits: IndexLimits) -> None:
    """Follow a TimeMap's pages; a page linked again is a loop and ends it."""
    seen: set[str] = set()
    while url:
        if url in seen:
            listing.problems.append(f"{url}: the TimeMap links this page again: its paging "
                                    "loops, the index was read no further")
            return
        seen.add(url)
        body = _answer(client, listing, url, limits)
        if body is None:
            return
        captures, url = parse_timemap(body.decode("utf-8", "replace"), url)
        listing.rows += captures
