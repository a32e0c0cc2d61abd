"""Whether the crawler should fetch a link of a Joomla 1.0 site, and why not: on the site (scheme,
host, port and base path), content (listings, articles, plain HTML pages), not an in-page anchor,
and not the archive module's calendar trap.

Pure functions over strings, no Scrapy, read from :func:`archive.page.joomla.parse_url`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlsplit

from ifes_archive.archive.origin import origin_of
from ifes_archive.archive.page.joomla import (
    ARTICLE_KINDS,
    LISTING_KINDS,
    JoomlaUrl,
    normalise_base_url,
    parse_url,
)

#: Kinds of Joomla page followed: the listings and the articles.
FOLLOWED_KINDS = LISTING_KINDS | ARTICLE_KINDS

#: Plain pages of the site outside Joomla (an old static page, say) are fetched and kept.
HTML_SUFFIXES = (".html", ".htm")
#: The site went up in the late 1990s; an archive month before this is the calendar trap.
FIRST_ARCHIVE_YEAR = 1995
#: Fragments of the template's hidden accessibility links ("Menu", "Content/Inhalt").
ANCHOR_FRAGMENTS = frozenset({"menu", "content"})


@dataclass(frozen=True)
class FollowDecision:
    """Whether to follow a link; false with a reason when not. Usable as a bool."""

    follow: bool
    reason: str
    parsed: JoomlaUrl

    def __bool__(self) -> bool:
        return self.follow


def is_html_page(parsed: JoomlaUrl) -> bool:
    """Return True for a plain HTML page of the site (outside Joomla): worth keeping too."""
    return parsed.kind == "static" and parsed.path.lower().endswith(HTML_SUFFIXES)


def should_follow(
    url: str,
    base_url: str,
    referrer: str | None = None,
    *,
    current_year: int | None = None,
    also: tuple[str, ...] = (),
) -> FollowDecision:
    """Return whether the crawler should fetch *url* found on page *referrer*, and why not.

    Only pages of the site under *base_url* that lead to articles are followed. Archive (calendar)
    pages are followed only from a non-archive page, whose archive module lists the months that
    exist; from an archive page only its own pagination is, never another month (the calendar
    trap). robots.txt is left to Scrapy's RobotsTxtMiddleware. The site is scheme, host and
    port of *base_url*, or of one of the base URLs *also* lists (the https twin, say).
    """
    parsed = parse_url(url, base_url)
    reasons = [_offsite_reason(url, base) for base in (base_url, *also)]
    reason = None if None in reasons else reasons[0]
    if reason is None and parsed.fragment.lower() in ANCHOR_FRAGMENTS:
        reason = "in-page anchor"
    if reason is None and parsed.kind not in FOLLOWED_KINDS and not is_html_page(parsed):
        reason = f"not content: {parsed.kind}"
    if reason is None and parsed.kind == "archive":
        reason = _archive_reason(parsed, base_url, referrer, current_year)
    return FollowDecision(reason is None, reason or "", parsed)


def _archive_reason(
    parsed: JoomlaUrl, base_url: str, referrer: str | None, current_year: int | None
) -> str | None:
    """Return why an archive page must not be fetched, None when it may be."""
    year_now = current_year or datetime.date.today().year
    if parsed.year is not None and not FIRST_ARCHIVE_YEAR <= parsed.year <= year_now:
        return f"archive year {parsed.year} out of range"
    if parsed.month is not None and not 1 <= parsed.month <= 12:
        return f"archive month {parsed.month} out of range"
    if referrer is None:
        return None
    source = parse_url(referrer, base_url)
    if source.kind == "archive" and _archive_month(source) != _archive_month(parsed):
        return "archive to archive navigation (calendar trap)"
    return None


def _archive_month(parsed: JoomlaUrl) -> tuple[str | None, int | None, int | None, int | None]:
    return (parsed.task, parsed.id, parsed.year, parsed.month)


def _offsite_reason(url: str, base_url: str) -> str | None:
    """Return why *url* is not on the site of *base_url*, None when it is."""
    parts = urlsplit(url.strip())
    base = urlsplit(normalise_base_url(base_url))
    if parts.scheme.lower() != base.scheme:
        return f"other scheme: {parts.scheme or '(none)'}"
    origin = origin_of(url)
    if origin is None:
        return f"no valid host: {parts.netloc}"
    if origin != origin_of(base_url):
        return f"other host: {parts.netloc}"
    if not (parts.path or "/").startswith(base.path):
        return "outside the site's base path"
    return None
