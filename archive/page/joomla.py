"""Joomla 1.0 URL rules: classify and canonicalise the links of a Joomla 1.0 (com_content) site.

Pure functions over strings, no Scrapy: :func:`parse_url` turns a URL (query form, with ``&amp;``
leftovers, parameters in any order, ``Itemid``/``itemid``; or the SEF forms ``/content/...`` and
``/component/option,.../``) into a :class:`JoomlaUrl`; :func:`dedup_key` says which URLs are the
same fetch (``Itemid`` is how the visitor came, not the page); whether the crawler should fetch a
link is :mod:`archive.page.follow`'s. Every other question about a URL of the site is
answered from :func:`parse_url` here: which article a link names (:func:`article_id_of`), which
named listing a page is (:func:`listing_task`, :func:`listing_key`, :func:`listing_identity`), its
menu item (:func:`itemid_of`), the site's base URL of a captured URL (:func:`base_url_of`), the
key the crawl state keeps a URL under (:func:`state_key`). This is the offline side's module: the
crawl and the offline rebuild read URLs alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

from ifes_archive.archive.origin import canonical_url

#: Kinds of Joomla page the spider walks to find articles (articles themselves included).
LISTING_KINDS = frozenset(
    {"section", "category", "blogcategory", "blogsection", "archive", "frontpage"}
)
ARTICLE_KINDS = frozenset({"article", "article_page"})
#: Listings a reader knows an article under, by name (docs/site-profile.md, "URLs"): category
#: tables, category blogs (one category or, ``id=0``, several) and section blogs.
NAMED_TASKS = ("category", "blogcategory", "blogsection")
#: Kinds of URL that name an article by its id: its pages and its print view.
NAMING_KINDS = frozenset({"article", "article_page", "print"})
#: An item's buttons that name it by id besides its print view: e-mail form and PDF.
BUTTON_KINDS = frozenset({"emailform", "pdf"})
#: Query parameters that carry a visitor's session, not what a page shows: PHP's own
#: (``session.use_trans_sid`` appends ``PHPSESSID``), Joomla 1.0's session name (index.php calls
#: ``session_name(md5($mosConfig_live_site))``: 32 hex digits, see :data:`_SESSION_NAME`), and
#: the ``sid``/``jsessionid``/``osCsid`` of the forums and shops a site may run beside it. A
#: server putting a new one on every link would make every link a new page (a crawler trap).
SESSION_PARAMS = frozenset({"sid", "phpsessid", "jsessionid", "sessionid", "session_id",
                            "oscsid", "mosvisitor"})
_SESSION_NAME = re.compile(r"[0-9a-f]{32}")

_SCRIPTS = frozenset({"index.php", "index2.php"})
_SCRIPT_AT = re.compile(r"index2?\.php")
_LISTING_TASKS = {
    "section": "section",
    "category": "category",
    "blogcategory": "blogcategory",
    "blogsection": "blogsection",
    "archivecategory": "archive",
    "archivesection": "archive",
}
#: Positional SEF layouts of Joomla 1.0's includes/sef.php for com_content, by task and length.
_SEF_DEFAULT_LAYOUT = ("id", "itemid", "limit", "limitstart")
_SEF_CATEGORY_LAYOUT = ("sectionid", "id", "itemid", "limit", "limitstart")
_SEF_ARCHIVE_PAGED_LAYOUT = ("id", "limit", "limitstart", "year", "month", "module")
_SEF_ARCHIVE_LAYOUT = ("id", "year", "month", "module")
_INT_PARAMS = ("id", "sectionid", "itemid", "limit", "limitstart", "year", "month", "page")
#: Parameters that do not change what a listing shows: the menu item and the archive module flag.
_LISTING_IGNORED = frozenset({"itemid", "module"})

DedupKey = tuple[str | int | None, ...]


@dataclass(frozen=True)
class JoomlaUrl:
    """What a Joomla 1.0 URL points at."""

    kind: str
    """article, article_page, print, section, category, blogcategory, blogsection, archive,
    frontpage, emailform, pdf, registration, other_component, sef (unknown SEF path), static,
    other."""
    path: str = ""
    """Path relative to the site's root (``index.php``, ``content/view/5/60/``, ``""``)."""
    option: str | None = None
    """Component (``com_content``), lower-case."""
    task: str | None = None
    """Component task (``view``, ``category``, ``archivecategory`` ...), lower-case."""
    id: int | None = None
    sectionid: int | None = None
    itemid: int | None = None
    limit: int | None = None
    limitstart: int | None = None
    year: int | None = None
    month: int | None = None
    page: int | None = None
    """Page of a print view (``page=K``)."""
    fragment: str = ""
    sef: bool = False
    """True when the URL was in SEF form."""
    params: tuple[tuple[str, str], ...] = ()
    """All query parameters, names lower-cased, sorted."""


