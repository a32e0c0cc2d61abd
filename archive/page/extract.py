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
from typing import TYPE_CHECKING, Any, cast

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
    linear,
)

if TYPE_CHECKING:
    from trafilatura.settings import Extractor

#: trafilatura options of the generic path. Measured on the article-extraction-benchmark's 181
#: pages (``python -m bench.generic``): precision mode, tables kept, no comments scores best.
#: No metadata: of trafilatura's metadata pass (dates by htmldate, authors, categories, site name:
#: a third of its time) the generic path keeps only the title, read by :func:`generic_title`.
GENERIC_OPTIONS: dict[str, Any] = {
    "output_format": "xml", "favor_precision": True, "include_tables": True,
    "include_comments": False, "deduplicate": False, "with_metadata": False}
#: trafilatura's name of each of :data:`GENERIC_OPTIONS` in its options object (``Extractor``),
#: as ``trafilatura.extract`` passes them on.
EXTRACTOR_FIELDS = {"output_format": "output_format", "favor_precision": "precision",
                    "include_tables": "tables", "include_comments": "comments",
                    "deduplicate": "dedup", "with_metadata": "with_metadata"}
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
#: Each refusal as a pattern over a page's text as it is: its words with any run of whitespace
#: between them, which is what finding it in the text with its whitespace collapsed
#: (``" ".join(text.split())``) means (``\s`` is what ``str.split`` splits at), with no copy of
#: the text (on a page of another layout, all of its text, scripts' included); and its longest
#: word, which the text holds as it is wherever the refusal is in it (looked for first: a plain
#: substring search is many times faster than the pattern's).
REFUSAL_PATTERNS = tuple((max(message.split(" "), key=len),
                          re.compile(r"\s+".join(map(re.escape, message.split(" ")))), kind)
                         for message, kind in REFUSAL_KINDS)
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


class _Elements:
    """An XPath selector of elements, compiled once, each ``//`` a descendant step
    (:func:`archive.page.page_template.linear`: the same nodes, a quarter less time); called on
    a tree, the elements it selects."""

    def __init__(self, xpath: str) -> None:
        self._compiled = lxml.etree.XPath(linear(xpath))

    def __call__(self, root: lxml.etree._Element) -> list[lxml.html.HtmlElement]:
        return cast("list[lxml.html.HtmlElement]", self._compiled(root))


#: The template's selectors each page is read with.
_TITLE_CELLS = _Elements(class_cells(TITLE))
_CREATED_CELLS = _Elements(class_cells(CREATED))
_MODIFIED_CELLS = _Elements(class_cells(MODIFIED))
_CRUMB_LINKS = _Elements(f"{BREADCRUMB}//a")
_ARTICLE_TABLES = _Elements(ARTICLE_TABLES)
_AUTHOR_SPANS = _Elements(AUTHOR_SPANS)
_PAGE_COUNTERS = _Elements(PAGE_COUNTER)
#: Where Joomla writes a refusal (the component's output).
_CONTENT_DIVS = _Elements("//div[@class='content']")
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
    return None if _TITLE_CELLS(root) else _refusal_text(root)


def _refusal_text(root: lxml.html.HtmlElement) -> str | None:
    """Return the kind of refusal the page's content shows (the page has no article title)."""
    content = _CONTENT_DIVS(root) or [root]
    text = content[0].text_content()
    return next((kind for word, pattern, kind in REFUSAL_PATTERNS
                 if word in text and pattern.search(text)), None)


def is_refusal(root: lxml.html.HtmlElement) -> bool:
    """Whether the page is Joomla's «not authorised» / «not found» answer instead of an item."""
    return refusal_kind(root) is not None


def read_page(root: lxml.html.HtmlElement) -> Page:
    """Return the parts of an article page; ``body`` None when the template is not there."""
    return _read_page(root, _TITLE_CELLS(root))


def read_unless_refusal(root: lxml.html.HtmlElement) -> Page | None:
    """Return the parts of an article page (:func:`read_page`), None when it is Joomla's refusal
    (:func:`refusal_kind`): the title cells looked for once for both."""
    title_cells = _TITLE_CELLS(root)
    if not title_cells and _refusal_text(root) is not None:
        return None
    return _read_page(root, title_cells)


def _read_page(root: lxml.html.HtmlElement, title_cells: list[lxml.html.HtmlElement]) -> Page:
    tables = _ARTICLE_TABLES(root)
    page = Page(_first_text(title_cells), _crumbs(root), _cell_text(root, _CREATED_CELLS),
                _cell_text(root, _MODIFIED_CELLS),
                _author_row(root) if tables else None,  # the author row is in those tables
                page_total=page_total(root))
    if tables:
        page.body = _body_cells(root)
    return page


def page_total(root: lxml.html.HtmlElement) -> int:
    """Return N of the «Страница K из N» / «Page K of N» counter, 1 when absent or garbage."""
    counters = _PAGE_COUNTERS(root)
    counter = " ".join(counters[0].text_content().split()) if counters else ""
    match = PAGE_COUNTER_RE.search(counter) if counters else None
    return max(1, min(int(match.group(1)), MAX_PAGES)) if match else 1


def _cell_text(root: lxml.html.HtmlElement, selector: _Elements) -> str | None:
    return _first_text(selector(root))


def _first_text(cells: list[lxml.html.HtmlElement]) -> str | None:
    text = " ".join(cells[0].text_content().split()) if cells else ""
    return text or None


def _crumbs(root: lxml.html.HtmlElement) -> list[tuple[str, str]]:
    links = _CRUMB_LINKS(root)
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
    spans = _AUTHOR_SPANS(root)
    return [s for s in spans if WRITTEN_BY.match(s.text_content())]


def _body_cells(root: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """Return the body cell(s): cells of the ``table.contentpaneopen`` rows that are not the
    title, buttons, dates (they carry a class), the author row or the read-more link."""
    authors = set(_author_spans(root))
    cells = []
    for table in _ARTICLE_TABLES(root):
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
    from trafilatura import bare_extraction
    from trafilatura.core import determine_returnstring
    from trafilatura.metadata import Document
    from trafilatura.utils import load_html

    tree = load_html(html)  # parsed once: the title is read before extraction prunes the tree
    if tree is None:
        return None, []
    title = generic_title(tree)
    # trafilatura.extract's two steps, without the simhash fingerprint it adds to XML output
    # (``<doc fingerprint>``, unread here: the text is <main>'s): 3 ms a page of the
    # article-extraction-benchmark's, 7 % of the generic path. The same options, so the same
    # <main> (all 181 pages of the benchmark compared).
    options = generic_extractor()
    document = bare_extraction(tree, options=options)
    xml = determine_returnstring(document, options) if isinstance(document, Document) else None
    if not xml:
        return None, []
    root = lxml.etree.fromstring(xml.encode("utf-8"), lxml.etree.XMLParser(huge_tree=True))
    main = root.find("main")
    return title, flatten(main) if main is not None else []


def generic_extractor() -> Extractor:
    """Return trafilatura's options object for :data:`GENERIC_OPTIONS`, as
    ``trafilatura.extract`` builds it from its keywords (a new one a page, as it does)."""
    from trafilatura.settings import Extractor

    return Extractor(**{EXTRACTOR_FIELDS[name]: value for name, value in GENERIC_OPTIONS.items()})


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
