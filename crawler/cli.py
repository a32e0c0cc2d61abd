"""The ``ifes-archive`` command: crawl, serve the bundled mirror, and work with captures.

A thin argparse front: each verb imports its module lazily, so ``ifes-archive --help`` is fast
and the archive-side verbs never import Scrapy. ``main(argv)`` is what tests call.
"""

from __future__ import annotations

import argparse
import errno
import signal
import sys
import threading
import time
from datetime import date
from pathlib import Path

from ifes_archive.archive.terminal import safe, safe_json
from ifes_archive.archive.workers import Terminated, raise_terminated
from ifes_archive.crawler.bounds import EXIT_BOUNDED
from ifes_archive.crawler.import_verb import add_import
from ifes_archive.crawler.settings import BASE_URL as DEFAULT_BASE_URL

OPERATOR_HELP = ("who runs the crawl and how to reach them, e.g. \"Jane Doe <jane@example.org>\" "
                 "(default: $WARC_OPERATOR); needed for any host outside loopback")


#: Exit statuses (README, "Exit statuses"): 130 and 143 as a shell reports a process that
#: SIGINT or SIGTERM ended (128 + the signal), though these are exits, after clean-up.
OK, FAILED, USAGE, LOCKED, UNWRITABLE, INTERRUPTED, TERMINATED = 0, 1, 2, 3, 4, 130, 143
BOUNDED = EXIT_BOUNDED


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
        return _fail("crawl", f"--base-url must be an http or https URL, got {args.base_url!r}")
    try:
        overrides = parse_settings(args.setting)
    except ValueError as exc:
        return _fail("crawl", str(exc))
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
        return _fail("crawl", str(exc))
    except FolderRefused as exc:
        where = f" (recorded in {exc.recorded})" if exc.recorded else ""
        return _fail("crawl", f"{exc}; not starting a second one{where}", LOCKED)
    except ArchiveUnwritable as exc:
        return _fail("crawl", str(exc), UNWRITABLE)
    except CrawlRefused as exc:
        return _fail("crawl", f"not crawling: {exc}", exc.status)
    except CrawlSignalled as exc:
        print(safe(exc.summary))
        return _fail("crawl", f"stopped by {exc} (the archive is closed out; the next crawl "
                     "takes up what was not fetched)",
                     TERMINATED if exc.signum == signal.SIGTERM else INTERRUPTED)
    print(safe(summary))
    if summary.stopped:
        return _fail("crawl", f"stopped: {summary.stopped}", UNWRITABLE)
    if summary.finish_reason not in ("finished", "closespider_timeout", "closespider_pagecount"):
        return FAILED
    reason = summary.not_the_template()
    if reason:
        return _fail("crawl", reason, EXIT_STATUS[Verdict.NOT_TEMPLATE])
    if summary.bounds:
        return _fail("crawl", "bounded: " + ", ".join(summary.bounds)
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
        print(f"ifes-archive probe: {exc}", file=sys.stderr)
        return 2
    report = run_probe(args.base_url, settings)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        print(safe("\n".join(report_lines(report))))
    return report.exit_status


def _serve_fixtures(args: argparse.Namespace) -> int:
    from ifes_archive.fixtures.server import main as serve

    return serve(args.server_args)


def _verify(args: argparse.Namespace) -> int:
    from ifes_archive.archive.warcs.verify import verify_file
    from ifes_archive.archive.warcs.warcfiles import WarcInputError, find_warcs

    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        return _fail("verify", f"no WARC file at {missing[0]}")
    try:
        paths = find_warcs(Path(p) for p in args.paths)
    except WarcInputError as exc:
        return _fail("verify", str(exc))
    if not paths:
        return _fail("verify", f"no WARC file in {', '.join(args.paths)}")
    reports = [verify_file(path, args.max_body) for path in paths]
    for report in reports:
        print(safe(f"{report.path}: {report.records} records, "
                   f"{'ok' if report.ok else f'{len(report.problems)} problems'}"))
        for problem in report.problems:
            print(safe(f"  {problem}"))
        for note in report.notes:
            print(safe(f"  note: {note}"))
    return OK if all(r.ok for r in reports) else FAILED


def _rebuild(args: argparse.Namespace) -> int:
    from ifes_archive.archive.corpus.manifest import write_manifest
    from ifes_archive.archive.corpus.rebuild import rebuild
    from ifes_archive.archive.corpus.selection import UNREADABLE_REST
    from ifes_archive.archive.warcs.warcfiles import WarcInputError

    out = Path(args.out)
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        return _fail("rebuild", f"no such file or folder: {missing[0]}")
    try:
        result = rebuild([Path(p) for p in args.paths], out, workers=args.workers,
                         max_size=args.max_body, hosts=args.host)
        manifest = write_manifest(out, result)
    except WarcInputError as exc:
        return _fail("rebuild", str(exc))
    except OSError as exc:
        return _fail("rebuild", f"cannot write {exc.filename or out}: {exc.strerror or exc}",
                     UNWRITABLE)
    print(safe(f"{result.articles} articles, {result.versions} versions from "
               f"{len(result.files)} WARC files ({result.records_read} WARC records read) "
               f"-> {out}"))
    print(safe(f"not articles: {result.not_articles}; skipped records: "
               + (", ".join(f"{why} {n}" for why, n in result.skipped.items()) or "none")))
    print(safe(f"hosts: {', '.join(result.hosts)}" if result.hosts else
               "hosts: every host (no warcinfo names the crawl's scope; --host to choose)"))
    print(f"manifest: {manifest}")
    unreadable = result.skipped.get(UNREADABLE_REST, 0)
    if not result.records_read or unreadable:
        which = "; ".join(f"{path}: {why}" for path, why in result.unreadable.items())
        return _fail("rebuild", ("nothing could be read" if not result.records_read else
                                 f"{unreadable} WARC file(s) could not be read to their end")
                     + (f" ({which})" if which else ""), FAILED)
    return OK


def _extract(args: argparse.Namespace) -> int:
    from ifes_archive.archive.page.captured import CapturedPage
    from ifes_archive.archive.page.joomla import article_id_of, base_url_of
    from ifes_archive.archive.page.record import build_record
    from ifes_archive.archive.page.record_json import record_to_json

    path = Path(args.file)
    try:
        body = path.read_bytes()
    except OSError as exc:
        return _fail("extract", f"cannot read {path}: {exc.strerror or exc}")
    url = args.url or path.resolve().as_uri()
    article_id = article_id_of(url)
    page = CapturedPage(0, url, args.content_type, body, None)
    base_url = base_url_of(url)
    try:
        # a page that is no Joomla article: id 0, its own URL
        record = build_record(article_id or 0, base_url, [page],
                              url=None if article_id else url)
    except Exception as exc:  # noqa: BLE001 - one line for the user, not a traceback
        return _fail("extract", f"{path}: {type(exc).__name__}: {exc}", 1)
    if record is None:
        return _fail("extract", f"{path}: not an article (a Joomla refusal page, or no text)", 1)
    print(record_to_json(record))
    return 0


def _fail(verb: str, message: str, status: int = USAGE) -> int:
    """Print one line of error for the user and return the exit status."""
    print(safe(f"ifes-archive {verb}: {message}"), file=sys.stderr)
    return status


def _deploy(args: argparse.Namespace) -> int:
    from ifes_archive.crawler.deploy import run

    return run(args)


def _index(args: argparse.Namespace) -> int:
    from ifes_archive.archive.warcs.folder import ArchiveFolder
    from ifes_archive.archive.warcs.index import write_index
    from ifes_archive.archive.warcs.reader import unread_rest
    from ifes_archive.archive.warcs.wacz import write_wacz
    from ifes_archive.archive.warcs.warcfiles import WarcInputError, is_open

    folder = ArchiveFolder(Path(args.archive_dir))
    try:
        found = folder.warc_inputs()
    except WarcInputError as exc:
        return _fail("index", str(exc))
    if not found:
        return _fail("index", f"no WARC files in {folder.warc}")
    left_out = {p: "still open (a crawl is writing it, or one was cut off: the next crawl "
                   "closes it out)" for p in found if is_open(p)}
    left_out.update({p: why for p in found if p not in left_out
                     for why in [unread_rest(p)] if why})
    warcs = [p for p in found if p not in left_out]
    for path, why in left_out.items():
        _fail("index", f"{path}: not indexed: {why}", FAILED)
    if not warcs:
        return _fail("index", "no WARC file could be indexed; nothing written", FAILED)
    out = Path(args.out) if args.out else folder.index
    report = write_index(warcs, out, args.replay)
    print(f"{len(report.lines)} captures from {len(warcs)} WARC files -> {out} ({args.replay}); "
          f"304 revisits: {report.not_modified}, resolved {report.resolved}")
    for missing in report.unresolved:
        print(safe(f"  original not in these files: {missing}"))
    if args.wacz:
        lines = write_wacz(folder.root, Path(args.wacz), warcs=warcs)
        print(f"WACZ for ReplayWeb.page: {args.wacz} ({lines} captures)")
    return FAILED if left_out else OK


def _history(args: argparse.Namespace) -> int:
    from ifes_archive.archive.corpus.history import describe
    from ifes_archive.archive.release.lookup import NoHistory, article_history

    try:
        history = article_history(Path(args.corpus), args.article_id)
    except NoHistory as error:
        print(f"ifes-archive history: {error}", file=sys.stderr)
        return 2
    if not history.versions:
        print(f"ifes-archive history: article {args.article_id} is not in {history.source}",
              file=sys.stderr)
        return 1
    if args.json:
        print(safe_json(history.as_json(args.article_id)))
        return 0
    print(f"article {args.article_id}: {len(history.versions)} version(s) in {history.source}")
    for line in describe(history.versions, diff=args.diff, changes=history.changes):
        print(safe(line))  # titles and text are the site's: no escape sequences reach the terminal
    return 0


def _persons(args: argparse.Namespace) -> int:
    from ifes_archive.archive.corpus.person_store import (
        PersonsInputError,
        describe,
        newest_records,
        resolve_folder,
    )
    from ifes_archive.archive.warcs.folder import ArchiveFolder

    folder = Path(args.archive_dir)
    corpus = ArchiveFolder(folder).articles
    if not corpus.is_file():
        return _fail("persons", f"no corpus at {corpus} (crawl, or `ifes-archive rebuild`)")
    try:
        result = resolve_folder(folder, newest_records(corpus), update=not args.dry_run)
    except PersonsInputError as exc:
        return _fail("persons", str(exc))
    for line in describe(result):
        print(safe(line))  # names are the site's: no escape sequences reach the terminal
    return 0


def _max_body_option(parser: argparse.ArgumentParser, what: str) -> None:
    from ifes_archive.archive.warcs.codings import DEFAULT_MAX_BODY

    parser.add_argument("--max-body", type=int, default=DEFAULT_MAX_BODY, metavar="BYTES",
                        help=f"decode at most this many bytes of a body to {what} "
                             f"(default {DEFAULT_MAX_BODY}, the crawl's DOWNLOAD_MAXSIZE)")


def _release(args: argparse.Namespace) -> int:
    from ifes_archive.archive.release.build import ReleaseOptions, build_release
    from ifes_archive.archive.release.scope import ReleaseInputError, Scope
    from ifes_archive.archive.warcs.folder import LockHeld
    from ifes_archive.archive.warcs.warcfiles import WarcInputError

    options = ReleaseOptions(
        scope=Scope(args.date_from, args.date_to, tuple(args.section), tuple(args.language)),
        all_versions=args.all_versions, exclude=args.exclude, previous=args.previous,
        rebuild=args.rebuild, released=args.date, version=args.release_version, title=args.title,
        license=args.license, creators=tuple(args.creator), shard_bytes=args.shard_size,
        workers=args.workers, progress=args.progress, keep_emails=args.keep_emails,
        tokens=args.tokens)
    try:
        summary = build_release(args.archive, args.out, options)
    except (ReleaseInputError, WarcInputError) as exc:
        return _fail("release", str(exc))
    except LockHeld as exc:
        return _fail("release", f"another release (pid {exc.holder}) is being built into "
                     f"{args.out}; not starting a second one", LOCKED)
    if not args.creator:  # said once the release is made (a refusal stays one line)
        print("ifes-archive release: warning: no --creator given: the release names the "
              "crawl's operator (warcinfo) as its creator, or says no creator is named",
              file=sys.stderr)
    print(safe(str(summary)))
    return 0


def _browse(args: argparse.Namespace) -> int:
    from ifes_archive.archive.release.browse import DatabaseExists, serve

    try:
        serve(args.release, args.host, args.port, args.db, args.replay_prefix, args.force)
    except (FileNotFoundError, DatabaseExists) as exc:
        return _fail("browse", str(exc))
    except KeyboardInterrupt:
        pass
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _add_release(verbs: argparse._SubParsersAction) -> None:
    release = verbs.add_parser("release", help="build a citable, loadable research release",
                               description="Build a release of an archive folder: Parquet and "
                               "JSON Lines tables, texts with metadata.csv, a dataset card, "
                               "datapackage.json, CITATION.cff, a WACZ and SHA256SUMS.")
    release.add_argument("archive", type=Path, help="the archive folder (warc/, articles.jsonl)")
    release.add_argument("--out", type=Path, required=True, help="the release folder to write")
    release.add_argument("--from", dest="date_from", type=_day, metavar="DATE",
                         help="only articles published on or after DATE")
    release.add_argument("--to", dest="date_to", type=_day, metavar="DATE",
                         help="only articles published on or before DATE")
    release.add_argument("--section", action="append", default=[], metavar="S",
                         help="only articles filed under section S (repeatable)")
    release.add_argument("--language", action="append", default=[], metavar="L",
                         help="only articles in language L, ISO 639-1 (repeatable)")
    release.add_argument("--exclude", type=Path, metavar="FILE",
                         help="articles to leave out: an id or URL and the reason, one a line")
    release.add_argument("--previous", type=Path, metavar="OLD_RELEASE_DIR",
                         help="an earlier release: CHANGES.md says what changed since")
    release.add_argument("--all-versions", action="store_true",
                         help="every version of each article (default: the newest)")
    release.add_argument("--rebuild", action="store_true",
                         help="rebuild the corpus from the WARC files, not read articles.jsonl")
    release.add_argument("--date", type=_day, help="release date (default: SOURCE_DATE_EPOCH, "
                         "else today)")
    release.add_argument("--release-version", metavar="V", help="default: the date, YYYY.MM.DD")
    release.add_argument("--title", help="the dataset's title")
    release.add_argument("--license", default="other",
                         help="SPDX id of the licence, e.g. CC-BY-4.0 (default: other)")
    release.add_argument("--creator", action="append", default=[], metavar="NAME",
                         help="who compiled it, 'Name <e-mail>' (repeatable; default: the "
                         "crawl's operator)")
    release.add_argument("--keep-emails", action="store_true",
                         help="keep e-mail addresses in the released texts (default: masked; "
                              "the WARC files and the WACZ keep them either way)")
    release.add_argument("--shard-size", type=int, metavar="BYTES",
                         help="split tables into Parquet shards of about this much data")
    release.add_argument("--tokens", action="store_true",
                         help="also write tokens/: each text's words with lemma and part of "
                              "speech (pymorphy3: pip install 'ifes-archive[tokens]')")
    release.add_argument("--workers", type=int, help="processes for --rebuild (default: all)")
    release.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                         help="show progress (default: on a terminal, not in CI)")
    release.set_defaults(run=_release)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of every verb."""
    parser = argparse.ArgumentParser(prog="ifes-archive", description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True)

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

    verify = verbs.add_parser("verify",
                              help="strict checks of WARC captures (more than warcio check)")
    verify.add_argument("paths", nargs="+", help="WARC files or folders of them")
    _max_body_option(verify, "check a body's content coding")
    verify.set_defaults(run=_verify)

    rebuild = verbs.add_parser("rebuild", help="rebuild the corpus from WARC files, offline")
    rebuild.add_argument("paths", nargs="+", help="WARC files (.warc, .warc.gz) or folders")
    rebuild.add_argument("--out", required=True, help="the corpus (JSON lines) to write")
    rebuild.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    _max_body_option(rebuild, "read a page (a larger one is skipped and counted)")
    rebuild.add_argument("--host", action="append", metavar="HOST[:PORT]",
                         help="use captures of this host only (repeatable; default: the hosts "
                              "the archive's warcinfo names as the crawl's scope); captures of "
                              "other hosts are counted and skipped")
    rebuild.set_defaults(run=_rebuild)

    add_import(verbs)

    extract = verbs.add_parser("extract", help="print the record of one saved page (JSON); a page "
                               "that is not a Joomla article is extracted generically, and flagged")
    extract.add_argument("file", help="the saved page (the entity, content coding removed)")
    extract.add_argument("--url", help="the URL the page was fetched from (default: the file's)")
    extract.add_argument("--content-type", help="the HTTP Content-Type header it came with")
    extract.set_defaults(run=_extract)

    history = verbs.add_parser("history", help="the versions of one article, and what changed")
    history.add_argument("corpus", help="articles.jsonl, the archive folder holding it, or a "
                                        "release folder")
    history.add_argument("article_id", type=int, help="the Joomla id of the article")
    history.add_argument("--diff", action="store_true", help="show what changed in the text")
    history.add_argument("--json", action="store_true",
                         help="print the versions and the change steps as JSON (the rows of a "
                              "release's versions and changes tables)")
    history.set_defaults(run=_history)

    persons = verbs.add_parser("persons", help="the people who wrote the articles, one id each "
                               "across articles, spellings and scripts")
    persons.add_argument("archive_dir", help="the archive folder (with articles.jsonl)")
    persons.add_argument("--dry-run", action="store_true",
                         help="print them without updating ARCHIVE_DIR/persons.json")
    persons.set_defaults(run=_persons)

    index = verbs.add_parser("index", help="CDXJ index for pywb (and a WACZ for ReplayWeb.page)")
    index.add_argument("archive_dir", help="the archive folder (with warc/)")
    index.add_argument("--replay", choices=("pywb", "replayweb"), default="pywb",
                       help="which replay tool the index is for (default: pywb)")
    index.add_argument("-o", "--out",
                       help="where to write it (default: ARCHIVE_DIR/indexes/index.cdxj)")
    index.add_argument("--wacz", metavar="FILE",
                       help="also write a WACZ of the folder for ReplayWeb.page")
    index.set_defaults(run=_index)

    _add_release(verbs)

    deploy = verbs.add_parser("deploy", help="deploy to scrapyd with scrapyd-deploy; fail when "
                              "scrapyd cannot run what it got")
    deploy.add_argument("target", nargs="?", default="default",
                        help="scrapyd-client target: [deploy:TARGET] in scrapy.cfg "
                             "(default: [deploy])")
    deploy.add_argument("--version", help="version to deploy as (default: the time in seconds)")
    deploy.set_defaults(run=_deploy)

    browse = verbs.add_parser("browse", help="open a release in Datasette (search, facets)")
    browse.add_argument("release", type=Path, help="the release folder")
    browse.add_argument("--host", default="127.0.0.1", help="address to serve on (default: "
                        "127.0.0.1, this machine only)")
    browse.add_argument("--port", type=int, default=8001, help="port (0: any free one)")
    browse.add_argument("--db", type=Path, help="keep the SQLite database here, a file not there "
                        "yet (default: a temporary file)")
    browse.add_argument("--force", action="store_true",
                        help="let --db replace a file that is there already")
    browse.add_argument("--replay-prefix", metavar="URL", help="replay in a wayback-style "
                        "replay (pywb: http://HOST:PORT/COLLECTION/) instead of the page alone")
    browse.set_defaults(run=_browse)

    serve = verbs.add_parser("serve-fixtures", add_help=False,
                             help="serve the bundled mirror of the site (see --help)")
    serve.add_argument("server_args", nargs=argparse.REMAINDER)
    serve.set_defaults(run=_serve_fixtures)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` and return the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve-fixtures"]:
        # argparse cannot hand options like --port on untouched; the server parses its own.
        return _serve_fixtures(argparse.Namespace(server_args=argv[1:]))
    args = build_parser().parse_args(argv)
    previous = _on_sigterm(raise_terminated)
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        return _fail(args.verb, "interrupted", INTERRUPTED)
    except Terminated:
        return _fail(args.verb, "terminated (SIGTERM): stopped; nothing half-written is left "
                     "under its final name", TERMINATED)
    except OSError as exc:  # a file or folder the user named, or the disk: one line, no traceback
        where = f" {exc.filename}" if exc.filename else ""
        return _fail(args.verb, f"{exc.strerror or exc}:{where}", UNWRITABLE if exc.errno in (
            errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT) else USAGE)
    finally:
        _on_sigterm(previous)


def _on_sigterm(handler: signal._HANDLER) -> signal._HANDLER:
    """Install ``handler`` for SIGTERM (in the main thread: elsewhere Python allows none);
    return the one it replaces."""
    if threading.current_thread() is not threading.main_thread():
        return handler
    return signal.signal(signal.SIGTERM, handler)


if __name__ == "__main__":
    sys.exit(main())
