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
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

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
        """Return what makes a capture distinct: its URL key (else URL) and timestamp."""
        return (self.urlkey or self.original, self.timestamp)


@dataclass(frozen=True)
class CdxPage:
    """One answer of a CDX server: its captures, and the resume key to ask for the next."""

    captures: list[Capture]
    resume_key: str = ""


def _capture(fields: dict[str, Any]) -> Capture | None:
    named = {_ALIASES.get(k, k): str(v) for k, v in fields.items() if v is not None}
    if not named.get("timestamp", "").isdigit() or not named.get("original"):
        return None
    return Capture(named["timestamp"], named["original"], named.get("statuscode", ""),
                   named.get("mimetype", ""), named.get("digest", ""), named.get("urlkey", ""))


def parse_cdx(text: str) -> CdxPage:
    """Return the captures and resume key of one CDX answer in any format above; raise
    ValueError when it is none of them."""
    stripped = text.strip()
    if not stripped:
        return CdxPage([])
    if stripped.startswith("["):
        return _json_table(json.loads(stripped))
    return _lines(text)


def _json_table(table: list[list[str]]) -> CdxPage:
    if not table:
        return CdxPage([])
    names, rows, resume = table[0], table[1:], ""
    if len(rows) >= 2 and rows[-2] == [] and len(rows[-1]) == 1:
        rows, resume = rows[:-2], rows[-1][0]
    captures = [_capture(dict(zip(names, row))) for row in rows if row]
    return CdxPage([c for c in captures if c is not None], resume)


def _lines(text: str) -> CdxPage:
    blocks = text.strip().split("\n\n")
    resume = ""
    if len(blocks) > 1 and len(blocks[-1].split()) == 1:
        resume = blocks.pop().strip()
    captures = []
    for line in "\n".join(blocks).splitlines():
        capture = _line(line.strip())
        if capture is not None:
            captures.append(capture)
    return CdxPage(captures, resume)


def _line(line: str) -> Capture | None:
    if not line:
        return None
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
    if _origin(capture.original) != _origin(base_url):
        return "another site"
    parsed = parse_url(capture.original)
    if parsed.kind in NAMING_KINDS and parsed.id is not None:
        return None
    if listing_task(capture.original) is not None:
        return None
    return "not an article or listing page"


def _origin(url: str) -> str:
    """Return ``host[:port]`` of ``url``, lowercased, the default port dropped (any scheme:
    archives hold http and https captures of one page alike)."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    host = (parts.hostname or "").lower().removeprefix("www.")
    try:
        port = parts.port
    except ValueError:
        return host
    return f"{host}:{port}" if port and port not in (80, 443) else host


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
