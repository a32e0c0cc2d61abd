"""The answers of a CDX server (the Wayback CDX API: the Internet Archive's, a pywb
collection's) and of a Memento TimeMap, read into capture rows; which rows are the site's pages.

Formats read (the Internet Archive's CDX server documentation, pywb's CDX server API):

- ``output=json`` of the Internet Archive: one JSON array of arrays, the first the field names
  (``urlkey, timestamp, original, mimetype, statuscode, digest, length``); with
  ``showResumeKey=true`` an empty array and then ``[resume key]`` end it;
- the Internet Archive's plain answer: a line of space-separated fields per capture in that
  order; with ``showResumeKey=true`` a blank line and the resume key end it;
- ``output=json`` of pywb: one JSON object per line (``url``, ``mime``, ``status`` ...); and
  pywb's CDXJ lines (``urlkey timestamp {json}``).

A revisit (``warc/revisit``, status ``-``) is a capture like any other: the archive's replay
gives its content. Two rows of one URL key and timestamp (an archive holds duplicates) are one
capture.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from ifes_archive.archive.origin import DEFAULT_PORTS, canonical_url, origin_of
from ifes_archive.archive.page.joomla import (
    NAMING_KINDS,
    listing_task,
    normalise_base_url,
    parse_url,
)

#: The Internet Archive's CDX field order (its plain and JSON answers without ``fl``).
IA_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
#: Statuses of captures worth fetching: a page, its removal, a revisit (``-``), unknown.
WANTED_STATUSES = frozenset({"200", "404", "410", "-", ""})
#: pywb's field names for the Internet Archive's.
_ALIASES = {"url": "original", "mime": "mimetype", "status": "statuscode"}


@dataclass(frozen=True)
class Capture:
    """One capture an archive lists: when, of what URL, what it answered."""

    timestamp: str
    original: str
    statuscode: str = ""
    mimetype: str = ""
    digest: str = ""
    urlkey: str = ""
    replay: str = ""
    """Its replay URL when the index gave one (a TimeMap's memento); else made from a
    pattern (:func:`raw_replay_url`)."""

    def key(self) -> tuple[str, str]:
        """Return what makes a capture distinct: its URL key (the archive's canonical form of
        the URL), else its URL with the origin in its one spelling, and its timestamp."""
        return (self.urlkey or canonical_url(self.original) or self.original, self.timestamp)


@dataclass(frozen=True)
class CdxPage:
    """One answer of a CDX server: its captures, the resume key to ask for the next, and the
    lines (or JSON rows) that were no capture row."""

    captures: list[Capture]
    resume_key: str = ""
    bad: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Return how many rows the answer held, malformed ones included."""
        return len(self.captures) + len(self.bad)


def _capture(fields: dict[str, Any]) -> Capture:
    """Return the capture of one row's fields; raise ValueError when it names none (no
    timestamp of digits, no URL)."""
    named = {_ALIASES.get(str(k), str(k)): str(v) for k, v in fields.items() if v is not None}
    if not named.get("timestamp", "").isdigit() or not named.get("original"):
        raise ValueError("no timestamp or no URL")
    return Capture(named["timestamp"], named["original"], named.get("statuscode", ""),
                   named.get("mimetype", ""), named.get("digest", ""), named.get("urlkey", ""))


def parse_cdx(text: str) -> CdxPage:
    """Return the captures and resume key of one CDX answer in any format above, its
    malformed rows set aside (:attr:`CdxPage.bad`); raise ValueError when it is none of them
    (not JSON where JSON begins, or not one row a capture)."""
    stripped = text.strip()
    if not stripped:
        return CdxPage([])
    page = _json_table(json.loads(stripped)) if stripped.startswith("[") else _lines(text)
    if page.bad and not page.captures and not page.resume_key:
        raise ValueError(f"no row is a capture, the first: {page.bad[0][:80]!r}")
    return page


def _json_table(table: Any) -> CdxPage:
    if not isinstance(table, list) or not table:
        return CdxPage([])
    names, rows, resume = table[0], table[1:], ""
    if not isinstance(names, list):
        raise ValueError("the first row names no fields")
    if len(rows) >= 2 and rows[-2] == [] and isinstance(rows[-1], list) and len(rows[-1]) == 1:
        rows, resume = rows[:-2], str(rows[-1][0])
    captures, bad = [], []
    for row in rows:
        try:
            if not isinstance(row, list) or len(row) != len(names):
                raise ValueError("not a row of the fields")
            captures.append(_capture(dict(zip(names, row))))
        except (ValueError, TypeError):
            bad.append(json.dumps(row, ensure_ascii=False))
    return CdxPage(captures, resume, bad)


def _lines(text: str) -> CdxPage:
    blocks = text.strip().split("\n\n")
    resume = ""
    if len(blocks) > 1 and len(blocks[-1].split()) == 1:
        resume = blocks.pop().strip()
    captures, bad = [], []
    for line in "\n".join(blocks).splitlines():
        if not line.strip():
            continue
        try:
            captures.append(_line(line.strip()))
        except (ValueError, TypeError, AttributeError):
            bad.append(line.strip())
    return CdxPage(captures, resume, bad)


def _line(line: str) -> Capture:
    if line.startswith("{"):
        return _capture(json.loads(line))
    parts = line.split(" ", 2)
    if len(parts) == 3 and parts[2].startswith("{"):
        return _capture({"urlkey": parts[0], "timestamp": parts[1], **json.loads(parts[2])})
    fields = line.split()
    if len(fields) < 3 or not fields[1].isdigit():
        raise ValueError(f"not a CDX line: {line[:80]!r}")
    return _capture(dict(zip(IA_FIELDS, fields)))


def site_query(base_url: str) -> str:
    """Return the CDX ``url`` that matches every page under ``base_url`` (a prefix query)."""
    parts = urlsplit(normalise_base_url(base_url))
    return f"{parts.netloc}{parts.path.rstrip('/')}/*"


def cdx_query_url(endpoint: str, base_url: str, limit: int = 0, resume_key: str = "") -> str:
    """Return the URL of one CDX query for the site's captures (``limit`` rows with a resume
    key to go on from, or all at once when ``limit`` is 0)."""
    params = {"url": site_query(base_url), "output": "json"}
    if limit:
        params.update({"limit": str(limit), "showResumeKey": "true"})
    if resume_key:
        params["resumeKey"] = resume_key
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


def site_page(capture: Capture, base_url: str) -> str | None:
    """Return why ``capture`` is not to be fetched (None: an article page, its print view or
    a listing of the site, in a status worth having)."""
    if capture.statuscode not in WANTED_STATUSES:
        return f"status {capture.statuscode}"
    site = _site(capture.original)
    if site is None or site != _site(base_url):
        return "another site"
    parsed = parse_url(capture.original)
    if parsed.kind in NAMING_KINDS and parsed.id is not None:
        return None
    if listing_task(capture.original) is not None:
        return None
    return "not an article or listing page"


def _site(url: str) -> tuple[str, int | None] | None:
    """Return the host of ``url`` and its port (None: the scheme's own), read by the one
    origin reader (:mod:`archive.origin`), the scheme aside: archives hold http and https
    captures of one page alike. None when the URL has no origin that reader accepts."""
    origin = origin_of(url if "://" in url else f"http://{url}")
    if origin is None:
        return None
    return origin.host, None if origin.port == DEFAULT_PORTS[origin.scheme] else origin.port


def distinct(captures: list[Capture]) -> list[Capture]:
    """Return ``captures`` with each capture once (first row of a key), in timestamp order."""
    seen: dict[tuple[str, str], Capture] = {}
    for capture in captures:
        seen.setdefault(capture.key(), capture)
    return sorted(seen.values(), key=lambda c: (c.timestamp, c.original))


def raw_replay_url(replay_root: str, capture: Capture) -> str:
    """Return the raw (``id_``) replay URL of a capture under ``replay_root``
    (``https://web.archive.org/web/``, ``http://host/coll/``)."""
    return f"{replay_root.rstrip('/')}/{capture.timestamp}id_/{capture.original}"


def replay_root_of(cdx_endpoint: str) -> str:
    """Return where an archive replays captures, from its CDX endpoint: the Internet Archive's
    ``/cdx/search/cdx`` replays under ``/web/``; a pywb collection's ``/COLL/cdx`` under
    ``/COLL/``."""
    parts = urlsplit(cdx_endpoint)
    path = parts.path
    if path.endswith("/cdx/search/cdx"):
        path = path[: -len("/cdx/search/cdx")] + "/web/"
    elif path.endswith("/cdx"):
        path = path[: -len("cdx")]
    return f"{parts.scheme}://{parts.netloc}{path}"
