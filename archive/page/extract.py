"""Reading one article page of the madeyourweb template (Joomla 1.0, Joom.Ru pack).

What is known of the site (docs/site-profile.md, "The article") says where the article is: the body
cell of ``table.contentpaneopen``. Its text is what a reader sees there
(:mod:`archive.page.flatten`), without the page navigation and e-mail cloaking Joomla puts inside
it. A page without that template goes to trafilatura's generic extraction, whose output is flattened
the same way.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from typing import Any

import lxml.etree
import lxml.html

from ifes_archive.archive.page.cloak import run_writes
from ifes_archive.archive.page.depth import cap_depth
from ifes_archive.archive.page.flatten import flatten
from ifes_archive.archive.page.joomla import listing_task
from ifes_archive.archive.page.page_template import (
    ARTICLE_TABLE,
    ARTICLE_TABLES,
    AUTHOR_SPANS,
    BREADCRUMB,
    CREATED,
    MODIFIED,
    PAGE_COUNTER,
    READ_MORE,
    TITLE,
    class_cells,
    has_class,
)

#: trafilatura options of the generic path. Measured on the article-extraction-benchmark's 181
#: pages (``python -m bench.generic``): precision mode, tables kept, no comments scores best.
#: No metadata: of trafilatura's metadata pass (dates by htmldate, authors, categories, site name:
#: a third of its time) the generic path keeps only the title, read by :func:`generic_title`.
GENERIC_OPTIONS: dict[str, Any] = {
    "output_format": "xml", "favor_precision": True, "include_tables": True,
    "include_comments": False, "deduplicate": False, "with_metadata": False}
#: The counter at the top of each page of a {mospagebreak} article.
PAGE_COUNTER_RE = re.compile(r"(?:Страница|Page)\s+\d+\s+(?:из|of)\s+(\d+)")
#: No article on the site comes near this; a counter above it is garbage.
MAX_PAGES = 200
#: Joomla's answers on HTTP 200 for a restricted or missing item (pack's _NOT_AUTH, _NOT_EXIST),
#: Russian pack and English, with what each means.
REFUSAL_KINDS = (
    ("Извините, но для просмотра этой страницы у Вас недостаточно прав.", "restricted"),
    ("Извините, страница не найдена.", "not found"),
    ("You are not authorized to view this resource.", "restricted"),
    ("The page you are trying to access does not exist.", "not found"))
REFUSALS = tuple(message for message, _ in REFUSAL_KINDS)
#: The hidden fallback text of Joomla's e-mail cloaking (pack's _CLOAKING) and the English one.
CLOAKING = (("Этот e-mail защищен от спам-ботов. Для его просмотра в вашем браузере должна "
             "быть включена поддержка Java-script"),
            ("This email address is being protected from spam bots, you need Javascript "
             "enabled to view it"))
#: Label left dangling at the end of a line whose cloaked address was removed.
EMAIL_LABEL = re.compile(r"\s*(?:E-?mail|e-?mail|Эл\.\s*почта|Email)\s*:?\s*$")
#: Author row labels (pack's _WRITTEN_BY, Russian and English).
WRITTEN_BY = re.compile(r"^\s*(?:Автор|Written by)\s+")
_PAGE_WORD = r"(?:Первая|Предыдущая|Следующая|Последняя|Start|Prev|Next|End)"
#: Whole lines that are chrome of the pack (docs/site-profile.md, "Russian strings of the pack"); a
#: run of page links counts only with one of its words, so a line of numbers stays text.
CHROME = re.compile(
    r"^(?:Печать|E-mail|PDF|« ?Пред\.|След\. ?»|Последнее обновление.*|Вернуться|Закрыть окно|"
    r"Подробнее\.\.\.|Далее\.\.\.|Оглавление|Страница \d+ из \d+|Page \d+ of \d+|"
    r"Результаты \d+ - \d+ из \d+|Только для зарегистрированных пользователей.*|"
    rf"(?=.*{_PAGE_WORD})[<>\[\]«» ]*(?:{_PAGE_WORD}|\d+)(?:[<>\[\]«» ]+"
    rf"(?:{_PAGE_WORD}|\d+))*[<>\[\]«» ]*)$")
#: Joomla's page navigation inside the body cell of a {mospagebreak} page.
PAGE_NAVIGATION = frozenset({"pagenavcounter", "pagenavbar"})
#: The table of contents the mospaging bot puts at the top of the body cell of a {mospagebreak}
#: page when the site's ``multipage_toc`` is on (Joomla 1.0 ``mambots/content/mospaging.php``,
#: ``createTOC``): ``table.contenttoc`` headed «Оглавление» (_TOC_JUMPTO), then one
#: ``a.toclink`` a page, labelled with the article title or the page's ``heading``, «Страница K»
#: (_PN_PAGE) or the page's ``title``.
TABLE_OF_CONTENTS = "contenttoc"
TOC_LINK = "toclink"
_XML_PROLOG = re.compile(r"<\?xml[^>]*\?>")
#: libxml2 refuses nesting deeper than this even with ``huge_tree`` (and drops the rest).
_PARSER = lxml.html.HTMLParser(huge_tree=True)


@dataclass
class Page:
    """What one article page shows, read from the template."""

    title_raw: str | None
    crumbs: list[tuple[str, str]] = field(default_factory=list)
    """Linked breadcrumb entries (name, href) after the home crumb."""
    created_raw: str | None = None
    modified_raw: str | None = None
    author_row: str | None = None
    body: list[lxml.html.HtmlElement] | None = None
    """The body cell(s), None when the page is not the known template."""
    page_total: int = 1
    """N of the «Страница K из N» counter ({mospagebreak} articles), 1 when there is none."""

    @property
    def shows_article(self) -> bool:
        """Whether the page shows more of an article than a title (a date, an author, a body)."""
        return bool(self.created_raw or self.modified_raw or self.author_row or self.body)


@dataclass(frozen=True)
class Parsed:
    """A parsed page, and whether the parser's limits were met on the way."""

    root: lxml.html.HtmlElement
    limited: bool
    """Nesting too deep for the parser: what lies deeper was flattened to keep its text."""


