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

from ifes_archive.archive.corpus.history import TextChange, text_change
from ifes_archive.archive.corpus.versions import NOT_CONTENT, content_digest
from ifes_archive.archive.release.tables import ChangeRow

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

#: Fields whose values are too long for the table: it names them and, for ``text``, counts
#: words and paragraphs changed.
LONG_FIELDS = frozenset({"text", "bio"})


def change_rows(versions: Sequence[dict[str, Any]],
                digests: Sequence[str] | None = None) -> Iterator[ChangeRow]:
    """Yield the steps of one article given every version of it, oldest first (``digests``:
    their content digests, when the caller has them)."""
    if not versions:
        return
    digests = digests or [content_digest(record) for record in versions]
    first = versions[0]
    yield _row(first, "added", None, first, None, first.get("first_seen"))
    for (before, old), (after, new) in pairwise(zip(versions, digests)):
        gone = before.get("gone")
        if gone:
            yield _row(before, "withdrawn", before, None, before.get("last_seen"),
                       gone.get("date"))
        yield _row(after, "restored" if gone else "edited", before, after,
                   gone.get("date") if gone else before.get("last_seen"),
                   after.get("first_seen"), compare=old != new)
    last = versions[-1]
    if last.get("gone"):
        yield _row(last, "withdrawn", last, None, last.get("last_seen"), last["gone"].get("date"))


def _row(record: dict[str, Any], kind: str, before: dict[str, Any] | None,
         after: dict[str, Any] | None, from_seen: str | None, to_seen: str | None,
         compare: bool = False) -> ChangeRow:
    fields, values, text = [], [], None
    if before is not None and after is not None:
        fields = changed_fields(before, after) if compare else []
        values = [{"field": name, "old": before.get(name), "new": after.get(name)}
                  for name in fields if name not in LONG_FIELDS]
        text = text_change(before.get("text"), after.get("text")) if "text" in fields else \
            text_change(None, None)
    # TextChange's fields are the table's last columns, in their order; null when not compared
    counts = astuple(text) if text else (None,) * len(fields_of(TextChange))
    return ChangeRow(record["article_id"], kind, _number(before), _number(after), from_seen,
                     to_seen, fields, values, *counts)


def _number(record: dict[str, Any] | None) -> int | None:
    return None if record is None else record.get("version") or 1


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Return the content fields (record order) whose values differ between two versions."""
    names = [*before, *(k for k in after if k not in before)]
    return [name for name in names
            if name not in NOT_CONTENT and before.get(name) != after.get(name)]
