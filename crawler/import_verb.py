"""The ``import`` verb of the command line: its options and what its exit status says.

``ifes-archive import ARCHIVE_DIR (--cdx URL | --timemap URL) [--base-url SITE]`` brings the
captures of the site a public web archive holds into the archive folder (:mod:`crawler.importer`).
"""

from __future__ import annotations

import argparse
import math
import os
from typing import TYPE_CHECKING

from ifes_archive.archive.terminal import safe
from ifes_archive.crawler import settings as defaults
from ifes_archive.crawler.verb_common import (
    BOUNDED,
    FAILED,
    LOCKED,
    OK,
    UNWRITABLE,
    fail,
)

if TYPE_CHECKING:
    from ifes_archive.crawler.importer import ImportOptions



def add_import(verbs: argparse._SubParsersAction) -> None:
    """Add the ``import`` verb to the command line's verbs."""
    verb = verbs.add_parser("import", help="import the site's captures from a public web archive "
                                           "(CDX API or Memento TimeMap) as WARC records")
    verb.add_argument("archive", metavar="ARCHIVE_DIR", help="archive folder to import into")
    where = verb.add_mutually_exclusive_group(required=True)
    where.add_argument("--cdx", metavar="URL", help="a CDX server endpoint (the Internet "
                       "Archive's https://web.archive.org/cdx/search/cdx, pywb's .../COLL/cdx)")
    where.add_argument("--timemap", metavar="URL", help="a Memento TimeMap (link format) of the "
                       "site's pages, e.g. .../timemap/link/http://site/*")
    verb.add_argument("--base-url", default=defaults.BASE_URL,
                      help=f"the site, as for crawl (default: {defaults.BASE_URL})")
    verb.add_argument("--operator", help="who runs the import and how to reach them (default: "
                      "$WARC_OPERATOR); needed for an archive outside loopback")
    verb.add_argument("--delay", type=float, metavar="SECONDS",
                      help=f"seconds between requests, the rate limit (IMPORT_DELAY, default "
                      f"{defaults.IMPORT_DELAY:g})")
    verb.add_argument("--retries", type=int, metavar="N", help="tries after a 429, 5xx or no "
                      f"answer (IMPORT_RETRIES, default {defaults.IMPORT_RETRIES})")
    verb.add_argument("--timeout", type=float, metavar="SECONDS", help="seconds one answer may "
                      f"take, whole (IMPORT_TIMEOUT, default {defaults.IMPORT_TIMEOUT:g})")
    verb.add_argument("--page-size", type=int, metavar="ROWS", help="CDX rows asked for at a "
                      "time, the query's limit, 0 all at once (IMPORT_CDX_PAGE_SIZE, default "
                      f"{defaults.IMPORT_CDX_PAGE_SIZE})")
    verb.add_argument("--max-captures", type=int, metavar="N", help="fetch at most N captures "
                      "this run, 0 all; the next run goes on (IMPORT_MAX_CAPTURES, default "
                      f"{defaults.IMPORT_MAX_CAPTURES})")
    verb.add_argument("-s", "--set", dest="setting", action="append", default=[],
                      metavar="NAME=VALUE", help="an IMPORT_* setting (README, settings of the "
                      "import), repeatable; the options above win over it")
    verb.add_argument("--live", metavar="DIR", help="crawl folder whose corpus says what the "
                      "live site serves, for the coverage report (default: ARCHIVE_DIR)")
    verb.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    verb.set_defaults(run=run_verb)


