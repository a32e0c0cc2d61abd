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


@pytest.mark.parametrize("table", ["versions", "captures", "changes", "persons", "sections"])
def test_every_table_of_the_release_is_there_too(browsed: str, release: Path, table: str) -> None:
    lines = (release / "data" / table / f"{table}.jsonl").read_text(encoding="utf-8").splitlines()
    answer = _get(f"{browsed}/release/{table}.json?_size=0")
    assert lines and answer["filtered_table_rows_count"] == len(lines)


def test_an_articles_changes_are_linked_from_its_page(browsed: str, release: Path) -> None:
    article = _articles(release)[0]["article_id"]
    answer = _get(f"{browsed}/release/articles/{article}.json?_extras=foreign_key_tables")
    linked = {t["other_table"]: t["count"] for t in answer["foreign_key_tables"]}
    changes = [json.loads(line) for line in (release / "data" / "changes" / "changes.jsonl")
               .read_text(encoding="utf-8").splitlines()]
    assert linked["changes"] == sum(row["article_id"] == article for row in changes) >= 1
    assert linked["versions"] >= 1 and linked["captures"] >= 1


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


#: The window the article page must fit (issue 20: its text was off-screen at 1280 px).
ARTICLE_WINDOW = (1280, 800)
#: Where each field of the article's page stands in the window: its cell's box and its label.
_FIELD_BOXES = """Array.from(document.querySelectorAll('table.rows-and-columns td')).map(td => {
  const box = td.getBoundingClientRect();
  return {column: td.className.split(' ')[0].replace(/^col-/, ''), left: box.left,
          right: box.right, width: box.width,
          label: getComputedStyle(td, '::before').content};
})"""


def test_an_articles_page_shows_its_text_in_a_1280_px_window(browsed: str, release: Path,
                                                               tmp_path: Path) -> None:
    record = max(_articles(release), key=lambda r: len(r["text"] or ""))
    browser = Chromium(need_chromium(), tmp_path / "profile", window=ARTICLE_WINDOW)
    try:
        page = browser.open(f"{browsed}/release/articles/{record['article_id']}")
        width = page.evaluate("window.innerWidth")
        fields = {box["column"]: box for box in page.evaluate(_FIELD_BOXES)}
        overflow = page.evaluate("document.documentElement.scrollWidth")
        page.evaluate("document.querySelector('td.col-text').scrollIntoView()")
        shown = page.evaluate("document.querySelector('td.col-text').innerText")
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        shot = page.screenshot(ARTEFACTS / "browse-article-1280.png")
    finally:
        browser.close()
    print(f"window {width} px; text cell {fields['text']['left']:.0f}-"
          f"{fields['text']['right']:.0f} px; page {overflow} px wide")
    assert width == ARTICLE_WINDOW[0]
    # every field, the text above all, stands inside the window, and wide enough to read
    outside = {c: (b["left"], b["right"]) for c, b in fields.items()
               if b["left"] < 0 or b["right"] > width}
    assert not outside and overflow <= width
    assert fields["text"]["width"] >= width / 2
    # each under its name, the text whole
    assert all(box["label"] == f'"{column}"' for column, box in fields.items())
    assert " ".join(shown.split()) == " ".join(record["text"].split())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


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
