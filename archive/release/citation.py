"""A citation of each released article: GOST for Russian texts, Chicago for the others.

Russian articles (``language == "ru"``) are cited as a GOST R 7.0.100-2018 description of an
electronic resource, in the reference form of GOST R 7.0.5-2008 (4.10: the heading of a
reference names one, two or three authors, and names given there are not repeated after the
slash; with four or more there is no heading: the description starts with the title, and the
statement of responsibility names the first author followed by «[и др.]»)::

    Иванов И. И., Петров П. П. Заглавие. — Текст : электронный // Институт Дальнего Востока
    РАН : [сайт]. — 2006. — URL: http://… (дата обращения: 30.11.2026). — Архивная копия:
    archive.wacz, 20261130171717/http://…

7.0.100-2018 dropped the «[Электронный ресурс]» designation for the content-type area
«— Текст : электронный» and puts «URL:» before the address, followed by the date of access
(«дата обращения: ДД.ММ.ГГГГ»), which is mandatory. An article without a publication date
has no year element. Names are given as the site prints them, surname first with initials
(the heading form of GOST 7.80-2000).

Other articles are cited as a Chicago Manual of Style (17th ed.) notes-bibliography
bibliography entry for website content (14.206-14.207: author, "Title of Page," title or
owner of the site, publication date, a revision date when one is shown (14.13), and, where
no date is shown, the access date; URL). Two or three authors are all named, the first
inverted; four to ten are all named in a bibliography entry (14.76); the access date is
always given here, since the archived copy is that day's capture (14.12).

The date of access is the date of the capture the row was built from (its first capture
pointer). The archived copy is named in the wayback form ``TIMESTAMP/URL`` (14-digit UTC
timestamp of that capture, the URL it captured) inside the release's WACZ: that is the path
ReplayWeb.page and pywb replay it at, and the ``captures`` table names the WARC record.
The citation cites the publication date, not the «last updated» date: the edited version a
row holds is pinned by the capture date and the archived copy.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from ifes_archive.archive.corpus.person_names import name_parts, split_initials
from ifes_archive.archive.release.identity import PUBLISHER, PUBLISHER_RU
from ifes_archive.archive.release.scope import published_on

#: GOST names up to this many authors in the heading of a reference (GOST R 7.0.5-2008, 4.10.2).
GOST_HEADING_AUTHORS = 3
#: Chicago names up to this many authors in a bibliography entry, else seven and «et al.» (14.76).
CHICAGO_ALL_AUTHORS = 10
CHICAGO_LISTED_AUTHORS = 7
#: Where the archived copy of each article is replayed (the release's WACZ).
ARCHIVE_FILE = "archive.wacz"
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def cite(record: dict[str, Any], archive: str = ARCHIVE_FILE) -> str:
    """Return the citation of one row of ``articles``: GOST for Russian (or, when the language
    is not known, a Cyrillic title), else Chicago."""
    language = record.get("language")
    if language == "ru" or (language is None and _CYRILLIC.search(record.get("title") or "")):
        return gost(record, archive)
    return chicago(record, archive)


def gost(record: dict[str, Any], archive: str = ARCHIVE_FILE) -> str:
    """Return the GOST R 7.0.100-2018 reference of a row (see the module docstring)."""
    names = [gost_name(a) for a in record.get("authors") or []]
    title = _title(record)
    if names and len(names) <= GOST_HEADING_AUTHORS:
        head = f"{', '.join(names)} {title}"
    elif names:
        head = f"{title} / {_initials_first(record['authors'][0])} [и др.]"
    else:
        head = title
    parts = [_stop(head), "Текст : электронный // " + f"{PUBLISHER_RU} : [сайт]"]
    published = published_on(record)
    if published:
        parts.append(str(published.year))
    accessed, stamp, target = _capture(record)
    parts.append(f"URL: {record['url']}" + (f" (дата обращения: {accessed:%d.%m.%Y})"
                                             if accessed else ""))
    if stamp:
        parts.append(f"Архивная копия: {archive}, {stamp}/{target}")
    return ". — ".join(p.rstrip(".") for p in parts) + "."


def chicago(record: dict[str, Any], archive: str = ARCHIVE_FILE) -> str:
    """Return the Chicago (17th ed.) bibliography entry of a row (see the module docstring)."""
    authors = [str(a.get("name") or "") for a in record.get("authors") or []]
    parts = [_chicago_authors(record.get("authors") or [], authors)] if authors else []
    # a quotation inside the title takes single quotes (CMOS 13.30)
    title = _title(record).replace("“", "‘").replace("”", "’")
    parts += [f"“{title}”" if title.endswith((".", "?", "!")) else f"“{title}.”", PUBLISHER]
    published = published_on(record)
    if published:
        parts.append(_long_date(published))
    modified = _modified(record)
    if modified and modified != published:
        parts.append(f"Last modified {_long_date(modified)}")
    accessed, stamp, target = _capture(record)
    if accessed:
        parts.append(f"Accessed {_long_date(accessed)}")
    parts.append(record["url"])
    if stamp:
        parts.append(f"Archived copy: {archive}, {stamp}/{target}")
    return " ".join(_stop(p) for p in parts)


def gost_name(author: dict[str, Any]) -> str:
    """Return an author as a GOST heading names them: surname, then initials (``Иванов И. И.``)."""
    surname, initials = _split(author)
    return f"{surname} {initials}".strip()


def _initials_first(author: dict[str, Any]) -> str:
    surname, initials = _split(author)
    return f"{initials} {surname}".strip()


def _split(author: dict[str, Any]) -> tuple[str, str]:
    """Return (surname, the other names as initials ``И. В.``) of an author: the initials of
    the spelling that gives the most (the display name «Игорь Журавлёв» drops the patronymic
    that «Журавлёв И.В.» prints)."""
    name = " ".join(str(author.get("name") or "").split())
    if not name:
        return "", ""
    surname = name_parts(author).surname
    spellings = [name, *(" ".join(s.split()) for s in author.get("spellings") or [])]
    options: list[list[str]] = [_initials(s, surname) for s in spellings
                                if surname in s.split()]
    fullest = max(options, key=len) if options else []
    return surname, " ".join(fullest)


def _initials(spelling: str, surname: str) -> list[str]:
    return [f"{i}." for w in spelling.split() if w != surname
            for i in (split_initials(w) or [w[:1]])]


def _chicago_authors(people: list[dict[str, Any]], names: list[str]) -> str:
    if len(names) > CHICAGO_ALL_AUTHORS:
        names = names[:CHICAGO_LISTED_AUTHORS]
        tail = ", et al"
    else:
        tail = ""
    names = [_spaced(name) for name in names]
    surname = name_parts(people[0]).surname
    rest = " ".join(w for w in names[0].split() if w != surname)
    first = f"{surname}, {rest}" if rest else surname
    listed = [first, *names[1:]]
    if tail:
        return ", ".join(listed) + tail
    if len(listed) == 1:
        return first
    # the first name is inverted, so even two are parted by a comma (14.76)
    return ", ".join(listed[:-1]) + ", and " + listed[-1]


def _spaced(name: str) -> str:
    """Return a name with its initials spaced (``T.O. Zaitseva`` -> ``T. O. Zaitseva``, CMOS
    14.72)."""
    return " ".join(" ".join(f"{i}." for i in split_initials(w)) if split_initials(w) else w
                    for w in name.split())


def _title(record: dict[str, Any]) -> str:
    return " ".join(str(record.get("title") or f"[article {record['article_id']}]").split())


def _stop(text: str) -> str:
    """Return ``text`` ending in a full stop (or its own ``.?!``; a closing quote keeps one)."""
    text = text.strip()
    return text if text.rstrip("”").endswith((".", "?", "!")) else text + "."


def _long_date(day: date) -> str:
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"


def _modified(record: dict[str, Any]) -> date | None:
    value = (record.get("date_modified") or {}).get("value")
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _capture(record: dict[str, Any]) -> tuple[date | None, str | None, str | None]:
    """Return (the capture date, its 14-digit timestamp, the URL it captured) of the first
    capture the row was built from; the first-seen date when it names none."""
    pointers = record.get("captures") or []
    when = pointers[0].get("date") if pointers else record.get("first_seen")
    if not when:
        return None, None, None
    digits = "".join(c for c in str(when) if c.isdigit())[:14]
    day = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    if not pointers:
        return day, None, None
    return day, digits, pointers[0].get("target_uri") or record["url"]