def run_verb(args: argparse.Namespace) -> int:
    """Run ``ifes-archive import``; return its exit status."""
    from pathlib import Path

    from ifes_archive.archive.warcs.folder import FolderLocked
    from ifes_archive.archive.warcs.warcfiles import WarcInputError
    from ifes_archive.crawler.import_index import IndexUnavailable
    from ifes_archive.crawler.importer import run_import
    from ifes_archive.crawler.useragent import operator_problem, user_agent

    index = args.cdx or args.timemap
    if not index.lower().startswith(("http://", "https://")):
        return fail("import", f"the index must be an http or https URL, got {index!r}")
    operator = (args.operator if args.operator is not None
                else os.environ.get("WARC_OPERATOR", "")).strip()
    problem = operator_problem(index, operator)
    if problem:
        return fail("import", problem.replace("a crawl of", "an import from"))
    try:
        options = import_options(args)
    except ValueError as exc:
        return fail("import", str(exc))
    options.operator, options.user_agent = operator, user_agent(operator)
    try:
        report = run_import(Path(args.archive), options, cdx=args.cdx or "",
                            timemap=args.timemap or "")
    except FolderLocked as exc:
        return fail("import", f"{exc}; not importing into it now", LOCKED)
    except IndexUnavailable as exc:
        return fail("import", f"the archive's index could not be read: {exc}", FAILED)
    except WarcInputError as exc:
        return fail("import", str(exc))
    except OSError as exc:
        return fail("import", f"cannot write {exc.filename or args.archive}: "
                    f"{exc.strerror or exc}", UNWRITABLE)
    refused = sum(map(len, report.refused.values()))
    print(safe(f"{report.listed} captures listed ({report.index_pages} index pages), "
               f"{report.distinct} of the site's pages; {report.already_imported} imported "
               f"before, {report.stored} stored now, {refused} refused, {len(report.failed)} "
               f"failed, {report.capped} left for the next run; {report.requests} requests"))
    print(safe(coverage_line(report.coverage)))
    if report.failed:
        return fail("import", f"{len(report.failed)} captures could not be fetched (the next "
                    "run tries them again)", FAILED)
    if report.index_problems:
        return fail("import", "the archive's index was not read whole "
                    f"({len(report.index_problems)} problems, each on a line above): what it "
                    "listed before them was imported", FAILED)
    if report.bounds:
        return fail("import", "bounded: " + ", ".join(report.bounds) + " took effect", BOUNDED)
    return OK


#: Settings an import reads (``-s``), and the option that sets each for one run.
SETTINGS = {"IMPORT_DELAY": "delay", "IMPORT_RETRIES": "retries", "IMPORT_TIMEOUT": "timeout",
            "IMPORT_CDX_PAGE_SIZE": "page_size", "IMPORT_MAX_CAPTURES": "max_captures",
            "IMPORT_MAX_BACKOFF": "", "IMPORT_INDEX_MAXSIZE": "",
            "IMPORT_MAX_INDEX_PAGES": "", "IMPORT_CAPTURE_MAXSIZE": ""}


def import_settings(pairs: list[str]) -> dict[str, float | int]:
    """Return the ``IMPORT_*`` settings, ``-s NAME=VALUE`` over their defaults (each read as
    its default's type, never below 0); raise ValueError, one line, on a bad pair."""
    from ifes_archive.crawler.run import parse_settings

    values: dict[str, float | int] = {name: getattr(defaults, name) for name in SETTINGS}
    for name, text in parse_settings(pairs).items():
        if name not in SETTINGS:
            raise ValueError(f"setting {name}: not a setting of the import "
                             f"({', '.join(SETTINGS)})")
        values[name] = _checked(name, type(values[name]), text)
    return values


def _checked(name: str, kind: type, given: object) -> float | int:
    """Return ``given`` read as ``kind``, 0 at least; raise ValueError unless it is a finite
    number."""
    try:
        value = kind(given)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(f"setting {name}={given!r}: not a "
                         f"{'whole number' if kind is int else 'number'}")
    return max(value, 0)


def import_options(args: argparse.Namespace) -> ImportOptions:
    """Return the import's options: defaults, ``-s`` settings, then the options given."""
    from pathlib import Path

    from ifes_archive.crawler.importer import ImportOptions

    values = import_settings(args.setting)
    for name, option in SETTINGS.items():
        given = getattr(args, option) if option else None
        if given is not None:
            values[name] = _checked(name, type(values[name]), given)
    return ImportOptions(
        base_url=args.base_url, delay=values["IMPORT_DELAY"],
        retries=int(values["IMPORT_RETRIES"]), max_backoff=values["IMPORT_MAX_BACKOFF"],
        timeout=values["IMPORT_TIMEOUT"], max_captures=int(values["IMPORT_MAX_CAPTURES"]),
        page_size=int(values["IMPORT_CDX_PAGE_SIZE"]),
        index_maxsize=int(values["IMPORT_INDEX_MAXSIZE"]),
        max_index_pages=int(values["IMPORT_MAX_INDEX_PAGES"]),
        capture_maxsize=int(values["IMPORT_CAPTURE_MAXSIZE"]),
        progress=False if args.no_progress else None,
        live=Path(args.live) if args.live else None)


def coverage_line(coverage: dict) -> str:
    """Return the coverage report in one line (the lists in full: they are for a person)."""
    line = f"coverage: {coverage.get('held_by_archive', 0)} articles held by the archive"
    if "served_by_site" not in coverage:
        return f"{line}; {coverage.get('note', '')}"
    return (f"{line}, {coverage['served_by_site']} served by the site; held but no longer "
            f"served: {coverage['held_not_served'] or 'none'}; held, unknown to the crawls: "
            f"{coverage['held_unknown_to_crawls'] or 'none'}; served but held by no archive: "
            f"{coverage['served_not_held'] or 'none'}")
