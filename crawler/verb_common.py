"""What every verb of the command line shares: the exit statuses (README, "Exit statuses") and
the one line of error a verb prints before it returns one.
"""

from __future__ import annotations

import argparse
import sys

from ifes_archive.archive.terminal import safe
from ifes_archive.crawler.bounds import EXIT_BOUNDED

#: Exit statuses (README, "Exit statuses"): 130 and 143 as a shell reports a process that
#: SIGINT or SIGTERM ended (128 + the signal), though these are exits, after clean-up.
OK, FAILED, USAGE, LOCKED, UNWRITABLE, INTERRUPTED, TERMINATED = 0, 1, 2, 3, 4, 130, 143
BOUNDED = EXIT_BOUNDED


def fail(verb: str, message: str, status: int = USAGE) -> int:
    """Print one line of error for the user and return the exit status."""
    print(safe(f"ifes-archive {verb}: {message}"), file=sys.stderr)
    return status


def max_body_option(parser: argparse.ArgumentParser, what: str) -> None:
    """Add ``--max-body``, the bytes of a body a verb decodes, to ``parser``."""
    from ifes_archive.archive.warcs.codings import DEFAULT_MAX_BODY

    parser.add_argument("--max-body", type=int, default=DEFAULT_MAX_BODY, metavar="BYTES",
                        help=f"decode at most this many bytes of a body to {what} "
                             f"(default {DEFAULT_MAX_BODY}, the crawl's DOWNLOAD_MAXSIZE)")
