"""``ifes-archive import``: the site's captures that a public web archive holds, into WARC
records of the archive folder, beside the project's own crawls.

One run: find the captures (a CDX server's answers, page by page with resume keys, or a
Memento TimeMap's, page by page), keep those of the site's article pages, print views and
listings (:func:`archive.corpus.imports.cdx.site_page`), each distinct capture once; leave out those
an earlier import already stored (so a run killed half way goes on where it stopped: each record
is written whole or not at all); fetch each one's raw replay (``id_``) politely
(:mod:`crawler.archive_client`) and store it as a ``response`` record that says where and when
it was captured and where it came from (:mod:`archive.corpus.imports.records`), with a ``metadata``
record holding the archive's answer head. A replay that is not the raw capture (the archive's
banner or rewritten links, another capture, the archive's own error page) is refused with a
line saying so; nothing of it is stored.
"""

from __future__ import annotations

import json
import logging
import platform
import sys
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, cast

from ifes_archive.archive.corpus.imports.cdx import (
    Capture,
    CdxPage,
    cdx_query_url,
    distinct,
    parse_cdx,
    raw_replay_url,
    replay_root_of,
    site_page,
)
from ifes_archive.archive.corpus.imports.coverage import coverage, crawled_status, held_ids
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
    timestamp_date,
)
from ifes_archive.archive.corpus.imports.timemap import parse_timemap
from ifes_archive.archive.progress import Progress
from ifes_archive.archive.warcs.folder import ArchiveFolder, acquire, release, run_stamp
from ifes_archive.archive.warcs.reader import open_records, warcinfo_fields
from ifes_archive.archive.warcs.writer import (
    BASE_FIELD,
    RUN_FIELD,
    SCOPE_FIELD,
    WARC_1_1_SPEC,
    CaptureWriter,
    HttpExchange,
    close_out_open_files,
    utc_now,
    warc_date,
)
from ifes_archive.crawler import settings as defaults
from ifes_archive.crawler.archive_client import ArchiveClient, ArchiveUnavailable
from ifes_archive.crawler.bounds import bounds_hit, note_bound

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

#: File name prefix of imported WARC files (an import's files are told apart at a glance).
IMPORT_PREFIX = "ifes-import"
#: Statuses of a replayed capture that are the site's answer (a page, its removal).
KEPT_STATUSES = (200, 404, 410)
#: A TimeMap that pages on for longer than this is taken for a loop.
MAX_INDEX_PAGES = 10_000


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
    requests: int = 0
    waited_seconds: float = 0.0
    bounds: dict[str, Any] = field(default_factory=dict)

    def refuse(self, why: str, url: str) -> None:
        """Count one refused capture and say so on stderr."""
        self.refused.setdefault(why, []).append(url)
        print(f"import: refused {url}: {why}", file=sys.stderr)


class _Stats(dict):
    """The two calls of a Scrapy stats collector :func:`crawler.bounds.note_bound` makes."""

    def get_value(self, key: str) -> Any:
        return self.get(key)

    def set_value(self, key: str, value: Any) -> None:
        self[key] = value


class IndexUnavailable(Exception):
    """The archive's index (CDX or TimeMap) could not be read: nothing to import from."""


def run_import(root: Path, options: ImportOptions, cdx: str = "", timemap: str = "",
               ) -> ImportReport:
    """Import the site's captures listed by ``cdx`` (a CDX endpoint) or ``timemap`` into the
    archive folder ``root``; return the report (also written under ``reports/``)."""
    folder = ArchiveFolder(root)
    acquire(folder)
    try:
        return _run(folder, options, cdx, timemap)
    finally:
        release(folder)


def _run(folder: ArchiveFolder, options: ImportOptions, cdx: str, timemap: str) -> ImportReport:
    index = cdx or timemap
    stamp = run_stamp()
    report = ImportReport(f"import-{stamp}", index, options.base_url)
    client = ArchiveClient(options.user_agent, options.delay, options.retries,
                           options.max_backoff, options.timeout)
    folder.warc.mkdir(parents=True, exist_ok=True)
    close_out_open_files(folder.warc)
    done = imported_sources(folder.warc_files())
    listed = _list(client, report, options, cdx, timemap)
    captures = _site_captures(listed, options.base_url, report)
    live = options.live or folder.root
    report.coverage = coverage(held_ids(captures), crawled_status(ArchiveFolder(live).articles))
    todo = [c for c in captures if c.replay not in done]
    report.already_imported = len(captures) - len(todo)
    todo = _capped(todo, options.max_captures, report)
    writer = CaptureWriter(folder.warc, prefix=IMPORT_PREFIX,
                           warcinfo=_warcinfo(report, options, index))
    try:
        _fetch_all(client, writer, todo, report, index, options.progress)
    finally:
        writer.close()
        report.requests, report.waited_seconds = client.requests, round(client.waited, 3)
        _write_report(folder, stamp, report)
    return report


