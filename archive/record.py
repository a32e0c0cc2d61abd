"""The record builder: the captured pages of one article in, one article record out.

One pure function, :func:`build_record`, used alike by the crawl's pipeline and by an offline
rebuild from WARC: same bytes, same record. It decodes each page (the HTTP charset is not to be
trusted on this site: it may be missing, or say utf-8 over windows-1251 bytes), reads the
madeyourweb template of Joomla 1.0 with lxml, and joins the body text of the pages in order.
"""

from __future__ import annotations

import codecs
import copy
import json
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import lxml.html

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

logger = logging.getLogger(__name__)

#: The site serves windows-1251 (see docs: site profile); used when nothing else decodes.
FALLBACK_ENCODING = "cp1251"
#: How far into a page to look for the charset declarations (the XML prolog follows the DOCTYPE).
META_SCAN_BYTES = 4096
#: Keys of a record, in output order.
RECORD_KEYS = ("url", "article_id", "title", "title_raw", "text", "pages", "captures")
#: Joomla's hidden fallback for cloaked e-mail addresses (the address itself is in a script).
CLOAK_TEXT = (
    "Этот e-mail защищен от спам-ботов. Для его просмотра в вашем браузере должна быть "
    "включена поддержка Java-script"
)

_CHARSET_RE = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_ENCODING_RE = re.compile(
    rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""", re.IGNORECASE
)
_XML_PROLOG_RE = re.compile(r"<\?xml[^>]*\?>")
_BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol blockquote pre table tr td th dl dt dd hr address center "
    "form fieldset".split()
)
_DROPPED_CLASSES = frozenset({"pagenavcounter", "pagenavbar"})
# Markers put in the text while walking the tree; neither can occur in decoded HTML text.
_PARAGRAPH_BREAK = "\x00"
_LINE_BREAK = "\x01"


@dataclass(frozen=True)
class CapturedPage:
    """One fetched page of an article, as the crawl or the WARC holds it."""

    page: int
    """0-based page number (Joomla's ``limitstart``)."""
    url: str
    """The URL as fetched."""
    content_type: str | None
    """The HTTP ``Content-Type`` header, if any."""
    body: bytes
    """The entity, content coding (gzip) removed."""
    capture: dict[str, Any] | None
    """Pointer to the WARC response record, or None when not captured."""


@dataclass(frozen=True)
class DecodedPage:
    """The text of a page and how it was decoded."""

    text: str
    encoding: str
    """Python codec name (``cp1251``, ``utf-8``)."""
    source: str
    """Where the encoding came from: header, meta or fallback."""


def build_record(article_id: int, base_url: str,
                 pages: Sequence[CapturedPage]) -> dict[str, Any] | None:
    """Return the record of article *article_id* from its captured *pages* (any order), or
    None when the first page is no article (Joomla's «not authorised» / «not found» answers)."""
    if not pages:
        raise ValueError(f"article {article_id}: no pages")
    ordered = _unique_pages(pages)
    roots = [_parse(decode_html(p.body, p.content_type).text) for p in ordered]
    if extract_title(roots[0]) is None:
        return None
    title_raw = _first(extract_title(root) for root in roots)
    texts = [t for t in (extract_body_text(root) for root in roots) if t is not None]
    record = {
        "url": _canonical_url(base_url, article_id),
        "article_id": article_id,
        "title": title_raw,
        "title_raw": title_raw,
        "text": "\n\n".join(t for t in texts if t) if texts else None,
        "pages": len(ordered),
        "captures": [p.capture for p in ordered if p.capture is not None],
    }
    return {key: record[key] for key in RECORD_KEYS}


def record_to_json(record: dict[str, Any]) -> str:
    """Return *record* as one JSON line (no newline), keys in :data:`RECORD_KEYS` order."""
    ordered = {key: record.get(key) for key in RECORD_KEYS}
    ordered.update((k, v) for k, v in record.items() if k not in ordered)
    return json.dumps(ordered, ensure_ascii=False)


def decode_html(body: bytes, content_type: str | None) -> DecodedPage:
    """Return the text of an HTML page, decoded by header charset, meta charset, or windows-1251.

    The header's charset wins unless it does not decode the bytes strictly or the page's own
    declaration (meta or XML prolog) names another charset; then the declaration is tried; then
    windows-1251, the site's charset.
    """
    header = _codec(_header_charset(content_type))
    meta = _codec(meta_charset(body))
    candidates = []
    if header and (meta is None or meta == header):
        candidates.append((header, "header"))
    if meta:
        candidates.append((meta, "meta"))
    if header and meta and meta != header:
        candidates.append((header, "header"))
    for encoding, source in candidates:
        try:
            return DecodedPage(body.decode(encoding), encoding, source)
        except UnicodeDecodeError:
            logger.debug("page does not decode as %s (from %s)", encoding, source)
    return DecodedPage(body.decode(FALLBACK_ENCODING, "replace"), FALLBACK_ENCODING, "fallback")


def meta_charset(body: bytes) -> str | None:
    """Return the charset a page declares (``<meta>`` or XML prolog), None when none."""
    head = body[:META_SCAN_BYTES]
    for pattern in (_CHARSET_RE, _XML_ENCODING_RE):
        match = pattern.search(head)
        if match:
            return match.group(1).decode("ascii")
    return None


def html_root(text: str) -> lxml.html.HtmlElement:
    """Return the lxml tree of a decoded page (its XML prolog, which lxml refuses, removed)."""
    return _parse(text)


def extract_title(root: lxml.html.HtmlElement) -> str | None:
    """Return the article title as printed in ``td.contentheading``, stripped; None if absent."""
    cells = root.xpath(
        "//td[contains(concat(' ', normalize-space(@class), ' '), ' contentheading ')]"
    )
    if not cells:
        return None
    title = cells[0].text_content().strip()
    return title or None


def extract_body_text(root: lxml.html.HtmlElement) -> str | None:
    """Return the paragraphs of the article body cell, blank-line separated; None if no body."""
    cell = _body_cell(root)
    if cell is None:
        return None
    return "\n\n".join(_paragraphs(_strip_chrome(cell)))


def _body_cell(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """Return the body cell: ``td[valign=top][colspan=2]`` without class or width, in a
    ``table.contentpaneopen`` (the created-date and author cells carry a class or a width)."""
    cells = root.xpath(
        "//table[contains(concat(' ', normalize-space(@class), ' '), ' contentpaneopen ')]"
        "/tr/td[@valign='top' and @colspan='2' and not(@class) and not(@width)]"
        " | //table[contains(concat(' ', normalize-space(@class), ' '), ' contentpaneopen ')]"
        "/tbody/tr/td[@valign='top' and @colspan='2' and not(@class) and not(@width)]"
    )
    return cells[0] if cells else None


def _strip_chrome(cell: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """Return a copy of *cell* without page navigation, scripts, styles and noscript."""
    cell = copy.deepcopy(cell)
    for element in list(cell.iter("script", "noscript", "style", "div")):
        if element.tag != "div" or set((element.get("class") or "").split()) & _DROPPED_CLASSES:
            element.drop_tree()
    return cell


def _paragraphs(cell: lxml.html.HtmlElement) -> list[str]:
    """Return the paragraphs of *cell*: cut at block elements and at two ``<br>`` in a row, one
    line per single ``<br>``, whitespace collapsed (source line breaks are only whitespace)."""
    raw = "".join(_walk(cell, top=True)).replace(CLOAK_TEXT, "")
    raw = re.sub(rf"{_LINE_BREAK}\s*{_LINE_BREAK}", _PARAGRAPH_BREAK, raw)
    paragraphs = []
    for chunk in raw.split(_PARAGRAPH_BREAK):
        lines = (" ".join(line.split()) for line in chunk.split(_LINE_BREAK))
        paragraph = "\n".join(line for line in lines if line)
        if paragraph:
            paragraphs.append(paragraph)
    return paragraphs


def _walk(element: lxml.html.HtmlElement, *, top: bool = False) -> Iterator[str]:
    """Yield the text of *element* with break markers around block elements and at ``<br>``."""
    tag = element.tag if isinstance(element.tag, str) else None  # comments, PIs: tail only
    block = tag in _BLOCK_TAGS and not top
    if block:
        yield _PARAGRAPH_BREAK
    if tag == "br":
        yield _LINE_BREAK
    if tag and element.text:
        yield element.text
    for child in element:
        yield from _walk(child)
    if block:
        yield _PARAGRAPH_BREAK
    if not top and element.tail:
        yield element.tail


def _parse(text: str) -> lxml.html.HtmlElement:
    text = _XML_PROLOG_RE.sub("", text, count=1)
    if not text.strip():
        return lxml.html.fromstring("<html></html>")
    return lxml.html.document_fromstring(text)


def _header_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _CHARSET_RE.search(content_type.encode("latin-1", "replace"))
    return match.group(1).decode("ascii") if match else None


def _codec(charset: str | None) -> str | None:
    """Return Python's name for *charset*, None if unknown or absent."""
    if not charset:
        return None
    try:
        return codecs.lookup(charset).name
    except LookupError:
        logger.debug("unknown charset %r", charset)
        return None


def _unique_pages(pages: Sequence[CapturedPage]) -> list[CapturedPage]:
    """Return *pages* by page number, the first of each number kept."""
    by_number: dict[int, CapturedPage] = {}
    for page in pages:
        by_number.setdefault(page.page, page)
    return [by_number[number] for number in sorted(by_number)]


def _canonical_url(base_url: str, article_id: int) -> str:
    base = base_url if base_url.endswith("/") else base_url + "/"
    return f"{base}index.php?option=com_content&task=view&id={article_id}"


def _first(values: Iterator[str | None]) -> str | None:
    return next((v for v in values if v is not None), None)
