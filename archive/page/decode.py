"""Decoding a captured page: which charset, and why.

The site's HTTP ``Content-Type`` is not to be trusted (docs/site-profile.md, "What is not known"):
it may carry no charset, or say ``utf-8`` over windows-1251 bytes. The order is: a byte-order mark
(it cannot lie); then the charsets the page and the header declare (the page's ``<meta>`` or
XML prolog, which this template puts *after* the DOCTYPE, before the header: the header is the
one known to lie here) — bytes that are valid UTF-8 under a declaration of UTF-8 are UTF-8
whatever the other says, as text in a single-byte code page almost never is; a declaration that
fails on a few bytes only is kept, those bytes replaced (U+FFFD) and counted, rather than swapped
for another charset that "decodes" the whole page into mojibake; then detection
(charset-normalizer); then windows-1251, the site's charset. The result says which charset was
used, why, and how many bytes were replaced.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass

logger = logging.getLogger(__name__)

#: The site serves windows-1251 (docs/site-profile.md, "Engine"); the last resort.
FALLBACK_ENCODING = "cp1251"
#: How far into a page to look for declarations (the XML prolog follows the DOCTYPE).
META_SCAN_BYTES = 4096
#: Share of high bytes at 0xC0-0xFF above which single-byte Cyrillic is assumed (letters are
#: there in windows-1251 and KOI8-R; punctuation such as « » — sits below).
CYRILLIC_LETTER_SHARE = 0.7
#: Below this many non-ASCII bytes detection is guesswork; the site's charset is used instead.
MIN_DETECTION_BYTES = 16
#: A declared charset is kept with replacements when at most this share of the non-ASCII bytes
#: fail (a few stray bytes in a long page); above it the declaration is wrong for these bytes
#: (windows-1251 text under ``utf-8`` fails on nearly every Cyrillic letter).
MAX_REPLACED_SHARE = 0.02
#: Byte-order marks, longest first (UTF-32 LE starts with UTF-16 LE's mark).
BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"))

#: Byte ranges deleted to count the others: ASCII; below the letters (0xC0); below 0xE0.
_ASCII = bytes(range(0x80))
_BELOW_LETTERS = bytes(range(0xC0))
_BELOW_LOWER = bytes(range(0xE0))
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
    """Where the encoding came from: ``bom``, ``header``, ``meta``, ``detected`` or
    ``fallback``."""
    reason: str
    """Why, in a sentence (e.g. the header's charset that did not decode the bytes)."""
    replaced: int = 0
    """Byte sequences the charset could not decode, replaced by U+FFFD."""


def decode_html(body: bytes, content_type: str | None) -> DecodedPage:
    """Return the decoded page: BOM, declared charsets, UTF-8, detection, windows-1251."""
    for bom, encoding in BOMS:
        if body.startswith(bom):
            text, replaced = _decode(body[len(bom):], encoding)
            return DecodedPage(text, encoding, "bom", f"byte-order mark of {encoding}", replaced)
    header = codec(header_charset(content_type))
    meta = codec(meta_charset(body))
    candidates = _candidates(header, meta)
    high = len(body.translate(None, _ASCII))
    allowed = max(1.0, MAX_REPLACED_SHARE * high)
    notes: list[str] = []
    utf8 = _decode(body, "utf-8") if high else None
    if utf8 is not None:
        text, replaced = utf8
        said = next((source for encoding, source in candidates if encoding == "utf-8"), None)
        # (the multibyte characters are counted only where they decide: an ASCII copy of the page)
        multibyte = 0 if said else _multibyte(text, replaced)
        if replaced <= allowed and (said or multibyte >= MIN_DETECTION_BYTES):
            if replaced:
                notes.append(f"{replaced} undecodable byte sequence(s) replaced")
            if said:
                reason = _reason(said, "utf-8", header, meta, notes)
            else:
                reason = "; ".join(notes + [f"{multibyte} characters of valid UTF-8"] + [
                    f"over the {source}'s {encoding}" for encoding, source in candidates])
            return DecodedPage(text, "utf-8", said or "detected", reason, replaced)
    for encoding, source in candidates:
        if encoding != "utf-8" and _strict(body, encoding):
            return DecodedPage(body.decode(encoding), encoding, source,
                               _reason(source, encoding, header, meta, notes))
        notes.append(f"{source} charset {encoding} does not decode the bytes")
    for encoding, source in candidates:
        text, replaced = _decode(body, encoding)
        if encoding != "utf-8" and replaced <= allowed:
            notes.append(f"{replaced} undecodable byte sequence(s) replaced")
            return DecodedPage(text, encoding, source,
                               _reason(source, encoding, header, meta, notes), replaced)
    detected = detect(body)
    if detected:
        notes.append(f"detected {detected}")
        text, replaced = _decode(body, detected)
        return DecodedPage(text, detected, "detected", "; ".join(notes), replaced)
    notes.append(f"site charset {FALLBACK_ENCODING} used")
    text, replaced = _decode(body, FALLBACK_ENCODING)
    return DecodedPage(text, FALLBACK_ENCODING, "fallback", "; ".join(notes), replaced)


def _multibyte(text: str, replaced: int) -> int:
    """Return the multibyte characters of a text read as UTF-8 (*replaced*: the byte sequences
    it replaced)."""
    return len(text) - len(text.encode("ascii", "ignore")) - replaced


def _strict(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _decode(body: bytes, encoding: str) -> tuple[str, int]:
    """Return *body* decoded, what *encoding* cannot decode replaced by U+FFFD, and how many
    undecodable sequences were replaced."""
    text = body.decode(encoding, "replace")
    replaced = text.count("\ufffd")
    if replaced:  # a U+FFFD the page itself holds is not one of ours
        replaced -= _genuine_replacements(body, encoding)
    return text, max(0, replaced)


def _genuine_replacements(body: bytes, encoding: str) -> int:
    try:
        return body.count("\ufffd".encode(encoding))
    except UnicodeEncodeError:  # a code page without it
        return 0


def _candidates(header: str | None, meta: str | None) -> list[tuple[str, str]]:
    """Return (encoding, source) pairs to try, in order: the page's declaration first."""
    out = [(meta, "meta")] if meta else []
    if header and header != meta:
        out.append((header, "header"))
    elif header:
        out = [(header, "header")]
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
    """Return the charset the bytes look like: windows-1251 or KOI8-R when the high bytes are
    Cyrillic letters; else charset-normalizer's guess. None when there is too little to tell."""
    high = body.translate(None, _ASCII)
    if len(high) < MIN_DETECTION_BYTES:
        return None
    letters = high.translate(None, _BELOW_LETTERS)
    if len(letters) / len(high) >= CYRILLIC_LETTER_SHARE:
        # Both code pages put the Cyrillic letters at 0xC0-0xFF, windows-1251 the lower case in
        # the upper half, KOI8-R in the lower: running text is mostly lower case.
        lower = len(letters.translate(None, _BELOW_LOWER))
        return "cp1251" if lower >= len(letters) - lower else "koi8-r"
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