def _capped(todo: list[Capture], cap: int, report: ImportReport) -> list[Capture]:
    """Return the first ``cap`` captures to fetch (all when ``cap`` is 0); the bound
    ``import-captures`` notes each one left for the next run."""
    if not cap or len(todo) <= cap:
        return todo
    report.capped = len(todo) - cap
    stats = _Stats()
    for capture in todo[cap:]:
        note_bound(cast("StatsCollector", stats), "import-captures", capture.replay,
                   f"{cap} captures a run", "IMPORT_MAX_CAPTURES")
    report.bounds = bounds_hit(stats)
    return todo[:cap]


def _list(client: ArchiveClient, report: ImportReport, options: ImportOptions, cdx: str,
          timemap: str) -> list[Capture]:
    """Return every capture the index lists (rows of other pages included)."""
    try:
        if cdx:
            return _cdx_rows(client, report, cdx, options)
        return _timemap_rows(client, report, timemap)
    except ArchiveUnavailable as exc:
        raise IndexUnavailable(str(exc)) from exc


def _cdx_rows(client: ArchiveClient, report: ImportReport, endpoint: str,
              options: ImportOptions) -> list[Capture]:
    """Page through a CDX server's answers with resume keys; a server that ignores them (pywb
    cuts at ``limit`` and says nothing) is asked once more for everything."""
    rows: list[Capture] = []
    resume = ""
    while True:
        page = _cdx_page(client, report, cdx_query_url(endpoint, options.base_url,
                                                        options.page_size, resume))
        rows += page.captures
        if page.resume_key and page.resume_key != resume:
            resume = page.resume_key
            continue
        if options.page_size and len(page.captures) >= options.page_size and not resume:
            return _cdx_page(client, report, cdx_query_url(endpoint, options.base_url)).captures
        return rows


def _cdx_page(client: ArchiveClient, report: ImportReport, url: str) -> CdxPage:
    answer = client.get(url)
    report.index_pages += 1
    if answer.status == 404:  # pywb: "No Captures found"
        return parse_cdx("")
    if answer.status != 200:
        raise IndexUnavailable(f"{url}: HTTP {answer.status}")
    try:
        return parse_cdx(answer.body.decode("utf-8", "replace"))
    except ValueError as exc:
        raise IndexUnavailable(f"{url}: not a CDX answer ({exc})") from exc


def _timemap_rows(client: ArchiveClient, report: ImportReport, url: str) -> list[Capture]:
    rows: list[Capture] = []
    seen: set[str] = set()
    while url and url not in seen and len(seen) < MAX_INDEX_PAGES:
        seen.add(url)
        answer = client.get(url)
        report.index_pages += 1
        if answer.status == 404:
            break
        if answer.status != 200:
            raise IndexUnavailable(f"{url}: HTTP {answer.status}")
        captures, url = parse_timemap(answer.body.decode("utf-8", "replace"), url)
        rows += captures
    return rows


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
               report: ImportReport, index: str, progress: bool | None) -> None:
    shown = Progress("import", len(todo), progress)
    for done, capture in enumerate(todo, 1):
        try:
            answer = client.get(capture.replay)
        except ArchiveUnavailable as exc:
            report.failed.append(capture.replay)
            print(f"import: failed {exc}", file=sys.stderr)
            continue
        report.fetched += 1
        why = refusal(capture, answer)
        if why:
            report.refuse(why, capture.replay)
        else:
            store(writer, capture, answer, index)
            report.stored += 1
        shown(done)
    shown.done(f"{report.stored} stored, {sum(map(len, report.refused.values()))} refused, "
               f"{len(report.failed)} failed")


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


def store(writer: CaptureWriter, capture: Capture, answer: Replayed, index: str) -> None:
    """Write the capture's response record and the metadata record of the archive's answer."""
    moment = memento_date(answer.header("Memento-Datetime")) or timestamp_date(capture.timestamp)
    exchange = HttpExchange(capture.original, moment, b"", http_message(answer), answer.body)
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


def imported_sources(files: list[Path]) -> set[str]:
    """Return the ``WARC-Source-URI`` of every capture earlier imports stored in ``files``."""
    found: set[str] = set()
    for path in files:
        try:
            _sources_in(path, found)
        except Exception as exc:  # noqa: BLE001 - a damaged file: what it holds is refetched
            logger.warning("%s: read as far as it goes: %r", path, exc)
    return found


def _sources_in(path: Path, found: set[str]) -> None:
    with open_records(path) as records:
        for record in records:
            if record.head.type == "warcinfo" and not warcinfo_fields(record).get(SOURCE_FIELD):
                return  # a crawl's file: no imports in it
            source = record.head.get(SOURCE_URI)
            if record.head.type == "response" and source and record.complete:
                found.add(source)


def _warcinfo(report: ImportReport, options: ImportOptions, index: str) -> dict[str, str]:
    from ifes_archive.crawler.session import software

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
    path = folder.reports / f"import-{stamp}.json"
    path.write_text(json.dumps(asdict(report), ensure_ascii=False, indent=2) + "\n",
                    encoding="utf-8")