def clean_url(url: str) -> str:
    """Return *url* with ``&amp;`` leftovers undone, session parameters
    (:data:`SESSION_PARAMS`) and the fragment dropped."""
    parts = urlsplit(_unamp(url.strip()))
    query = parts.query
    if any(is_session_param(name) for name, _ in parse_qsl(query, keep_blank_values=True)):
        query = "&".join(pair for pair in query.split("&")
                         if not is_session_param(unquote(pair.partition("=")[0])))
    return urlunsplit(parts._replace(query=query, fragment=""))


def is_session_param(name: str) -> bool:
    """Return True for a query parameter that carries a session (:data:`SESSION_PARAMS`)."""
    name = name.strip().lower()
    return name in SESSION_PARAMS or bool(_SESSION_NAME.fullmatch(name))


def normalise_base_url(base_url: str) -> str:
    """Return the site root *base_url* ending with ``/`` (scheme defaulting to http), its
    authority in its one spelling (:func:`archive.origin.canonical_url`)."""
    base_url = base_url.strip()
    if "://" not in base_url:
        base_url = "http://" + base_url
    parts = urlsplit(canonical_url(base_url) or base_url)
    path = parts.path or "/"
    if path.rsplit("/", 1)[-1].lower().endswith(".php"):
        path = path.rsplit("/", 1)[0] + "/"  # given the script (index.php), not the root
    if not path.endswith("/"):
        path += "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))


def base_url_of(url: str) -> str:
    """Return the site's base URL of a URL of its scripts (everything before ``index.php`` or
    ``index2.php``): a canonical article URL's site."""
    return _SCRIPT_AT.split(url, maxsplit=1)[0]


def article_id_of(url: str, base_url: str | None = None, buttons: bool = False) -> int | None:
    """Return the id of the article ``url`` names (one of its pages or its print view, query or
    SEF form), else None; with ``buttons``, also the article an item's e-mail or PDF button
    names."""
    parsed = parse_url(url, base_url)
    named = parsed.kind in NAMING_KINDS or (buttons and parsed.kind in BUTTON_KINDS)
    return parsed.id if named else None


def itemid_of(url: str, base_url: str | None = None) -> int | None:
    """Return the menu item (``Itemid``, any case; in a SEF path, its place) of ``url``."""
    return parse_url(url, base_url).itemid


def listing_task(url: str, base_url: str | None = None) -> str | None:
    """Return ``category``, ``blogcategory`` or ``blogsection`` when ``url`` is such a listing
    (:data:`NAMED_TASKS`), else None."""
    kind = parse_url(url, base_url).kind
    return kind if kind in NAMED_TASKS else None


def listing_key(url: str, base_url: str | None = None) -> str | None:
    """Return which listing ``url`` shows, as an article's breadcrumb links it: a category table
    by its category (``category:C``), a blog by its target and menu item (``blogcategory:C@M``,
    ``blogcategory:0@M`` over several categories, ``blogsection:S@M``); None for a URL that is
    no named listing (:data:`NAMED_TASKS`).

    A category table shows its category's name and rows under any Itemid: the Itemid only says
    how the visitor came (the category's own menu item, or its section's page, which links
    every table of the section under the section's Itemid), so a crawl may fetch it under either.
    A blog's heading is its menu item's name, so the menu item is part of what it is. (What a
    crawl fetches once is :func:`listing_identity`: a one-category blog shows the same items
    under any menu item.)
    """
    parsed = parse_url(url, base_url)
    if parsed.kind not in NAMED_TASKS:
        return None
    if parsed.kind == "category":
        return f"category:{parsed.id or 0}"
    return f"{parsed.kind}:{parsed.id or 0}@{parsed.itemid or 0}"


def canonical_article_url(base_url: str, article_id: int) -> str:
    """Return the canonical URL of an article: no Itemid, no page."""
    return f"{normalise_base_url(base_url)}index.php?option=com_content&task=view&id={article_id}"


