"""``ifes-archive browse`` on bad input: a status that says whose error it is, nothing but a line
in the terminal, no link out of a crafted cell, and no database file replaced unasked.

Asked through Datasette's own test client, over the session release's database, with this
package's plugin in place as ``browse`` puts it.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from ifes_archive.archive.release.browse import build_database, datasette_of
from ifes_archive.archive.release.browse_plugin import is_link
from ifes_archive.crawler.cli import main


@pytest.fixture(scope="module")
def datasette(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("browse-errors") / "release.db"
    build_database(release, path)
    return datasette_of(release, path)


def _ask(datasette: Any, path: str) -> Any:
    async def ask() -> Any:
        await datasette.invoke_startup()
        return await datasette.client.get(path)
    return asyncio.run(ask())


def _sql(query: str, json: bool = False) -> str:
    return f"/release{'.json' if json else ''}?sql={urllib.parse.quote(query)}"


@pytest.mark.parametrize(("path", "status"), [
    (_sql("select nonsense from"), 400),
    (_sql("select * from no_such_table", json=True), 400),
    ("/release/articles?_sort=no_such_column", 400),
    ("/release/articles.json?_sort=no_such_column", 400),
    ("/release/articles?_facet=no_such_column", 400),
    ("/release/articles/999999999", 404),
    ("/release/articles/999999999.json", 404),
    ("/release/no_such_table", 404),
    ("/no_such_database", 404),
])
def test_bad_input_is_the_askers_error_and_quiet(datasette: Any, path: str, status: int,
                                                 capfd: pytest.CaptureFixture[str]) -> None:
    answer = _ask(datasette, path)
    assert answer.status_code == status, answer.text[:500]
    if path.split("?")[0].endswith(".json"):
        assert answer.json()["ok"] is False and answer.json()["error"]
    else:
        assert answer.headers["content-type"].startswith("text/html")
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err and "╭" not in out + err, out + err
    assert len((out + err).strip().splitlines()) <= 1, out + err  # Datasette's SQL error line


@pytest.mark.parametrize(("value", "linked"), [
    ("/-/capture/ifes-1.warc.gz/0/100", True),
    ("/-/replay/ifes-1.warc.gz/0/100", True),
    ("http://127.0.0.1:8080/ifes/20261201000000/http://example.org/", True),
    ("https://web.archive.org/web/2026/http://example.org/", True),
    ("javascript:alert(document.domain)", False),
    ("JaVaScRiPt:alert(1)", False),
    (" javascript:alert(1)", False),
    ("java\tscript:alert(1)", False),
    ("data:text/html,<script>alert(1)</script>", False),
    ("vbscript:msgbox(1)", False),
    ("//evil.example/x", False),
    ("/\\evil.example/x", False),
    ("http:alert(1)", False),
])
def test_only_this_plugins_paths_and_http_urls_are_links(datasette: Any, value: str,
                                                         linked: bool) -> None:
    assert is_link(value) is linked
    query = "select :v as capture, :v as replay, :v as url".replace(":v", _literal(value))
    page = _ask(datasette, _sql(query)).text
    cells = [cell for cell in page.split("<td ")[1:] if "col-capture" in cell
             or "col-replay" in cell]
    assert len(cells) == 2
    assert all(("<a href=" in cell) is linked for cell in cells), cells
    assert "href=\"javascript" not in page.lower() and "href=\"data:" not in page.lower()


def _literal(value: str) -> str:
    """Return ``value`` as an SQL string literal (tabs and all)."""
    return "'" + value.replace("'", "''") + "'"


def test_browse_does_not_replace_a_database_file(release: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    kept = tmp_path / "thesis.sqlite"
    kept.write_bytes(b"three years of notes")
    assert main(["browse", str(release), "--db", str(kept), "--port", "0"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("ifes-archive browse: ") and "\n" not in error
    assert str(kept) in error and "--force" in error
    assert kept.read_bytes() == b"three years of notes"
