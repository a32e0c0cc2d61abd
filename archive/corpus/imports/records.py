"""What an imported capture becomes: a ``response`` record that tells the truth about it.

The record's block is the capture's HTTP message as the source archive replays it in its raw
(``id_``) form: the original status line and headers, the body as the archive holds it. Its WARC
fields say what it is and where it came from:

- ``WARC-Target-URI``: the original URL; ``WARC-Date``: the original capture time (the memento
  datetime), not the time of the import;
- ``WARC-Source-URI`` (as pywb and warcio name the place a record was copied from): the replay
  URL the bytes were fetched from; ``WARC-Creation-Date`` (WARC 1.1 §5.10 reserves it for when a
  record was made, the capture being older): when the import fetched it;
- ``ifes-source-archive``: the index the capture was found in (a CDX API or a TimeMap);
  ``ifes-memento-datetime`` and ``ifes-original-status``: what the archive says of it.

Headers the archive adds about itself (``Memento-Datetime``, memento ``Link``, IA's
``X-Archive-*``, ``Server-Timing``...) are not the site's and are left out of the block; where
the archive prefixes the original headers (``X-Archive-Orig-Server``) they are given back their
names. The headers that describe the bytes as the archive sent them (``Content-Encoding``,
``Content-Length``) stay the replay's, so the block is one valid HTTP message; a ``metadata``
record beside it keeps the archive's whole answer head verbatim.

A capture whose body shows the archive's replay rewriting (its banner, wombat, links rewritten
to the archive) is refused: :func:`rewritten` says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from ifes_archive.archive.origin import origin_of

#: warcinfo field naming the index an import run read (its presence makes a file an import).
SOURCE_FIELD = "ifes-import-source"
#: Response-record fields of an imported capture (see the module docstring).
SOURCE_URI = "WARC-Source-URI"
CREATION_DATE = "WARC-Creation-Date"
SOURCE_ARCHIVE = "ifes-source-archive"
MEMENTO_DATETIME = "ifes-memento-datetime"
ORIGINAL_STATUS = "ifes-original-status"

#: The prefix the Internet Archive (and pywb in some modes) gives the original headers.
ORIG_PREFIX = "x-archive-orig-"
#: Headers of the archive's own, never the site's.
_ARCHIVE_HEADERS = frozenset({"memento-datetime", "server-timing", "content-security-policy",
                              "x-app-server", "x-ts", "x-tr", "x-location", "x-nid",
                              "x-cache-key", "x-page-cache", "x-rl", "x-na"})
#: Hop-by-hop headers (RFC 9110 §7.6.1): about the replay's transfer, not the capture.
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "trailer",
                         "upgrade", "proxy-connection", "proxy-authenticate"})
#: Headers that describe the body's bytes: the replay's values are the true ones for the block.
_BODY_HEADERS = frozenset({"content-encoding", "content-length"})
#: Marks of an archive's replay rewriting in a page (banner, client-side rewriter, inserts).
_REWRITE_MARKS = (b"wombat.js", b"WB_wombat_", b"_wb_wombat", b"BEGIN WAYBACK TOOLBAR INSERT",
                  b"__wm.init", b"__wm.wombat", b"wb_prefix", b"web-static.archive.org",
                  b"/_static/default_banner.js", b"archive.org/includes/athena.js",
                  b"<!-- WB Insert -->", b"wb_frame.js", b"window.banner_info", b"wbinfo.url")
_STAMPED = rb"/\d{14}(?:[a-z]{2}_)?/(?:https?:)?//"


def source_name(index_url: str) -> str:
    """Return how a version names an archive: the host (and port) of its index URL, in the
    origin's one spelling (:mod:`archive.origin`)."""
    origin = origin_of(index_url)
    return origin.netloc if origin is not None else index_url.lower()


