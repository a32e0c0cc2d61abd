"""``ifes-archive browse``'s search box finds every form of a word (issue 20, searching Russian):
a release of a crawl of the mirror, served by the CLI on loopback, asked through Datasette's JSON
API and its HTML pages."""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.archive.test_browse import _articles, _get, browsed

__all__ = ["browsed"]  # the served release, shared with test_browse's fixture


def _search(base: str, typed: str, *extra: str) -> set[str]:
    query = "&".join([f"_search={urllib.parse.quote(typed)}", *extra])
    answer = _get(f"{base}/release/articles.json?{query}&_shape=objects&_size=max&_col=article_id")
    return {row["article_id"] for row in answer["rows"]}


def _holding(release: Path, found: re.Pattern[str]) -> set[str]:
    """Return the articles whose title or text has a word ``found`` matches whole."""
    return {r["article_id"] for r in _articles(release)
            if any(found.fullmatch(w) for w in
                   re.findall(r"[^\W_]+", f"{r['title'] or ''} {r['text'] or ''}".casefold()))}


def test_any_form_of_a_russian_word_finds_every_form(browsed: str, release: Path) -> None:
    # every word the mirror's texts print from «реформ» is a form of «реформа» or a word made on
    # it (реформатор, реформирование): what a reader searching «реформа» wants
    holding = _holding(release, re.compile("реформ.*"))
    exact = _holding(release, re.compile("реформа"))
    assert len(exact) < len(holding)  # other forms are there: the check can tell
    for typed in ("реформа", "реформу", "Реформами", "реформ", "реформ*"):
        assert _search(browsed, typed) == holding, typed


def test_yo_and_ye_are_one_letter(browsed: str, release: Path) -> None:
    holding = _holding(release, re.compile("ещ[её]"))
    assert holding  # the mirror prints «ещё» with its dots: «еще» must find them
    for typed in ("еще", "ещё", "ЕЩЁ", "Еще"):
        assert _search(browsed, typed) == holding, typed


def test_any_form_of_an_english_word_finds_every_form(browsed: str, release: Path) -> None:
    holding = _holding(release, re.compile("reform.*"))
    assert _holding(release, re.compile("reform")) < holding
    for typed in ("reform", "reforms", "reforming", "Reformed"):
        assert _search(browsed, typed) == holding, typed


def test_a_quoted_phrase_is_a_phrase_of_any_forms(browsed: str, release: Path) -> None:
    # the mirror prints «наследие реформ» (genitive plural); the reader types the singular
    found = _search(browsed, '"наследие реформы"')
    texts = {r["article_id"]: f"{r['title']} {r['text']}".casefold() for r in _articles(release)}
    adjacent = {a for a, text in texts.items() if re.search(r"\bнаследи\w*\W+реформ", text)}
    both = _holding(release, re.compile("наследи.*")) & _holding(release, re.compile("реформ.*"))
    assert adjacent and found == adjacent and adjacent < both  # a phrase, not two words


def test_results_show_the_matched_passage_with_the_words_marked(browsed: str,
                                                                release: Path) -> None:
    with urllib.request.urlopen(f"{browsed}/release/articles?_search="
                                f"{urllib.parse.quote('реформу')}", timeout=60) as answer:
        page = answer.read().decode("utf-8")
    cells = [c for c in re.findall(r'<td class="col-text[^"]*">(.*?)</td>', page, re.S)
             if "<mark>" in c]
    # every article found by a word of its text shows it (one found by its title alone, not)
    in_text = {r["article_id"] for r in _articles(release)
               if re.search(r"\bреформ", (r["text"] or "").casefold())}
    assert len(cells) == len(in_text & _search(browsed, "реформу")) > 0
    for cell in cells:
        marks = [html.unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", cell)]
        assert all(m.casefold().startswith("реформ") for m in marks), cell[:300]
    # a passage, not the whole text
    assert max(len(html.unescape(re.sub("<[^>]+>", "", c))) for c in cells) < 600


def test_raw_mode_searches_the_words_as_written(browsed: str, release: Path) -> None:
    raw = "_searchmode=raw"
    assert _search(browsed, "реформу", raw) == _holding(release, re.compile("реформу"))
    assert _search(browsed, "реформ*", raw) == _holding(release, re.compile("реформ.*"))
    assert _search(browsed, "реформу OR реформа", raw) == \
        _holding(release, re.compile("реформу|реформа"))
    titles = {r["article_id"] for r in _articles(release)
              if re.search(r"\bреформ", (r["title"] or "").casefold())}
    assert titles
    for mode in ("&_searchmode=raw", ""):  # one column: raw as written, or any form
        answer = _get(f"{browsed}/release/articles.json?_search_title="
                      f"{urllib.parse.quote('реформ*')}{mode}&_shape=objects&_size=max")
        assert {row["article_id"] for row in answer["rows"]} == titles, mode
    with pytest.raises(urllib.error.HTTPError) as error:  # FTS5's own syntax error: not a 500
        _search(browsed, '"реформ', raw)
    assert error.value.code == 400


@pytest.mark.parametrize("typed", ['"', '*', "NEAR", "NEAR(реформу экономики)", "-реформу",
                                   "реформу -", "title:реформу", ':', '"реформу', 'реформу"',
                                   '""', "()", "AND", "реформу OR", "^реформу", "'", "\\"])
def test_fts_syntax_in_the_search_box_is_never_an_error(browsed: str, release: Path,
                                                        typed: str) -> None:
    found = _search(browsed, typed)
    words = re.findall(r"[^\W_]+", typed.casefold())
    # the characters are read as nothing: the words' forms are found, as without them
    assert found == (_search(browsed, " ".join(words)) if words else set())
    if words == ["реформу"]:
        assert found == _holding(release, re.compile("реформ.*"))


def test_a_title_word_finds_its_article(browsed: str, release: Path) -> None:
    record = next(r for r in _articles(release) if r["language"] == "ru" and r["title"])
    word = max(re.findall(r"[^\W\d_]+", record["title"]), key=len)
    assert record["article_id"] in _search(browsed, word.upper())


def test_the_canned_search_ranks_and_gives_passages_in_json(browsed: str) -> None:
    rows = _get(f"{browsed}/release/search.json?q={urllib.parse.quote('Реформы')}"
                "&_shape=array")
    assert {r["article_id"] for r in rows} == _search(browsed, "реформы")
    marks = [m for r in rows for m in re.findall(r"<mark>(.*?)</mark>", r["passage"] or "")]
    assert marks and all(m.casefold().startswith("реформ") for m in marks)
    for typed in ('"', "", "(", "-:*"):  # nothing searchable: nothing found, no error
        assert _get(f"{browsed}/release/search.json?q={urllib.parse.quote(typed)}"
                    "&_shape=array") == []
