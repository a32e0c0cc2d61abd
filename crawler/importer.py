"""``ifes-archive import``: the site's captures that a public web archive holds, into WARC
records of the archive folder, beside the project's own crawls.

One run: find the captures (a CDX server's answers, page by page with resume keys, or a Memento
TimeMap's, page by page), keep those of the site's article pages, print views and listings
(:func:`archive.corpus.imports.cdx.site_page`), each distinct capture once; leave out those an
earlier import already stored (so a run killed half way goes on where it stopped: each record is
written whole or not at all); fetch each one's raw replay (``id_``) politely
(:mod:`crawler.archive_client`) and store it as a ``response`` record that says where and when
it was captured and where it came from (:mod:`archive.corpus.imports.records`), with a
``metadata`` record holding the archive's answer head. A replay that is not the raw capture (the
archive's banner or rewritten links, another capture, the archive's own error page) is refused
with a line saying so; nothing of it is stored.
"""

from __future__ import annotations

import json
import logging
import platform
import sys
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ifes_archive.archive.corpus.imports.cdx import (
    Capture,
    distinct,
    raw_replay_url,
    replay_root_of,
    site_page,
)
from ifes_archive.archive.corpus.imports.coverage import coverage, crawled_status
from ifes_archive.archive.corpus.imports.held import HeldNotes, article_held, every_held, note_held
from ifes_archive.archive.corpus.imports.records import (
    CREATION_DATE,
    MEMENTO_DATETIME,
    ORIGINAL_STATUS,
    SOURCE_ARCHIVE,
    SOURCE_FIELD,
    SOURCE_URI,
    Replayed,
    answer_head,
    header_provenance,
    http_message,
    memento_date,
    rewritten,
    source_name,
    timestamp_date,
)
from ifes_archive.archive.progress import Progress
from ifes_archive.archive.warcs.closeout import close_out_open_files
from ifes_archive.archive.warcs.folder import ArchiveFolder, acquire, run_stamp
from ifes_archive.archive.warcs.reader import open_records, warcinfo_fields
from ifes_archive.archive.warcs.warcfiles import find_warcs
from ifes_archive.archive.warcs.writer import (
    BASE_FIELD,
    RUN_FIELD,
    SCOPE_FIELD,
    WARC_1_1_SPEC,
    CaptureWriter,
    HttpExchange,
    utc_now,
    warc_date,
)
from ifes_archive.crawler import settings as defaults
from ifes_archive.crawler.archive_client import AnswerTooLarge, ArchiveClient, ArchiveUnavailable
from ifes_archive.crawler.import_index import (
    IndexLimits,
    bound,
    read_index,
)

if TYPE_CHECKING:
    from pathlib import Path

logger = logging.getLogger(__name__)

#: File name prefix of imported WARC files (an import's files are told apart at a glance).
IMPORT_PREFIX = "ifes-import"
#: Statuses of a replayed capture that are the site's answer (a page, its removal).
KEPT_STATUSES = (200, 404, 410)


@dataclass
class ImportOptions:
    """How one import runs (defaults: :mod:`crawler.settings`, ``IMPORT_*``)."""

    base_url: str = defaults.BASE_URL
    operator: str = ""
    user_agent: str = ""
    delay: float = defaults.IMPORT_DELAY
    retries: int = defaults.IMPORT_RETRIES
    max_backoff: float = defaults.IMPORT_MAX_BACKOFF
    timeout: float = defaults.IMPORT_TIMEOUT
    max_captures: int = defaults.IMPORT_MAX_CAPTURES
    page_size: int = defaults.IMPORT_CDX_PAGE_SIZE
    index_maxsize: int = defaults.IMPORT_INDEX_MAXSIZE
    max_index_pages: int = defaults.IMPORT_MAX_INDEX_PAGES
    capture_maxsize: int = defaults.IMPORT_CAPTURE_MAXSIZE
    progress: bool | None = None
    live: Path | None = None
    """The crawl folder whose corpus says what the live site serves (default: the folder
    imported into)."""


@dataclass
class ImportReport:
    """What one import run did (written to ``reports/import-STAMP.json``)."""

    run: str
    source: str
    base_url: str
    index_pages: int = 0
    listed: int = 0
    """Captures the index listed (every row)."""
    distinct: int = 0
    """Distinct captures of the site's pages among them."""
    already_imported: int = 0
    fetched: int = 0
    stored: int = 0
    refused: dict[str, list[str]] = field(default_factory=dict)
    """Why a capture was refused -> its replay URLs."""
    failed: list[str] = field(default_factory=list)
    """Captures the archive gave no answer for (the next run tries them again)."""
    not_site_pages: dict[str, int] = field(default_factory=dict)
    capped: int = 0
    """Captures left for the next run by IMPORT_MAX_CAPTURES."""
    coverage: dict[str, Any] = field(default_factory=dict)
    """Article ids the archive holds against those the live site serves
    (:mod:`archive.corpus.imports.coverage`)."""
    index_problems: list[str] = field(default_factory=list)
    """What was wrong with the index (one line each): the import used what was sound."""
    requests: int = 0
    waited_seconds: float = 0.0
    bounds: dict[str, Any] = field(default_factory=dict)

    def refuse(self, why: str, url: str) -> None:
        """Count one refused capture and say so on stderr."""
        self.refused.setdefault(why, []).append(url)
        print(f"import: refused {url}: {why}", file=sys.stderr)


