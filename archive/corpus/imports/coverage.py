"""What a public archive holds of the site beside what the live site serves: the coverage
report of ``ifes-archive import``.

The live site is what the project's own crawls last saw of it: the journal of a crawl folder
(``articles.journal.jsonl``, what every crawl saw of every article it asked for; else its
corpus ``articles.jsonl``), its articles whose newest look did not find them removed. Against
it, the article ids whose content public archives hold (:mod:`archive.corpus.imports.held`: what the
imports stored): held but no longer served (the crawls found it removed), held but unknown to
the crawls (no crawl has asked for it yet: the next one asks), and served but held by no
archive. The lists are for a person to act on; nothing is ever submitted to an
archive.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ifes_archive.archive.corpus.journal import read_observations
from ifes_archive.archive.corpus.versions import GONE

if TYPE_CHECKING:
    from ifes_archive.archive.warcs.folder import ArchiveFolder


def crawled_status(folder: ArchiveFolder) -> dict[int, str] | None:
    """Return each article's status as the newest crawl of it in ``folder`` saw it: ``gone``
    or ``current`` (None: no crawl there). The journal says it for every article a crawl asked
    for, one it found removed at its first look too (an article only an archive held, which
    gives no version of its own); a folder without one has its corpus read."""
    observations = read_observations(folder.journal)
    if observations:
        return {i: GONE if max(seen).kind == GONE else "current"
                for i, seen in observations.items()}
    if not folder.articles.is_file():
        return None
    newest: dict[int, str] = {}
    with open(folder.articles, encoding="utf-8") as stream:
        for line in stream:
            record = json.loads(line)
            newest[record["article_id"]] = record.get("status") or "current"
    return newest


def coverage(held: set[int], crawled: dict[int, str] | None) -> dict[str, Any]:
    """Return the coverage report: counts and the lists (none when no crawl to compare)."""
    report: dict[str, Any] = {"held_by_archive": len(held)}
    if crawled is None:
        report["note"] = "no crawl corpus to compare with (crawl the live site into the folder)"
        return report
    served = {i for i, status in crawled.items() if status == "current"}
    report.update({"served_by_site": len(served),
                   "held_not_served": sorted(held & (set(crawled) - served)),
                   "held_unknown_to_crawls": sorted(held - set(crawled)),
                   "served_not_held": sorted(served - held)})
    return report
