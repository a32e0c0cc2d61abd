"""The corpus file: one record per article, sorted by article id, whichever path made them.

The crawl journals records as they come (crash-safe, append-only, several runs and restarts
into one journal) and at the end writes ``articles.jsonl`` from it with :func:`finalize`: the
last journaled record of each article, in article-id order. An offline rebuild writes the same
order, so a rebuild of a crawl's WARCs gives the same bytes.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)


def journal_path(articles_path: Path) -> Path:
    """Return the journal that sits beside ``articles_path``."""
    return articles_path.with_name(articles_path.stem + ".journal.jsonl")


def index_journal(journal: Path) -> dict[int, tuple[int, int]]:
    """Return article id -> (offset, length) of its last whole line in ``journal``."""
    index: dict[int, tuple[int, int]] = {}
    offset = 0
    with open(journal, "rb") as stream:
        for line in stream:
            try:
                article_id = int(json.loads(line)["article_id"])
            except (ValueError, KeyError, TypeError):
                logger.warning("skipping a torn or bad journal line at byte %d of %s", offset, journal)
            else:
                if line.endswith(b"\n"):
                    index[article_id] = (offset, len(line))
            offset += len(line)
    return index


def read_line(journal: Path, where: tuple[int, int]) -> dict:
    """Return the record journaled at ``where`` (offset, length)."""
    with open(journal, "rb") as stream:
        stream.seek(where[0])
        return json.loads(stream.read(where[1]))


def change_of(previous: dict | None, record: dict) -> str:
    """Return new, changed or unchanged: ``record`` against the article's previous record
    (what was captured aside: pointers change on every fetch, content may not)."""
    if previous is None:
        return "new"
    same = all(previous.get(k) == v for k, v in record.items() if k != "captures")
    return "unchanged" if same else "changed"


def finalize(journal: Path, out: Path) -> int:
    """Write ``out`` from ``journal``: one line per article, sorted by id; return the count."""
    index = index_journal(journal) if journal.exists() else {}
    partial = out.with_name(out.name + ".partial")
    with open(journal if journal.exists() else os.devnull, "rb") as source, \
            open(partial, "wb") as target:
        for article_id in sorted(index):
            offset, length = index[article_id]
            source.seek(offset)
            target.write(source.read(length))
        target.flush()
        os.fsync(target.fileno())
    os.replace(partial, out)
    return len(index)
