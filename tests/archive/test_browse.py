"""``ifes-archive browse``: the release in Datasette on loopback — full-text search, facets,
links to each capture — asked through its JSON API, and seen in headless Chromium."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ifes_archive.archive.page.decode import decode_html
from tests.browser import Chromium
from tests.extras import need_chromium

if TYPE_CHECKING:
    from collections.abc import Iterator
    from email.message import Message

#: Screenshots of the browser tests land here (kept after the run).
ARTEFACTS = Path(__file__).resolve().parents[2] / "out" / "test-artefacts"
START_TIMEOUT = 120.0


@pytest.fixture(scope="module")
def browsed(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``ifes-archive browse`` of the session's release, on a free loopback port."""
    db = tmp_path_factory.mktemp("browse") / "release.db"
    process = subprocess.Popen([sys.executable, "-m", "ifes_archive.crawler.cli", "browse", str(release),
                                "--port", "0", "--db", str(db)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first: list[str] = []
    reader = threading.Thread(target=lambda: first.append(process.stdout.readline().strip()))
    reader.start()
    reader.join(START_TIMEOUT)
    try:
        assert first and first[0].startswith("http://127.0.0.1:"), process.stderr.read()
        yield first[0].rsplit("/", 2)[0]
    finally:
        process.terminate()
        process.wait(timeout=30)


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as answer:
        return json.loads(answer.read())


def _articles(release: Path) -> list[dict]:
    lines = (release / "data" / "articles" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _tokens(text: str | None) -> set[str]:
    return {t.casefold() for t in re.findall(r"[^\W_]+", text or "")}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_full_text_search_over_titles_and_texts(browsed: str, release: Path,
                                                language: str) -> None:
    articles = _articles(release)
    title = next(r["title"] for r in articles if r["language"] == language)
    word = max(re.findall(r"[^\W\d_]+", title), key=len)
    expected = sorted(r["article_id"] for r in articles
                      if word.casefold() in _tokens(r["title"]) | _tokens(r["text"]))
    found = _get(f"{browsed}/release/articles.json?_search={urllib.parse.quote(word)}"
                 "&_shape=objects&_size=max&_col=article_id")
    assert sorted(row["article_id"] for row in found["rows"]) == expected
    assert expected and len(expected) < len(articles)


def test_facets_on_section_language_year_and_author(browsed: str, release: Path) -> None:
    articles = _articles(release)
    answer = _get(f"{browsed}/release/articles.json?_size=0&_facet_size=max")
    facets = {name: {str(v["value"]): v["count"] for v in facet["results"]}
              for name, facet in answer["facet_results"].items()}
    # facets count values: an empty body has no language, an impossible date no year
    assert facets["language"] == dict(Counter(r["language"] for r in articles if r["language"]))
    assert facets["year"] == dict(Counter(r["date_published"]["value"][:4] for r in articles
                                          if r["date_published"] and r["date_published"]["value"]))
    assert facets["sections"] == dict(Counter(s for r in articles for s in r["sections"]))
    assert facets["authors"] == dict(Counter(a["name"] for r in articles for a in r["authors"]))


def test_versions_and_captures_are_there_too(browsed: str, release: Path) -> None:
    for table in ("versions", "captures"):
        lines = (release / "data" / table / f"{table}.jsonl").read_text(encoding="utf-8").splitlines()
        answer = _get(f"{browsed}/release/{table}.json?_size=0")
        assert answer["filtered_table_rows_count"] == len(lines)


def test_persons_are_there_with_their_spellings(browsed: str, release: Path) -> None:
    rows = [json.loads(line) for line in
            (release / "data" / "persons" / "persons.jsonl").read_text(encoding="utf-8").splitlines()]
    first = rows[0]
    answer = _get(f"{browsed}/release/persons.json?_shape=array&person_id={first['person_id']}")
    assert len(answer) == 1 and answer[0]["name_latin"] == first["name_latin"]
    assert json.loads(answer[0]["spellings"]) == first["spellings"]
    assert _get(f"{browsed}/release/persons.json?_size=0")["filtered_table_rows_count"] == \
        len(rows)


def _fetch(url: str) -> tuple[bytes, Message]:
    with urllib.request.urlopen(url, timeout=60) as answer:
        return answer.read(), answer.headers


def test_rows_link_to_their_capture_and_replay(browsed: str, release: Path) -> None:
    articles = {r["article_id"]: r for r in _articles(release)}
    rows = _get(f"{browsed}/release/articles.json?_shape=objects&_size=5")["rows"]
    for row in rows:
        record = articles[row["article_id"]]
        pointer = record["captures"][0]
        page, _ = _fetch(browsed + row["capture"])
        shown = html.unescape(page.decode("utf-8"))
        assert pointer["warc_record_id"] in shown and pointer["target_uri"] in shown
        assert record["title"] in shown and "HTTP/1.1 200 OK" in shown
        body, headers = _fetch(browsed + row["replay"])
        assert "default-src 'none'" in headers["Content-Security-Policy"]
        # the page as archived: its header's charset may lie (docs/site-profile.md), so read it as
        # the record was read
        assert record["title"] in html.unescape(decode_html(body, headers["Content-Type"]).text)
    captures = _get(f"{browsed}/release/captures.json?_shape=objects&_size=3")["rows"]
    for row in captures:
        page, _ = _fetch(browsed + row["capture"])
        assert row["warc_record_id"] in html.unescape(page.decode("utf-8"))


def test_an_unknown_capture_is_a_404(browsed: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as error:
        _fetch(f"{browsed}/-/capture/nothing.warc.gz/0/100")
    assert error.value.code == 404


def test_a_search_seen_in_headless_chromium(browsed: str, release: Path,
                                            tmp_path: Path) -> None:
    articles = _articles(release)
    words = {r["article_id"]: _tokens(r["title"]) | _tokens(r["text"]) for r in articles}
    frequency = Counter(w for found in words.values() for w in found)
    # a title word a few articles share: the page shows each of them
    word = min((w for w in _tokens(articles[0]["title"]) if len(w) > 4),
               key=lambda w: (frequency[w], w))
    hits = [r["title"] for r in articles if word in words[r["article_id"]]]
    browser = Chromium(need_chromium(), tmp_path / "profile")
    try:
        page = browser.open(f"{browsed}/release/articles?_search={urllib.parse.quote(word)}"
                            "&_facet_size=3")
        heading = page.evaluate("document.querySelector('h3').innerText")
        shown = page.evaluate("Array.from(document.querySelectorAll("
                              "'table.rows-and-columns td.col-title')).map(td => td.innerText)")
        page.evaluate("document.querySelector('h3').scrollIntoView()")
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        shot = page.screenshot(ARTEFACTS / "browse-search.png")
    finally:
        browser.close()
    assert f'{len(hits)} row{"s" if len(hits) > 1 else ""} where search matches "{word}"' in heading
    assert sorted(shown) == sorted(hits)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
