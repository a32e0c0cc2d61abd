"""``ifes-archive crawl``: the ``ifes`` spider into an archive folder, and what its run came to.

A thin layer over Scrapy: the folder's lock, recovery, captures and report are the capture
session's (:mod:`crawler.session`), first contact the spider's first request
(:mod:`crawler.firstcontact`), as under ``scrapy crawl ifes -s ARCHIVE_DIR=...``. What the
command adds: the operator check and a writable folder before any request, and the run's outcome
as an exception with its exit status (a folder another crawl holds; a site first contact
refused, with its reason; ``--max-time`` spent before first contact was done).
"""

from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ifes_archive.archive.warcs.folder import ArchiveFolder

if TYPE_CHECKING:
    from scrapy.settings import Settings

    from ifes_archive.crawler.report import CrawlSummary
    from ifes_archive.crawler.session import CaptureSession

logger = logging.getLogger(__name__)

#: The project's settings module (``scrapy.cfg`` names it too).
SETTINGS_MODULE = "ifes_archive.crawler.settings"
#: Exit status of a usage error (argparse's), a missing operator contact among them.
USAGE_STATUS = 2


def parse_settings(pairs: list[str]) -> dict[str, str]:
    """Return ``NAME=VALUE`` pairs as a dict; raise ValueError on a pair without ``=``."""
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"setting must be NAME=VALUE, got {pair!r}")
        settings[name] = value
    return settings


class BadSetting(ValueError):
    """A ``-s NAME=VALUE`` that cannot be read: one line for the user."""


def project_settings(overrides: dict[str, str] | None = None,
                     operator: str | None = None) -> Settings:
    """Return the crawl's settings: the project's, ``-s`` overrides, the operator and the
    User-Agent that carries it (:func:`crawler.useragent.settle_operator`). Raise ValueError
    for an override whose value is not of its default's type (``-s DOWNLOAD_DELAY=abc``): said
    now, in one line, not as a traceback mid-crawl."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", SETTINGS_MODULE)
    from scrapy.utils.project import get_project_settings

    from ifes_archive.crawler.middlewares import accept_encoding
    from ifes_archive.crawler.useragent import settle_operator

    settings = get_project_settings()
    for name, value in (overrides or {}).items():
        default = settings.get(name)
        settings.set(name, value, priority="cmdline")
        getter = {bool: settings.getbool, int: settings.getint,
                  float: settings.getfloat}.get(type(default))
        try:
            if getter is not None:
                getter(name)
        except (TypeError, ValueError):
            raise BadSetting(f"setting {name}={value!r}: not a {type(default).__name__}") from None
    try:
        accept_encoding(settings)
    except ValueError as exc:
        raise BadSetting(str(exc)) from None
    settle_operator(settings, operator)
    return settings


class CrawlRefused(RuntimeError):
    """The crawl did not start: why (one line), and the exit status."""

    def __init__(self, reason: str, status: int):
        super().__init__(reason)
        self.status = status


class ArchiveUnwritable(RuntimeError):
    """The archive folder (or a folder in it) cannot be written."""


def check_writable(folder: ArchiveFolder) -> None:
    """Raise ArchiveUnwritable unless the folder and the folders a crawl writes in it take files
    (a folder not there yet: its nearest parent that is). Creates nothing."""
    for path in (folder.root, folder.warc, folder.reports):
        if path.exists() and not path.is_dir():
            raise ArchiveUnwritable(f"{path} is a file, not a folder")
        there = next(p for p in (path, *path.parents) if p.exists())
        if not there.is_dir():
            raise ArchiveUnwritable(f"{there} is a file, not a folder")
        probe = there / f".write-test-{os.getpid()}"
        try:
            probe.write_bytes(b"x")
            probe.unlink()
        except OSError as exc:
            why = exc.strerror or str(exc)
            raise ArchiveUnwritable(f"cannot write to {there}: {why}") from None


def crawl(base_url: str, out: Path, overrides: dict[str, str] | None = None,
          operator: str | None = None) -> CrawlSummary:
    """Crawl ``base_url`` into the archive folder ``out`` and return the run's report.

    A crawl of a host outside loopback needs an ``operator`` contact. First contact follows a
    redirecting base URL to the same site and the crawl runs there. A folder that holds an
    earlier crawl is continued: the crawl state makes the recrawl incremental, and a run that
    was killed is resumed. Raises BadSetting (an override of the wrong type), CrawlRefused (no
    contact; the site unreachable, closed by robots.txt, moved to another site; --max-time
    spent in first contact), :class:`FolderRefused` (another crawl is running in ``out``),
    ArchiveUnwritable (``out`` cannot be written: checked before any request), CrawlSignalled;
    :meth:`CrawlSummary.not_the_template` says when the run read no article of the template.
    """
    from ifes_archive.crawler.useragent import operator_problem

    settings = project_settings({**(overrides or {}), "ARCHIVE_DIR": str(out)}, operator)
    if not settings.getfloat("CRAWL_STARTED_AT"):
        # --max-time counts from now, first contact included (crawler/runend.py ends the crawl).
        settings.set("CRAWL_STARTED_AT", time.time(), priority="cmdline")
    problem = operator_problem(base_url, settings.get("WARC_OPERATOR"))
    if problem:
        raise CrawlRefused(problem, USAGE_STATUS)
    check_writable(ArchiveFolder(out))
    return _crawl(base_url, settings)


class FolderRefused(RuntimeError):
    """Another crawl holds the archive folder (:class:`archive.warcs.folder.FolderLocked`, as the
    capture session found it): this one did not start. ``recorded``: where the refusal was
    written in the folder's reports (None when the folder refused that too)."""

    def __init__(self, locked: str, recorded: Path | None):
        super().__init__(locked)
        self.recorded = recorded