def parse_page(text: str) -> Parsed:
    """Return the lxml tree of a decoded page (its XML prolog, which lxml refuses, removed), its
    scripts of ``document.write`` calls replaced by what they write (:mod:`archive.page.cloak`: the
    e-mail addresses Joomla cloaks). A page nested deeper than libxml2 goes is parsed again
    with the excess nesting flattened
    (:func:`archive.page.depth.cap_depth`): libxml2 would drop everything after the limit.
    """
    text = run_writes(_XML_PROLOG.sub("", text, count=1))
    if not text.strip():
        return Parsed(_empty_document(), False)
    try:
        root = lxml.html.document_fromstring(text, parser=_PARSER)
    except lxml.etree.ParserError:  # markup with no element in it: «</a>», a lone comment
        return Parsed(_empty_document(), False)
    if not any("depth" in str(error.message) for error in _PARSER.error_log):
        return Parsed(root, False)
    return Parsed(lxml.html.document_fromstring(cap_depth(text), parser=_PARSER), True)


def _empty_document() -> lxml.html.HtmlElement:
    return lxml.html.fromstring("<html></html>")


def parse(text: str) -> lxml.html.HtmlElement:
    """Return the lxml tree of a decoded page (see :func:`parse_page`)."""
    return parse_page(text).root


def refusal_kind(root: lxml.html.HtmlElement) -> str | None:
    """Return "restricted" or "not found" when the page is Joomla's refusal instead of an item
    (served with HTTP 200), None for any other page."""
    if root.xpath(class_cells(TITLE)):
        return None
    content = root.xpath("//div[@class='content']") or [root]
    text = " ".join(content[0].text_content().split())
    return next((kind for message, kind in REFUSAL_KINDS if message in text), None)


def is_refusal(root: lxml.html.HtmlElement) -> bool:
    """Whether the page is Joomla's «not authorised» / «not found» answer instead of an item."""
    return refusal_kind(root) is not None


def read_page(root: lxml.html.HtmlElement) -> Page:
    """Return the parts of an article page; ``body`` None when the template is not there."""
    page = Page(_cell_text(root, TITLE), _crumbs(root), _cell_text(root, CREATED),
                _cell_text(root, MODIFIED), _author_row(root), page_total=page_total(root))
    if root.xpath(ARTICLE_TABLES):
        page.body = _body_cells(root)
    return page


def page_total(root: lxml.html.HtmlElement) -> int:
    """Return N of the «Страница K из N» / «Page K of N» counter, 1 when absent or garbage."""
    counters = root.xpath(PAGE_COUNTER)
    counter = " ".join(counters[0].text_content().split()) if counters else ""
    match = PAGE_COUNTER_RE.search(counter) if counters else None
    return max(1, min(int(match.group(1)), MAX_PAGES)) if match else 1


def _cell_text(root: lxml.html.HtmlElement, cls: str) -> str | None:
    cells = root.xpath(class_cells(cls))
    text = " ".join(cells[0].text_content().split()) if cells else ""
    return text or None


