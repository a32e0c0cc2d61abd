"""The run's report: what one crawl did, for people (text) and programs (JSON).

Written by the capture session (:class:`crawler.session.CaptureSession`) when the crawl closes:
``reports/run-STAMP.json`` and ``reports/run-STAMP.txt`` in the archive folder, and
``crawl-summary.json`` (the last run's) beside them. Space for them is set aside when the run
starts, so that a run stopped by a full disk can still say why.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ifes_archive.crawler.bounds import bounds_hit

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from ifes_archive.archive.warcs.folder import ArchiveFolder

logger = logging.getLogger(__name__)


@dataclass
class CrawlSummary:
    """What one crawl did, for people (``str``) and programs (``as_dict``)."""

    base_url: str
    out: str
    finish_reason: str
    requests: int
    responses: int
    articles: int
    captures: int
    restricted: int
    not_found: int
    failed: int
    not_articles: int = 0
    """Pages at article URLs that were neither an article of the template nor a refusal."""
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    gone: int = 0
    robots_blocked: int = 0
    #: ``PAGE_REQUISITES``: on or off, requisites captured, and those that failed.
    page_requisites: dict[str, Any] = field(default_factory=dict)
    response_bytes: int = 0
    duration_seconds: float = 0.0
    started: str = ""
    failures: list[dict[str, str]] = field(default_factory=list)
    warc_files: list[dict[str, Any]] = field(default_factory=list)
    articles_path: str = ""
    listings: dict[str, Any] = field(default_factory=dict)
    """Listing pages fetched per distinct listing (``distinct``, ``pages``, ``fetches``, and
    ``refetched``: pages fetched more than once)."""
    checks: dict[str, Any] = field(default_factory=dict)
    """Cross-checks without gold (:mod:`archive.page.checks`): per check how many current records
    (and listing pages) agree and disagree, and every disagreement."""
    base_url_given: str = ""
    """The base URL as given, when first contact followed it elsewhere (else ``base_url``)."""
    redirects: list[str] = field(default_factory=list)
    """The front page's redirects at first contact."""
    template_misses: list[str] = field(default_factory=list)
    """Parts of the known template the front page lacked."""

    def not_the_template(self) -> str | None:
        """Return why the run read nothing of the site as the template, None when it did (or
        when a bound cut the run before any article page was read: nothing was judged)."""
        if self.articles or self.unchanged or not (self.not_articles or self.template_misses):
            return None
        if self.bounds and not self.not_articles:
            return None
        misses = f"; the front page lacks {', '.join(self.template_misses)}" \
            if self.template_misses else ""
        return (f"no page of {self.base_url} was read as an article of the known template "
                f"({self.not_articles} article pages were not{misses}): generic extraction "
                "only; run `ifes-archive probe` to see what differs")
    stopped: str = ""
    """Why the run stopped before its end when the archive could not be written, else ""."""
    robots: dict[str, str] = field(default_factory=dict)
    """Per origin, what its robots.txt came to (RFC 9309: rules read, allow all on a 4xx,
    disallow all on a 5xx or no answer)."""
    scope: list[str] = field(default_factory=list)
    """The base URLs whose scheme, host and port the crawl kept to."""
    crawl_log: str = ""
    """This run's crawl log: one line per fetch attempt (Heritrix's crawl.log columns)."""
    moved_from: str = ""
    """The base URL of the run before, when the site moved since (this run continued there)."""
    incomplete_captures: dict[str, int] = field(default_factory=dict)
    """Captures kept although cut short, by why (timeout, dataloss, maxsize, protocol)."""
    bounds: dict[str, Any] = field(default_factory=dict)
    """Every bound that took effect (:mod:`crawler.bounds`): per bound how often, the setting
    that sets it, what it said and the first URLs it stopped. Non-empty: exit status 5."""

    def as_dict(self) -> dict[str, Any]:
        """Return the summary as plain JSON-ready data."""
        return asdict(self)

    def __str__(self) -> str:
        lines = [f"crawl of {self.base_url} {self.finish_reason}"]
        if self.stopped:
            lines.append(f"  STOPPED: {self.stopped}")
        lines += [f"  BOUND {name} ({b['setting'] or 'fixed'}) took effect {b['count']} times"
                  f"{': ' + b['detail'] if b['detail'] else ''}; first at {b['examples'][0]}"
                  for name, b in self.bounds.items()]
        if self.base_url_given and self.base_url_given != self.base_url:
            lines.append(f"  the site moved: {self.base_url_given} redirects to {self.base_url}; "
                         "crawled there (use that --base-url from now on)")
        if self.moved_from:
            lines.append(f"  the site moved from {self.moved_from}: the archive continues at "
                         f"{self.base_url}")
        lines += [
            f"  requests {self.requests}, responses {self.responses}, "
            f"captures {self.captures} (request+response pairs)",
            f"  articles {self.articles}, restricted {self.restricted}, "
            f"not found {self.not_found}, failed {self.failed}",
            f"  since the last run: new {self.new}, changed {self.changed}, "
            f"unchanged {self.unchanged}, gone {self.gone}; blocked by robots.txt "
            f"{self.robots_blocked}",
            *([f"  page requisites: {self.page_requisites['captured']} captured, "
               f"{self.page_requisites['failed']} failed"]
              if self.page_requisites.get("enabled") else []),
            f"  {self.response_bytes:,} bytes received in {self.duration_seconds:.1f} s",
            *[f"  robots.txt of {origin}: {outcome}" for origin, outcome in self.robots.items()],
            *(["  captures cut short: " + ", ".join(f"{k} {v}" for k, v in
                                                      self.incomplete_captures.items())]
              if self.incomplete_captures else []),
            f"  records: {self.articles_path}",
            f"  crawl log: {self.crawl_log}",
            f"  WARC files ({len(self.warc_files)}) in {Path(self.out) / 'warc'}:",
        ]
        lines += [f"    {f['name']}  {f['bytes']:,} bytes" for f in self.warc_files]
        if self.listings:
            lines.append(f"  listings {self.listings['distinct']}: {self.listings['pages']} pages, "
                         f"{self.listings['fetches']} fetches, refetched "
                         f"{len(self.listings['refetched'])}")
        if self.checks.get("counts"):
            counts = ", ".join(f"{name} {c.get('agree', 0)} agree / {c.get('disagree', 0)} disagree"
                               for name, c in self.checks["counts"].items())
            lines.append(f"  cross-checks: {counts}")
            lines += [f"    disagrees: {d.get('article_id', d.get('url'))} {d['check']}: "
                      f"{d['detail']}" for d in self.checks["disagreements"][:20]]
        lines += [f"  failed: {f['url']} ({f['reason']})" for f in self.failures[:20]]
        return "\n".join(lines)


