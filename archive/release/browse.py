"""``ifes-archive browse RELEASE_DIR``: a release in Datasette, for researchers who do not program.

The release's tables go into a SQLite database (sqlite-utils): ``articles`` with full-text search
over titles and texts (FTS5) and facets on section, language, year and author (lists are JSON
arrays, which Datasette facets value by value), ``versions``, ``captures``, ``changes``,
``persons`` and ``sections`` beside it (those the release has), each row's page its fields one
under another (``browse_templates/row.html``). Each row links to its capture — the WARC record
it came from, shown with its headers — and to its replay, the archived page itself, both read
from the release's WACZ by :mod:`archive.release.browse_plugin` (``--replay-prefix`` points
replay links at a wayback-style replay such as pywb instead). Datasette serves it on loopback; its
JSON API answers the same queries as its pages.
"""

from __future__ import annotations

import json
import socket
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from ifes_archive.archive.page.record_json import record_from_json
from ifes_archive.archive.release.build import WACZ
from ifes_archive.archive.release.contents import text_file
from ifes_archive.archive.release.package import table_keys
from ifes_archive.archive.release.rows import ArticleRow
from ifes_archive.archive.release.scope import published_on
from ifes_archive.archive.release.table_files import table_jsonl
from ifes_archive.archive.types import CapturePointer

if TYPE_CHECKING:
    from collections.abc import Iterator

#: The database's name in Datasette's URLs (``/release/articles``).
DATABASE = "release"
#: The name Datasette knows this project's plugins and their configuration by.
PLUGIN = "ifes-archive"
#: Datasette settings: short cells in tables (a text is read whole on its row's page).
SETTINGS = {"truncate_cells_html": 100, "default_page_size": 50, "facet_time_limit_ms": 2000,
            "sql_time_limit_ms": 5000, "default_facet_size": 10}
#: The full-text index of stems the search box uses (archive/release/wordforms.py); raw mode
#: searches ``articles_fts``, the words as written.
STEMS = "articles_stems"
#: The canned query of the search (archive/release/browse_search.py registers its SQL functions).
SEARCH_SQL = """select a.article_id, a.title, a.language, a.date, a.url,
  ifes_passage(a.text, :q) as passage
from articles_stems s join articles a on a.rowid = s.rowid
where articles_stems match escape_fts(:q)
order by bm25(articles_stems)"""
FACETS = ["language", "year", {"array": "sections"}, {"array": "authors"}]
#: The release's tables beside ``articles``, each browsed as it is (a release made before one
#: was added lacks it, and browse shows what there is).
TABLES = ("versions", "captures", "changes", "persons", "sections")
#: Those whose rows belong to one article: linked from its page (one row per article only).
BY_ARTICLE = ("versions", "captures", "changes")
#: Where Datasette finds this package's templates (archive/release/browse_templates/: a row's page).
TEMPLATES = Path(__file__).with_name("browse_templates")


def capture_path(kind: str, pointer: CapturePointer) -> str:
    """Return the browse server's path of a capture (``kind`` ``capture``) or its replay."""
    return f"/-/{kind}/{pointer.warc_filename}/{pointer.warc_offset}/{pointer.warc_length}"


def replay_link(pointer: CapturePointer, prefix: str | None) -> str:
    """Return where a capture replays: the browse server, or a wayback-style ``prefix``."""
    if not prefix:
        return capture_path("replay", pointer)
    stamp = "".join(ch for ch in pointer.date if ch.isdigit())[:14]
    return f"{prefix.rstrip('/')}/{stamp}/{pointer.target_uri}"


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as stream:
        for line in stream:
            yield json.loads(line)


def _article_rows(release: Path, links: bool, prefix: str | None) -> Iterator[dict[str, Any]]:
    """Yield the SQLite rows of ``articles``: each row of the release's table, read into its
    type (:class:`~archive.release.rows.ArticleRow`), flattened as SQLite holds it."""
    with open(table_jsonl(release / "data", "articles"), "rb") as stream:
        for line in stream:
            yield _article_row(record_from_json(line, ArticleRow), links, prefix)