def _crumbs(root: lxml.html.HtmlElement) -> list[tuple[str, str]]:
    links = root.xpath(f"{BREADCRUMB}//a")
    return [(" ".join(a.text_content().split()), a.get("href") or "") for a in links[1:]]


def category_crumbs(crumbs: list[tuple[str, str]]) -> list[str]:
    """Return the names of breadcrumb links that lead to a named listing
    (:data:`archive.page.joomla.NAMED_TASKS`)."""
    return [name for name, href in crumbs if name and listing_task(href) is not None]


def _author_row(root: lxml.html.HtmlElement) -> str | None:
    for span in _author_spans(root):
        text = " ".join(span.text_content().split())
        return WRITTEN_BY.sub("", text).strip() or None
    return None


def _author_spans(root: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    spans = root.xpath(AUTHOR_SPANS)
    return [s for s in spans if WRITTEN_BY.match(s.text_content())]


def _body_cells(root: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """Return the body cell(s): cells of the ``table.contentpaneopen`` rows that are not the
    title, buttons, dates (they carry a class), the author row or the read-more link."""
    authors = set(_author_spans(root))
    cells = []
    for table in root.xpath(ARTICLE_TABLES):
        if table.xpath(f"ancestor::{ARTICLE_TABLE}"):
            continue  # a table of that class inside a body is body
        for cell in table.xpath("./tr/td | ./tbody/tr/td | ./thead/tr/td | ./tfoot/tr/td"):
            if cell.get("class") or cell.xpath(READ_MORE):
                continue
            if any(span in authors for span in cell.iter("span")):
                continue
            cells.append(cell)
    return cells


def body_blocks(cells: list[lxml.html.HtmlElement]) -> list[list[str]]:
    """Return the paragraphs (lists of lines) the body cells show, without Joomla's page
    navigation, its e-mail cloaking text, and lines of the pack's chrome."""
    blocks = []
    for cell in cells:
        for lines in flatten(cell, skip=_page_navigation):
            kept = [line for line in map(_uncloak, lines) if line and not CHROME.match(line)]
            if kept:
                blocks.append(kept)
    return blocks


def _page_navigation(element: lxml.etree._Element) -> bool:
    """Whether *element* is Joomla's navigation of a {mospagebreak} article: its page counter,
    its page links, or its table of contents (by class, or a table of nothing but ``a.toclink``
    links under a header)."""
    classes = set((element.get("class") or "").split())
    if element.tag == "div":
        return bool(classes & PAGE_NAVIGATION)
    if element.tag != "table":
        return False
    if TABLE_OF_CONTENTS in classes:
        return True
    links = element.xpath(f".//a[{has_class(TOC_LINK)}]")
    return bool(links) and all(cell.xpath(f"./a[{has_class(TOC_LINK)}]")
                               or not str(cell.xpath("string()")).strip()
                               for cell in element.iter("td"))


def _uncloak(line: str) -> str:
    """Return *line* without Joomla's cloaking text (and the "E-mail:" label it leaves)."""
    if not any(c in line for c in CLOAKING):
        return line
    for c in CLOAKING:
        line = line.replace(c, "")
    return EMAIL_LABEL.sub("", " ".join(line.split()))


def generic_blocks(html: str) -> tuple[str | None, list[list[str]]]:
    """Return the title and the paragraphs trafilatura's generic extraction finds in a page,
    flattened as the template's body is (line breaks and tails kept)."""
    import trafilatura
    from trafilatura.utils import load_html

    tree = load_html(html)  # parsed once: the title is read before extraction prunes the tree
    if tree is None:
        return None, []
    title = generic_title(tree)
    xml = trafilatura.extract(tree, **GENERIC_OPTIONS)
    if not xml:
        return None, []
    root = lxml.etree.fromstring(xml.encode("utf-8"), lxml.etree.XMLParser(huge_tree=True))
    main = root.find("main")
    return title, flatten(main) if main is not None else []


def generic_title(tree: lxml.html.HtmlElement) -> str | None:
    """Return the title trafilatura's metadata pass gives a page, and only that: its meta tags,
    then its JSON-LD, then its headings and ``<title>``, spaces collapsed."""
    from trafilatura.metadata import examine_meta, extract_meta_json, extract_title

    found = examine_meta(tree)
    # trafilatura's own metadata pass guards its JSON-LD reader the same way (bugs in it).
    with contextlib.suppress(Exception):
        found = extract_meta_json(tree, found)
    title = found.title or extract_title(tree)
    return " ".join(title.split()) or None if title else None
