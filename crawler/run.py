"""Run the ``ifes`` spider into an archive folder and summarise what it did.

``DIR/warc/`` receives the WARC files and ``DIR/articles.jsonl`` the records; ``-s NAME=VALUE``
overrides any Scrapy setting (on the local mirror: ``-s DOWNLOAD_DELAY=0`` and friends).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.settings import Settings

    from archive.warc import HttpExchange
    from crawler.firstcontact import FirstContact
    from crawler.http11 import Fetched

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "http://japanstudies.ru/"
#: Politeness relaxed for the local mirror on loopback (robots.txt is still obeyed).
MIRROR_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "RETRY_BACKOFF_BASE": "0.1",
    "LOG_LEVEL": "WARNING",
}


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
    """Cross-checks without gold (:mod:`archive.checks`): per check how many current records
    (and listing pages) agree and disagree, and every disagreement."""
    base_url_given: str = ""
    """The base URL as given, when first contact followed it elsewhere (else ``base_url``)."""
    redirects: list[str] = field(default_factory=list)
    """The front page's redirects at first contact."""
    template_misses: list[str] = field(default_factory=list)
    """Parts of the known template the front page lacked."""

    def not_the_template(self) -> str | None:
        """Return why the run read nothing of the site as the template, None when it did."""
        if self.articles or self.unchanged or not (self.not_articles or self.template_misses):
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

    def as_dict(self) -> dict[str, Any]:
        """Return the summary as plain JSON-ready data."""
        return asdict(self)

    def __str__(self) -> str:
        lines = [f"crawl of {self.base_url} {self.finish_reason}"]
        if self.stopped:
            lines.append(f"  STOPPED: {self.stopped}")
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
            *([f"  captures cut short: " + ", ".join(f"{k} {v}" for k, v in
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


def parse_settings(pairs: list[str]) -> dict[str, str]:
    """Return ``NAME=VALUE`` pairs as a dict; raise ValueError on a pair without ``=``."""
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"setting must be NAME=VALUE, got {pair!r}")
        settings[name] = value
    return settings


#: Exit status of a usage error (argparse's), a missing operator contact among them.
USAGE_STATUS = 2


def check_settings(overrides: dict[str, str]) -> None:
    """Raise ValueError for a setting whose value Scrapy could not read as the type of its
    default (``-s DOWNLOAD_DELAY=abc``): said now, in one line, not as a traceback mid-crawl."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    for name, value in overrides.items():
        default = settings.get(name)
        getter = {bool: settings.getbool, int: settings.getint,
                  float: settings.getfloat}.get(type(default))
        if getter is None:
            continue
        settings.set(name, value, priority="cmdline")
        try:
            getter(name)
        except (TypeError, ValueError):
            raise ValueError(f"setting {name}={value!r}: not a {type(default).__name__}") from None


class CrawlLocked(RuntimeError):
    """Another crawl is writing into the same archive folder."""


@contextmanager
def folder_lock(out: Path) -> Iterator[None]:
    """Hold ``out/.lock`` for the duration; raise CrawlLocked at once if another run holds it."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / ".lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "unknown"
            raise CrawlLocked(f"another crawl (pid {holder}) is running in {out}") from None
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        yield


class CrawlRefused(RuntimeError):
    """The crawl did not start: why (one line), and the exit status."""

    def __init__(self, reason: str, status: int):
        super().__init__(reason)
        self.status = status


def project_settings(overrides: dict[str, str] | None = None,
                     operator: str | None = None) -> Settings:
    """Return the crawl's settings: the project's, ``-s`` overrides, the operator and the
    User-Agent that carries it (:func:`crawler.useragent.settle_operator`)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    from crawler.useragent import settle_operator

    settings = get_project_settings()
    settings.setdict(overrides or {}, priority="cmdline")
    settle_operator(settings, operator)
    return settings


def crawl(base_url: str, out: Path, overrides: dict[str, str] | None = None,
          operator: str | None = None) -> CrawlSummary:
    """Crawl ``base_url`` into ``out`` (WARCs and records) and return the summary.

    A crawl of a host outside loopback needs an ``operator`` contact. First contact
    (:mod:`crawler.firstcontact`) follows a redirecting base URL to the same site and the crawl
    runs there. A folder that holds an earlier crawl is continued: the crawl state makes the
    recrawl incremental, and a run that was killed is resumed. Raises CrawlRefused (no contact;
    the site unreachable, closed by robots.txt, moved to another site) and CrawlLocked (another
    crawl is running in ``out``), ArchiveUnwritable (``out`` cannot be written: checked
    before any request); :meth:`CrawlSummary.not_the_template` says when the run read
    no article of the template.
    """
    from crawler.firstcontact import EXIT_STATUS, Verdict, run_first_contact
    from crawler.template import page_misses
    from crawler.useragent import operator_problem

    settings = project_settings(overrides, operator)
    problem = operator_problem(base_url, settings.get("WARC_OPERATOR", ""))
    if problem:
        raise CrawlRefused(problem, USAGE_STATUS)
    check_writable(out)
    with folder_lock(out):
        contact, fetcher = run_first_contact(base_url, settings)
        if contact.verdict is not Verdict.OK:
            raise CrawlRefused(contact.reason, EXIT_STATUS[contact.verdict])
        assert contact.front is not None
        misses = page_misses(contact.front.body, contact.front.header("Content-Type"))
        if contact.moved:
            logger.warning("%s redirects to %s: crawling there", contact.given, contact.base_url)
        if misses:
            logger.warning("the front page is not the known template: it lacks %s",
                           "; ".join(misses))
        time.sleep(fetcher.seconds_to_wait())  # the delay, between first contact and the crawl
        return _crawl(contact, fetcher.exchanges, out, settings, misses)


class ArchiveUnwritable(RuntimeError):
    """The archive folder (or a folder in it) cannot be written."""


def check_writable(out: Path) -> None:
    """Raise ArchiveUnwritable unless ``out`` and the folders a crawl writes in it take files
    (a folder not there yet: its nearest parent that is). Creates nothing."""
    for folder in (out, out / "warc", out / "reports"):
        if folder.exists() and not folder.is_dir():
            raise ArchiveUnwritable(f"{folder} is a file, not a folder")
        there = next(p for p in (folder, *folder.parents) if p.exists())
        if not there.is_dir():
            raise ArchiveUnwritable(f"{there} is a file, not a folder")
        probe = there / f".write-test-{os.getpid()}"
        try:
            probe.write_bytes(b"x")
            probe.unlink()
        except OSError as exc:
            why = exc.strerror or str(exc)
            raise ArchiveUnwritable(f"cannot write to {there}: {why}") from None


def _crawl(contact: FirstContact, exchanges: list[tuple[HttpExchange, Fetched | None]],
           out: Path, settings: Settings, template_misses: list[str]) -> CrawlSummary:
    from scrapy.crawler import CrawlerProcess

    from crawler.spiders.ifes import IfesSpider

    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    (out / "reports").mkdir(parents=True, exist_ok=True)
    reserve_report(out, stamp)
    settings = settings.copy()
    settings.set("WARC_DIR", str(out / "warc"), priority="cmdline")
    settings.set("ARTICLES_PATH", str(out / "articles.jsonl"), priority="cmdline")
    settings.set("CRAWL_STATE_PATH", str(out / "state.sqlite"), priority="cmdline")
    settings.set("CRAWL_LOG_PATH", str(out / "reports" / f"run-{stamp}.crawl.log"),
                 priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(IfesSpider)
    process.crawl(crawler, base_url=contact.base_url, first_contact=contact,
                  first_exchanges=exchanges)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    summary = _summarise(contact.base_url, out, stats)
    summary.page_requisites = {"enabled": settings.getbool("PAGE_REQUISITES"),
                               "captured": stats.get("ifes/requisites", 0),
                               "failed": stats.get("ifes/requisites_failed", 0)}
    summary.base_url_given = contact.given
    summary.redirects = [str(hop) for hop in contact.hops]
    summary.template_misses = template_misses
    summary.failures = list(getattr(crawler.spider, "failures", []))
    summary.crawl_log = settings.get("CRAWL_LOG_PATH")
    summary.scope = list(dict.fromkeys([getattr(crawler.spider, "base_url", contact.base_url),
                                        *getattr(crawler.spider, "scope_also", ())]))
    write_report(out, stamp, summary)
    return summary


#: Space set aside for the report files when the run starts, so that a run stopped by a full
#: disk can still say why: (file, bytes).
REPORT_RESERVE = (("run-{stamp}.json", 256 * 1024), ("run-{stamp}.txt", 64 * 1024))


def _report_files(out: Path, stamp: str) -> list[tuple[Path, int]]:
    files = [(out / "reports" / name.format(stamp=stamp), size) for name, size in REPORT_RESERVE]
    return [*files, (out / "crawl-summary.json", REPORT_RESERVE[0][1])]


def reserve_report(out: Path, stamp: str) -> None:
    """Take the disk space the run's report will need before anything else does."""
    for path, size in _report_files(out, stamp):
        if path.name != "crawl-summary.json" or not path.exists():
            path.write_bytes(b" " * size)


def write_report(out: Path, stamp: str, summary: CrawlSummary) -> None:
    """Write the run's report (JSON and text) and ``crawl-summary.json`` over the space set
    aside for them; on a disk that refuses even so, say so on stderr (the summary is printed
    anyway)."""
    report = json.dumps(summary.as_dict(), indent=2, default=str) + "\n"
    texts = [report, str(summary) + "\n", report]
    try:
        for (path, _), text in zip(_report_files(out, stamp), texts):
            with open(path, "r+b" if path.exists() else "wb") as stream:
                stream.write(text.encode("utf-8"))
                stream.truncate()
    except OSError as exc:
        print(f"ifes-archive crawl: could not write the report in {out / 'reports'}: "
              f"{exc.strerror or exc}", file=sys.stderr)


def _summarise(base_url: str, out: Path, stats: dict[str, Any]) -> CrawlSummary:
    warcs = sorted((out / "warc").glob("*.warc.gz"))
    return CrawlSummary(
        base_url=base_url, out=str(out),
        finish_reason=str(stats.get("finish_reason", "unknown")),
        # First contact's requests, made before Scrapy's, are the crawl's too; Scrapy's requests
        # it answered (robots.txt, the front page) never reached the site.
        requests=stats.get("downloader/request_count", 0)
        + stats.get("ifes/first_contact/requests", 0) - stats.get("capture/first_contact", 0),
        responses=stats.get("downloader/response_count", 0)
        + stats.get("ifes/first_contact/responses", 0) - stats.get("capture/first_contact", 0),
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
        response_bytes=stats.get("capture/response_bytes", 0),
        duration_seconds=float(stats.get("elapsed_time_seconds", 0.0)),
        started=str(stats.get("start_time", "")),
        warc_files=[{"name": p.name, "bytes": p.stat().st_size} for p in warcs],
        articles_path=str(out / "articles.jsonl"),
        listings=_listings(stats.get("ifes/listing_fetches") or {}),
        checks=stats.get("ifes/checks") or {},
        stopped=str(stats.get("ifes/storage_failure", "")),
        moved_from=str(stats.get("ifes/moved_from", "")),
        robots=dict(stats.get("ifes/robots") or {}),
        incomplete_captures={k.rsplit("/", 1)[1]: v for k, v in sorted(stats.items())
                             if k.startswith("capture/incomplete/")},
    )


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
