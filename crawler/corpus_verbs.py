"""The corpus verbs of the command line: ``history`` (the versions of one article, and what
changed) and ``persons`` (the people who wrote the articles, one id each).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ifes_archive.archive.terminal import safe, safe_json
from ifes_archive.crawler.verb_common import FAILED, fail


def add_corpus_verbs(verbs: argparse._SubParsersAction) -> None:
    """Add ``history`` and ``persons`` to the command line's verbs."""
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


def _history(args: argparse.Namespace) -> int:
    from ifes_archive.archive.release.history_lines import describe
    from ifes_archive.archive.release.lookup import NoHistory, article_history

    try:
        history = article_history(Path(args.corpus), args.article_id)
    except NoHistory as error:
        return fail("history", str(error))
    if not history.versions:
        return fail("history", f"article {args.article_id} is not in {history.source}", FAILED)
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
        return fail("persons", f"no corpus at {corpus} (crawl, or `ifes-archive rebuild`)")
    try:
        result = resolve_folder(folder, newest_records(corpus), update=not args.dry_run)
    except PersonsInputError as exc:
        return fail("persons", str(exc))
    for line in describe(result):
        print(safe(line))  # names are the site's: no escape sequences reach the terminal
    return 0