def run_import(root: Path, options: ImportOptions, cdx: str = "", timemap: str = "",
               ) -> ImportReport:
    """Import the site's captures listed by ``cdx`` (a CDX endpoint) or ``timemap`` into the
    archive folder ``root``; return the report (also written under ``reports/``)."""
    folder = ArchiveFolder(root)
    hold = acquire(folder)
    try:
        return _run(folder, options, cdx, timemap)
    finally:
        hold.release()


def _run(folder: ArchiveFolder, options: ImportOptions, cdx: str, timemap: str) -> ImportReport:
    index = cdx or timemap
    stamp = run_stamp()
    report = ImportReport(f"import-{stamp}", index, options.base_url)
    client = ArchiveClient(options.user_agent, options.delay, options.retries,
                           options.max_backoff, options.timeout)
    folder.warc.mkdir(parents=True, exist_ok=True)
    close_out_open_files(folder.warc)
    done = _imported_before(folder)
    captures = _site_captures(_listed(client, report, options, cdx, timemap), options.base_url,
                              report)
    todo = [c for c in captures if c.replay not in done]
    report.already_imported = len(captures) - len(todo)
    todo = _capped(todo, options.max_captures, report)
    writer = CaptureWriter(folder.warc, prefix=IMPORT_PREFIX,
                           warcinfo=_warcinfo(report, options, index))
    try:
        _fetch_all(client, writer, todo, report, index, options,
                   HeldNotes(folder.archived, source_name(index)))
        report.coverage = coverage(every_held(folder.archived),
                                   crawled_status(ArchiveFolder(options.live or folder.root)))
    finally:
        writer.close()
        report.requests, report.waited_seconds = client.requests, round(client.waited, 3)
        _write_report(folder, stamp, report)
    return report


def _imported_before(folder: ArchiveFolder) -> set[str]:
    """Return the replay URLs of the captures earlier imports stored in ``folder``; write the
    articles they hold again when that file is lost (:mod:`archive.corpus.imports.held`)."""
    held: dict[str, set[int]] | None = None if folder.archived.exists() else {}
    done = imported_sources(find_warcs([folder.warc]), held)
    for source, ids in sorted((held or {}).items()):
        note_held(folder.archived, source, ids)
    return done


def _capped(todo: list[Capture], cap: int, report: ImportReport) -> list[Capture]:
    """Return the first ``cap`` captures to fetch (all when ``cap`` is 0); the bound
    ``import-captures`` notes each one left for the next run."""
    if not cap or len(todo) <= cap:
        return todo
    report.capped = len(todo) - cap
    for capture in todo[cap:]:
        bound(report, "import-captures", capture.replay, f"{cap} captures a run",
              "IMPORT_MAX_CAPTURES")
    return todo[:cap]


def _listed(client: ArchiveClient, report: ImportReport, options: ImportOptions, cdx: str,
            timemap: str) -> list[Capture]:
    """Return every row the index lists (rows of other pages included); say on stderr what
    was wrong with it."""
    limits = IndexLimits(options.page_size, options.max_index_pages, options.index_maxsize)
    listing = read_index(client, options.base_url, limits, cdx, timemap)
    report.index_pages, report.index_problems = listing.pages, listing.problems
    report.bounds.update(listing.bounds)
    for problem in listing.problems:
        print(f"import: index: {problem}", file=sys.stderr)
    return listing.rows


def _site_captures(listed: list[Capture], base_url: str, report: ImportReport) -> list[Capture]:
    """Return the distinct captures of the site's pages, each with its raw replay URL."""
    report.listed = len(listed)
    kept = []
    for capture in listed:
        why = site_page(capture, base_url)
        if why is None:
            kept.append(capture)
        else:
            report.not_site_pages[why] = report.not_site_pages.get(why, 0) + 1
    captures = distinct(kept)
    report.distinct = len(captures)
    root = replay_root_of(report.source)
    return [c if c.replay else _with_replay(c, raw_replay_url(root, c)) for c in captures]


def _with_replay(capture: Capture, replay: str) -> Capture:
    return Capture(**{**asdict(capture), "replay": replay})


def _fetch_all(client: ArchiveClient, writer: CaptureWriter, todo: list[Capture],
               report: ImportReport, index: str, options: ImportOptions,
               held: HeldNotes) -> None:
    shown = Progress("import", len(todo), options.progress)
    for done, capture in enumerate(todo, 1):
        answer = _fetched(client, capture, report, options.capture_maxsize)
        if answer is not None:
            report.fetched += 1
            why = refusal(capture, answer)
            if why:
                report.refuse(why, capture.replay)
            else:
                held.add(article_held(capture.original, [store(writer, capture, answer, index)]))
                report.stored += 1
        shown(done)
    shown.done(f"{report.stored} stored, {sum(map(len, report.refused.values()))} refused, "
               f"{len(report.failed)} failed")