def article_page_url(base_url: str, article_id: int, itemid: int | None, limitstart: int) -> str:
    """Return the URL of page *limitstart* (0-based) of a multi-page article."""
    url = canonical_article_url(base_url, article_id)
    if itemid is not None:
        url += f"&Itemid={itemid}"
    if limitstart:
        url += f"&limit=1&limitstart={limitstart}"
    return url


def print_view_url(base_url: str, article_id: int, itemid: int | None) -> str:
    """Return the URL of an article's print view (the whole article, no chrome), as its print
    button links it."""
    url = (f"{normalise_base_url(base_url)}index2.php?option=com_content&task=view"
           f"&id={article_id}&pop=1&page=0")
    return url + (f"&Itemid={itemid}" if itemid is not None else "")


def parse_url(url: str, base_url: str | None = None) -> JoomlaUrl:
    """Return what *url* points at; *base_url* tells where the site's root is (default ``/``)."""
    parts = urlsplit(_unamp(url.strip()))
    fragment = parts.fragment
    rel_path = _relative_path(parts.path, base_url)
    params = _query_params(parts.query)
    sef_params = _sef_params(rel_path)
    if sef_params is not None:
        if not sef_params:
            return JoomlaUrl("sef", rel_path, fragment=fragment, sef=True, params=_sorted(params))
        return _classify({**params, **sef_params}, rel_path, "index.php", fragment, sef=True)
    # The site root serves index.php.
    script = "index.php" if rel_path == "" else rel_path.rsplit("/", 1)[-1].lower()
    if script in _SCRIPTS:
        return _classify(params, rel_path, script, fragment, sef=False)
    kind = "static" if "." in script else "other"
    return JoomlaUrl(kind, rel_path, fragment=fragment, params=_sorted(params))


def dedup_key(url: str | JoomlaUrl, base_url: str | None = None) -> DedupKey:
    """Return the key under which a URL is fetched once.

    Article pages: ``("article", id, limitstart)`` whatever the Itemid. Listings: what changes
    their content (:func:`listing_identity`), and the page: limitstart, and limit past the first
    page (the first page is the first page whatever page size a pager link names). Anything else:
    its parameters in sorted order.
    """
    parsed = url if isinstance(url, JoomlaUrl) else parse_url(url, base_url)
    if parsed.kind in ARTICLE_KINDS:
        return ("article", parsed.id, parsed.limitstart or 0)
    if parsed.kind == "print":
        return ("print", parsed.id, parsed.page or 0)
    if parsed.kind in LISTING_KINDS:
        start = parsed.limitstart or 0
        return (listing_identity(parsed), parsed.limit if start else None, start)
    kept = tuple(f"{k}={v}" for k, v in parsed.params if k not in _LISTING_IGNORED)
    return (parsed.kind, parsed.path, *kept)


def listing_identity(parsed: JoomlaUrl) -> str:
    """Return what identifies a listing (all its pages): its kind and target, and the menu item
    where the menu item decides what it lists — a blog of several categories
    (``task=blogcategory&id=0``, each menu item its own set) and a section blog. ``Itemid`` of
    a category table or a one-category blog only says how the visitor came.
    """
    if parsed.kind == "frontpage":
        return "frontpage"
    if parsed.kind == "archive":
        month = f":{parsed.year}-{parsed.month}" if parsed.year or parsed.month else ""
        return f"{parsed.task}:{parsed.id or 0}{month}"
    identity = f"{parsed.kind}:{parsed.id or 0}"
    if parsed.kind == "blogsection" or (parsed.kind == "blogcategory" and not parsed.id):
        identity += f"@{parsed.itemid or 0}"
    return identity


def _classify(
    params: dict[str, str], rel_path: str, script: str, fragment: str, *, sef: bool
) -> JoomlaUrl:
    """Return the JoomlaUrl of a request to *script* with *params*."""
    ints = {name: _int(params.get(name)) for name in _INT_PARAMS}
    fields = dict(
        path=rel_path,
        option=(params.get("option") or "").lower() or None,
        task=(params.get("task") or "").lower() or None,
        fragment=fragment,
        sef=sef,
        params=_sorted(params),
        **ints,
    )
    return JoomlaUrl(kind=_kind(params, script, ints), **fields)  # type: ignore[arg-type]


