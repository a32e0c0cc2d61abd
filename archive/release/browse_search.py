"""The search of ``ifes-archive browse``: every form of a word, prefixes, ё as е, snippets.

Datasette runs the search box's words through the SQL function ``escape_fts`` against the table's
``fts_table``; :func:`prepare_connection` replaces that function by
:func:`archive.release.wordforms.fts_query` (stems, prefixes, phrases) and
:mod:`archive.release.browse` points ``fts_table`` at the index of stems. Raw mode
(``_searchmode=raw``) is FTS5's own syntax over the words as written: :func:`asgi_wrapper` sends it
to ``articles_fts``. The same wrapper keeps the typed search for :func:`render_cell`, which shows
the passage of the text that matched, the found words marked, and marks them in the title (Datasette
0.65 gives ``render_cell`` no request). The canned query ``search``
(``archive.release.browse.SEARCH_SQL``) gives the same search ranked by relevance (FTS5's bm25),
each article with its passage, in JSON too.
"""

from __future__ import annotations

import urllib.parse
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from datasette import hookimpl
from markupsafe import Markup

from ifes_archive.archive.release.wordforms import fts_query, marked

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]

TABLE = "articles"
#: The index of the words as written (sqlite-utils' name for the table's FTS5 index).
WORDS_FTS = "articles_fts"
#: What the reader searched for on the page being rendered (None: no search).
_SEARCH: ContextVar[str | None] = ContextVar("ifes_archive_search", default=None)


def _table(path: str) -> str:
    """Return the table a Datasette path names (``/db/articles.json`` → ``articles``)."""
    return path.rstrip("/").rsplit("/", 1)[-1].split(".", 1)[0]


def searching(scope: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """Return the request's scope (raw searches of the articles sent to the index of words as
    written) and the search typed, if any."""
    if scope.get("type") != "http" or _table(scope.get("path", "")) != TABLE:
        return scope, None
    args = urllib.parse.parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                                  keep_blank_values=True)
    # _search, or _search_COLUMN (one column of the index): Datasette reads either
    typed = next((v for k, v in args if k.startswith("_search") and k != "_searchmode"
                  and v.strip()), None)
    if typed is None or ("_searchmode", "raw") not in args:
        return scope, typed
    args = [(k, v) for k, v in args if k != "_fts_table"] + [("_fts_table", WORDS_FTS)]
    return {**scope, "query_string": urllib.parse.urlencode(args).encode("latin-1")}, typed


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[App], App]:  # noqa: ARG001
    """Wrap the app so a search reaches the right index and its rows can be marked."""
    def wrap(app: App) -> App:
        async def searched(scope: dict[str, Any], receive: Any, send: Any) -> None:
            scope, typed = searching(scope)
            token = _SEARCH.set(typed)
            try:
                await app(scope, receive, send)
            finally:
                _SEARCH.reset(token)
        return searched
    return wrap


def passage(text: str | None, typed: str | None) -> str | None:
    """Return the HTML passage of ``text`` that ``typed`` finds (SQL: ``ifes_passage``)."""
    return marked(text, typed or "")


@hookimpl(trylast=True)
def prepare_connection(conn: Any) -> None:
    """Replace Datasette's ``escape_fts`` (its own is registered first: this runs last), and
    give the canned query its passages."""
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)
    conn.create_function("ifes_passage", 2, passage, deterministic=True)


@hookimpl
def render_cell(value: Any, column: str, table: str, database: str,  # noqa: ARG001
                datasette: Any) -> Markup | None:
    """Show the matched passage of a found article's text, and mark the words in its title."""
    typed = _SEARCH.get()
    if column == "passage" and isinstance(value, str):  # the canned query's, marked already
        return Markup(value)
    if typed is None or table != TABLE or column not in ("text", "title"):
        return None
    if not isinstance(value, str):
        return None
    shown = marked(value, typed, whole=column == "title")
    return Markup(shown) if shown else None
