"""The language of an article's text (not of the chrome around it): ISO 639-1.

The site publishes in English and Russian (docs/site-profile.md, "Content"). Cyrillic letters decide
Russian; Latin text is English when enough of its words are English function words. Anything
else is left unknown (null) rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache

#: Share of letters that must be Cyrillic (or Latin) for the text to count as that script.
SCRIPT_SHARE = 0.6
#: Share of words that must be English function words for Latin text to count as English
#: (running English prose has 30-40 %; 5 % is far below that, far above other languages).
ENGLISH_SHARE = 0.05
ENGLISH_WORDS = frozenset(
    ["the", "of", "and", "to", "in", "a", "is", "that", "for", "on", "with", "as", "by", "it",
     "was", "are", "be", "from", "at", "this", "which", "an", "or", "has", "have", "not", "its",
     "their", "were", "but", "been", "will"])
_WORD = re.compile(r"[^\W\d_]+")
# Runs of letters, Cyrillic, Latin: counted by their spans, with no list of one-letter strings
# (some 60 bytes a letter: 300 MB for an article of 20 MiB).
_LETTERS = re.compile(r"[^\W\d_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]+")
_LATIN = re.compile(r"[A-Za-z]+")


# One text: the record builder asks twice of the same text; a larger cache would keep the texts
# of several (possibly huge) articles alive.
@lru_cache(maxsize=1)
def detect_language(text: str | None) -> str | None:
    """Return ``ru``, ``en`` or None for *text*."""
    if not text:
        return None
    letters = _count(_LETTERS, text)
    if not letters:
        return None
    if _count(_CYRILLIC, text) / letters >= SCRIPT_SHARE:
        return "ru"
    if _count(_LATIN, text) / letters < SCRIPT_SHARE:
        return None
    words = english = 0
    for part in _slices(text, _at_space, WORDS_SLICE):  # a word never holds a space
        found = _WORD.findall(part)
        words += len(found)
        english += sum(map(ENGLISH_WORDS.__contains__, map(str.lower, found)))
    return "en" if words and english / words >= ENGLISH_SHARE else None


def _count(runs: re.Pattern[str], text: str) -> int:
    """Return how many characters of ``text`` the runs ``runs`` matches cover: what removing them
    takes away, slice by slice (a run cut at a slice's edge loses the same characters in two
    parts), so no copy is larger than a slice."""
    return sum(len(part) - len(runs.sub("", part)) for part in _slices(text, _anywhere))


def count_matches(pattern: re.Pattern[str], text: str) -> int:
    """Return how many times *pattern* (runs of word characters, no spaces) matches in *text*:
    counted by ``subn`` in C, slice by slice, each slice ending at a space so no run is cut."""
    return sum(pattern.subn("", part)[1] for part in _slices(text, _at_space))


#: Characters of text a count reads at once (a copy of a slice is the most it makes).
SLICE = 1 << 20
#: Characters of text whose words are listed at once to be looked up among the English
#: function words (a list of some 10,000 words at most; one word at a time took twice as long).
WORDS_SLICE = 1 << 16


def _anywhere(text: str, start: int) -> int:
    return start


def _at_space(text: str, start: int) -> int:
    space = text.find(" ", start)
    return len(text) if space < 0 else space


def _slices(text: str, edge: Callable[[str, int], int], size: int = SLICE) -> Iterator[str]:
    """Yield *text* in slices of about *size* characters, each ending where *edge* says."""
    start = 0
    while start < len(text):
        end = edge(text, start + size) if start + size < len(text) else len(text)
        yield text[start:end]
        start = end
