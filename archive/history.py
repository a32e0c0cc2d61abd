"""The history of one article in a corpus: its versions, when each was seen, what changed.

``ifes-archive history CORPUS_OR_FOLDER ID [--diff]`` prints each version of article ``ID``
(first and last seen, status, title, dates, words, the capture it came from), whether and why
it was found gone, and with ``--diff`` what changed from one version to the next: fields as a
reader says them (dates as dates), paragraphs added and removed, and within a changed paragraph
the changed words.
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


def _moment(warc_date: str | None) -> str:
    """Return a WARC date (``2026-11-30T17:08:52.727337Z``) as ``2026-11-30 17:08:52 UTC``."""
    if not warc_date:
        return "unknown"
    day, _, time = warc_date.partition("T")
    return f"{day} {time[:8]} UTC" if time else day


def describe(versions: list[dict[str, Any]], diff: bool = False) -> Iterator[str]:
    """Yield the lines that tell the history of one article."""
    previous: dict[str, Any] | None = None
    for record in versions:
        capture = (record.get("captures") or [{}])[0]
        modified = (record.get("date_modified") or {}).get("value") or "never"
        yield (f"version {record.get('version')} ({record.get('status')}): seen "
               f"{_moment(record.get('first_seen'))} .. {_moment(record.get('last_seen'))}")
        yield f"  title: {record.get('title')}"
        yield (f"  published {(record.get('date_published') or {}).get('value')}, modified "
               f"{modified}; {record.get('pages')} page(s), {record.get('word_count')} words")
        yield (f"  from {capture.get('warc_filename')} at {capture.get('warc_offset')} "
               f"({capture.get('warc_record_id')})")
        gone = record.get("gone")
        if gone:
            yield f"  gone: {gone.get('reason')} on {_moment(gone.get('date'))}"
        if diff and previous is not None:
            yield from _text_diff(previous, record)
        previous = record


#: Unchanged words kept on each side of a change when a changed paragraph is shown.
CONTEXT_WORDS = 8
#: Paragraphs at the same place sharing at least this share of words are one paragraph edited.
SAME_PARAGRAPH_RATIO = 0.5


def _text_diff(before: dict[str, Any], after: dict[str, Any]) -> Iterator[str]:
    for key in ("title", "authors", "date_published", "date_modified", "sections"):
        if before.get(key) != after.get(key):
            yield f"  changed {key}: {_shown(before.get(key))} -> {_shown(after.get(key))}"
    old = (before.get("text") or "").split("\n\n")
    new = (after.get("text") or "").split("\n\n")
    lines = list(_paragraph_diff(old, new))
    yield from lines or ["  text unchanged"]


def _shown(value: Any) -> str:
    """Return a field as a reader says it: a date as its date, people and sections by name."""
    if value is None:
        return "none"
    if isinstance(value, dict) and "value" in value:  # a date: {"value", "raw", "source"}
        return str(value["value"] or f"unreadable {value.get('raw')!r}")
    if isinstance(value, list):
        names = [v.get("name", v) if isinstance(v, dict) else v for v in value]
        return "; ".join(map(str, names)) or "none"
    return str(value)


def _paragraph_diff(old: list[str], new: list[str]) -> Iterator[str]:
    """Yield paragraphs added (``+``) and removed (``-``), and changed ones once, their changed
    words marked ``[-old-]{+new+}`` (as ``git diff --word-diff``), numbered as in the new text."""
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            continue
        paired = min(a2 - a1, b2 - b1) if op == "replace" else 0
        for k in range(paired):
            if _similar(old[a1 + k], new[b1 + k]):
                yield f"  ~ ¶{b1 + k + 1}: {_word_diff(old[a1 + k], new[b1 + k])}"
            else:
                yield f"  - ¶{a1 + k + 1} (removed): {old[a1 + k]}"
                yield f"  + ¶{b1 + k + 1}: {new[b1 + k]}"
        for k in range(a1 + paired, a2):
            yield f"  - ¶{k + 1} (removed): {old[k]}"
        for k in range(b1 + paired, b2):
            yield f"  + ¶{k + 1}: {new[k]}"


def _similar(old: str, new: str) -> bool:
    """Return True when two paragraphs share most words (one edited, not one replaced)."""
    matcher = difflib.SequenceMatcher(a=old.split(), b=new.split(), autojunk=False)
    return matcher.ratio() >= SAME_PARAGRAPH_RATIO


def _word_diff(old: str, new: str) -> str:
    """Return ``new`` with the words that changed from ``old`` marked, long equal runs cut."""
    before, after = old.split(), new.split()
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    opcodes = matcher.get_opcodes()
    for n, (op, a1, a2, b1, b2) in enumerate(opcodes):
        if op == "equal":
            parts.append(_context(after[b1:b2], first=n == 0, last=n == len(opcodes) - 1))
            continue
        if a2 > a1:
            parts.append("[-" + " ".join(before[a1:a2]) + "-]")
        if b2 > b1:
            parts.append("{+" + " ".join(after[b1:b2]) + "+}")
    return " ".join(p for p in parts if p)


def _context(words: list[str], first: bool, last: bool) -> str:
    keep_head = 0 if first else CONTEXT_WORDS
    keep_tail = 0 if last else CONTEXT_WORDS
    if len(words) <= keep_head + keep_tail + 1:
        return " ".join(words)
    head = words[:keep_head]
    tail = words[len(words) - keep_tail:] if keep_tail else []
    return " ".join([*head, "…", *tail])