def timestamp_date(timestamp: str) -> datetime:
    """Return a 14-digit (or shorter) Wayback timestamp as a UTC datetime."""
    digits = (timestamp + "0101000000")[:14] if len(timestamp) < 14 else timestamp[:14]
    if len(timestamp) < 8:
        digits = timestamp[:4] + "0101000000"
    return datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)


def memento_date(header: str | None) -> datetime | None:
    """Return a ``Memento-Datetime`` (an HTTP date) as UTC, None when missing or unreadable."""
    try:
        return parsedate_to_datetime(header).astimezone(timezone.utc) if header else None
    except (TypeError, ValueError):
        return None


def rewritten(body: bytes, archive_root: str) -> str | None:
    """Return why ``body`` is an archive's rewritten replay, not the capture's raw bytes."""
    for mark in _REWRITE_MARKS:
        if mark in body:
            return f"it holds the archive's replay code ({mark.decode()})"
    root = urlsplit(archive_root)
    path = re.escape(root.path.rstrip("/").encode())
    host = re.escape((root.netloc or "").encode())
    if re.search(rb"(?:" + host + rb")?" + path + _STAMPED, body):
        return "its links are rewritten to the archive's replay URLs"
    return None


@dataclass(frozen=True)
class Replayed:
    """What the archive answered for one capture: status line parts, headers, body."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        """Return the first header called ``name`` (any case), None when absent."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def original_headers(replayed: Replayed) -> list[tuple[str, str]]:
    """Return the capture's own headers out of an archive's replay answer (module docstring):
    the prefixed originals when the archive prefixes them (its plain ones are then its own,
    but for the content type it restates), else its plain headers less its own."""
    prefixed = [(k[len(ORIG_PREFIX):], v) for k, v in replayed.headers
                if k.lower().startswith(ORIG_PREFIX)]
    if prefixed:
        kept = [(k, v) for k, v in prefixed if k.lower() not in _HOP_BY_HOP | _BODY_HEADERS]
        restated = {"content-encoding"} | ({"content-type"} if not any(
            k.lower() == "content-type" for k, _ in kept) else set())
        kept += [(k, v) for k, v in replayed.headers if k.lower() in restated]
    else:
        kept = [(k, v) for k, v in replayed.headers
                if not _archive_own(k, v) and k.lower() != "content-length"]
    return [*kept, ("Content-Length", str(len(replayed.body)))]


#: Headers that say nothing of the capture but its body (an archive that kept no others).
_BODY_ONLY = frozenset({"content-type", "content-length", "content-encoding"})


def header_provenance(replayed: Replayed) -> str:
    """Return where the stored headers came from, for the metadata record."""
    if any(k.lower().startswith(ORIG_PREFIX) for k, _ in replayed.headers):
        return "the archive's X-Archive-Orig-* headers, their prefix removed"
    if all(k.lower() in _BODY_ONLY for k, _ in original_headers(replayed)):
        return "none kept by the archive: only the replay's body headers"
    return "the replay's headers, the archive's own left out"


def _archive_own(name: str, value: str) -> bool:
    lower = name.lower()
    if lower.startswith(("x-archive-", "x-wayback-")) or lower in _ARCHIVE_HEADERS | _HOP_BY_HOP:
        return True
    return lower == "link" and any(f'rel="{rel}' in value or f"rel={rel}" in value
                                   for rel in ("memento", "original", "timemap", "timegate"))


def http_message(replayed: Replayed) -> bytes:
    """Return the capture's HTTP message: its status line, its own headers, the body."""
    lines = [f"HTTP/1.1 {replayed.status} {replayed.reason}".rstrip()]
    lines += [f"{k}: {v}" for k, v in original_headers(replayed)]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
    return head + replayed.body


def answer_head(replayed: Replayed) -> str:
    """Return the archive's answer head as it came (for the metadata record)."""
    lines = [f"{replayed.status} {replayed.reason}", *(f"{k}: {v}" for k, v in replayed.headers)]
    return " | ".join(line.replace("\r", " ").replace("\n", " ") for line in lines)
