"""How an offline rebuild groups an import run's captures of one article into observations.

A crawl run fetches an article's pages within moments of each other, so a run is one look at
it. An import run brings every moment an archive saved at once, and an archive captures the
pages of one article at different times (minutes or years apart). Here every capture date of
the article's first page is a moment (one look, :mod:`archive.corpus.versions`), and each capture of
a later page or of the print view belongs to the moment nearest to it in time (the earlier one
on a tie). Several first-page captures at one date (URL aliases) are one moment.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Iterable

#: Separates an import run's label from a moment's date in the label a moment is grouped by.
MOMENT_MARK = "@"

T = TypeVar("T")


def seconds(warc_date: str) -> float:
    """Return a WARC date (``2009-03-01T12:00:00Z``, fractions allowed) as a POSIX time."""
    return datetime.fromisoformat(warc_date.replace("Z", "+00:00")).timestamp()


def moment_label(source: str, date: str) -> str:
    """Return the label of the moment ``date`` of archive ``source`` (every import run from
    one archive adds to the same moments: a resumed import completes them)."""
    return f"{source}{MOMENT_MARK}{date}"


def moments(captures: Iterable[tuple[int, str, T]]) -> list[tuple[str, int, T]]:
    """Return (moment date, page, capture) for (page, capture date, capture) of one article
    from one archive: page 0 makes the moments, other pages join the nearest."""
    listed = list(captures)
    firsts = sorted({date: seconds(date) for page, date, _ in listed if page == 0}.items())
    grouped = []
    for page, date, capture in listed:
        grouped.append((_nearest(firsts, date) if page and firsts else date, page, capture))
    return grouped


def _nearest(firsts: list[tuple[str, float]], date: str) -> str:
    """Return the first-page date nearest ``date`` (the earlier on a tie)."""
    at = seconds(date)
    return min(firsts, key=lambda first: (abs(first[1] - at), first[1]))[0]
