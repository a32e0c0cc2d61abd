"""The release verbs of the command line: ``release`` (a citable, loadable research release of
an archive folder) and ``browse`` (a release opened in Datasette).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from ifes_archive.archive.terminal import safe
from ifes_archive.crawler.verb_common import LOCKED, fail


def add_release_verbs(verbs: argparse._SubParsersAction) -> None:
    """Add ``release`` and ``browse`` to the command line's verbs."""
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
        return fail("release", str(exc))
    except LockHeld as exc:
        return fail("release", f"another release (pid {exc.holder}) is being built into "
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
        return fail("browse", str(exc))
    except KeyboardInterrupt:
        pass
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
