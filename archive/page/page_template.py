"""Where the site's template puts each part of a page: the XPath selectors, written once.

The madeyourweb template of Joomla 1.0 with the Joom.Ru pack (docs/site-profile.md, "The
article", "Listings"). The article reader (:mod:`archive.page.extract`), the listing reader
(:mod:`archive.page.listings`), the spider, the probe and the template check
(:mod:`crawler.template`) all find the parts they read or look for through these names, so a
change of the template is one change here.
"""

from __future__ import annotations


def has_class(name: str) -> str:
    """Return the XPath predicate true of an element whose ``class`` lists ``name`` (as CSS's
    ``.name`` matches: among the space-separated classes, not as a substring)."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def linear(xpath: str) -> str:
    """Return ``xpath`` with each ``//x[p]`` as ``/descendant::x[p]``: the same nodes (no
    predicate here is positional), but libxml2 takes time quadratic in the matches for the
    first (a page of 5,000 links: 3 s, of 50,000: minutes) and linear for the second."""
    return xpath.replace("//", "/descendant::")


def class_cells(name: str) -> str:
    """Return the selector of the table cells of class ``name`` (``td.name``)."""
    return f"//td[{has_class(name)}]"


#: An article's table (a step: ``ancestor::`` it, ``//`` it): it has two, title and buttons;
#: author row, dates and body.
ARTICLE_TABLE = f"table[{has_class('contentpaneopen')}]"
#: An article's two tables anywhere in the page.
ARTICLE_TABLES = f"//{ARTICLE_TABLE}"
#: The cell of an article's title (and the class of the cell that holds it).
TITLE = "contentheading"
#: The cells of the created and «Последнее обновление» dates.
CREATED, MODIFIED = "createdate", "modifydate"
#: The cell of the print, e-mail and PDF buttons.
BUTTONS = "buttonheading"
#: The author row: a ``span.small`` in the article's tables («Автор ...», «Written by ...»).
AUTHOR_SPANS = f"{ARTICLE_TABLES}//span[{has_class('small')}]"
#: The body cell of the article's second table.
BODY_CELL = f"{ARTICLE_TABLES}//td[@valign='top'][@colspan='2']"
#: The read-more link of a blog item (never part of a body).
READ_MORE = f".//a[{has_class('readon')}]"
#: The breadcrumb (``div#pathway span.pathway``): home crumb, links, the page's own name.
BREADCRUMB = f"//span[{has_class('pathway')}]"
#: The «Страница K из N» counter of a {mospagebreak} article.
PAGE_COUNTER = f"//div[{has_class('pagenavcounter')}]"
#: The heading a listing names itself by (a menu item's blog: the menu item's name).
LISTING_HEADING = f"//div[{has_class('componentheading')}]"
#: The menu modules of the left column: an ``h3`` title over links.
MENU_MODULES = f"//div[{has_class('module')}][.//h3]"
#: Links to the listed items (not links inside intro texts): table rows, and the blog's title,
#: «Подробнее...» (``a.readon``) and «Далее...» (``a.blogsection``) links; an intro item whose
#: title is no link and that has no more text than its intro (no «Подробнее...») is known by
#: its own print, e-mail and PDF buttons. Linear (:func:`linear`): a listing page may hold
#: 20,000 links.
ITEM_LINKS = linear(
    "//tr[starts-with(@class, 'sectiontableentry')]//a[@href]"
    f" | //a[@href][{has_class('readon')} or {has_class('blogsection')}"
    f" or {has_class('contentpagetitle')}]"
    f" | {class_cells(BUTTONS)}//a[@href]")