def _article_row(record: ArticleRow, links: bool, prefix: str | None) -> dict[str, Any]:
    published = published_on(record)
    first = record.captures[0] if record.captures else None
    return {"article_id": record.article_id, "title": record.title,
            "authors": json.dumps([a.name for a in record.authors], ensure_ascii=False),
            "date": published.isoformat() if published else None,
            "year": published.year if published else None,
            "sections": json.dumps(record.sections, ensure_ascii=False),
            "language": record.language, "words": record.word_count,
            "replay": replay_link(first, prefix) if links and first else None,
            "capture": capture_path("capture", first) if links and first else None,
            "version": record.version, "status": record.status, "pages": record.pages,
            "flags": json.dumps(record.flags, ensure_ascii=False),
            "first_seen": record.first_seen, "last_seen": record.last_seen,
            "url": record.url, "file": text_file(record), "text": record.text}


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    """Return a table row with its lists and objects as JSON text (SQLite has neither)."""
    return {k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
            for k, v in row.items()}


def build_database(release: Path, path: Path, replay_prefix: str | None = None) -> Path:
    """Write the SQLite database of ``release`` to ``path``; return it."""
    import sqlite_utils

    descriptor = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    all_versions = bool(descriptor.get("ifes_archive", {}).get("all_versions"))
    links = (release / WACZ).is_file()
    db = sqlite_utils.Database(path, recreate=True)
    keys = table_keys(all_versions)
    db.table("articles").insert_all(_article_rows(release, links, replay_prefix),
                                    pk=_primary_key(keys["articles"]))
    for name in TABLES:
        rows = _table_rows(release / "data", name, links, replay_prefix)
        db.table(name).insert_all(rows, pk=_primary_key(keys[name]))
        if not all_versions and name in BY_ARTICLE and db.table(name).exists():
            db.table(name).add_foreign_key("article_id", "articles", "article_id")
    for column in ("language", "year", "date", "status"):
        db.table("articles").create_index([column])
    db.table("articles").enable_fts(["title", "text"], tokenize="unicode61 remove_diacritics 2")
    _index_stems(db)
    db.vacuum()
    return path


def _primary_key(keys: dict[str, Any]) -> str | tuple[str, ...]:
    """Return a table's primary key as sqlite-utils takes it (one column: its rowid)."""
    columns = keys["primaryKey"]
    return columns[0] if len(columns) == 1 else tuple(columns)


def _table_rows(data: Path, name: str, links: bool, prefix: str | None,
                ) -> Iterator[dict[str, Any]]:
    """Yield the rows of the release's table ``name`` (none when the release has no such table:
    one made before it was added), captures with their links."""
    path = table_jsonl(data, name)
    if not path.is_file():
        return
    for row in _jsonl(path):
        yield {**_flat(row), **_capture_links(row, links, prefix)} if name == "captures" \
            else _flat(row)


def _index_stems(db: Any) -> None:
    """Index every article's title and text as stems in :data:`STEMS` (no copy of the text: it
    is contentless, its rowids are the articles'), for the search that finds every form."""
    from ifes_archive.archive.release.wordforms import stemmed

    db.execute(f"create virtual table {STEMS} using fts5(title, text, content='', "
               "tokenize='unicode61 remove_diacritics 2')")
    rows = db.execute("select rowid, title, text from articles").fetchall()
    db.conn.executemany(f"insert into {STEMS} (rowid, title, text) values (?, ?, ?)",
                        ((rowid, stemmed(title), stemmed(text)) for rowid, title, text in rows))
    db.conn.commit()


def _capture_links(row: dict[str, Any], links: bool, prefix: str | None) -> dict[str, Any]:
    """Return the links of a row of the ``captures`` table (its pointer's fields)."""
    if not links:
        return {"replay": None, "capture": None}
    pointer = msgspec.convert(row, CapturePointer)
    return {"replay": replay_link(pointer, prefix), "capture": capture_path("capture", pointer)}


