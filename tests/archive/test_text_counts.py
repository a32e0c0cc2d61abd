"""The language and word counts, done in C slice by slice, equal the plain count match by match."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from ifes_archive.archive.page import language
from ifes_archive.archive.page.language import count_matches
from ifes_archive.archive.page.record import word_count

WORDS = ["the", "The", "OF", "an", "a", "and", "is", "ёлка", "Ещё", "word", "x_y", "a1b", "théâtre",
         "ан", "2024", "The_", "_an", "théthe"]
#: Text from words, spaces, newlines and punctuation, with runs long enough to cross slices.
texts = st.lists(st.sampled_from([*WORDS, " ", "  ", "\n", ", ", "-", "."]), max_size=80).map(
    "".join)


def plain_covered(pattern: str, text: str) -> int:
    return sum(m.end() - m.start() for m in re.finditer(pattern, text))


@settings(max_examples=300)
@given(texts, st.integers(min_value=1, max_value=40))
def test_counts_equal_the_match_by_match_count(text: str, slice_size: int) -> None:
    old = language.SLICE
    language.SLICE = slice_size  # small slices: every edge case of a cut falls inside the text
    try:
        assert word_count(text) == len(re.findall(r"\w+", text))
        assert language._count(re.compile(r"[^\W\d_]+"), text) == plain_covered(r"[^\W\d_]+", text)
        assert language._count(re.compile(r"[\u0400-\u04ff]+"), text) == plain_covered(
            r"[\u0400-\u04ff]+", text)
        words = re.findall(r"[^\W\d_]+", text)
        assert count_matches(re.compile(r"[^\W\d_]+"), text) == len(words)
    finally:
        language.SLICE = old


def test_a_text_longer_than_a_slice_is_counted_whole() -> None:
    text = "the cat and the ёлка " * (language.SLICE // 8)
    assert word_count(text) == 5 * (language.SLICE // 8)
    assert language.detect_language.__wrapped__(text) == "en"
