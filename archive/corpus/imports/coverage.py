"""What a public archive holds of the site beside what the live site serves: the coverage
report of ``ifes-archive import``.

The live site is what the project's own crawls last saw of it: the corpus of a crawl folder
(``articles.jsonl``, written from the crawl's own captures only), its articles whose newest
version is ``current``. Against it, the article ids the archive holds (a capture of an article
page or its print view answered 200): held but no longer served (the crawls found it
withdrawn), held but unknown to the crawls (withdrawn before the first crawl, or a page that
gives no article), and served but held by no archive. The lists are for a person to act on; nothing
is ever submitted to an archive.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ifes_archive.archive.page.joomla import parse_url

if TYPE_CHECKING:
    from pathlib import Path

    from ifes_archive.archive.corpus.imports.cdx import Capture

#: CDX statuses of a capture that holds an article's content (``-``: a revisit of one).
HOLDING = frozenset({"200", "-", ""})


def held_ids(captures: list[Capture]) -> set[int]:
    """Return the ids of the articles whose pages ``captures`` hold."""
    ids = set()
    for capture in captures:
        parsed = parse_url(capture.original)
        if capture.statuscode in HOLDING and parsed.id is not None and \
                parsed.kind in ("article", "article_page", "print"):
            ids.add(parsed.id)
    return ids


def crawled_status(corpus: Path) -> dict[int, str] | None:
    """Return each article's newest status in a crawl corpus (None: no corpus there)."""
    if not corpus.is_file():
        return None
    newest: dict[int, str] = {}
    with open(corpus, encoding="utf-8") as stream:
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
