"""The ``changes`` table: what each version step did to an article, from its versions.

An article's versions (oldest first, as the corpus holds them) make its steps: ``added`` (the
first version), ``edited`` (the next version, when the one before was not found removed),
``withdrawn`` (a version after which the article was found removed: ``gone``) and ``restored``
(a version seen after such a removal). An edit or a restoration names the record fields that
differ (the content :func:`archive.corpus.versions.content_digest` covers), the old and new values
of the short ones, and how much the text changed (:func:`archive.corpus.history.text_change`, the
diff ``ifes-archive history --diff`` shows). The release computes them from every version the
archive holds, whatever versions it releases; ``ifes-archive history --json`` gives the same.
"""

from __future__ import annotations

from dataclasses import astuple
from dataclasses import fields as fields_of
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import msgspec

from ifes_archive.archive.corpus.history import TextChange, text_change
from ifes_archive.archive.release.tables import ChangeRow
from ifes_archive.archive.types import NOT_CONTENT, Record, record_digest

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

#: Fields whose values are too long for the table: it names them and, for ``text``, counts
#: words and paragraphs changed.
LONG_FIELDS = frozenset({"text", "bio"})


def change_rows(versions: Sequence[Record]) -> Iterator[ChangeRow]:
    """Yield the steps of one article given every version of it, oldest first."""
    if not versions:
        return
    first = versions[0]
    yield _row(first, "added", None, first, None, first.first_seen)
    for before, after in pairwise(versions):
        gone = before.gone
        if gone:
            yield _row(before, "withdrawn", before, None, before.last_seen, gone.date)
        yield _row(after, "restored" if gone else "edited", before, after,
                   gone.date if gone else before.last_seen, after.first_seen,
                   compare=_digest(before) != _digest(after))
    last = versions[-1]
    if last.gone:
        yield _row(last, "withdrawn", last, None, last.last_seen, last.gone.date)


def _digest(record: Record) -> str:
    return record.digest or record_digest(record)


def _row(record: Record, kind: str, before: Record | None, after: Record | None,
         from_seen: str | None, to_seen: str | None, compare: bool = False) -> ChangeRow:
    fields: list[str] = []
    values: list[dict[str, Any]] = []
    text = None
    if before is not None and after is not None:
        fields = changed_fields(before, after) if compare else []
        values = [{"field": name, "old": msgspec.to_builtins(getattr(before, name)),
                   "new": msgspec.to_builtins(getattr(after, name))}
                  for name in fields if name not in LONG_FIELDS]
        text = text_change(before.text, after.text) if "text" in fields else \
            text_change(None, None)
    # TextChange's fields are the table's last columns, in their order; null when not compared
    counts = astuple(text) if text else (None,) * len(fields_of(TextChange))
    return ChangeRow(record.article_id, kind, _number(before), _number(after), from_seen,
                     to_seen, fields, values, *counts)


def _number(record: Record | None) -> int | None:
    return None if record is None else record.version


def changed_fields(before: Record, after: Record) -> list[str]:
    """Return the content fields (record order) whose values differ between two versions."""
    return [name for name in before.__struct_fields__
            if name not in NOT_CONTENT and getattr(before, name) != getattr(after, name)]
