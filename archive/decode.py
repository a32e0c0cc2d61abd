"""Decoding a captured page: which charset, and why.

The site's HTTP ``Content-Type`` is not to be trusted (site profile, "What is not known"): it
may carry no charset, or say ``utf-8`` over windows-1251 bytes. The order is: the header's
charset when the bytes decode strictly with it and the page's own declaration does not name
another; then the page's declaration (``<meta>`` or the XML prolog, which this template puts
*after* the DOCTYPE); then detection (charset-normalizer); then windows-1251, the site's
charset. The result says which charset was used and why, for the record's ``extractor``.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass

logger = logging.getLogger(__name__)

#: The site serves windows-1251 (site profile, "Engine"); the last resort.
FALLBACK_ENCODING = "cp1251"
#: How far into a page to look for declarations (the XML prolog follows the DOCTYPE).
META_SCAN_BYTES = 4096
#: Share of high bytes at 0xC0-0xFF above which single-byte Cyrillic is assumed (letters are
#: there in windows-1251 and KOI8-R; punctuation such as « » — sits below).
CYRILLIC_LETTER_SHARE = 0.7
#: Below this many non-ASCII bytes detection is guesswork; the site's charset is used instead.
MIN_DETECTION_BYTES = 16

_CHARSET_RE = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_ENCODING_RE = re.compile(
    rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""", re.IGNORECASE
)


@dataclass(frozen=True)
class DecodedPage:
    """The text of a page and how it was decoded."""

    text: str
    encoding: str
    """Python codec name (``cp1251``, ``utf-8``)."""
    source: str
    """Where the encoding came from: ``header``, ``meta``, ``detected`` or ``fallback``."""
    reason: str
    """Why, in a sentence (e.g. the header's charset that did not decode the bytes)."""


def decode_html(body: bytes, content_type: str | None) -> DecodedPage:
    """Return the decoded page: header charset, page declaration, detection, windows-1251."""
    header = codec(header_charset(content_type))
    meta = codec(meta_charset(body))
    notes: list[str] = []
    for encoding, source in _candidates(header, meta):
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError:
            notes.append(f"{source} charset {encoding} does not decode the bytes")
            continue
        return DecodedPage(text, encoding, source, _reason(source, encoding, header, meta, notes))
    detected = detect(body)
    if detected:
        notes.append(f"detected {detected}")
        return DecodedPage(body.decode(detected), detected, "detected", "; ".join(notes))
    notes.append(f"site charset {FALLBACK_ENCODING} used")
    return DecodedPage(body.decode(FALLBACK_ENCODING, "replace"), FALLBACK_ENCODING, "fallback",
                       "; ".join(notes))


def _candidates(header: str | None, meta: str | None) -> list[tuple[str, str]]:
    """Return (encoding, source) pairs to try, in order."""
    if header and meta and meta != header:
        return [(meta, "meta"), (header, "header")]
    out = [(header, "header")] if header else []
    if meta and meta != header:
        out.append((meta, "meta"))
    return out


def _reason(source: str, encoding: str, header: str | None, meta: str | None,
            notes: list[str]) -> str:
    if source == "header":
        said = "header and page agree" if meta == header else "header charset"
        return "; ".join(notes + [f"{said}: {encoding}"])
    if header and header != encoding:
        # Browsers (and replay in them) follow the header: the reader saw mojibake.
        notes = notes + [f"page declares {encoding} over header {header}; a browser follows the "
                         f"header, so the page showed garbled live and does so in replay"]
    else:
        notes = notes + [f"page declares {encoding}"]
    return "; ".join(notes)


def detect(body: bytes) -> str | None:
    """Return the charset the bytes look like: utf-8 when they decode strictly; windows-1251 or
    KOI8-R when the high bytes are Cyrillic letters; else charset-normalizer's guess. None when
    there is too little to tell."""
    high = [b for b in body if b > 0x7F]
    if len(high) < MIN_DETECTION_BYTES:
        return None
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    letters = sum(1 for b in high if b >= 0xC0)
    if letters / len(high) >= CYRILLIC_LETTER_SHARE:
        # Both code pages put the Cyrillic letters at 0xC0-0xFF, windows-1251 the lower case in
        # the upper half, KOI8-R in the lower: running text is mostly lower case.
        lower = sum(1 for b in high if b >= 0xE0)
        return "cp1251" if lower >= letters - lower else "koi8-r"
    from charset_normalizer import from_bytes  # lazy: only pages of an unknown kind

    best = from_bytes(body).best()
    return codec(best.encoding) if best else None


def meta_charset(body: bytes) -> str | None:
    """Return the charset a page declares (``<meta>`` or XML prolog), None when none."""
    head = body[:META_SCAN_BYTES]
    for pattern in (_CHARSET_RE, _XML_ENCODING_RE):
        match = pattern.search(head)
        if match:
            return match.group(1).decode("ascii")
    return None


def header_charset(content_type: str | None) -> str | None:
    """Return the ``charset`` parameter of a ``Content-Type`` value, None when absent."""
    if not content_type:
        return None
    match = _CHARSET_RE.search(content_type.encode("latin-1", "replace"))
    return match.group(1).decode("ascii") if match else None


def codec(charset: str | None) -> str | None:
    """Return Python's name for *charset*, None if unknown or absent."""
    if not charset:
        return None
    try:
        return codecs.lookup(charset).name
    except LookupError:
        logger.debug("unknown charset %r", charset)
        return None
