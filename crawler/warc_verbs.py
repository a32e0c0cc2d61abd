"""The offline verbs of the command line over captures: ``verify`` (strict checks of WARC
files), ``rebuild`` (the corpus from WARC files), ``extract`` (the record of one saved page) and
``index`` (CDXJ for pywb, a WACZ for ReplayWeb.page). None imports Scrapy.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ifes_archive.archive.terminal import safe
from ifes_archive.crawler.verb_common import FAILED, OK, UNWRITABLE, fail, max_body_option


def add_warc_verbs(verbs: argparse._SubParsersAction) -> None:
    """Add ``verify``, ``rebuild``, ``extract`` and ``index`` to the command line's verbs."""
    verify = verbs.add_parser("verify",
                              help="strict checks of WARC captures (more than warcio check)")
    verify.add_argument("paths", nargs="+", help="WARC files or folders of them")
    max_body_option(verify, "check a body's content coding")
    verify.set_defaults(run=_verify)

    rebuild = verbs.add_parser("rebuild", help="rebuild the corpus from WARC files, offline")
    rebuild.add_argument("paths", nargs="+", help="WARC files (.warc, .warc.gz) or folders")
    rebuild.add_argument("--out", required=True, help="the corpus (JSON lines) to write")
    rebuild.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    max_body_option(rebuild, "read a page (a larger one is skipped and counted)")
    rebuild.add_argument("--host", action="append", metavar="HOST[:PORT]",
                         help="use captures of this host only (repeatable; default: the hosts "
                              "the archive's warcinfo names as the crawl's scope); captures of "
                              "other hosts are counted and skipped")
    rebuild.set_defaults(run=_rebuild)

    extract = verbs.add_parser("extract", help="print the record of one saved page (JSON); a page "
                               "that is not a Joomla article is extracted generically, and flagged")
    extract.add_argument("file", help="the saved page (the entity, content coding removed)")
    extract.add_argument("--url", help="the URL the page was fetched from (default: the file's)")
    extract.add_argument("--content-type", help="the HTTP Content-Type header it came with")
    extract.set_defaults(run=_extract)

    index = verbs.add_parser("index", help="CDXJ index for pywb (and a WACZ for ReplayWeb.page)")
    index.add_argument("archive_dir", help="the archive folder (with warc/)")
    index.add_argument("--replay", choices=("pywb", "replayweb"), default="pywb",
                       help="which replay tool the index is for (default: pywb)")
    index.add_argument("-o", "--out",
                       help="where to write it (default: ARCHIVE_DIR/indexes/index.cdxj)")
    index.add_argument("--wacz", metavar="FILE",
                       help="also write a WACZ of the folder for ReplayWeb.page")
    index.set_defaults(run=_index)


def _verify(args: argparse.Namespace) -> int:
    from ifes_archive.archive.warcs.verify import verify_file
    from ifes_archive.archive.warcs.warcfiles import WarcInputError, find_warcs

    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        return fail("verify", f"no WARC file at {missing[0]}")
    try:
        paths = find_warcs(Path(p) for p in args.paths)
    except WarcInputError as exc:
        return fail("verify", str(exc))
    if not paths:
        return fail("verify", f"no WARC file in {', '.join(args.paths)}")
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
        return fail("rebuild", f"no such file or folder: {missing[0]}")
    try:
        result = rebuild([Path(p) for p in args.paths], out, workers=args.workers,
                         max_size=args.max_body, hosts=args.host)
        manifest = write_manifest(out, result)
    except WarcInputError as exc:
        return fail("rebuild", str(exc))
    except OSError as exc:
        return fail("rebuild", f"cannot write {exc.filename or out}: {exc.strerror or exc}",
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
        return fail("rebuild", ("nothing could be read" if not result.records_read else
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
        return fail("extract", f"cannot read {path}: {exc.strerror or exc}")
    url = args.url or path.resolve().as_uri()
    article_id = article_id_of(url)
    page = CapturedPage(0, url, args.content_type, body, None)
    base_url = base_url_of(url)
    try:
        # a page that is no Joomla article: id 0, its own URL
        record = build_record(article_id or 0, base_url, [page],
                              url=None if article_id else url)
    except Exception as exc:  # noqa: BLE001 - one line for the user, not a traceback
        return fail("extract", f"{path}: {type(exc).__name__}: {exc}", 1)
    if record is None:
        return fail("extract", f"{path}: not an article (a Joomla refusal page, or no text)", 1)
    print(record_to_json(record))
    return 0


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
        return fail("index", str(exc))
    if not found:
        return fail("index", f"no WARC files in {folder.warc}")
    left_out = {p: "still open (a crawl is writing it, or one was cut off: the next crawl "
                   "closes it out)" for p in found if is_open(p)}
    left_out.update({p: why for p in found if p not in left_out
                     for why in [unread_rest(p)] if why})
    warcs = [p for p in found if p not in left_out]
    for path, why in left_out.items():
        fail("index", f"{path}: not indexed: {why}", FAILED)
    if not warcs:
        return fail("index", "no WARC file could be indexed; nothing written", FAILED)
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
