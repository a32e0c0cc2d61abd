"""Memento TimeMaps (RFC 7089 §5, ``application/link-format``, RFC 6690) read into captures.

Every Memento-compliant archive answers a TimeMap: the mementos of a URL (pywb and the
Internet Archive also of a URL prefix, ``.../timemap/link/http://site/*``), each a link with
``rel`` holding ``memento`` and a ``datetime``; a paged TimeMap links its next page with
``rel="timemap"`` and ``from`` (pywb, the Internet Archive) after the last memento of this one.
No well-kept Python reader of link-format exists (``memento_client`` 0.6.1 asks TimeGates, and
has not moved since 2019), so this small one reads it: links split at commas outside ``<>`` and
quotes, parameters at semicolons.
"""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from ifes_archive.archive.corpus.imports.cdx import Capture

_LINK = re.compile(r'\s*<([^>]*)>\s*((?:;\s*[^;,=]+\s*(?:=\s*(?:"[^"]*"|[^;,]*))?\s*)*)')
_PARAM = re.compile(r';\s*([^;,=\s]+)\s*(?:=\s*("[^"]*"|[^;,]*))?')
#: A memento URI of the Wayback kind: the timestamp (and any replay modifier) before the URL.
_STAMP = re.compile(r"/(\d{14})(?:[a-z]{2}_)?/(.+)$")


def links(text: str) -> list[tuple[str, dict[str, str]]]:
    """Return the links of a link-format document: (target, parameters)."""
    found = []
    position = 0
    while position < len(text):
        match = _LINK.match(text, position)
        if match is None:
            break
        params = {name.lower(): value.strip('"') if value else ""
                  for name, value in _PARAM.findall(match.group(2))}
        found.append((match.group(1), params))
        position = match.end()
        while position < len(text) and text[position] in ", \r\n\t":
            position += 1
    return found


def parse_timemap(text: str, base: str) -> tuple[list[Capture], str]:
    """Return the mementos of a TimeMap (targets resolved against ``base``) as captures with
    their raw replay URL, and the URL of its next page ("" when none)."""
    found = links(text)
    original = next((urljoin(base, t) for t, p in found if "original" in p.get("rel", "").split()),
                    "")
    captures, next_page = [], ""
    for target, params in found:
        rels = params.get("rel", "").split()
        if "memento" in rels:
            capture = _memento(urljoin(base, target), params, original)
            if capture is not None:
                captures.append(capture)
        elif "timemap" in rels and params.get("from") and urljoin(base, target) != base:
            next_page = urljoin(base, target)
    return captures, next_page


def _memento(uri: str, params: dict[str, str], original: str) -> Capture | None:
    stamp = _STAMP.search(uri)
    try:
        moment = parsedate_to_datetime(params.get("datetime", ""))
    except (TypeError, ValueError):
        moment = None
    if moment is None and stamp is None:
        return None
    timestamp = moment.strftime("%Y%m%d%H%M%S") if moment else stamp.group(1)  # type: ignore[union-attr]
    url = stamp.group(2) if stamp else original
    raw = uri[: stamp.start()] + f"/{stamp.group(1)}id_/{stamp.group(2)}" if stamp else uri
    return Capture(timestamp, url or original, replay=raw)
