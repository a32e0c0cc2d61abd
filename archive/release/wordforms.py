"""Every form of a word: Russian and English words reduced to their Snowball stems, ё read as е.

``ifes-archive browse`` indexes each article's title and text as stems (:func:`stemmed`) and
turns what a reader types into an FTS5 query over those stems (:func:`fts_query`), so «реформу»
finds «реформа», «реформы», «реформами» and «еще» finds «ещё». The stemmer follows each word's
script (Cyrillic: Russian, anything else: English), not the article's ``language``: a Russian
article quoting an English title is found by the English word's forms, and a mis-detected
language costs nothing. :func:`marked` gives the passage of a text around the first match with the
matching words in ``<mark>``.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any

#: A word as FTS5's unicode61 tokenizer sees one: letters and digits (``_`` and hyphens split).
WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[а-яё]")
#: What a reader typed: a quoted phrase, or a word with an optional ``*`` (prefix) after it.
_PART = re.compile(r'"([^"]*)"|([^\W_]+)(\*?)')
#: A stem shorter than this is matched whole, not as a prefix: «мир*» would find «мировой»,
#: «мирно», «миром» — short stems are where prefixes cost precision (bench/search.py measures).
PREFIX_MIN = 4
#: Words of context either side of a match in a snippet.
SNIPPET_BEFORE, SNIPPET_AFTER = 12, 24


def fold(text: str) -> str:
    """Return ``text`` case-folded with ё as е (Russian print mostly omits the dots)."""
    return text.casefold().replace("ё", "е")


@lru_cache(maxsize=2)
def _stemmer(language: str) -> Any:
    """Return Snowball's stemmer of ``language`` (imported here: only ``browse`` needs it)."""
    import Stemmer

    return Stemmer.Stemmer(language)


@lru_cache(maxsize=1 << 18)
def stem(word: str) -> str:
    """Return the stem of one folded word, by the stemmer of its script."""
    return _stemmer("russian" if _CYRILLIC.search(word) else "english").stemWord(word)


def stemmed(text: str | None) -> str:
    """Return ``text`` as its words' stems, space-separated, in order (phrases stay phrases)."""
    return " ".join(stem(word) for word in WORD.findall(fold(text or "")))


def _term(word: str, prefix: bool) -> str:
    """Return the FTS5 query of one typed word: its stem (as a prefix unless it is short), or
    the stem of its stem — Snowball cuts «проблем» (genitive plural) shorter than «проблема»."""
    root = stem(word)
    shorter = stem(root)
    head = f'"{root}"*' if prefix or len(root) >= PREFIX_MIN else f'"{root}"'
    return f'({head} OR "{shorter}")' if shorter != root else head


def fts_query(typed: str) -> str:
    """Return the FTS5 query over stems that finds every form of the words of ``typed``.

    Quoted phrases stay phrases (of stems); any other FTS5 syntax (``-``, ``:``, ``NEAR``,
    parentheses, an unbalanced quote) is read as plain words, so no input is an FTS5 error.
    Nothing searchable gives a query that matches nothing.
    """
    parts = []
    for phrase, word, star in _PART.findall(fold(typed)):
        if word:
            parts.append(_term(word, bool(star)))
        elif WORD.search(phrase):
            parts.append(f'"{stemmed(phrase)}"')
    return " ".join(parts) or '""'


def _finds(word: str, roots: dict[str, bool]) -> bool:
    """Return whether a folded ``word`` of a text is found by ``roots`` (stem: as a prefix)."""
    own = stem(word)
    return any(own.startswith(r) if prefix else own == r for r, prefix in roots.items())


def _roots(typed: str) -> dict[str, bool]:
    """Return the stems :func:`fts_query` looks for, each with whether it is a prefix."""
    roots: dict[str, bool] = {}
    for word in WORD.findall(fold(typed)):
        root = stem(word)
        roots[root] = roots.get(root, False) or len(root) >= PREFIX_MIN or f"{word}*" in fold(typed)
        roots.setdefault(stem(root), False)
    return roots


def _hits(text: str, typed: str) -> list[re.Match[str]]:
    roots = _roots(typed)
    return [m for m in WORD.finditer(text) if _finds(fold(m.group()), roots)]


def _markup(text: str, hits: list[re.Match[str]], start: int, end: int) -> str:
    """Return ``text[start:end]`` as HTML, the ``hits`` in it in ``<mark>``."""
    out, at = [], start
    for m in (m for m in hits if start <= m.start() < end):
        out += [html.escape(text[at:m.start()]), f"<mark>{html.escape(m.group())}</mark>"]
        at = m.end()
    out.append(html.escape(text[at:end]))
    return "".join(out)


def marked(text: str | None, typed: str, whole: bool = False) -> str | None:
    """Return the HTML passage of ``text`` around its first word ``typed`` finds (all of it if
    ``whole``), the found words in ``<mark>``; None when the text holds none."""
    hits = _hits(text or "", typed)
    if not text or not hits:
        return None
    if whole:
        return _markup(text, hits, 0, len(text))
    words = list(WORD.finditer(text))
    first = next(i for i, m in enumerate(words) if m.start() == hits[0].start())
    start = words[max(first - SNIPPET_BEFORE, 0)].start()
    end = words[min(first + SNIPPET_AFTER, len(words) - 1)].end()
    return ("… " if start else "") + _markup(text, hits, start, end) + \
        (" …" if end < len(text) else "")