def _kind(params: dict[str, str], script: str, ints: dict[str, int | None]) -> str:
    option = (params.get("option") or "").lower()
    task = (params.get("task") or "").lower()
    if params.get("do_pdf") == "1":
        return "pdf"
    if option == "com_registration":
        return "registration"
    if option in ("", "com_frontpage"):
        return "frontpage" if script == "index.php" and not _extra(params) else "other"
    if option != "com_content":
        return "other_component"
    if task == "emailform":
        return "emailform"
    if task == "view":
        if params.get("pop") == "1" or script == "index2.php":
            return "print"
        if ints["id"] is None:
            return "other"
        return "article_page" if ints["limitstart"] else "article"
    if script == "index.php" and task in _LISTING_TASKS:
        return _LISTING_TASKS[task]
    return "other"


def _extra(params: dict[str, str]) -> bool:
    """Return True when a front-page-looking query carries more than paging and the menu item."""
    return bool(set(params) - {"option", "itemid", "limit", "limitstart"})


def _query_params(query: str) -> dict[str, str]:
    """Return the query's parameters, names lower-cased (``Itemid`` == ``itemid``), first wins;
    session parameters left out (the same page whatever session it is asked in)."""
    params: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if not is_session_param(name):
            params.setdefault(name.strip().lower(), value.strip())
    return params


def _sef_params(rel_path: str) -> dict[str, str] | None:
    """Return the parameters of a SEF path; {} for an unknown SEF path; None if not SEF."""
    segments = [s for s in rel_path.split("/") if s]
    if not segments or segments[0].lower() not in ("content", "component"):
        return None
    if segments[0].lower() == "component":
        pairs = [s.split(",", 1) for s in segments[1:] if "," in s]
        return {name.lower(): value for name, value in pairs}
    if len(segments) < 2 or not all(s.isdigit() for s in segments[2:]):
        return {}
    task, numbers = segments[1].lower(), segments[2:]
    params = {"option": "com_content", "task": task}
    # Trailing parts are optional in sef.php: a short path fills only the leading names.
    params.update(zip(_sef_layout(task, numbers), numbers, strict=False))
    return params


def _sef_layout(task: str, numbers: list[str]) -> tuple[str, ...]:
    """Return the parameter names of a SEF path's numbers, as includes/sef.php tells them apart."""
    if task == "category":
        return _SEF_CATEGORY_LAYOUT
    if task in ("archivecategory", "archivesection"):
        # sef.php: a year (> 1000) in the fourth place means limit/limitstart come first.
        paged = len(numbers) >= 5 and int(numbers[3]) > 1000
        return _SEF_ARCHIVE_PAGED_LAYOUT if paged else _SEF_ARCHIVE_LAYOUT
    return _SEF_DEFAULT_LAYOUT


def _relative_path(path: str, base_url: str | None) -> str:
    """Return *path* relative to the site root of *base_url*, without the leading slash."""
    base_path = urlsplit(normalise_base_url(base_url)).path if base_url else "/"
    if path.startswith(base_path):
        return path[len(base_path) :]
    return path.lstrip("/")


def _unamp(url: str) -> str:
    while "&amp;" in url:
        url = url.replace("&amp;", "&")
    return url


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    match = re.match(r"\s*(-?\d+)", value)
    return int(match.group(1)) if match else None


def _sorted(params: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(params.items()))


def state_key(url: str, *bases: str) -> str:
    """Return the key the crawl state remembers a URL under: an article page by id and page;
    any other page by its path and query under the first of ``bases`` (the site's base URL,
    then any other base in scope) it is under, so the archive outlives a move of the site to
    another address; else the URL itself."""
    parsed = parse_url(url, bases[0] if bases else None)
    if parsed.kind in ARTICLE_KINDS and parsed.id is not None:
        return article_state_key(parsed.id, parsed.limitstart or 0)
    url = (canonical_url(url) or url).split("#", 1)[0]
    for base in bases:
        if url.startswith(base):
            return "/" + url[len(base):]
    return url


def article_state_key(article_id: int, page: int) -> str:
    """Return the state key of page ``page`` (0-based) of article ``article_id``."""
    return f"article:{article_id}:{page}"


def rebase(url: str, old_base: str | None, new_base: str) -> str:
    """Return ``url``, captured when the site was at ``old_base``, at the same place under
    ``new_base`` (without an old base: the same path on the new scheme, host and port)."""
    if url.startswith(new_base):
        return url
    if old_base and url.startswith(old_base):
        return new_base + url[len(old_base):]
    new = urlsplit(new_base)
    return urlunsplit(urlsplit(url)._replace(scheme=new.scheme, netloc=new.netloc))