#: Space set aside for the report files when the run starts: (suffix, bytes).
REPORT_RESERVE = (("json", 256 * 1024), ("txt", 64 * 1024))


def _report_files(folder: ArchiveFolder, stamp: str) -> list[tuple[Path, int]]:
    files = [(folder.run_report(stamp, suffix), size) for suffix, size in REPORT_RESERVE]
    return [*files, (folder.summary, REPORT_RESERVE[0][1])]


def reserve_report(folder: ArchiveFolder, stamp: str) -> None:
    """Take the disk space the run's report will need before anything else does."""
    folder.reports.mkdir(parents=True, exist_ok=True)
    for path, size in _report_files(folder, stamp):
        if path != folder.summary or not path.exists():
            path.write_bytes(b" " * size)


def write_report(folder: ArchiveFolder, stamp: str, summary: CrawlSummary) -> None:
    """Write the run's report (JSON and text) and ``crawl-summary.json`` over the space set
    aside for them; on a disk that refuses even so, log why (the summary is printed anyway)."""
    report = json.dumps(summary.as_dict(), indent=2, default=str) + "\n"
    texts = [report, str(summary) + "\n", report]
    try:
        for (path, _), text in zip(_report_files(folder, stamp), texts):
            with open(path, "r+b" if path.exists() else "wb") as stream:
                stream.write(text.encode("utf-8"))
                stream.truncate()
    except OSError as exc:
        logger.critical("could not write the report in %s: %s", folder.reports,
                        exc.strerror or exc)


