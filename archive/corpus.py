"""The corpus file: every version of every article, sorted by article id and version.

The crawl journals what it sees as it comes (crash-safe, append-only, several runs and restarts
into one journal): a record for each article it captured, a short line for a first page that
answered 304, another for an article found removed (:mod:`archive.versions`). At the end
:func:`finalize` writes ``articles.jsonl`` from it: each article's observations folded into
versions (:func:`archive.versions.fold`), one line per version with ``version``, ``first_seen``,
``last_seen``, ``status`` and ``gone``, its ``sections`` joined with the categories every
listing page of every crawl files it under (listing evidence is journaled too, beside the
records). An offline rebuild gathers the same observations and evidence from the WARCs and folds
them the same way, so a rebuild of a crawl's WARCs gives the same bytes.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archive.record import record_to_json, sort_sections
from archive.versions import Observation, Version, fold, observation_of_line

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


def cut_torn_tail(path: Path) -> int:
    """Cut a torn last line (a crash mid-write) off the journal ``path``, so the next line
    appended starts a line of its own; return how many bytes were cut."""
    if not path.exists() or path.stat().st_size == 0:
        return 0
    with open(path, "r+b") as stream:
        size = stream.seek(0, os.SEEK_END)
        position = size
        while position > 0:
            step = min(65536, position)
            stream.seek(position - step)
            chunk = stream.read(step)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                end = position - step + newline + 1
                break
            position -= step
        else:
            end = 0
        if end < size:
            stream.truncate(end)
            logger.warning("cut a torn last line (%d bytes) off %s", size - end, path)
        return size - end


def read_observations(journal: Path) -> dict[int, list[Observation]]:
    """Return article id -> what the journal says each crawl saw of it (whole lines only; a
    torn or bad line is skipped with a warning). Each observation's ``ref`` is its line's
    (offset, length)."""
    observations: dict[int, list[Observation]] = {}
    if not journal.exists():
        return observations
    offset = 0
    with open(journal, "rb") as stream:
        for line in stream:
            if line.endswith(b"\n"):
                try:
                    article_id, seen = observation_of_line(line, (offset, len(line)))
                except (ValueError, KeyError, TypeError):
                    logger.warning("skipping a bad journal line at byte %d of %s", offset, journal)
                else:
                    observations.setdefault(article_id, []).append(seen)
            else:
                logger.warning("skipping a torn last line at byte %d of %s", offset, journal)
            offset += len(line)
    return observations


def version_line(record: dict[str, Any], version: Version, number: int, newest: bool,
                 sections: Sequence[str] = ()) -> str:
    """Return the corpus line of one version: ``record`` with its version fields (and listing
    ``sections`` joined in, as :func:`archive.record.build_record` joins them)."""
    record = {**record, **version.fields(number, newest)}
    if sections:
        record["sections"] = sort_sections([*sections, *record.get("sections", [])])
    return record_to_json(record)


def classify(before: list[Version], after: list[Version]) -> str | None:
    """Return what one observation did to an article: new, changed, unchanged, gone, or None
    (nothing: a duplicate, a removal page of an article never recorded, pages missing)."""
    if not after:
        return None
    if not before:
        return "new"
    old, new = before[-1], after[-1]
    if len(after) > len(before):
        return "changed"
    if new.gone and not old.gone:
        return "gone"
    if new.last_seen != old.last_seen:
        return "unchanged"
    return None


def finalize(journal: Path, out: Path, sections: Mapping[int, Sequence[str]] | None = None) -> int:
    """Write ``out`` from ``journal``: every version of every article, sorted by article id
    and version, with listing ``sections`` (article id -> category names) joined in; return
    the number of articles."""
    sections = sections or {}
    observations = read_observations(journal)
    partial = out.with_name(out.name + ".partial")
    articles = 0
    with open(journal if journal.exists() else os.devnull, "rb") as source, \
            open(partial, "w", encoding="utf-8", newline="\n") as target:
        for article_id in sorted(observations):
            versions = fold(observations[article_id])
            articles += bool(versions)
            for number, version in enumerate(versions, 1):
                offset, length = version.ref
                source.seek(offset)
                record = json.loads(source.read(length))
                record.pop("run", None)  # the journal's, not the record's
                target.write(version_line(record, version, number, number == len(versions),
                                          sections.get(article_id, ())) + "\n")
        target.flush()
        os.fsync(target.fileno())
    os.replace(partial, out)
    return articles