def _fetched(client: ArchiveClient, capture: Capture, report: ImportReport,
             max_size: int) -> Replayed | None:
    """Return the archive's answer for ``capture``, None (and a line) when there is none
    to store: no answer after every retry, or one past ``IMPORT_CAPTURE_MAXSIZE``."""
    try:
        return client.get(capture.replay, max_size)
    except ArchiveUnavailable as exc:
        report.failed.append(capture.replay)
        print(f"import: failed {exc}", file=sys.stderr)
    except AnswerTooLarge as exc:
        bound(report, "import-capture-size", capture.replay, f"a capture past {max_size:,} "
              "bytes: not stored", "IMPORT_CAPTURE_MAXSIZE")
        print(f"import: not stored: {exc}", file=sys.stderr)
    return None


def refusal(capture: Capture, answer: Replayed) -> str | None:
    """Return why the archive's answer is not the capture's raw form, None when it is."""
    moment = memento_date(answer.header("Memento-Datetime"))
    if moment is None:
        return f"the archive has no replay of it (HTTP {answer.status}, no Memento-Datetime)"
    if len(capture.timestamp) >= 14 and moment.strftime("%Y%m%d%H%M%S") != capture.timestamp[:14]:
        return f"the archive replayed another capture ({moment:%Y%m%d%H%M%S})"
    if answer.status not in KEPT_STATUSES:
        return f"HTTP {answer.status} is no page of the site nor its removal"
    if capture.statuscode.isdigit() and int(capture.statuscode) != answer.status:
        return f"replayed as HTTP {answer.status}, listed as {capture.statuscode}"
    return rewritten(answer.body, capture.replay.split(capture.timestamp)[0])


def store(writer: CaptureWriter, capture: Capture, answer: Replayed, index: str) -> bytes:
    """Write the capture's response record and the metadata record of the archive's answer;
    return the HTTP message the response record holds."""
    moment = memento_date(answer.header("Memento-Datetime")) or timestamp_date(capture.timestamp)
    message = http_message(answer)
    exchange = HttpExchange(capture.original, moment, b"", message, answer.body)
    extra = [(SOURCE_URI, capture.replay), (CREATION_DATE, warc_date(utc_now())),
             (SOURCE_ARCHIVE, index),
             (MEMENTO_DATETIME, answer.header("Memento-Datetime") or ""),
             (ORIGINAL_STATUS, capture.statuscode or str(answer.status))]
    pointer = writer.write_response(exchange, [(k, v) for k, v in extra if v])
    writer.write_metadata(capture.original, {
        "via": capture.replay, "source-archive": index, "archive-answer": answer_head(answer),
        "original-headers": header_provenance(answer),
        "cdx-digest": capture.digest, "cdx-mimetype": capture.mimetype,
    }, concurrent_to=pointer.warc_record_id)
    return message


def imported_sources(files: list[Path], held: dict[str, set[int]] | None = None) -> set[str]:
    """Return the ``WARC-Source-URI`` of every capture earlier imports stored in ``files``;
    with ``held``, fill it with the articles each archive's captures hold (bodies read)."""
    found: set[str] = set()
    for path in files:
        try:
            _sources_in(path, found, held)
        except Exception as exc:  # noqa: BLE001 - a damaged file: what it holds is refetched
            logger.warning("%s: read as far as it goes: %r", path, exc)
    return found


def _sources_in(path: Path, found: set[str], held: dict[str, set[int]] | None) -> None:
    with open_records(path) as records:
        for record in records:
            if record.head.type == "warcinfo" and not warcinfo_fields(record).get(SOURCE_FIELD):
                return  # a crawl's file: no imports in it
            source = record.head.get(SOURCE_URI)
            if record.head.type != "response" or not source or not record.complete:
                continue
            found.add(source)
            if held is not None:
                article = article_held(record.head.target_uri, record.chunks())
                if article is not None:
                    archive = source_name(record.head.get(SOURCE_ARCHIVE) or source)
                    held.setdefault(archive, set()).add(article)


def _warcinfo(report: ImportReport, options: ImportOptions, index: str) -> dict[str, str]:
    from ifes_archive.crawler.warcinfo import software

    return {"software": software(), "format": "WARC File Format 1.1",
            "conformsTo": WARC_1_1_SPEC, "hostname": platform.node(),
            "operator": options.operator, "http-header-user-agent": options.user_agent,
            "description": f"captures of {options.base_url} imported from the web archive "
                           f"index {index}: each response record's WARC-Date is the original "
                           "capture time, WARC-Source-URI where its bytes were fetched",
            "ifes-import-delay": f"{options.delay:g}", SOURCE_FIELD: index,
            BASE_FIELD: options.base_url, SCOPE_FIELD: options.base_url, RUN_FIELD: report.run}


def _write_report(folder: ArchiveFolder, stamp: str, report: ImportReport) -> None:
    folder.reports.mkdir(parents=True, exist_ok=True)
    path = folder.import_report(stamp)
    path.write_text(json.dumps(asdict(report), ensure_ascii=False, indent=2) + "\n",
                    encoding="utf-8")

