"""Reading one article page of the madeyourweb template (Joomla 1.0, Joom.Ru pack).

What is known of the site (site profile, "The article") narrows trafilatura's input to the body
cell of ``table.contentpaneopen`` and cleans its output of the pack's chrome strings; a page
without that template goes to trafilatura's generic extraction instead, and says so.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import lxml.etree
import lxml.html

#: trafilatura options of the template path: keep tables, lists and short lines (recall), the
#: input being the body cell alone; no dedup (articles repeat sentences on purpose).
TRAFILATURA_OPTIONS = {"include_tables": True, "include_comments": False, "favor_recall": True,
                       "deduplicate": False, "include_links": False, "include_formatting": False,
                       "output_format": "xml"}
#: The counter at the top of each page of a {mospagebreak} article.
PAGE_COUNTER_RE = re.compile(r"(?:Страница|Page)\s+\d+\s+(?:из|of)\s+(\d+)")
#: No article on the site comes near this; a counter above it is garbage.
MAX_PAGES = 200
#: Joomla's answers on HTTP 200 for a restricted or missing item (pack's _NOT_AUTH, _NOT_EXIST),
#: Russian pack and English, with what each means.
REFUSAL_KINDS = (("Извините, но для просмотра этой страницы у Вас недостаточно прав.", "restricted"),
                 ("Извините, страница не найдена.", "not found"),
                 ("You are not authorized to view this resource.", "restricted"),
                 ("The page you are trying to access does not exist.", "not found"))
REFUSALS = tuple(message for message, _ in REFUSAL_KINDS)
#: The hidden fallback text of Joomla's e-mail cloaking (pack's _CLOAKING) and the English one.
CLOAKING = (("Этот e-mail защищен от спам-ботов. Для его просмотра в вашем браузере должна "
             "быть включена поддержка Java-script"),
            ("This email address is being protected from spam bots, you need Javascript "
             "enabled to view it"))
#: Label left dangling at the end of a paragraph when its cloaked address is removed.
EMAIL_LABEL = re.compile(r"\s*(?:E-?mail|e-?mail|Эл\.\s*почта|Email)\s*:?\s*$")
#: Author row labels (pack's _WRITTEN_BY, Russian and English).
WRITTEN_BY = re.compile(r"^\s*(?:Автор|Written by)\s+")
#: Whole paragraphs that are chrome of the pack (site profile, "Russian strings of the pack").
CHROME = re.compile(
    r"^(?:Печать|E-mail|PDF|« ?Пред\.|След\. ?»|Последнее обновление.*|Вернуться|Закрыть окно|"
    r"Подробнее\.\.\.|Далее\.\.\.|Оглавление|Страница \d+ из \d+|Page \d+ of \d+|"
    r"Результаты \d+ - \d+ из \d+|Только для зарегистрированных пользователей.*|"
    r"[<>\[\]«» ]*(?:Первая|Предыдущая|Следующая|Последняя|\d+)(?:[<>\[\]«» ]+"
    r"(?:Первая|Предыдущая|Следующая|Последняя|\d+))*[<>\[\]«» ]*)$")
_CLASS = "contains(concat(' ', normalize-space(@class), ' '), ' {} ')"
_BLOCK = frozenset(["p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "blockquote", "pre", "hr", "center", "form"])
_XML_PROLOG = re.compile(r"<\?xml[^>]*\?>")


@dataclass
class Page:
    """What one article page shows, read from the template."""

    title_raw: str | None
    crumbs: list[tuple[str, str]] = field(default_factory=list)
    """Linked breadcrumb entries (name, href) after the home crumb."""
    created_raw: str | None = None
    modified_raw: str | None = None
    author_row: str | None = None
    body: lxml.html.HtmlElement | None = None
    """The cleaned body cell, None when the page is not the known template."""
    page_total: int = 1
    """N of the «Страница K из N» counter ({mospagebreak} articles), 1 when there is none."""


def parse(text: str) -> lxml.html.HtmlElement:
    """Return the lxml tree of a decoded page (its XML prolog, which lxml refuses, removed)."""
    text = _XML_PROLOG.sub("", text, count=1)
    if not text.strip():
        return lxml.html.fromstring("<html></html>")
    return lxml.html.document_fromstring(text)


def refusal_kind(root: lxml.html.HtmlElement) -> str | None:
    """Return "restricted" or "not found" when the page is Joomla's refusal instead of an item
    (served with HTTP 200), None for any other page."""
    if root.xpath(f"//td[{_CLASS.format('contentheading')}]"):
        return None
    content = root.xpath("//div[@class='content']") or [root]
    text = " ".join(content[0].text_content().split())
    return next((kind for message, kind in REFUSAL_KINDS if message in text), None)


def is_refusal(root: lxml.html.HtmlElement) -> bool:
    """Whether the page is Joomla's «not authorised» / «not found» answer instead of an item."""
    return refusal_kind(root) is not None