def metadata(release: Path, database: str = DATABASE) -> dict[str, Any]:
    """Return Datasette's metadata: the card's title and source, facets, the WACZ to read."""
    descriptor = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    source = (descriptor.get("sources") or [{}])[0]
    licence = (descriptor.get("licenses") or [{}])[0]
    return {"title": descriptor.get("title"), "description": descriptor.get("description"),
            "source": source.get("title"), "source_url": source.get("path"),
            "license": licence.get("title") or licence.get("name"),
            "license_url": licence.get("path"),
            "plugins": {PLUGIN: {"wacz": str(release / WACZ)}},
            "databases": {database: {"tables": {
                "articles": {"facets": FACETS, "sort_desc": "date", "label_column": "title",
                             "fts_table": STEMS, "fts_pk": "rowid",
                             "description": "One row per article; search titles and texts."},
                "versions": {"label_column": "title", "facets": ["status"],
                             "description": "Every version of each article."},
                "captures": {"description": "The WARC record each version was built from."},
                "persons": {"label_column": "name_latin", "facets": ["kept_apart"],
                            "description": "One row per author across articles, spellings "
                                           "and scripts."},
                "changes": {"facets": ["kind"], "sort_desc": "to_seen",
                            "description": "One row per article and version step: added, "
                                           "edited (the fields that changed, words and "
                                           "paragraphs), withdrawn, restored."},
                "sections": {"facets": ["kind"],
                             "description": "The site's sections: names in both languages, "
                                            "parent, subject or navigation."}},
                "queries": {"search": {
                    "sql": SEARCH_SQL, "title": "Search, best first",
                    "description": "Every form of the words of q, articles ranked by "
                                   "relevance, each with the passage that matched."}}}}}


def datasette_of(release: Path, path: Path) -> Any:
    """Return the Datasette of ``release`` over its database ``path``, with this package's
    plugin (and its error pages) in place."""
    from datasette.app import Datasette
    from datasette.plugins import pm

    from ifes_archive.archive.release import browse_plugin, browse_search

    if not pm.is_registered(browse_plugin):
        pm.register(browse_plugin, name=PLUGIN)
    if not pm.is_registered(browse_search):
        pm.register(browse_search, name=f"{PLUGIN}-search")
    browse_plugin.quiet_errors()
    return Datasette([str(path)], metadata=metadata(release, path.stem), settings=SETTINGS,
                     template_dir=str(TEMPLATES))


class DatabaseExists(FileExistsError):
    """``--db`` names a file that is there already (and ``--force`` was not given)."""


def serve(release: Path, host: str = "127.0.0.1", port: int = 8001, db: Path | None = None,
          replay_prefix: str | None = None, force: bool = False) -> None:
    """Serve ``release`` with Datasette until interrupted; print its address first. ``db``
    (kept) must not be there yet unless ``force``: it is written anew."""
    import uvicorn

    if not table_jsonl(release / "data", "articles").is_file():
        raise FileNotFoundError(f"{release} is not a release (no data/articles/articles.jsonl)")
    if db is not None and (db.exists() or db.is_symlink()) and not force:
        raise DatabaseExists(f"{db} is there already: not replacing it (--force to)")
    folder = None if db else tempfile.TemporaryDirectory(prefix="ifes-browse-")
    path = db or Path(folder.name) / f"{DATABASE}.db"  # type: ignore[union-attr]
    build_database(release, path, replay_prefix)
    datasette = datasette_of(release, path)
    # Datasette leaves its facet coroutines unawaited when a facet fails (a bad ``_facet``):
    # the 400 page says what was wrong; Python's warning about them would say it again, thrice.
    warnings.filterwarnings("ignore", r"coroutine '(\w+Facet\.facet_results|TableView\.[\w.<>]+)' "
                            "was never awaited", RuntimeWarning)
    listener = socket.create_server((host, port))
    print(f"http://{host}:{listener.getsockname()[1]}/{path.stem}/articles", flush=True)
    try:
        uvicorn.Server(uvicorn.Config(datasette.app(), log_level="warning")).run(
            sockets=[listener])
    finally:
        if folder is not None:
            folder.cleanup()
