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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ifes_archive.archive.checks import crumb_check
from ifes_archive.archive.record import record_to_json, sort_sections
from ifes_archive.archive.versions import Observation, Version, fold, observation_of_line

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

logger = logging.getLogger(__name__)


def journal_path(articles_path: Path) -> Path:
    """Return the journal that sits beside ``articles_path``."""
    return articles_path.with_name(articles_path.stem + ".journal.jsonl")


def listings_path(articles_path: Path) -> Path:
    """Return the listing-evidence journal that sits beside ``articles_path``."""
    return articles_path.with_name(articles_path.stem + ".listings.jsonl")


#: One listing's evidence: (article id, listing name) or (article id, name, the listing's key,
#: :func:`archive.joomla.listing_key`; an Itemid in journals of earlier versions, not used).
Listed = tuple


@dataclass
class ListingEvidence:
    """What the listing pages say: the names each article is listed under, and by menu item."""

    sections: dict[int, list[str]] = field(default_factory=dict)
    """Article id -> listing names (each once, first seen first)."""
    by_listing: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    """Article id -> key of a listing that lists it -> the listing's names: what the crumb
    check compares the breadcrumb's crumbs with."""

    def add(self, entries: Iterable[Listed]) -> None:
        """Add one listing page's (article id, name[, listing key]) entries."""
        for article_id, name, *rest in entries:
            _add_once(self.sections.setdefault(article_id, []), name)
            key = rest[0] if rest else None
            if isinstance(key, str):
                _add_once(self.by_listing.setdefault(article_id, {}).setdefault(key, []), name)

    def get(self, article_id: int, default: Sequence[str] = ()) -> Sequence[str]:
        """Return the listing names of an article (mapping-style, as the sections are read)."""
        return self.sections.get(article_id, default)


def _add_once(names: list[str], name: str) -> None:
    if name not in names:
        names.append(name)


def listing_line(entries: Iterable[Listed]) -> str:
    """Return one listing page's (article id, name[, listing key]) entries as a journal line."""
    return json.dumps([list(entry) for entry in entries], ensure_ascii=False)


def read_listings(journal: Path) -> ListingEvidence:
    """Return the listing evidence of a listing journal (torn lines skipped)."""
    evidence = ListingEvidence()
    if not journal.exists():
        return evidence
    with open(journal, "rb") as stream:
        for line in stream:
            try:
                entries = [(int(i), str(n), *rest) for i, n, *rest in json.loads(line)] \
                    if line.endswith(b"\n") else []
            except (ValueError, TypeError):
                logger.warning("skipping a torn or bad line of %s", journal)
                continue
            evidence.add(entries)
    return evidence


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
                 sections: Sequence[str] = (),
                 listing_names: Mapping[str, Sequence[str]] | None = None) -> str:
    """Return the corpus line of one version: ``record`` with its version fields, listing
    ``sections`` joined in (as :func:`archive.record.build_record` joins them), and the crumb
    check against the names of the listings that list it (*listing_names*, by listing key)."""
    record = {**record, **version.fields(number, newest)}
    if sections:
        record["sections"] = sort_sections([*sections, *record.get("sections", [])])
    if listing_names and record.get("breadcrumb"):
        said = crumb_check(record["breadcrumb"], listing_names)
        if said is not None:
            record["checks"] = [*(record.get("checks") or []), said]
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


def finalize(journal: Path, out: Path, listed: ListingEvidence | None = None) -> int:
    """Write ``out`` from ``journal``: every version of every article, sorted by article id
    and version, with the *listed* evidence joined in; return the number of articles."""
    listed = listed or ListingEvidence()
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
                                          listed.get(article_id, ()),
                                          listed.by_listing.get(article_id)) + "\n")
        target.flush()
        os.fsync(target.fileno())
    os.replace(partial, out)
    return articles
