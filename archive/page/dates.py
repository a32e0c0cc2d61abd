"""Dates of an article: the created and modified lines of the Joomla RE template.

Joomla formats both with the pack's ``_DATE_FORMAT_LC`` ``" %d.%m.%Y г."``
(docs/site-profile.md, "Dates"): day first, always, no time zone. The fast path reads exactly
that with a regular expression; anything else goes to dateparser, configured for Russian and
English with day-first order (without it, "05.03.2012 г." would be 3 May) and for absolute dates
only: «вчера» or "2 days ago" on an archived page would name the day it was read, and a bare
number is no timestamp of the article. A date that does not exist («31.02.2012 г.») is no date:
never a wrong one.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Any

#: ``mosFormatDate`` with the pack's format: `` 30.11.2012 г.`` (the leading space is Joomla's).
JOOMLA_DATE = re.compile(r"(?<!\d)(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)")
#: Words around the date in the modified line («Последнее обновление ( ... )»), and «г.».
NOISE = re.compile(r"Последнее обновление|Last Updated|Сегодня:?|\bг\.|[()]", re.IGNORECASE)
#: dateparser settings: Russian and English, day first, a day needed (no "month only" dates).
DATEPARSER_LANGUAGES = ("ru", "en")
DATEPARSER_SETTINGS: dict[str, Any] = {
    "DATE_ORDER": "DMY",
    "PREFER_DAY_OF_MONTH": "first",
    "REQUIRE_PARTS": ["day", "month", "year"],
    "RETURN_AS_TIMEZONE_AWARE": False,
    "PARSERS": ["custom-formats", "absolute-time"],
}


def read_date(raw: str) -> date | None:
    """Return the day a created/modified string shows, None when it shows none."""
    match = JOOMLA_DATE.search(raw)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            return None
    cleaned = " ".join(NOISE.sub(" ", raw).split())
    return _dateparser(cleaned) if cleaned else None


@lru_cache(maxsize=1)
def _parser() -> Any:
    from dateparser.date import DateDataParser  # lazy: the fast path needs none of it

    return DateDataParser(languages=list(DATEPARSER_LANGUAGES), settings=DATEPARSER_SETTINGS)


def _dateparser(text: str) -> date | None:
    found = _parser().get_date_data(text)
    return found.date_obj.date() if found and found.date_obj else None
