"""Markup nested deeper than libxml2 parses, made parseable without losing its text.

libxml2 (lxml's parser) stops at a nesting depth of 256, or 2048 with ``huge_tree``, and drops
*everything after* that point, not only what is too deep: one page of runaway ``<div>``s (an
editor's paste, a broken template) would lose its article. :func:`cap_depth` re-writes such a
page with the standard library's tokenizer, leaving out the start and end tags of elements
nested deeper than :data:`MAX_DEPTH`, so their text joins the element at the limit; a block
left out still ends its paragraph (``<br /><br />``), a row or a cell its line, so no two words
are joined.
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

from ifes_archive.archive.page.flatten import BLOCK_TAGS, CELL_TAGS, LINE_TAGS

#: Deepest nesting kept: well under libxml2's ``huge_tree`` limit of 2048.
MAX_DEPTH = 1000
#: Elements that never have content (no end tag to wait for).
VOID = frozenset(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "param", "source", "track", "wbr", "basefont", "frame", "isindex", "keygen"])


class _Capper(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropped = 0
        """Start tags left out and not yet closed."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            self.out.append(self.get_starttag_text() or "")
        elif len(self.open) >= MAX_DEPTH:
            self.dropped += 1
            self.out.append(_break(tag))
        else:
            self.open.append(tag)
            self.out.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if self.dropped:
            self.dropped -= 1
            self.out.append(_break(tag))
        elif tag in self.open:
            while self.open and self.open.pop() != tag:
                pass
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(escape(data, quote=False) if self.cdata_elem is None else data)

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")


def _break(tag: str) -> str:
    """Return what stands for a left-out tag: the break its boundary makes, if any."""
    if tag in BLOCK_TAGS:
        return "<br /><br />"
    return "<br />" if tag in LINE_TAGS or tag in CELL_TAGS else ""


def cap_depth(html: str) -> str:
    """Return *html* with elements nested deeper than :data:`MAX_DEPTH` unwrapped."""
    capper = _Capper()
    capper.feed(html)
    capper.close()
    return "".join(capper.out)
