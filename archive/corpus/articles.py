"""The corpus file: every version of every article, sorted by article id and version.

The crawl journals what it sees as it comes (crash-safe, append-only, several runs and restarts
into one journal): a record for each article it captured, a short line for a first page that
answered 304, another for an article found removed (:mod:`archive.corpus.journal`). At the end
:func:`finalize` writes ``articles.jsonl`` from it: each article's observations folded into
versions (:func:`archive.corpus.versions.fold`), one line per version with ``version``,
``first_seen``, ``last_seen``, ``status`` and ``gone``, its ``sections`` joined with the categories
every listing page of every crawl files it under (listing evidence is journaled too, beside the
records). An offline rebuild gathers the same observations and evidence from the WARCs and folds
them the same way, so a rebuild of a crawl's WARCs gives the same bytes.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from ifes_archive.archive.corpus.journal import ListingEvidence, read_observations
from ifes_archive.archive.corpus.versions import Version, fold
from ifes_archive.archive.page.checks import crumb_check
from ifes_archive.archive.page.record import sort_sections
from ifes_archive.archive.page.record_json import record_from_json
from ifes_archive.archive.types import Record, record_json

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from ifes_archive.archive.corpus.versions import Observation

logger = logging.getLogger(__name__)


def version_line(record: Record, version: Version, number: int, newest: bool,
                 sections: Sequence[str] = (),
                 listing_names: Mapping[str, Sequence[str]] | None = None) -> str:
    """Return the corpus line of one version: ``record`` with its version fields, listing
    ``sections`` joined in (as :func:`archive.page.record.build_record` joins them), and the crumb
    check against the names of the listings that list it (*listing_names*, by listing key)."""
    record = version.of(record, number, newest)
    if sections:
        record = msgspec.structs.replace(record,
                                         sections=sort_sections([*sections, *record.sections]))
    if listing_names and record.breadcrumb is not None:
        said = crumb_check(record.breadcrumb, listing_names)
        if said is not None:
            record = msgspec.structs.replace(record, checks=[*record.checks, said])
    return record_json(record)


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


def finalize(journal: Path, out: Path, listed: ListingEvidence | None = None,
             observations: Mapping[int, Sequence[Observation]] | None = None) -> int:
    """Write ``out`` from ``journal``: every version of every article, sorted by article id
    and version, with the *listed* evidence joined in; return the number of articles.
    *observations*: the journal's (:func:`archive.corpus.journal.read_observations`) when the caller
    holds them already (the crawl's pipeline keeps what it read and wrote), so the journal is
    read only for the records of the versions."""
    listed = listed or ListingEvidence()
    if observations is None:
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
                record = record_from_json(source.read(length))  # its ``run`` passed over
                target.write(version_line(record, version, number, number == len(versions),
                                          listed.get(article_id, ()),
                                          listed.by_listing.get(article_id)) + "\n")
        target.flush()
        os.fsync(target.fileno())
    os.replace(partial, out)
    return articles
