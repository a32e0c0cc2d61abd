"""The history of one article in a corpus: its versions, when each was seen, what changed.

``ifes-archive history CORPUS_OR_FOLDER ID [--diff]`` prints each version of article ``ID``
(first and last seen, status, title, dates, words, the capture it came from), whether and why
it was found gone, and with ``--diff`` what changed in the text from one version to the next
(a unified diff, paragraph by paragraph).
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator


def corpus_path(path: Path) -> Path:
    """Return the corpus file: ``path`` itself, or ``articles.jsonl`` in an archive folder."""
    return path / "articles.jsonl" if path.is_dir() else path


def versions_of(corpus: Path, article_id: int) -> list[dict[str, Any]]:
    """Return every version of ``article_id`` in ``corpus``, oldest first."""
    found = []
    needle = f'"article_id": {article_id},'
    with open(corpus, encoding="utf-8") as stream:
        for line in stream:
            if needle in line:  # cheap test first: the corpus may be large
                record = json.loads(line)
                if record.get("article_id") == article_id:
                    found.append(record)
    return sorted(found, key=lambda r: r.get("version") or 0)


def describe(versions: list[dict[str, Any]], diff: bool = False) -> Iterator[str]:
    """Yield the lines that tell the history of one article."""
    previous: dict[str, Any] | None = None
    for record in versions:
        capture = (record.get("captures") or [{}])[0]
        modified = (record.get("date_modified") or {}).get("value") or "never"
        yield (f"version {record.get('version')} ({record.get('status')}): seen "
               f"{record.get('first_seen')} .. {record.get('last_seen')}")
        yield f"  title: {record.get('title')}"
        yield (f"  published {(record.get('date_published') or {}).get('value')}, modified "
               f"{modified}; {record.get('pages')} page(s), {record.get('word_count')} words")
        yield (f"  from {capture.get('warc_filename')} at {capture.get('warc_offset')} "
               f"({capture.get('warc_record_id')})")
        gone = record.get("gone")
        if gone:
            yield f"  gone: {gone.get('reason')} on {gone.get('date')}"
        if diff and previous is not None:
            yield from _text_diff(previous, record)
        previous = record


def _text_diff(before: dict[str, Any], after: dict[str, Any]) -> Iterator[str]:
    old = (before.get("text") or "").split("\n\n")
    new = (after.get("text") or "").split("\n\n")
    for key in ("title", "authors", "date_modified", "sections"):
        if before.get(key) != after.get(key):
            yield f"  changed {key}: {json.dumps(before.get(key), ensure_ascii=False)} -> " \
                  f"{json.dumps(after.get(key), ensure_ascii=False)}"
    lines = list(difflib.unified_diff(old, new, f"version {before.get('version')}",
                                      f"version {after.get('version')}", lineterm="", n=0))
    if not lines:
        yield "  text unchanged"
    for line in lines:
        yield f"  {line}"
