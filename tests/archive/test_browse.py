"""``ifes-archive browse``: the release in Datasette on loopback — full-text search, facets,
links to each capture — asked through its JSON API, and seen in headless Chromium."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import threading
import urllib.request
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

#: Screenshots of the browser tests land here (kept after the run).
ARTEFACTS = Path(__file__).resolve().parents[2] / "out" / "test-artefacts"
START_TIMEOUT = 120.0
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars")


@pytest.fixture(scope="module")
def browsed(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``ifes-archive browse`` of the session's release, on a free loopback port."""
    db = tmp_path_factory.mktemp("browse") / "release.db"
    process = subprocess.Popen([sys.executable, "-m", "archive.cli", "browse", str(release),
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
    lines = (release / "data" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
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
    assert facets["language"] == dict(Counter(r["language"] for r in articles))
    assert facets["year"] == dict(Counter(r["date_published"]["value"][:4] for r in articles
                                          if r["date_published"]))
    assert facets["sections"] == dict(Counter(s for r in articles for s in r["sections"]))
    assert facets["authors"] == dict(Counter(a["name"] for r in articles for a in r["authors"]))


def test_versions_and_captures_are_there_too(browsed: str, release: Path) -> None:
    for table in ("versions", "captures"):
        lines = (release / "data" / f"{table}.jsonl").read_text(encoding="utf-8").splitlines()
        answer = _get(f"{browsed}/release/{table}.json?_size=0")
        assert answer["filtered_table_rows_count"] == len(lines)


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip("headless Chromium is not installed (Debian: apt-get install chromium)")
    return found


def test_a_search_seen_in_headless_chromium(browsed: str, release: Path,
                                            tmp_path: Path) -> None:
    articles = _articles(release)
    words = {r["article_id"]: _tokens(r["title"]) | _tokens(r["text"]) for r in articles}
    frequency = Counter(w for found in words.values() for w in found)
    # a title word a few articles share: the page shows each of them
    word = min((w for w in _tokens(articles[0]["title"]) if len(w) > 4),
               key=lambda w: (frequency[w], w))
    hits = [r["title"] for r in articles if word in words[r["article_id"]]]
    url = f"{browsed}/release/articles?_search={urllib.parse.quote(word)}"
    command = [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
               "--window-size=1280,1600"]
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTEFACTS / "browse-search.png"
    shot.unlink(missing_ok=True)
    subprocess.run([*command, f"--screenshot={shot}", url], capture_output=True, timeout=180)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    dom = subprocess.run([*command, "--dump-dom", url], capture_output=True, text=True,
                         timeout=180).stdout
    assert f'{len(hits)} row{"s" if len(hits) > 1 else ""} where search matches "{word}"' in dom
    page = html.unescape(dom)
    assert all(title in page for title in hits)
