"""The language's letter counts and the print-view check's word comparison, counted at C speed
(deleting or joining the runs between), against their definitions one character or one word at
a time (hypothesis): the same answers on any text."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from ifes_archive.archive.page.checks import PRINT_VIEW, text_check
from ifes_archive.archive.page.language import (
    ENGLISH_SHARE,
    ENGLISH_WORDS,
    SCRIPT_SHARE,
    detect_language,
)

#: Latin and Cyrillic letters, digits of two scripts, «²» (a digit that is no decimal),
#: underscores, spaces, punctuation, a CJK letter: every class the counts tell apart.
ALPHABET = "aZthe bй Ёж 09٣²_ ,.«»-\n\t中"
TEXT = st.text(alphabet=ALPHABET, max_size=60) | st.text(max_size=30)
WORDS = ["the", "of", "and", "Ленин", "x_1", "２"]


def _language_by_characters(text: str) -> str | None:
    """detect_language's definition: letters, Cyrillic and Latin counted one character at a
    time, English function words one word at a time."""
    def share(kind: str) -> float:
        return sum(bool(re.fullmatch(kind, c)) for c in text) / letters
    letters = sum(bool(re.fullmatch(r"[^\W\d_]", c)) for c in text)
    if not letters:
        return None
    if share(r"[\u0400-\u04ff]") >= SCRIPT_SHARE:
        return "ru"
    if share(r"[A-Za-z]") < SCRIPT_SHARE:
        return None
    words = re.findall(r"[^\W\d_]+", text)
    english = sum(w.lower() in ENGLISH_WORDS for w in words)
    return "en" if words and english / len(words) >= ENGLISH_SHARE else None


@given(TEXT)
@example("the ² of ж")
@example("_ёж_ the")
def test_language_counts_letters_as_their_definition_does(text: str) -> None:
    detect_language.cache_clear()
    assert detect_language(text) == _language_by_characters(text)


@given(st.lists(st.sampled_from(WORDS), max_size=6), st.lists(st.sampled_from(WORDS), max_size=6),
       st.lists(st.sampled_from([" ", "  ", ", ", "\n", " — ", "«", "."]), min_size=1))
@example(["the", "of"], ["the", "of"], [" ", ". "])
def test_the_print_view_check_agrees_exactly_when_the_words_are_the_same(
        mine: list[str], theirs: list[str], between: list[str]) -> None:
    def text(words: list[str]) -> str:
        gaps = [between[i % len(between)] for i in range(len(words) + 1)]
        return gaps[0] + "".join(w + g for w, g in zip(words, gaps[1:]))
    said = text_check(PRINT_VIEW, text(mine), text(theirs), "print view")
    same = re.findall(r"\w+", text(mine)) == re.findall(r"\w+", text(theirs))
    assert said.agrees is same and (said.detail == "") is same
