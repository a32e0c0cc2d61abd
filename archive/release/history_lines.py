"""The lines ``ifes-archive history`` prints of one article's history
(:class:`~archive.release.lookup.ArticleHistory`): each version (first and last seen, status,
title, dates, words, the capture it came from), whether and why it was found gone, the step that
made it (a row of the ``changes`` table: the fields that changed, the words and paragraphs of the
text) and with ``--diff`` what changed from one version to the next
(:func:`archive.corpus.history.record_diff`), where both texts are at hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ifes_archive.archive.corpus.history import record_diff
from ifes_archive.archive.release.lookup import RowVersion

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from ifes_archive.archive.release.lookup import ReleasedVersion, Version
    from ifes_archive.archive.release.tables import CaptureRow, ChangeRow
    from ifes_archive.archive.types import CapturePointer, DateValue, Gone, Record

#: What ``--diff`` says between two versions when the release holds the text of one only.
ONE_TEXT = ("  (the release holds the text of only one of the two versions: "
            "a release built with --all-versions holds both)")


def describe(versions: Sequence[Version], diff: bool = False,
             changes: Sequence[ChangeRow] = ()) -> Iterator[str]:
    """Yield the lines that tell the history of one article: each version, the step that made
    it (a row of the ``changes`` table, from ``changes``) and with ``diff`` the text diff."""
    steps = {step.to_version: step for step in changes if step.to_version}
    previous: Version | None = None
    for version in versions:
        if isinstance(version, RowVersion):
            yield from _row_lines(version)
            step = steps.get(version.row.version)
        else:
            yield from _record_lines(version)
            step = steps.get(version.version)
        if step is not None and step.kind != "added":
            yield _step_line(step)
        if diff and previous is not None:
            if isinstance(previous, RowVersion) or isinstance(version, RowVersion):
                yield ONE_TEXT
            else:
                yield from record_diff(previous, version)
        previous = version


def _record_lines(record: Record | ReleasedVersion) -> Iterator[str]:
    """Yield the lines of a version whose record is at hand."""
    yield _seen_line(record.version, record.status, record.first_seen, record.last_seen)
    yield f"  title: {record.title}"
    published = record.date_published.value if record.date_published else None
    yield (f"  published {published}, modified {_modified(record.date_modified)}; "
           f"{record.pages} page(s), {record.word_count} words")
    yield from _where_lines(record.captures[0] if record.captures else None, record.gone)


def _row_lines(version: RowVersion) -> Iterator[str]:
    """Yield the lines of a version a release holds as a ``versions`` row only."""
    row = version.row
    yield _seen_line(row.version, row.status, row.first_seen, row.last_seen)
    yield f"  title: {row.title}"
    yield f"  modified {_modified(version.date_modified)}; {row.word_count} words"
    yield from _where_lines(version.captures[0] if version.captures else None, version.gone)


def _seen_line(number: int, status: str, first_seen: str | None, last_seen: str | None) -> str:
    return f"version {number} ({status}): seen {_moment(first_seen)} .. {_moment(last_seen)}"


def _modified(date: DateValue | None) -> str:
    return (date.value if date else None) or "never"


def _where_lines(capture: CapturePointer | CaptureRow | None, gone: Gone | None,
                 ) -> Iterator[str]:
    """Yield where a version came from (its first page's capture) and whether it was found
    gone."""
    if capture is None:  # none known: a record of none, a release without ``captures``
        yield "  from None at None (None)"
    else:
        yield (f"  from {capture.warc_filename} at {capture.warc_offset} "
               f"({capture.warc_record_id})")
    if gone is not None:
        yield f"  gone: {gone.reason} on {_moment(gone.date)}"


def _step_line(step: ChangeRow) -> str:
    """Return one step of the ``changes`` table as a line: its kind, fields and text counts."""
    fields = ", ".join(step.fields) or "no field"
    line = f"  {step.kind} (from version {step.from_version}): {fields} changed"
    if "text" in step.fields:
        line += (f"; text: {step.words_added} words added, {step.words_removed} removed; "
                 f"paragraphs {step.paragraphs_added} added, {step.paragraphs_removed} "
                 f"removed, {step.paragraphs_edited} edited")
    return line


def _moment(warc_date: str | None) -> str:
    """Return a WARC date (``2026-11-30T17:08:52.727337Z``) as ``2026-11-30 17:08:52 UTC``."""
    if not warc_date:
        return "unknown"
    day, _, time = warc_date.partition("T")
    return f"{day} {time[:8]} UTC" if time else day
