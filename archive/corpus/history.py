"""The history of one article in a corpus: its versions, and what changed from one to the next.

A corpus holds every version of article ``ID`` whole (:func:`records_of`); the same reading, with
a row type of their own, gives the rows of a release's tables about it (:func:`rows_of`).
``ifes-archive history --diff`` shows what changed between two versions (:func:`record_diff`):
fields as a reader says them (dates as dates), paragraphs added and removed, and within a changed
paragraph the changed words. The same paragraph and word diff, counted (:func:`text_change`), is
what the ``changes`` table says of the text. Where the versions come from (a corpus, an archive
or a release folder) and how ``history`` tells them is the release layer's
(:mod:`archive.release.lookup`, :mod:`archive.release.history_lines`).
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

from ifes_archive.archive.page.record_json import record_from_json
from ifes_archive.archive.types import DateValue, Person, Record

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from pathlib import Path


class AboutAnArticle(Protocol):
    """A row of a JSON Lines file about one article (a record, a row of a release's table)."""

    @property
    def article_id(self) -> int: ...


#: The type of a row :func:`rows_of` reads.
Row = TypeVar("Row", bound=AboutAnArticle)


def records_of(corpus: Path, article_id: int) -> list[Record]:
    """Return every version of ``article_id`` in ``corpus``, oldest first."""
    found = [record for record, _ in rows_of(corpus, article_id, record_from_json)]
    return sorted(found, key=lambda r: r.version)


def rows_of(lines: Path, article_id: int, decode: Callable[[bytes], Row],
            ) -> list[tuple[Row, bytes]]:
    """Return the rows of a JSON Lines file (a corpus, a release's table) about ``article_id``,
    each decoded by ``decode`` and with its line as the file holds it, in file order."""
    with open(lines, "rb") as stream:
        rows = [(decode(line), line) for line in _about(stream, article_id)]
    return [(row, line) for row, line in rows if row.article_id == article_id]


def _about(lines: Iterable[bytes], article_id: int) -> Iterator[bytes]:
    """Yield the lines that may be about ``article_id`` (a cheap test first: the file may be
    large)."""
    needle = f'"article_id": {article_id},'.encode()
    return (line for line in lines if needle in line)


#: The fields ``--diff`` shows when they change, as a reader says them (the text is diffed).
SHOWN_FIELDS = ("title", "authors", "date_published", "date_modified", "sections")
#: A field's value as :func:`record_diff` shows it.
Shown = str | DateValue | Sequence[Person] | Sequence[str] | None


class Diffed(Protocol):
    """What :func:`record_diff` reads of a version: a :class:`~archive.types.Record`, or what
    ``history`` reads of a release's released version."""

    @property
    def title(self) -> str | None: ...
    @property
    def authors(self) -> Sequence[Person]: ...
    @property
    def date_published(self) -> DateValue | None: ...
    @property
    def date_modified(self) -> DateValue | None: ...
    @property
    def sections(self) -> Sequence[str]: ...
    @property
    def text(self) -> str | None: ...


def record_diff(before: Diffed, after: Diffed) -> Iterator[str]:
    """Yield the lines that say what changed from one version to the next: the fields of
    :data:`SHOWN_FIELDS` that differ, as a reader says them, then the text's paragraph and
    word diff (or that the text is unchanged)."""
    for key in SHOWN_FIELDS:
        old: Shown = getattr(before, key)
        new: Shown = getattr(after, key)
        if old != new:
            yield f"  changed {key}: {_shown(old)} -> {_shown(new)}"
    lines = list(_paragraph_diff((before.text or "").split("\n\n"),
                                 (after.text or "").split("\n\n")))
    yield from lines or ["  text unchanged"]


def _shown(value: Shown) -> str:
    """Return a field as a reader says it: a date as its date, people and sections by name."""
    if value is None:
        return "none"
    if isinstance(value, DateValue):
        return str(value.value or f"unreadable {value.raw!r}")
    if isinstance(value, str):
        return value
    names = [v.name if isinstance(v, Person) else v for v in value]
    return "; ".join(names) or "none"


#: Unchanged words kept on each side of a change when a changed paragraph is shown.
CONTEXT_WORDS = 8
#: Paragraphs at the same place sharing at least this share of words are one paragraph edited.
SAME_PARAGRAPH_RATIO = 0.5


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
