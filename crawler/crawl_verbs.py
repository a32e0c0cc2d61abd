"""The crawl-side verbs of the command line: ``crawl`` (the site into an archive folder),
``probe`` (a look at the site before crawling it) and ``deploy`` (to scrapyd).
"""

from __future__ import annotations

import argparse
import signal
import time
from pathlib import Path

from ifes_archive.archive.terminal import safe
from ifes_archive.crawler.settings import BASE_URL as DEFAULT_BASE_URL
from ifes_archive.crawler.verb_common import (
    BOUNDED,
    FAILED,
    INTERRUPTED,
    LOCKED,
    OK,
    TERMINATED,
    UNWRITABLE,
    fail,
)

OPERATOR_HELP = ("who runs the crawl and how to reach them, e.g. \"Jane Doe <jane@example.org>\" "
                 "(default: $WARC_OPERATOR); needed for any host outside loopback")


def add_crawl_verbs(verbs: argparse._SubParsersAction) -> None:
    """Add ``crawl``, ``probe`` and ``deploy`` to the command line's verbs."""
    crawl = verbs.add_parser("crawl", help="crawl the site into WARC captures and records")
    crawl.add_argument("--base-url", default=DEFAULT_BASE_URL,
                       help=f"site to crawl (default: the live site, {DEFAULT_BASE_URL})")
    crawl.add_argument("--out", required=True, help="archive folder: warc/ and articles.jsonl")
    crawl.add_argument("-s", "--set", dest="setting", action="append", default=[],
                       metavar="NAME=VALUE", help="Scrapy setting (repeatable)")
    crawl.add_argument("--max-time", type=float, metavar="SECONDS",
                       help="stop cleanly after this long (a later run resumes)")
    crawl.add_argument("--max-pages", type=int, metavar="N",
                       help="stop cleanly after N responses (a later run resumes)")
    crawl.add_argument("--page-requisites", action="store_true",
                       help="also capture the stylesheets, scripts, images and favicon pages embed "
                            "on the site's host, even where robots.txt disallows them")
    crawl.add_argument("--operator", metavar="CONTACT", help=OPERATOR_HELP)
    crawl.set_defaults(run=_crawl)


    probe = verbs.add_parser("probe", help="look at the site before crawling it: robots.txt, "
                                           "redirects, template, one article's record")
    probe.add_argument("--base-url", default=DEFAULT_BASE_URL,
                       help=f"site to probe (default: the live site, {DEFAULT_BASE_URL})")
    probe.add_argument("-s", "--set", dest="setting", action="append", default=[],
                       metavar="NAME=VALUE", help="Scrapy setting, as for crawl (repeatable)")
    probe.add_argument("--operator", metavar="CONTACT", help=OPERATOR_HELP)
    probe.add_argument("--json", action="store_true", help="print the report as JSON")
    probe.set_defaults(run=_probe)


    deploy = verbs.add_parser("deploy", help="deploy to scrapyd with scrapyd-deploy; fail when "
                              "scrapyd cannot run what it got")
    deploy.add_argument("target", nargs="?", default="default",
                        help="scrapyd-client target: [deploy:TARGET] in scrapy.cfg "
                             "(default: [deploy])")
    deploy.add_argument("--version", help="version to deploy as (default: the time in seconds)")
    deploy.set_defaults(run=_deploy)


def _crawl(args: argparse.Namespace) -> int:
    started = time.time()  # --max-time counts from here: Scrapy's imports and first contact too
    from ifes_archive.crawler.run import (
        ArchiveUnwritable,
        BadSetting,
        CrawlRefused,
        CrawlSignalled,
        FolderRefused,
        crawl,
        parse_settings,
    )
    from ifes_archive.crawler.verdict import EXIT_STATUS, Verdict

    if not args.base_url.lower().startswith(("http://", "https://")) and "://" in args.base_url:
        return fail("crawl", f"--base-url must be an http or https URL, got {args.base_url!r}")
    try:
        overrides = parse_settings(args.setting)
    except ValueError as exc:
        return fail("crawl", str(exc))
    if args.max_time:
        overrides["CLOSESPIDER_TIMEOUT"] = str(args.max_time)
        overrides.setdefault("CRAWL_STARTED_AT", str(started))
    if args.max_pages:
        overrides["CLOSESPIDER_PAGECOUNT"] = str(args.max_pages)
    if args.page_requisites:
        overrides["PAGE_REQUISITES"] = "True"
    try:
        summary = crawl(args.base_url, Path(args.out), overrides, args.operator)
    except BadSetting as exc:
        return fail("crawl", str(exc))
    except FolderRefused as exc:
        where = f" (recorded in {exc.recorded})" if exc.recorded else ""
        return fail("crawl", f"{exc}; not starting a second one{where}", LOCKED)
    except ArchiveUnwritable as exc:
        return fail("crawl", str(exc), UNWRITABLE)
    except CrawlRefused as exc:
        return fail("crawl", f"not crawling: {exc}", exc.status)
    except CrawlSignalled as exc:
        print(safe(exc.summary))
        return fail("crawl", f"stopped by {exc} (the archive is closed out; the next crawl "
                     "takes up what was not fetched)",
                     TERMINATED if exc.signum == signal.SIGTERM else INTERRUPTED)
    print(safe(summary))
    if summary.stopped:
        return fail("crawl", f"stopped: {summary.stopped}", UNWRITABLE)
    if summary.finish_reason not in ("finished", "closespider_timeout", "closespider_pagecount"):
        return FAILED
    reason = summary.not_the_template()
    if reason:
        return fail("crawl", reason, EXIT_STATUS[Verdict.NOT_TEMPLATE])
    if summary.bounds:
        return fail("crawl", "bounded: " + ", ".join(summary.bounds)
                     + " took effect (the report's `bounds` names what each stopped)", BOUNDED)
    return OK


def _probe(args: argparse.Namespace) -> int:
    import json

    from ifes_archive.crawler.probe import run_probe
    from ifes_archive.crawler.probe_text import report_lines
    from ifes_archive.crawler.run import parse_settings, project_settings

    try:
        settings = project_settings(parse_settings(args.setting), args.operator)
    except ValueError as exc:
        return fail("probe", str(exc))
    report = run_probe(args.base_url, settings)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        print(safe("\n".join(report_lines(report))))
    return report.exit_status


def _deploy(args: argparse.Namespace) -> int:
    from ifes_archive.crawler.deploy import run

    return run(args)