class CrawlSignalled(RuntimeError):
    """The crawl was stopped by a signal (SIGINT, SIGTERM) and closed cleanly: its report, and
    the signal."""

    def __init__(self, summary: CrawlSummary, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.summary = summary
        self.signum = signum


def _crawl(base_url: str, settings: Settings) -> CrawlSummary:
    from ifes_archive.crawler.runend import SignalledProcess
    from ifes_archive.crawler.session import CaptureSession
    from ifes_archive.crawler.spiders.ifes import IfesSpider

    process = SignalledProcess(settings)
    crawler = process.create_crawler(IfesSpider)
    process.crawl(crawler, base_url=base_url)
    process.start()
    session = crawler.get_extension(CaptureSession)
    assert session is not None, "the capture session is not enabled"
    summary = _outcome(session, crawler.spider)
    if process.signalled is not None:
        raise CrawlSignalled(summary, process.signalled)
    _refused_by_first_contact(crawler.spider, summary, settings)
    return summary


def _outcome(session: CaptureSession, spider: object) -> CrawlSummary:
    """Return the run's report; raise FolderRefused when another crawl held the folder."""
    from ifes_archive.crawler.session import ARCHIVE_LOCKED

    if session.refusal is not None and session.refusal[0] == ARCHIVE_LOCKED:
        raise FolderRefused(session.refusal[1], session.refusal_recorded)
    if session.refusal is not None:
        raise ArchiveUnwritable(session.refusal[1])
    assert session.summary is not None, "the crawl never started"
    return session.summary


def _refused_by_first_contact(spider: object, summary: CrawlSummary, settings: Settings) -> None:
    """Raise CrawlRefused when first contact refused the site, or (exit 5, a bound) when
    ``--max-time`` (CLOSESPIDER_TIMEOUT) ran out before it was done."""
    from ifes_archive.crawler.bounds import EXIT_BOUNDED
    from ifes_archive.crawler.verdict import EXIT_STATUS, Verdict

    contact = getattr(spider, "first_contact", None)
    if contact is not None and contact.done and contact.verdict is not Verdict.OK:
        raise CrawlRefused(contact.reason, EXIT_STATUS[contact.verdict])
    if contact is not None and not contact.done and \
            summary.finish_reason == "closespider_timeout":
        limit = settings.getfloat("CLOSESPIDER_TIMEOUT")
        raise CrawlRefused(f"--max-time ({limit:g} s) ran out during first contact (robots.txt "
                           "and the front page): nothing was crawled", EXIT_BOUNDED)
