"""The history of one article in a corpus: its versions, when each was seen, what changed.

``ifes-archive history CORPUS_OR_FOLDER ID [--diff] [--json]`` prints each version of article
``ID`` (first and last seen, status, title, dates, words, the capture it came from), whether and
why it was found gone, the step that made it (a row of the release's ``changes`` table: the
fields that changed, the words and paragraphs of the text) and with ``--diff`` what changed from
one version to the next: fields as a reader says them (dates as dates), paragraphs added and
removed, and within a changed paragraph the changed words. The same paragraph and word diff,
counted (:func:`text_change`), is what the ``changes`` table says of the text. Where the versions
come from (a corpus, an archive or a release folder) is :mod:`archive.release.lookup`'s.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ifes_archive.archive.page.record_json import record_from_json
from ifes_archive.archive.warcs.folder import ArchiveFolder

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from ifes_archive.archive.types import Record


def corpus_path(path: Path) -> Path:
    """Return the corpus file: ``path`` itself, or ``articles.jsonl`` in an archive folder."""
    return ArchiveFolder(path).articles if path.is_dir() else path


def records_of(corpus: Path, article_id: int) -> list[Record]:
    """Return every version of ``article_id`` in ``corpus``, oldest first."""
    found = []
    with open(corpus, "rb") as stream:
        for line in _about(stream, article_id):
            record = record_from_json(line)
            if record.article_id == article_id:
                found.append(record)
    return sorted(found, key=lambda r: r.version)


def rows_of(lines: Path, article_id: int) -> list[dict[str, Any]]:
    """Return the rows of a JSON Lines file (a corpus, a release's table) about ``article_id``,
    in file order."""
    with open(lines, "rb") as stream:
        rows = [json.loads(line) for line in _about(stream, article_id)]
    return [row for row in rows if row.get("article_id") == article_id]


def _about(lines: Iterable[bytes], article_id: int) -> Iterator[bytes]:
    """Yield the lines that may be about ``article_id`` (a cheap test first: the file may be
    large)."""
    needle = f'"article_id": {article_id},'.encode()
    return (line for line in lines if needle in line)


def _moment(warc_date: str | None) -> str:
    """Return a WARC date (``2026-11-30T17:08:52.727337Z``) as ``2026-11-30 17:08:52 UTC``."""
    if not warc_date:
        return "unknown"
    day, _, time = warc_date.partition("T")
    return f"{day} {time[:8]} UTC" if time else day


def describe(versions: list[dict[str, Any]], diff: bool = False,
             changes: Sequence[dict[str, Any]] = ()) -> Iterator[str]:
    """Yield the lines that tell the history of one article: each version, the step that made
    it (a row of the ``changes`` table, from ``changes``) and with ``diff`` the text diff."""
    previous: dict[str, Any] | None = None
    steps = {row["to_version"]: row for row in changes if row.get("to_version")}
    for record in versions:
        yield from _version_lines(record)
        step = steps.get(record.get("version"))
        if step is not None and step["kind"] != "added":
            yield _step_line(step)
        if diff and previous is not None:
            yield from _text_diff(previous, record) if "text" in previous and "text" in record \
                else ["  (the release holds the text of only one of the two versions: "
                      "a release built with --all-versions holds both)"]
        previous = record


def _version_lines(record: dict[str, Any]) -> Iterator[str]:
    capture = (record.get("captures") or [{}])[0]
    modified = (record.get("date_modified") or {}).get("value") or "never"
    yield (f"version {record.get('version')} ({record.get('status')}): seen "
           f"{_moment(record.get('first_seen'))} .. {_moment(record.get('last_seen'))}")
    yield f"  title: {record.get('title')}"
    if "date_published" in record:  # a whole record, not only a row of a release's versions
        yield (f"  published {(record.get('date_published') or {}).get('value')}, modified "
               f"{modified}; {record.get('pages')} page(s), {record.get('word_count')} words")
    else:
        yield f"  modified {modified}; {record.get('word_count')} words"
    yield (f"  from {capture.get('warc_filename')} at {capture.get('warc_offset')} "
           f"({capture.get('warc_record_id')})")
    gone = record.get("gone")
    if gone:
        yield f"  gone: {gone.get('reason')} on {_moment(gone.get('date'))}"


def _step_line(step: dict[str, Any]) -> str:
    """Return one step of the ``changes`` table as a line: its kind, fields and text counts."""
    fields = ", ".join(step.get("fields") or []) or "no field"
    line = f"  {step['kind']} (from version {step.get('from_version')}): {fields} changed"
    if "text" in (step.get("fields") or []):
        line += (f"; text: {step['words_added']} words added, {step['words_removed']} removed; "
                 f"paragraphs {step['paragraphs_added']} added, {step['paragraphs_removed']} "
                 f"removed, {step['paragraphs_edited']} edited")
    return line


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


@dataclass(frozen=True)
class ParagraphChange:
    """One paragraph that differs between two texts."""

    kind: Literal["added", "removed", "edited"]
    old: int | None
    """Its 0-based place in the old text (None: added)."""
    new: int | None
    """Its 0-based place in the new text (None: removed)."""


def paragraph_changes(old: list[str], new: list[str]) -> Iterator[ParagraphChange]:
    """Yield the paragraphs added, removed and edited (one that keeps most of its words) from
    ``old`` to ``new``, in text order."""
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            continue
        paired = min(a2 - a1, b2 - b1) if op == "replace" else 0
        for k in range(paired):
            if _similar(old[a1 + k], new[b1 + k]):
                yield ParagraphChange("edited", a1 + k, b1 + k)
            else:
                yield ParagraphChange("removed", a1 + k, None)
                yield ParagraphChange("added", None, b1 + k)
        yield from (ParagraphChange("removed", k, None) for k in range(a1 + paired, a2))
        yield from (ParagraphChange("added", None, k) for k in range(b1 + paired, b2))


def _paragraph_diff(old: list[str], new: list[str]) -> Iterator[str]:
    """Yield paragraphs added (``+``) and removed (``-``), and changed ones once, their changed
    words marked ``[-old-]{+new+}`` (as ``git diff --word-diff``), numbered as in the new text."""
    for change in paragraph_changes(old, new):
        if change.kind == "edited":
            assert change.old is not None and change.new is not None
            yield f"  ~ ¶{change.new + 1}: {_word_diff(old[change.old], new[change.new])}"
        elif change.old is not None:
            yield f"  - ¶{change.old + 1} (removed): {old[change.old]}"
        elif change.new is not None:
            yield f"  + ¶{change.new + 1}: {new[change.new]}"


@dataclass(frozen=True)
class TextChange:
    """How much a text changed, in words and paragraphs (what ``--diff`` shows, counted)."""

    words_added: int
    words_removed: int
    paragraphs_added: int
    paragraphs_removed: int
    paragraphs_edited: int


def paragraphs_of(text: str | None) -> list[str]:
    """Return the paragraphs of a record's text (separated by a blank line)."""
    return text.split("\n\n") if text else []


def text_change(old_text: str | None, new_text: str | None) -> TextChange:
    """Return how much the text changed from ``old_text`` to ``new_text``: the words of added
    and removed paragraphs, and within an edited one the words its word diff adds and removes."""
    old, new = paragraphs_of(old_text), paragraphs_of(new_text)
    added = removed = 0
    kinds: Counter[str] = Counter()
    for change in paragraph_changes(old, new):
        kinds[change.kind] += 1
        if change.kind == "edited":
            assert change.old is not None and change.new is not None
            plus, minus = _words_changed(old[change.old], new[change.new])
            added, removed = added + plus, removed + minus
        elif change.old is not None:
            removed += len(old[change.old].split())
        elif change.new is not None:
            added += len(new[change.new].split())
    return TextChange(added, removed, kinds["added"], kinds["removed"], kinds["edited"])


Opcodes = list[tuple[Literal["replace", "delete", "insert", "equal"], int, int, int, int]]


def _word_ops(old: str, new: str) -> tuple[list[str], list[str], Opcodes]:
    """Return the words of both paragraphs and the opcodes that turn the old into the new."""
    before, after = old.split(), new.split()
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    return before, after, matcher.get_opcodes()


def _words_changed(old: str, new: str) -> tuple[int, int]:
    """Return (words added, words removed) from paragraph ``old`` to ``new``."""
    _, _, opcodes = _word_ops(old, new)
    changed = [(a2 - a1, b2 - b1) for op, a1, a2, b1, b2 in opcodes if op != "equal"]
    return sum(b for _, b in changed), sum(a for a, _ in changed)


def _similar(old: str, new: str) -> bool:
    """Return True when two paragraphs share most words (one edited, not one replaced)."""
    matcher = difflib.SequenceMatcher(a=old.split(), b=new.split(), autojunk=False)
    return matcher.ratio() >= SAME_PARAGRAPH_RATIO


def _word_diff(old: str, new: str) -> str:
    """Return ``new`` with the words that changed from ``old`` marked, long equal runs cut."""
    before, after, opcodes = _word_ops(old, new)
    parts: list[str] = []
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
