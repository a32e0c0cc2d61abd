"""``ifes-archive browse RELEASE_DIR``: a release in Datasette, for researchers who do not program.

The release's tables go into a SQLite database (sqlite-utils): ``articles`` with full-text search
over titles and texts (FTS5) and facets on section, language, year and author (lists are JSON
arrays, which Datasette facets value by value), ``versions``, ``captures`` and ``persons`` beside
it. Each row links to its capture — the WARC record it came from, shown with its headers — and
to its replay, the archived page itself, both read from the release's WACZ by
:mod:`archive.release.browse_plugin` (``--replay-prefix`` points replay links at a wayback-style
replay such as pywb instead).
Datasette serves it on loopback; its JSON API answers the same queries as its pages.
"""

from __future__ import annotations

import json
import socket
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ifes_archive.archive.release.build import WACZ
from ifes_archive.archive.release.contents import text_file
from ifes_archive.archive.release.scope import published_on
from ifes_archive.archive.release.tables import table_jsonl

if TYPE_CHECKING:
    from collections.abc import Iterator

#: The database's name in Datasette's URLs (``/release/articles``).
DATABASE = "release"
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


def capture_path(kind: str, pointer: dict[str, Any]) -> str:
    """Return the browse server's path of a capture (``kind`` ``capture``) or its replay."""
    return f"/-/{kind}/{pointer['warc_filename']}/{pointer['warc_offset']}/{pointer['warc_length']}"


def replay_link(pointer: dict[str, Any], prefix: str | None) -> str:
    """Return where a capture replays: the browse server, or a wayback-style ``prefix``."""
    if not prefix:
        return capture_path("replay", pointer)
    stamp = "".join(ch for ch in pointer["date"] if ch.isdigit())[:14]
    return f"{prefix.rstrip('/')}/{stamp}/{pointer['target_uri']}"


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as stream:
        for line in stream:
            yield json.loads(line)


def _article_rows(release: Path, links: bool, prefix: str | None) -> Iterator[dict[str, Any]]:
    for record in _jsonl(table_jsonl(release / "data", "articles")):
        published = published_on(record)
        first = (record.get("captures") or [None])[0]
        yield {"article_id": record["article_id"], "title": record.get("title"),
               "authors": json.dumps([a["name"] for a in record.get("authors") or []],
                                     ensure_ascii=False),
               "date": published.isoformat() if published else None,
               "year": published.year if published else None,
               "sections": json.dumps(record.get("sections") or [], ensure_ascii=False),
               "language": record.get("language"), "words": record.get("word_count"),
               "replay": replay_link(first, prefix) if links and first else None,
               "capture": capture_path("capture", first) if links and first else None,
               "version": record.get("version"), "status": record.get("status"),
               "pages": record.get("pages"),
               "flags": json.dumps(record.get("flags") or [], ensure_ascii=False),
               "first_seen": record.get("first_seen"), "last_seen": record.get("last_seen"),
               "url": record["url"], "file": text_file(record),
               "text": record.get("text")}


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
    key = ("article_id", "version") if all_versions else "article_id"
    db.table("articles").insert_all(_article_rows(release, links, replay_prefix),
                                    pk=key)
    data = release / "data"
    db.table("versions").insert_all((_flat(r) for r in _jsonl(table_jsonl(data, "versions"))),
                              pk=("article_id", "version"))
    db.table("captures").insert_all(({**_flat(r), **_capture_links(r, links, replay_prefix)}
                               for r in _jsonl(table_jsonl(data, "captures"))),
                              pk=("warc_filename", "warc_offset"))
    persons = table_jsonl(data, "persons")
    if persons.is_file():  # releases made before persons have none
        db.table("persons").insert_all((_flat(r) for r in _jsonl(persons)), pk="person_id")
    if not all_versions:
        for table in ("versions", "captures"):
            db.table(table).add_foreign_key("article_id", "articles", "article_id")
    for column in ("language", "year", "date", "status"):
        db.table("articles").create_index([column])
    db.table("articles").enable_fts(["title", "text"], tokenize="unicode61 remove_diacritics 2")
    _index_stems(db)
    db.vacuum()
    return path


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
    if not links:
        return {"replay": None, "capture": None}
    return {"replay": replay_link(row, prefix), "capture": capture_path("capture", row)}


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
                                           "and scripts."}},
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
    return Datasette([str(path)], metadata=metadata(release, path.stem), settings=SETTINGS)


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
