"""The ``import`` verb of the command line: its options and what its exit status says.

``ifes-archive import ARCHIVE_DIR (--cdx URL | --timemap URL) [--base-url SITE]`` brings the
captures of the site a public web archive holds into the archive folder (:mod:`crawler.importer`).
"""

from __future__ import annotations

import argparse
import os
import sys

from ifes_archive.archive.terminal import safe
from ifes_archive.crawler import settings as defaults

#: Exit statuses, as the other verbs' (README, "Exit statuses").
OK, FAILED, USAGE, LOCKED, UNWRITABLE, BOUNDED = 0, 1, 2, 3, 4, 5


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
    verb.add_argument("--delay", type=float, default=defaults.IMPORT_DELAY,
                      help=f"seconds between requests (default {defaults.IMPORT_DELAY:g})")
    verb.add_argument("--max-captures", type=int, default=defaults.IMPORT_MAX_CAPTURES,
                      metavar="N", help="fetch at most N captures this run (0: all; the next "
                      "run goes on)")
    verb.add_argument("--live", metavar="DIR", help="crawl folder whose corpus says what the "
                      "live site serves, for the coverage report (default: ARCHIVE_DIR)")
    verb.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    verb.set_defaults(run=run_verb)


def run_verb(args: argparse.Namespace) -> int:
    """Run ``ifes-archive import``; return its exit status."""
    from pathlib import Path

    from ifes_archive.archive.warcs.folder import FolderLocked
    from ifes_archive.crawler.importer import ImportOptions, IndexUnavailable, run_import
    from ifes_archive.crawler.useragent import operator_problem, user_agent

    index = args.cdx or args.timemap
    if not index.lower().startswith(("http://", "https://")):
        return _fail(f"the index must be an http or https URL, got {index!r}")
    operator = (args.operator if args.operator is not None
                else os.environ.get("WARC_OPERATOR", "")).strip()
    problem = operator_problem(index, operator)
    if problem:
        return _fail(problem.replace("a crawl of", "an import from"))
    options = ImportOptions(base_url=args.base_url, operator=operator,
                            user_agent=user_agent(operator), delay=max(0.0, args.delay),
                            max_captures=max(0, args.max_captures),
                            progress=False if args.no_progress else None,
                            live=Path(args.live) if args.live else None)
    try:
        report = run_import(Path(args.archive), options, cdx=args.cdx or "",
                            timemap=args.timemap or "")
    except FolderLocked as exc:
        return _fail(f"{exc}; not importing into it now", LOCKED)
    except IndexUnavailable as exc:
        return _fail(f"the archive's index could not be read: {exc}", FAILED)
    except OSError as exc:
        return _fail(f"cannot write {exc.filename or args.archive}: {exc.strerror or exc}",
                     UNWRITABLE)
    refused = sum(map(len, report.refused.values()))
    print(safe(f"{report.listed} captures listed ({report.index_pages} index pages), "
               f"{report.distinct} of the site's pages; {report.already_imported} imported "
               f"before, {report.stored} stored now, {refused} refused, {len(report.failed)} "
               f"failed, {report.capped} left for the next run; {report.requests} requests"))
    print(safe(coverage_line(report.coverage)))
    if report.failed:
        return _fail(f"{len(report.failed)} captures could not be fetched (the next run tries "
                     "them again)", FAILED)
    if report.bounds:
        return _fail("bounded: " + ", ".join(report.bounds) + " took effect", BOUNDED)
    return OK


def coverage_line(coverage: dict) -> str:
    """Return the coverage report in one line (the lists in full: they are for a person)."""
    line = f"coverage: {coverage.get('held_by_archive', 0)} articles held by the archive"
    if "served_by_site" not in coverage:
        return f"{line}; {coverage.get('note', '')}"
    return (f"{line}, {coverage['served_by_site']} served by the site; held but no longer "
            f"served: {coverage['held_not_served'] or 'none'}; held, unknown to the crawls: "
            f"{coverage['held_unknown_to_crawls'] or 'none'}; served but held by no archive: "
            f"{coverage['served_not_held'] or 'none'}")


def _fail(message: str, status: int = USAGE) -> int:
    print(safe(f"ifes-archive import: {message}"), file=sys.stderr)
    return status