def read_page(root: lxml.html.HtmlElement) -> Page:
    """Return the parts of an article page; ``body`` None when the template is not there."""
    title = _cell_text(root, "contentheading")
    page = Page(title, _crumbs(root), _cell_text(root, "createdate"),
                _cell_text(root, "modifydate"), _author_row(root), page_total=page_total(root))
    cell = _body_cell(root)
    if title is not None and cell is not None:
        page.body = clean_cell(cell)
    return page


def page_total(root: lxml.html.HtmlElement) -> int:
    """Return N of the «Страница K из N» / «Page K of N» counter, 1 when absent or garbage."""
    counters = root.xpath(f"//div[{_CLASS.format('pagenavcounter')}]")
    match = PAGE_COUNTER_RE.search(" ".join(counters[0].text_content().split())) if counters else None
    return max(1, min(int(match.group(1)), MAX_PAGES)) if match else 1


def _cell_text(root: lxml.html.HtmlElement, cls: str) -> str | None:
    cells = root.xpath(f"//td[{_CLASS.format(cls)}]")
    text = " ".join(cells[0].text_content().split()) if cells else ""
    return text or None


def _crumbs(root: lxml.html.HtmlElement) -> list[tuple[str, str]]:
    links = root.xpath(f"//span[{_CLASS.format('pathway')}]//a")
    return [(" ".join(a.text_content().split()), a.get("href") or "") for a in links[1:]]


def category_crumbs(crumbs: list[tuple[str, str]]) -> list[str]:
    """Return the names of breadcrumb links that lead to a category (table or blog)."""
    names = []
    for name, href in crumbs:
        task = parse_qs(urlsplit(href).query).get("task", [""])[0].lower()
        if task in ("category", "blogcategory") and name:
            names.append(name)
    return names


def _author_row(root: lxml.html.HtmlElement) -> str | None:
    for span in root.xpath(f"//table[{_CLASS.format('contentpaneopen')}]//span[@class='small']"):
        text = " ".join(span.text_content().split())
        if WRITTEN_BY.match(text):
            return WRITTEN_BY.sub("", text).strip() or None
    return None


