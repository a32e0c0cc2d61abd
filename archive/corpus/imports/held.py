"""Which articles public archives hold, kept in the archive folder for the next crawl to ask.

An article withdrawn before the project's first crawl is linked by no listing the crawl walks:
only an archive's captures hold it, and no crawl would ever ask the site for it, so nothing
could say it was withdrawn. Each import therefore writes the ids of the articles whose content
its archive holds (:func:`article_held`: a ``200`` capture of an article page or print view
that is not Joomla's «not found» / «not authorised» answer — an archive captures those too, of
ids that never were public) into ``articles.archived.json``
(:attr:`archive.warcs.folder.ArchiveFolder.archived`), one sorted list per archive (the host
its versions are named by, :func:`archive.corpus.imports.records.source_name`), as each
capture is stored.
The crawl asks the site for each it has not met otherwise (``crawler/spiders/ifes.py``), and the
site's answer — a removal (404, 410, Joomla's «not found» page) or the article — is captured
and journalled as any other: a withdrawn article's record is then ``gone``, on the evidence of
that capture. The coverage report (:mod:`archive.corpus.imports.coverage`) reads the same ids.

The file is derived from the imported captures: a lost one is written again, from the
captures themselves, by the next import.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from ifes_archive.archive.page.captured import CapturedPage, refusal_of
from ifes_archive.archive.page.joomla import parse_url
from ifes_archive.archive.warcs.reader import DEFAULT_MAX_BODY, read_http

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

#: The kinds of article URL whose capture holds the article's words.
ARTICLE_PAGES = frozenset({"article", "article_page", "print"})


def article_held(url: str, block: Iterable[bytes]) -> int | None:
    """Return the id of the article whose content a capture of ``url`` holds, its HTTP
    message in ``block`` (pieces, read as every reader of captures reads them); None when it
    holds none: no article URL, no 200, an empty body, Joomla's refusal page."""
    parsed = parse_url(url)
    if parsed.id is None or parsed.kind not in ARTICLE_PAGES:
        return None
    scan = read_http(block, keep=True, decode=True, max_size=DEFAULT_MAX_BODY)
    if scan.head is None or scan.head.status != 200 or not scan.body:
        return None
    page = CapturedPage(0, url, scan.head.content_type, bytes(scan.body), None)
    return None if refusal_of(page) is not None else parsed.id


def held_by_archives(path: Path) -> dict[str, list[int]]:
    """Return archive -> the article ids it holds, as ``path`` keeps them (empty when there is
    no such file, or it cannot be read: the next import writes it again)."""
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(kept, dict):
        return {}
    return {str(source): sorted(i for i in ids if isinstance(i, int))
            for source, ids in kept.items() if isinstance(ids, list)}


def every_held(path: Path) -> set[int]:
    """Return the ids of the articles any archive holds (:func:`held_by_archives`)."""
    return {i for ids in held_by_archives(path).values() for i in ids}


def note_held(path: Path, source: str, ids: set[int]) -> None:
    """Keep ``ids`` as what archive ``source`` holds (with what it held before: an index that
    pages out part way leaves no article forgotten), the file written whole or not at all."""
    kept = held_by_archives(path)
    kept[source] = sorted(set(kept.get(source, [])) | ids)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(dict(sorted(kept.items()))) + "\n", encoding="utf-8")
    os.replace(partial, path)


class HeldNotes:
    """The ids one import run finds held by its archive, each noted in the file as found (a
    run killed half way has noted what it stored)."""

    def __init__(self, path: Path, source: str):
        self.path, self.source = path, source
        self.ids = set(held_by_archives(path).get(source, []))

    def add(self, article_id: int | None) -> None:
        """Note ``article_id`` (None: the capture held no article) if it is new."""
        if article_id is not None and article_id not in self.ids:
            self.ids.add(article_id)
            note_held(self.path, self.source, {article_id})
