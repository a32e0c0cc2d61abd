"""The corpus file: one record per article, sorted by article id, whichever path made them.

The crawl journals records as they come (crash-safe, append-only, several runs and restarts
into one journal) and at the end writes ``articles.jsonl`` from it with :func:`finalize`: the
last journaled record of each article, in article-id order, its ``sections`` joined with the
categories every listing page of the crawl files it under (listing evidence is journaled too,
beside the records). An offline rebuild writes the same order and gathers the same evidence from
the WARCs, so a rebuild of a crawl's WARCs gives the same bytes.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from archive.record import record_to_json, sort_sections

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

logger = logging.getLogger(__name__)


def journal_path(articles_path: Path) -> Path:
    """Return the journal that sits beside ``articles_path``."""
    return articles_path.with_name(articles_path.stem + ".journal.jsonl")


def listings_path(articles_path: Path) -> Path:
    """Return the listing-evidence journal that sits beside ``articles_path``."""
    return articles_path.with_name(articles_path.stem + ".listings.jsonl")


def listing_line(pairs: Iterable[tuple[int, str]]) -> str:
    """Return one listing page's (article id, category name) pairs as a journal line."""
    return json.dumps([[article_id, name] for article_id, name in pairs], ensure_ascii=False)


def add_listed(sections: dict[int, list[str]], pairs: Iterable[tuple[int, str]]) -> None:
    """Add listing ``pairs`` to ``sections`` (article id -> category names, each once)."""
    for article_id, name in pairs:
        names = sections.setdefault(article_id, [])
        if name not in names:
            names.append(name)


def read_listings(journal: Path) -> dict[int, list[str]]:
    """Return article id -> category names from a listing journal (torn lines skipped)."""
    sections: dict[int, list[str]] = {}
    if not journal.exists():
        return sections
    with open(journal, "rb") as stream:
        for line in stream:
            try:
                pairs = [(int(i), str(n)) for i, n in json.loads(line)] if line.endswith(b"\n") else []
            except (ValueError, TypeError):
                logger.warning("skipping a torn or bad line of %s", journal)
                continue
            add_listed(sections, pairs)
    return sections


def with_sections(line: bytes, names: Sequence[str]) -> bytes:
    """Return the journaled record ``line`` with listing category ``names`` in its sections
    (what :func:`archive.record.build_record` gives when handed them)."""
    if not names:
        return line
    record = json.loads(line)
    record["sections"] = sort_sections([*names, *record.get("sections", [])])
    return (record_to_json(record) + "\n").encode("utf-8")


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


def finalize(journal: Path, out: Path, sections: Mapping[int, Sequence[str]] | None = None) -> int:
    """Write ``out`` from ``journal``: one line per article, sorted by id, with listing
    ``sections`` (article id -> category names) joined in; return the count."""
    sections = sections or {}
    index = index_journal(journal) if journal.exists() else {}
    partial = out.with_name(out.name + ".partial")
    with open(journal if journal.exists() else os.devnull, "rb") as source, \
            open(partial, "wb") as target:
        for article_id in sorted(index):
            offset, length = index[article_id]
            source.seek(offset)
            target.write(with_sections(source.read(length), sections.get(article_id, ())))
        target.flush()
        os.fsync(target.fileno())
    os.replace(partial, out)
    return len(index)
