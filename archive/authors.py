"""Authors of an article: the title prefix, the byline, the author row and the bio, reconciled.

The site names a person up to four ways on one page (site profile, "Body habits"): the title
prefix, surname first ("Streltsov Dmitry, ...", "Streltsov D.V. ..."); the byline line of the
body, given name first and often transliterated differently ("Dmitry Streltzov"); Joomla's
optional author row ("Автор NAME"); and the closing bio ("Dmitry Viktorovich Streltsov is ...").
Mentions are the same person when their surnames have the same transliteration key
(:func:`name_key`: Cyrillic romanised, spelling drift such as tz/ts, y/i, yo/e folded, vowels
dropped). A person's display name is "given name + surname" (patronymic dropped), each part taken
from the most formal source that spells it in full: author row, bio, title prefix, byline —
mentions in the script of the article's text first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

#: Sources of a mention, most formal first: the order in which a display name is assembled.
SOURCES = ("row", "bio", "title", "byline")
#: A name word: capitalised letters (Latin or Cyrillic, diacritics), hyphens and apostrophes.
WORD = r"[A-ZА-ЯЁ\u00c0-\u024f][\w'’-]*"
#: Initials: "D.", "D.V.", "Д.В." (a space may follow each full stop).
INITIALS = r"(?:[A-ZА-ЯЁ]\.\s?){1,3}"
_INITIALS_RE = re.compile(rf"^{INITIALS}$")
_WORD_RE = re.compile(rf"^{WORD}$")
#: A name given first: "Dmitry Streltzov", "Dmitry V. Streltzov", "Д.В. Стрельцов",
#: "Dmitry Viktorovich Streltsov".
GIVEN_FIRST = re.compile(rf"^(?:{WORD}|{INITIALS})(?:\s+(?:{WORD}|{INITIALS})){{0,2}}\s*{WORD}$")
#: Bio opening: a given-first name, then the verb or dash that starts the description.
BIO_OPENING = re.compile(
    rf"^((?:{WORD}|{INITIALS})(?:\s+(?:{WORD}|{INITIALS})){{0,2}}\s*{WORD})"
    r"(?:\s+(?:is|was|has|works|—|–|-)\s|,\s)")
#: Most words a byline line holds per person (given, middle, surname, and a spare).
MAX_NAME_WORDS = 4
_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r",
     "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"]))
#: Spelling drift of Russian names in Latin script, folded before vowels are dropped.
_DRIFT = (("shch", "sch"), ("tz", "ts"), ("kh", "h"), ("x", "ks"), ("yo", "e"), ("ye", "e"),
          ("j", "i"), ("w", "v"))


@dataclass
class Mention:
    """One spelling of a person's name on the page."""

    text: str
    source: str
    surname: str
    given: str | None
    """The given name in full, None when only initials are written."""
    initials: str


@dataclass
class Person:
    """A person of the page: the mentions reconciled into one."""

    mentions: list[Mention] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Transliteration key of the surname."""
        return name_key(self.mentions[0].surname)

    def display(self, cyrillic: bool = False) -> str:
        """Return "given surname", parts from the most formal source that has them; mentions
        in the article's script (Cyrillic for Russian text) first."""
        ranked = sorted(self.mentions, key=lambda m: (is_cyrillic(m.surname) != cyrillic,
                                                      SOURCES.index(m.source)))
        surname = ranked[0].surname
        given = next((m.given for m in ranked if m.given), None)
        if given is None:
            given = max((m.initials for m in ranked), key=len)
        return f"{given} {surname}".strip()

    def as_dict(self, cyrillic: bool = False) -> dict[str, object]:
        """Return ``{"name": ..., "spellings": [...]}`` (spellings sorted, each once)."""
        return {"name": self.display(cyrillic),
                "spellings": sorted({m.text for m in self.mentions})}


def is_cyrillic(word: str) -> bool:
    """Whether *word* is written in Cyrillic letters."""
    return any("\u0400" <= ch <= "\u04ff" for ch in word)


def name_key(word: str) -> str:
    """Return a key under which transliterations of one surname meet (Streltsov = Стрельцов)."""
    text = unicodedata.normalize("NFKD", word.lower())
    text = "".join(_CYRILLIC.get(ch, ch) for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^a-z]", "", text)
    for old, new in _DRIFT:
        text = text.replace(old, new)
    text = re.sub(r"(?<=[aeiouy])h$", "", text)  # Satoh = Sato
    return text[:1] + re.sub(r"[aeiouy]", "", text[1:])


def is_initials(token: str) -> bool:
    """Whether *token* is initials such as ``D.`` or ``Д.В.``."""
    return bool(_INITIALS_RE.match(token))


def _split_initials(text: str) -> list[str]:
    """Return the name's tokens, initials written with spaces ("D. V.") kept as one token."""
    return re.sub(r"(?<=\.)\s+(?=[A-ZА-ЯЁ]\.)", "", text).split()


def given_first(text: str, source: str) -> Mention | None:
    """Return the mention of a name written given name first, None if it is not name-shaped."""
    text = " ".join(text.split()).strip(" ,;")
    tokens = _split_initials(text)
    if not 2 <= len(tokens) <= MAX_NAME_WORDS or not GIVEN_FIRST.match(text):
        return None
    first = tokens[0]
    initials = "".join(f"{t[0]}." for t in tokens[:-1]) if not is_initials(first) else first
    given = None if is_initials(first) else first
    return Mention(text, source, tokens[-1], given, initials)


def surname_first(text: str, source: str = "title") -> Mention | None:
    """Return the mention of a name written surname first ("Streltsov D.V.", "Стрельцов
    Дмитрий"), None if it is not name-shaped."""
    text = " ".join(text.split()).strip(" ,;")
    tokens = _split_initials(text)
    if len(tokens) != 2 or not _WORD_RE.match(tokens[0]):
        return None
    second = tokens[1]
    if is_initials(second):
        return Mention(text, source, tokens[0], None, second)
    if _WORD_RE.match(second):
        return Mention(text, source, tokens[0], second, f"{second[0]}.")
    return None


def byline_mentions(line: str) -> list[Mention] | None:
    """Return the names of a byline line ("A B, C D"), None unless every part is a name."""
    parts = [p for p in re.split(r",\s*|\s+(?:and|и)\s+", line.strip()) if p.strip()]
    mentions = [given_first(p, "byline") for p in parts]
    if not mentions or any(m is None for m in mentions):
        return None
    return [m for m in mentions if m]


def bio_mention(paragraph: str) -> Mention | None:
    """Return the name a bio paragraph opens with, None when it opens with none."""
    match = BIO_OPENING.match(paragraph.strip())
    return given_first(match.group(1), "bio") if match else None


def reconcile(mentions: list[Mention]) -> list[Person]:
    """Return the persons of the page, in the order they are first named by the most
    authoritative list (byline, else title prefix, else row, else bio)."""
    people: list[Person] = []
    for source in ("byline", "title", "row", "bio"):
        for mention in (m for m in mentions if m.source == source):
            person = _match(people, mention)
            if person is not None:
                person.mentions.append(mention)
            elif not people or source in ("byline", "title"):
                people.append(Person([mention]))
    return people


def _match(people: list[Person], mention: Mention) -> Person | None:
    key = name_key(mention.surname)
    exact = [p for p in people if p.key == key]
    if exact:
        return exact[0]
    close = [p for p in people if near(p.key, key)]
    return close[0] if len(close) == 1 else None


def near(a: str, b: str) -> bool:
    """Whether two keys differ by at most one letter (added, dropped or changed)."""
    if abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 3:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) <= 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))
