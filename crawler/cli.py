"""The ``ifes-archive`` command: crawl, serve the bundled mirror, and work with captures.

A thin argparse front: each verb imports its module lazily, so ``ifes-archive --help`` is fast
and the archive-side verbs never import Scrapy. ``main(argv)`` is what tests call. Each group of
verbs is its own module (its options and what it runs): :mod:`crawler.crawl_verbs`,
:mod:`crawler.warc_verbs`, :mod:`crawler.import_verb`, :mod:`crawler.corpus_verbs`,
:mod:`crawler.release_verbs`; what they share, :mod:`crawler.verb_common`.
"""

from __future__ import annotations

import argparse
import errno
import signal
import sys
import threading

from ifes_archive.archive.workers import Terminated, raise_terminated
from ifes_archive.crawler.corpus_verbs import add_corpus_verbs
from ifes_archive.crawler.crawl_verbs import add_crawl_verbs
from ifes_archive.crawler.import_verb import add_import
from ifes_archive.crawler.release_verbs import add_release_verbs
from ifes_archive.crawler.verb_common import INTERRUPTED, TERMINATED, UNWRITABLE, USAGE, fail
from ifes_archive.crawler.warc_verbs import add_warc_verbs


def _serve_fixtures(args: argparse.Namespace) -> int:
    from ifes_archive.fixtures.server import main as serve

    return serve(args.server_args)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of every verb."""
    parser = argparse.ArgumentParser(prog="ifes-archive", description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    add_crawl_verbs(verbs)
    add_warc_verbs(verbs)
    add_import(verbs)
    add_corpus_verbs(verbs)
    add_release_verbs(verbs)
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
        return fail(args.verb, "interrupted", INTERRUPTED)
    except Terminated:
        return fail(args.verb, "terminated (SIGTERM): stopped; nothing half-written is left "
                     "under its final name", TERMINATED)
    except OSError as exc:  # a file or folder the user named, or the disk: one line, no traceback
        where = f" {exc.filename}" if exc.filename else ""
        return fail(args.verb, f"{exc.strerror or exc}:{where}", UNWRITABLE if exc.errno in (
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
