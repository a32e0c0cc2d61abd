"""The language of an article's text (not of the chrome around it): ISO 639-1.

The site publishes in English and Russian (docs/site-profile.md, "Content"). Cyrillic letters decide
Russian; Latin text is English when enough of its words are English function words. Anything
else is left unknown (null) rather than guessed.
"""

from __future__ import annotations

import re
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
_LETTER = re.compile(r"[^\W\d_]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z]")


@lru_cache(maxsize=8)
def detect_language(text: str | None) -> str | None:
    """Return ``ru``, ``en`` or None for *text*."""
    if not text:
        return None
    letters = len(_LETTER.findall(text))
    if not letters:
        return None
    if len(_CYRILLIC.findall(text)) / letters >= SCRIPT_SHARE:
        return "ru"
    if len(_LATIN.findall(text)) / letters < SCRIPT_SHARE:
        return None
    words = _WORD.findall(text.lower())
    english = sum(1 for w in words if w in ENGLISH_WORDS)
    return "en" if words and english / len(words) >= ENGLISH_SHARE else None