def _body_cell(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """Return the body cell: ``td[valign=top][colspan=2]`` without class or width, in a
    ``table.contentpaneopen`` (the created-date and author cells carry a class or a width)."""
    cells = root.xpath(
        f"//table[{_CLASS.format('contentpaneopen')}]/tr/td[@valign='top' and @colspan='2' "
        "and not(@class) and not(@width)] | "
        f"//table[{_CLASS.format('contentpaneopen')}]/tbody/tr/td[@valign='top' and "
        "@colspan='2' and not(@class) and not(@width)]")
    return cells[0] if cells else None


def clean_cell(cell: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """Return a copy of the body cell without page navigation, scripts and cloaking text, its
    loose text (``<br /><br />`` habit) wrapped in paragraphs."""
    cell = copy.deepcopy(cell)
    cell.tail = None
    for element in list(cell.iter("script", "noscript", "style", "div")):
        classes = set((element.get("class") or "").split())
        if element.tag != "div" or classes & {"pagenavcounter", "pagenavbar"}:
            _drop(element)
    for element in cell.iter():
        for attr in ("text", "tail"):
            value = getattr(element, attr)
            if value and any(c in value for c in CLOAKING):
                for c in CLOAKING:
                    value = value.replace(c, "")
                setattr(element, attr, value)
    _strip_email_labels(cell)
    return paragraphise(cell)


def _drop(element: lxml.html.HtmlElement) -> None:
    """Remove *element* and its content, keeping its tail text."""
    element.drop_tree()


def _strip_email_labels(cell: lxml.html.HtmlElement) -> None:
    """Drop "E-mail:" left at the end of a paragraph whose cloaked address was removed."""
    for element in cell.iter("p", "em", "i", "span", "strong", "b", "td"):
        if len(element):
            last = element[-1]
            if last.tail and EMAIL_LABEL.search(last.tail):
                last.tail = EMAIL_LABEL.sub("", last.tail)
        elif element.text and EMAIL_LABEL.search(element.text) and element.text.strip() != \
                element.text.strip().split()[0]:
            element.text = EMAIL_LABEL.sub("", element.text)


def paragraphise(cell: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """Return *cell* with loose inline content between blocks and ``<br /><br />`` runs put
    into ``<p>`` elements, so every paragraph is a block trafilatura sees."""
    out = lxml.html.Element("div")
    current: list = []
    pending = [cell.text or ""]

    def flush() -> None:
        text = "".join(pending)
        if current or text.strip():
            p = lxml.html.Element("p")
            p.text = text
            for node in current:
                p.append(node)
            out.append(p)
        current.clear()
        pending[:] = [""]

    children = list(cell)
    for i, child in enumerate(children):
        tail, child.tail = child.tail, None
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in _BLOCK:
            flush()
            out.append(child)
        elif tag == "br":
            nxt = children[i + 1] if i + 1 < len(children) else None
            if (tail or "").strip() == "" and nxt is not None and nxt.tag == "br":
                flush()
            elif current:
                current[-1].tail = (current[-1].tail or "") + " "
            else:
                pending.append(" ")
        elif tag:
            current.append(child)
        if tail:
            if current:
                current[-1].tail = (current[-1].tail or "") + tail
            else:
                pending.append(tail)
    flush()
    return out


def block_texts(body: lxml.html.HtmlElement) -> list[tuple[lxml.html.HtmlElement, str]]:
    """Return the top-level blocks of a cleaned body with their whitespace-collapsed text."""
    return [(b, " ".join(b.text_content().split())) for b in body]


def trafilatura_paragraphs(body: lxml.html.HtmlElement) -> list[str]:
    """Return the paragraphs trafilatura finds in the cleaned body (tables: a line per row),
    with the cell's blocks it dropped put back (see :func:`recall_guard`)."""
    import trafilatura

    html = "<html><body><article>" + lxml.html.tostring(body, encoding="unicode") + \
        "</article></body></html>"
    xml = trafilatura.extract(html, **TRAFILATURA_OPTIONS)
    return recall_guard(xml_paragraphs(xml) if xml else [], own_blocks(body))


def own_blocks(body: lxml.html.HtmlElement) -> list[str]:
    """Return the text of the cleaned body's top-level blocks, formatted as trafilatura's."""
    blocks = []
    for block in body:
        if block.tag == "table":
            lines = [" ".join(_flat(c) for c in row.iter("td", "th")) for row in block.iter("tr")]
        elif block.tag in ("ul", "ol"):
            lines = [_flat(item) for item in block.iter("li")]
        else:
            lines = [_flat(block)]
        text = "\n".join(line for line in lines if line)
        if text and not CHROME.match(text):
            blocks.append(text)
    return blocks


def recall_guard(extracted: list[str], own: list[str]) -> list[str]:
    """Return the cell's own blocks when trafilatura kept a subset of them, else its output.

    Inside the narrowed body cell nothing is boilerplate but the chrome already removed, yet
    trafilatura's link-density rules drop a closing "See also: <link>" line; when every block
    it kept is one of the cell's, the blocks it dropped are put back in place.
    """
    kept = set(extracted)
    if kept <= set(own) and len(own) > len(extracted):
        return own
    return extracted


def xml_paragraphs(xml: str) -> list[str]:
    """Return the blocks of trafilatura's XML output as text: lists and tables one line per
    item or row (cells joined by a space)."""
    root = lxml.etree.fromstring(xml.encode("utf-8"))
    main = root.find("main")
    blocks = []
    for element in main if main is not None else []:
        if element.tag == "table":
            lines = [" ".join(_flat(c) for c in row.iter("cell")) for row in element.iter("row")]
        elif element.tag == "list":
            lines = [_flat(item) for item in element.iter("item")]
        else:
            lines = [_flat(element)]
        text = "\n".join(line for line in lines if line)
        if text and not CHROME.match(text):
            blocks.append(text)
    return blocks


def _flat(element: lxml.etree._Element) -> str:
    return " ".join("".join(element.itertext()).replace("\u00a0", " ").split())


def generic_text(html: str) -> tuple[str | None, list[str]]:
    """Return the title and the paragraphs trafilatura's generic extraction finds in a page."""
    import trafilatura

    xml = trafilatura.extract(html, output_format="xml", include_tables=True, with_metadata=True,
                              deduplicate=False)
    if not xml:
        return None, []
    root = lxml.etree.fromstring(xml.encode("utf-8"))
    return root.get("title"), xml_paragraphs(xml)
