"""Which parts of the known template a page shows: Joomla 1.0, madeyourweb, the Joom.Ru pack.

The crawl reads articles with :mod:`archive.page.extract` and listings with
:mod:`archive.page.listings`; this module does not read anything out of a page. It says which of the
parts those readers and the spider rely on — and the shell around them, as docs/site-profile.md
describes it — a page has, so a probe can tell what differs on a site nobody here has seen, and a
crawl can warn when the front page is not what the code was written for.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ifes_archive.archive.page.captured import html_root
from ifes_archive.archive.page.decode import decode_html
from ifes_archive.archive.page.page_template import (
    ARTICLE_TABLES,
    BODY_CELL,
    BREADCRUMB,
    BUTTONS,
    CREATED,
    ITEM_LINKS,
    LISTING_HEADING,
    MENU_MODULES,
    TITLE,
    class_cells,
    has_class,
    linear,
)

if TYPE_CHECKING:
    import lxml.html

#: The pack's date format, «%d.%m.%Y г.» (docs/site-profile.md, "Dates").
_RU_DATE = re.compile(r"\d{2}\.\d{2}\.\d{4}\s*г\.")


@dataclass(frozen=True)
class Part:
    """One part of the template: what it is (and whose), and how to see it on a page."""

    name: str
    test: Callable[[lxml.html.HtmlElement], bool]


def _has(xpath: str) -> Callable[[lxml.html.HtmlElement], bool]:
    xpath = linear(xpath)
    return lambda root: bool(root.xpath(xpath))


def _text_of(xpath: str, wanted: Callable[[str], bool]) -> Callable[[lxml.html.HtmlElement], bool]:
    xpath = linear(xpath)

    def test(root: lxml.html.HtmlElement) -> bool:
        return any(wanted(" ".join(node.text_content().split())) for node in root.xpath(xpath))
    return test


#: The madeyourweb page shell: every page but the print view.
SHELL = (
    Part("Joomla 1.0 links (index.php?option=com_content)",
         _has("//a[contains(@href, 'option=com_content')]")),
    Part("madeyourweb accessibility links (div#accessibility)", _has("//div[@id='accessibility']")),
    Part("madeyourweb breadcrumb (div#pathway span.pathway)",
         _has(f"//div[@id='pathway']{BREADCRUMB}")),
    Part("madeyourweb menu modules (div#leftcol div.module h3)",
         _has(f"//div[@id='leftcol']{MENU_MODULES}")),
    Part("Joomla menu links (a.mainlevel)", _has(f"//a[{has_class('mainlevel')}]")),
    Part("madeyourweb main column (div#maincol-*-800 div.content)",
         _has(f"//div[starts-with(@id, 'maincol')]//div[{has_class('content')}]")),
    Part("madeyourweb footer (div#footer-800)", _has("//div[starts-with(@id, 'footer')]")),
    Part("Joom.Ru home crumb «Главная»",
         _text_of(BREADCRUMB, lambda t: t.startswith("Главная"))),
)
#: A section (its categories) or section blog.
SECTION = (
    Part("listing heading (div.componentheading)",
         _has(LISTING_HEADING)),
)
#: A category table or category blog: what :func:`archive.page.listings.read_listing` reads.
LISTING = SECTION + (
    Part("listed items (tr.sectiontableentry*, or blog items a.readon / a.blogsection / "
         "a.contentpagetitle, or an item's buttons)", _has(ITEM_LINKS)),
)
#: An article page: what :func:`archive.page.extract.read_page` reads.
ARTICLE = (
    Part("article title (td.contentheading)", _has(class_cells(TITLE))),
    Part("article tables (table.contentpaneopen)",
         _has(ARTICLE_TABLES)),
    Part("body cell (td[valign=top][colspan=2])",
         _has(BODY_CELL)),
    Part("Joom.Ru date «DD.MM.YYYY г.» (td.createdate)",
         _text_of(class_cells(CREATED), lambda t: bool(_RU_DATE.search(t)))),
    Part("Joom.Ru print button «Печать» (td.buttonheading)",
         _has(f"{class_cells(BUTTONS)}"
              "//a[@title='Печать' or .//img[@alt='Печать']]")),
    Part("print view link (index2.php ... pop=1)",
         _has(f"{class_cells(BUTTONS)}//a[contains(@href, 'pop=1')]")),
)
#: The print view (``index2.php?...&pop=1``): the article alone, no menus.
PRINT = (
    Part("article title (td.contentheading)", _has(class_cells(TITLE))),
    Part("article tables (table.contentpaneopen)",
         _has(ARTICLE_TABLES)),
    Part("no menus (no div#leftcol)", lambda root: not root.xpath("//div[@id='leftcol']")),
)
PARTS = {"front page": SHELL, "section": SHELL + SECTION, "listing": SHELL + LISTING,
         "article": SHELL + ARTICLE, "print view": PRINT}


def check(root: lxml.html.HtmlElement, parts: tuple[Part, ...]) -> dict[str, bool]:
    """Return, for each part, whether the page shows it."""
    return {part.name: part.test(root) for part in parts}


def misses(root: lxml.html.HtmlElement, parts: tuple[Part, ...] = SHELL) -> list[str]:
    """Return the names of the parts the page lacks."""
    return [name for name, found in check(root, parts).items() if not found]


def page_misses(body: bytes, content_type: str | None, parts: tuple[Part, ...] = SHELL,
                ) -> list[str]:
    """Return the names of the parts a fetched page lacks, decoded as the record decodes it."""
    return misses(html_root(decode_html(body, content_type).text), parts)
