"""Item pipeline: journal what each crawl saw of every article, write the corpus at the end.

An :class:`~crawler.items.ArticleItem` becomes a record (:func:`archive.page.record.build_record`,
the same function an offline rebuild from WARC uses) with ``first_seen`` / ``last_seen`` set to the
date of this crawl's captures; an :class:`~crawler.items.ObservedItem` (a 304, a removal) becomes
a short line. All go to the archive folder's journal (each line flushed at once, fsynced
every ``ARTICLES_FSYNC_EVERY`` items), which survives a crash and is shared by every run into the
folder; each line is counted as new, changed, unchanged or gone by what it does to the article's
versions (:func:`archive.corpus.versions.fold`). The journal's line kinds are
:mod:`archive.corpus.journal`'s. Listing items are evidence for sections: the (article id, category
name) pairs :func:`archive.page.listings.listed_articles` reads off each listing page go to a second
journal. At close :func:`archive.corpus.articles.finalize` writes ``articles.jsonl``: every version
of every article, sorted, with the categories all listings of all runs file it under.

What leaves the pipeline (what feed exports such as scrapyd's items file receive) is what was
journaled, as JSON-ready dicts: the record of a new or changed article, the short line of one seen
again unchanged, answering 304 or gone. Listing pages, and article pages that give no record,
stop here (dropped at DEBUG): their evidence is in the WARC files and the listings journal.

With ``RECORD_WORKER`` on (off by default) records are built in a worker process
(:mod:`crawler.record_worker`), on the machine's other core, while the crawl goes on; the line is
journaled when the record is back. A record that fails to build (the builder raised, or the
worker died) is a failure of the run: in its report with the reason, and the article's first
page forgotten by the state, so the next crawl fetches the article whole (its pages are in the
WARC files meanwhile).

Off without a capture session (no ``ARCHIVE_DIR``); ``ARTICLES_FSYNC_EVERY``, ``RECORD_WORKER``.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

import msgspec
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.asyncio import is_asyncio_available

from ifes_archive.archive.corpus.articles import classify, finalize
from ifes_archive.archive.corpus.journal import (
    NOT_MODIFIED_LINE,
    Gone,
    GoneLine,
    JournalFile,
    JournalLine,
    NotModifiedLine,
    RecordLine,
    SameLine,
    line_json,
    listing_line,
    read_listings,
    read_observations,
)
from ifes_archive.archive.corpus.versions import Observation, fold
from ifes_archive.archive.page.captured import CapturedPage
from ifes_archive.archive.page.checks import LISTING_CRUMB, listing_crumb_detail, tally
from ifes_archive.archive.page.joomla import article_state_key, base_url_of
from ifes_archive.archive.page.listings import listing_check, read_listing
from ifes_archive.archive.page.record import build_record
from ifes_archive.archive.page.record_json import record_from_json
from ifes_archive.archive.page.schema import INCOMPLETE_FLAG
from ifes_archive.crawler.items import ArticleItem, FetchedPage, ListingItem, ObservedItem
from ifes_archive.crawler.record_worker import RecordWorker
from ifes_archive.crawler.session import STORAGE_ERRORS, CaptureSession, storage_message

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from ifes_archive.archive.types import Record

logger = logging.getLogger(__name__)

def captured_pages(item: ArticleItem) -> list[CapturedPage]:
    """Return the pages of *item* as the record builder takes them."""
    return [captured_page(page) for page in item.pages]


def captured_page(page: FetchedPage) -> CapturedPage:
    """Return one fetched page of an item as the record builder takes it."""
    return CapturedPage(page=page.page, url=page.url, content_type=page.content_type(),
                        body=page.body, capture=page.capture, read=page.read)


class ArticleRecordPipeline:
    """Journal articles and what was seen of them; write ``ARTICLES_PATH`` at the end."""

    def __init__(self, crawler: Crawler, session: CaptureSession) -> None:
        self.crawler = crawler
        self.session = session
        self.path = session.folder.articles
        self.journal = session.folder.journal
        self.listings = session.folder.listings
        self.fsync_every = max(1, crawler.settings.getint("ARTICLES_FSYNC_EVERY"))
        self._file: JournalFile | None = None
        #: The listing journal: flushed line by line, fsynced at close (a lost line costs a
        #: section until the next crawl or a rebuild).
        self._listings_file: JournalFile | None = None
        self._listing_checks: list[dict[str, Any]] = []
        #: Whether every line this run wrote is where its observation says (a failed write may
        #: leave part of a line): the corpus is then written from what the journal holds.
        self._journal_whole = True
        #: Where records are built: a worker process (RECORD_WORKER), or None: here.
        self._worker = RecordWorker() if crawler.settings.getbool("RECORD_WORKER") else None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArticleRecordPipeline:
        session = crawler.get_extension(CaptureSession)
        if session is None:
            raise NotConfigured("no archive folder (ARCHIVE_DIR) to write records into")
        return cls(crawler, session)

    def open_spider(self) -> None:
        self._observations: dict[int, list[Observation]] = {}
        if not self.session.holds_folder:
            return  # another crawl writes this folder: the run is refused, nothing is touched
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = JournalFile(self.journal, self.fsync_every)
        self._listings_file = JournalFile(self.listings)
        self._observations = read_observations(self.journal)
        if self._worker is not None:
            self._worker.start()

    def close_spider(self) -> None:
        if self._worker is not None:
            self._worker.close()  # every record given to it is back: Scrapy waited for them
        if self._file is None:
            return  # never opened (the run was refused)
        try:
            self._close()
        except STORAGE_ERRORS as exc:
            # The journal keeps what was written; the next crawl writes the corpus from it.
            self._storage_failed(exc)

    def _close(self) -> None:
        self._count_changes()
        for journal in (self._file, self._listings_file):
            if journal is not None:
                journal.close()
        self._file = self._listings_file = None
        count = finalize(self.journal, self.path, read_listings(self.listings),
                         self._observations if self._journal_whole else None)
        logger.info("wrote %d records to %s", count, self.path)
        self._report_checks()

    async def process_item(self, item: Any) -> Any:
        try:
            if isinstance(item, ArticleItem):
                return self._journal_article(item, await self._record(item))
            return self._process(item)
        except STORAGE_ERRORS as exc:
            raise DropItem(self._storage_failed(exc)) from exc

    def _storage_failed(self, exc: BaseException) -> str:
        """Stop the crawl: the journal or the corpus cannot be written. Return why."""
        why = storage_message(exc)
        self._journal_whole = False
        self.session.fail(why)
        return why

    def _process(self, item: Any) -> Any:
        if isinstance(item, ListingItem):
            self._note_listing(item)
            raise DropItem(f"listing page {item.url} (journaled in {self.listings.name})",
                           log_level="DEBUG")
        if isinstance(item, ObservedItem):
            if item.observed == NOT_MODIFIED_LINE:
                return self._journal(NotModifiedLine(item.article_id, item.seen, item.refers_to))
            gone = Gone(item.reason, item.capture)
            return self._journal(GoneLine(item.article_id, item.seen, gone))
        return item

    async def _record(self, item: ArticleItem) -> Record | None:
        """Return the record of the article's pages, built by the worker (else here, from the
        trees the spider parsed). Raises DropItem when it cannot be built (a failure of the
        run, recorded)."""
        base_url = getattr(self.crawler.spider, "base_url", None) or base_url_of(item.url)
        worker = self._worker if self._worker is not None and is_asyncio_available() else None
        if worker is not None:  # the trees are not held while the worker builds from the bytes
            for page in [*item.pages, *([item.print_page] if item.print_page else [])]:
                page.read = None
        pages = captured_pages(item)
        printed = [captured_page(item.print_page)] if item.print_page else []
        try:
            if worker is None:
                return build_record(item.article_id, base_url, pages, print_pages=printed)
            return await worker.build(item.article_id, base_url, pages, printed)
        except Exception as exc:
            raise DropItem(self._record_failed(item, exc)) from exc

    def _journal_article(self, item: ArticleItem, record: Record | None) -> dict[str, Any]:
        """Journal what the article's record says (a new version, or the current one seen
        again); return the line."""
        if record is None:
            raise DropItem(f"no record in the pages of {item.url}", log_level="DEBUG")
        seen = max((page.seen or "" for page in item.pages), default="") or None
        record = msgspec.structs.replace(record, first_seen=seen, last_seen=seen)
        observations = self._observations.get(item.article_id, [])
        versions = fold(observations)
        # A run resumed after a stop looks again at an article it journaled before: its record
        # is journaled whole, as its newest captures give it (a print view fetched only after
        # the restart adds its check), and replaces the earlier one (the fold keeps the last of
        # a run; an offline rebuild builds the run's record from the same captures).
        again = any(o.run == self.session.run_label for o in observations)
        if (versions and versions[-1].gone is None and versions[-1].digest == record.digest
                and seen and INCOMPLETE_FLAG not in record.flags and not again):
            # The current version again: a short line (the record is journaled already).
            first = record.captures[0].warc_record_id if record.captures else ""
            line = self._journal(SameLine(item.article_id, seen, record.digest, first))
        else:
            line = self._journal(RecordLine(record))
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("ifes/articles")
        return line

    def _record_failed(self, item: ArticleItem, exc: Exception) -> str:
        """Count the article's record as a failure of the run, and make the next crawl fetch
        the article whole; return why."""
        why = "record not built: " + (
            "the record worker died" if isinstance(exc, BrokenProcessPool) else
            f"{type(exc).__name__}: {exc}")
        logger.error("article %d: %s", item.article_id, why, exc_info=exc)
        failures = getattr(self.crawler.spider, "failures", None)
        if isinstance(failures, list):
            failures.append({"url": item.url, "reason": why})
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("ifes/failed")
        if self.session.state is not None:
            self.session.state.forget(article_state_key(item.article_id, 0))
        return why

    def _journal(self, line: JournalLine) -> dict[str, Any]:
        """Append ``line`` (marked with the run) to the journal; keep its observation, the one
        a later run reads back from the journal (where the line is: the corpus is written from
        these at close, the journal not read again). Return the line as written, read back
        (plain JSON types: what a feed export serialises)."""
        run = self.session.run_label
        text = line_json(line, run)
        assert self._file is not None, "open_spider() was not called"
        where = self._file.append(text)
        self._observations.setdefault(line.article_id, []).append(line.observation(where, run))
        return json.loads(text)

    def _count_changes(self) -> None:
        """Count what this run (all its processes, if it was resumed) did to each article:
        new, changed, unchanged or gone, against the versions before the run."""
        stats = self.crawler.stats
        run = self.session.run_label
        if stats is None or not run:
            return
        counts: dict[str, int] = {}
        for observations in self._observations.values():
            before = [o for o in observations if o.run != run]
            if len(before) == len(observations):
                continue
            change = classify(fold(before), fold(observations))
            if change is not None:
                counts[change] = counts.get(change, 0) + 1
        for change in ("new", "changed", "unchanged", "gone"):
            stats.set_value(f"ifes/articles_{change}", counts.get(change, 0))

    def _note_listing(self, item: ListingItem) -> None:
        """Journal which articles the listing page files under which name and listing key (a
        lost line costs a section until the next crawl or a rebuild: the page itself is in the
        WARC); count whether its name is its breadcrumb's last crumb."""
        listing = read_listing(item.url, item.content_type, item.body, base_url_of(item.url),
                               item.read.parsed.root if item.read is not None else None)
        if listing is None:
            return
        said = listing_check(listing)
        if said is not None:
            self._listing_checks.append({"url": item.url, **said})
        entries = [(article_id, listing.name, listing.key) for article_id in listing.article_ids]
        if entries and self._listings_file is not None:
            self._listings_file.append(listing_line(entries))

    def _report_checks(self) -> None:
        """Put the cross-checks of the current records and of the listings in the stats."""
        stats = self.crawler.stats
        if stats is None or not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as corpus:
            # one record at a time: a list of them all made the crawl's peak memory grow with
            # the size of the site (each record holds its text)
            result = tally(r for r in map(record_from_json, corpus) if r.status != "superseded")
        listings = {"agree": sum(c["agrees"] for c in self._listing_checks),
                    "disagree": sum(not c["agrees"] for c in self._listing_checks)}
        result["counts"][LISTING_CRUMB] = {k: v for k, v in listings.items() if v}
        result["disagreements"] += [
            {"url": c["url"], "check": LISTING_CRUMB, "detail": listing_crumb_detail(c)}
            for c in self._listing_checks if not c["agrees"]]
        stats.set_value("ifes/checks", result)
