"""Text as a reader sees it: the one routine that turns markup into paragraphs and lines.

Both extraction paths end here: the known template's body cell (HTML) and trafilatura's XML
output on the generic path (``<p>``, ``<head>``, ``<list>``/``<item>``, ``<table>``/``<row>``/
``<cell>``, ``<lb/>``). What a browser shows decides: a block element (paragraph, heading,
list, table, ``div``...) starts and ends a paragraph; a list item or a table row is a line of
its paragraph, table cells are joined by a space. A cell of a data table (a row of two cells or
more) is one stretch of that line whatever it holds: the paragraphs Word writes into every cell
(``<td><p class=MsoNormal>``) and its ``<br>`` become spaces. A table of one column is layout
(a body set in a one-cell table, beside spacer cells): its cells keep their paragraphs. One
``<br>`` (``<lb/>``) is a line break, two in a row end the paragraph; text after an element
(its *tail*) belongs where the element stood. So a word is never glued to the next across a
``<br />`` or a block boundary, and no text node of the input is lost. Scripts, styles and
elements hidden with ``display:none`` are not shown, so they are not text. Whitespace inside a
line collapses to one space (``&nbsp;`` included); soft hyphens, which a reader never sees, are
dropped.

The walk is iterative: nesting as deep as a parser lets through cannot overflow the stack.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    import lxml.etree

#: Elements that start and end a paragraph: HTML's block elements and trafilatura's XML blocks.
BLOCK_TAGS = frozenset([
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "dir", "menu", "table",
    "blockquote", "pre", "hr", "center", "form", "fieldset", "legend", "address", "article",
    "aside", "details", "summary", "figure", "figcaption", "footer", "header", "hgroup", "main",
    "nav", "section", "caption", "noframes", "body",
    # trafilatura's XML output
    "head", "list", "quote", "code", "doc", "comments",
])
#: Elements that are a line of the paragraph around them: list items and table rows.
LINE_TAGS = frozenset(["li", "dt", "dd", "tr", "item", "row"])
#: Table cells: joined by a space on their row's line.
CELL_TAGS = frozenset(["td", "th", "cell"])
#: Tables and their rows, in HTML and in trafilatura's XML.
TABLE_TAGS = frozenset(["table"])
ROW_TAGS = frozenset(["tr", "row"])
#: A line break: HTML's ``<br>``, trafilatura's ``<lb/>``.
BREAK_TAGS = frozenset(["br", "lb"])
#: Elements that break a line or a paragraph: inside a data-table cell, a space.
STRUCTURE_TAGS = BLOCK_TAGS | LINE_TAGS | CELL_TAGS | BREAK_TAGS
#: Elements whose content a reader never sees as text.
HIDDEN_TAGS = frozenset([
    "script", "style", "noscript", "template", "title", "meta", "link", "iframe", "object",
    "embed", "select", "textarea", "svg", "math", "graphic",
])
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
#: Characters a reader does not see: soft hyphen, zero-width no-break space (a stray BOM).
_INVISIBLE_CHARACTERS = "\u00ad\ufeff"
_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE_CHARACTERS))

Skip = Callable[["lxml.etree._Element"], bool]


class _Text:
    """Paragraphs being assembled from a stream of text, line breaks and paragraph breaks."""

    def __init__(self) -> None:
        self.blocks: list[list[str]] = []
        self.lines: list[str] = []
        self.line: list[str] = []
        self.breaks = 0
        """``<br>`` seen since the last text on the current line."""

    def text(self, value: str | None) -> None:
        if value:
            self.line.append(value)
            if value.strip():
                self.breaks = 0

    def end_line(self) -> None:
        text = "".join(self.line)
        if any(ch in text for ch in _INVISIBLE_CHARACTERS):  # translate() is slow: only when needed
            text = text.translate(_INVISIBLE)
        line = " ".join(text.split())
        self.line = []
        if line:
            self.lines.append(line)

    def line_break(self) -> None:
        """One ``<br>``: a new line; a second one with nothing between: a new paragraph."""
        self.breaks += 1
        if self.breaks >= 2 or (not "".join(self.line).strip() and not self.lines):
            self.end_block()
            self.breaks = 1
        else:
            self.end_line()

    def end_block(self) -> None:
        self.end_line()
        if self.lines:
            self.blocks.append(self.lines)
        self.lines = []
        self.breaks = 0


def is_hidden(element: lxml.etree._Element) -> bool:
    """Whether a reader never sees *element*'s text (scripts, ``display:none``, ``hidden``)."""
    tag = element.tag
    if not isinstance(tag, str):
        return True  # comments and processing instructions
    if tag.lower() in HIDDEN_TAGS:
        return True
    style = element.get("style")
    return bool(style and _HIDDEN_STYLE.search(style)) or element.get("hidden") is not None