def record_refusal(folder: ArchiveFolder, stamp: str, reason: str, why: str,
                   **details: str) -> Path | None:
    """Write ``reports/refused-STAMP-PID.json``: a run that did not start (``reason``, the finish
    reason; ``why``, one line; ``details`` such as the base URL or the scheduler's job id). A
    file of its own: the crawl that holds the folder owns every other file in it. Return its path,
    or None when the folder refuses it too (logged)."""
    path = folder.reports / f"refused-{stamp}-{os.getpid()}.json"
    fields = {"finish_reason": reason, "why": why, "pid": os.getpid(),
              "time": datetime.now(timezone.utc).isoformat(timespec="seconds"), **details}
    try:
        folder.reports.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(json.dumps(fields, indent=2) + "\n", encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        logger.error("could not record the refusal in %s: %s", folder.reports, exc.strerror or exc)
        return None
    return path


def summarise(crawler: Crawler, folder: ArchiveFolder, stamp: str, reason: str) -> CrawlSummary:
    """Return the report of the crawl that just closed with ``reason``: its stats, what its
    spider kept (failures, listings, first contact), the folder's WARC files."""
    stats = crawler.stats.get_stats() if crawler.stats else {}
    spider = crawler.spider
    base_url = str(getattr(spider, "base_url", ""))
    contact = getattr(spider, "first_contact", None)
    started = stats.get("start_time")
    elapsed = (datetime.now(timezone.utc) - started).total_seconds() \
        if isinstance(started, datetime) else 0.0
    settings = crawler.settings
    return CrawlSummary(
        base_url=base_url, out=str(folder.root),
        finish_reason=reason,
        requests=stats.get("downloader/request_count", 0),
        responses=stats.get("downloader/response_count", 0),
        articles=stats.get("ifes/articles", 0),
        captures=stats.get("capture/exchanges", 0),
        restricted=stats.get("ifes/restricted", 0),
        not_found=stats.get("ifes/not_found", 0),
        failed=stats.get("ifes/failed", 0),
        not_articles=stats.get("ifes/not_article", 0),
        new=stats.get("ifes/articles_new", 0),
        changed=stats.get("ifes/articles_changed", 0),
        unchanged=stats.get("ifes/articles_unchanged", 0),
        gone=stats.get("ifes/articles_gone", 0),
        robots_blocked=stats.get("robotstxt/forbidden", 0),
        page_requisites={"enabled": settings.getbool("PAGE_REQUISITES"),
                         "captured": stats.get("ifes/requisites", 0),
                         "failed": stats.get("ifes/requisites_failed", 0)},
        response_bytes=stats.get("capture/response_bytes", 0),
        duration_seconds=float(stats.get("elapsed_time_seconds", elapsed)),
        started=str(started or ""),
        failures=list(getattr(spider, "failures", [])),
        warc_files=[{"name": p.name, "bytes": p.stat().st_size} for p in folder.warc_files()],
        articles_path=str(folder.articles),
        listings=_listings(getattr(spider, "listing_fetches", {})),
        checks=stats.get("ifes/checks") or {},
        base_url_given=getattr(contact, "given", base_url),
        redirects=[str(hop) for hop in getattr(contact, "hops", [])],
        template_misses=list(getattr(contact, "template_misses", [])),
        stopped=str(stats.get("ifes/storage_failure", "")),
        robots=dict(stats.get("ifes/robots") or {}),
        scope=list(getattr(spider, "scope", [])),
        crawl_log=str(folder.run_report(stamp, "crawl.log")),
        moved_from=str(stats.get("ifes/moved_from", "")),
        incomplete_captures={k.rsplit("/", 1)[1]: v for k, v in sorted(stats.items())
                             if k.startswith("capture/incomplete/")},
        bounds={**_run_bound(reason, settings), **bounds_hit(stats)},
    )


#: Finish reasons of a run ended by a whole-run bound: reason -> (bound, its setting).
RUN_BOUNDS = {"closespider_timeout": ("max-time", "CLOSESPIDER_TIMEOUT"),
              "closespider_pagecount": ("max-pages", "CLOSESPIDER_PAGECOUNT")}


def _run_bound(reason: str, settings: Any) -> dict[str, Any]:
    """Return the bound entry of a run that a whole-run bound ended, else nothing."""
    if reason not in RUN_BOUNDS:
        return {}
    name, setting = RUN_BOUNDS[reason]
    return {name: {"count": 1, "examples": ["-"], "setting": setting,
                   "detail": f"the run ended at {setting}={settings.get(setting)}"}}


def _listings(fetches: dict[str, list[int]]) -> dict[str, Any]:
    """Return the listing fetches of a run, counted per distinct listing and page."""
    if not fetches:
        return {}
    pages = {(identity, start) for identity, starts in fetches.items() for start in starts}
    refetched = sorted(f"{identity} from {start}" for identity, starts in fetches.items()
                       for start in set(starts) if starts.count(start) > 1)
    return {"distinct": len(fetches), "pages": len(pages),
            "fetches": sum(len(v) for v in fetches.values()), "refetched": refetched,
            "per_listing": {k: len(v) for k, v in sorted(fetches.items())}}