def flatten(root: lxml.etree._Element, skip: Skip | None = None) -> list[list[str]]:
    """Return the paragraphs *root* shows, each a list of lines (its own tail excluded).

    *skip* names further elements to leave out (their tails stay).
    """
    out = _Text()
    stack: list[tuple[lxml.etree._Element, bool]] = [(root, False)]
    inline = 0  # data-table cells open around the element: inside one, structure is a space
    data_tables: dict[lxml.etree._Element, bool] = {}
    while stack:
        element, closing = stack.pop()
        tag = _tag(element)
        cell = tag in CELL_TAGS and element is not root and _in_data_table(element, data_tables)
        if closing:
            inline -= cell
            if not inline:
                _close(out, tag)
            elif tag in STRUCTURE_TAGS:
                out.text(" ")
            if element is not root:
                out.text(element.tail)
            continue
        if element is not root and (is_hidden(element) or (skip is not None and skip(element))):
            out.text(element.tail)
            continue
        if not inline:
            _open(out, tag)
        elif tag in STRUCTURE_TAGS:
            out.text(" ")
        inline += cell
        if tag == "pre" and not inline:
            _preformatted(out, element)
            stack.append((element, True))
            continue
        out.text(element.text)
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    out.end_block()
    return out.blocks


def _in_data_table(cell: lxml.etree._Element, known: dict[lxml.etree._Element, bool]) -> bool:
    """Whether *cell*'s table is a data table: one of its own rows holds two cells or more that
    show text (a spacer cell beside a layout cell does not count; *known*: tables decided)."""
    table = _table_of(cell)
    if table is None:
        return False
    if table not in known:
        known[table] = any(sum(_tag(c) in CELL_TAGS and _shows_text(c) for c in row) >= 2
                           for row in table.iter() if _tag(row) in ROW_TAGS
                           and _table_of(row) is table)
    return known[table]


def _shows_text(element: lxml.etree._Element) -> bool:
    # (lxml's stubs allow bytes: a tree parsed from text, as every tree here, gives str)
    return bool("".join(cast("Iterator[str]", element.itertext())).translate(_INVISIBLE).strip())


def _table_of(element: lxml.etree._Element) -> lxml.etree._Element | None:
    return next((a for a in element.iterancestors() if _tag(a) in TABLE_TAGS), None)


def _tag(element: lxml.etree._Element) -> str:
    return element.tag.lower() if isinstance(element.tag, str) else ""


def _open(out: _Text, tag: str) -> None:
    if tag in BREAK_TAGS:
        out.line_break()
    elif tag in BLOCK_TAGS:
        out.end_block()
    elif tag in LINE_TAGS:
        out.end_line()
    elif tag in CELL_TAGS:
        out.text(" ")


def _close(out: _Text, tag: str) -> None:
    if tag in BLOCK_TAGS:
        out.end_block()
    elif tag in LINE_TAGS:
        out.end_line()
    elif tag in CELL_TAGS:
        out.text(" ")


def _preformatted(out: _Text, element: lxml.etree._Element) -> None:
    """A ``<pre>`` keeps its line breaks (its markup is flattened inline)."""
    # (lxml's stubs allow bytes: a tree parsed from text, as every tree here, gives str)
    text = "".join(cast("Iterator[str]", element.itertext()))
    for i, line in enumerate(text.split("\n")):
        if i:
            out.end_line()
        out.text(line)
    out.end_block()


def paragraphs(blocks: list[list[str]]) -> list[str]:
    """Return *blocks* as paragraph strings, lines joined by a newline."""
    return ["\n".join(lines) for lines in blocks if lines]


def text_of(blocks: list[list[str]]) -> str | None:
    """Return *blocks* as a record's text: paragraphs separated by a blank line; None if empty."""
    return "\n\n".join(paragraphs(blocks)) or None
