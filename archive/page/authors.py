"""Authors of an article: the title prefix, the byline, the author row and the bio, reconciled.

The site names a person up to four ways on one page (docs/site-profile.md, "Body habits"): the title
prefix, surname first ("Streltsov Dmitry, ...", "Streltsov D.V. ..."); the byline line of the
body, given name first and often transliterated differently ("Dmitry Streltzov"); Joomla's
optional author row ("Автор NAME"); and the closing bio ("Dmitry Viktorovich Streltsov is ...").
A name may be written given name first or surname first anywhere but in the title prefix
(bylines «Grishin P.S.», bios «Жуков Андрей Петрович — ...»): :func:`name_mention` tells the
order from the other mentions of the page, initials, a patronymic, and known given names.
Mentions are the same person when their surnames have the same transliteration key
(:func:`archive.page.name_keys.name_key`: Cyrillic romanised, spelling drift such as tz/ts, y/i,
yo/e folded, vowels dropped). A person's display name is "given name + surname" (patronymic
dropped): the surname as the highest of title prefix, byline, author row, bio spells it; the given
name from the highest of them that writes it in full, else that one's initials — mentions in the
script of the article's text first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ifes_archive.archive import types
from ifes_archive.archive.page.given_names import (
    ends_like_japanese_given,
    is_east_asian_given,
    is_east_asian_surname,
    is_given_name,
    japanese_given_first,
)
from ifes_archive.archive.page.name_keys import (
    PATRONYMIC,
    is_cyrillic,
    is_romaji,
    looks_like_surname,
    name_key,
    near,
)

#: Sources of a mention, highest first: the order in which a display name is assembled (the
#: title prefix is the site's own listing of its authors; the byline is the author's own line).
SOURCES = ("title", "byline", "row", "bio")
#: A name word: capitalised letters (Latin or Cyrillic, diacritics), hyphens and apostrophes.
WORD = r"[A-ZА-ЯЁ\u00c0-\u024f][\w'’-]*"
#: Initials: "D.", "D.V.", "Д.В.", "Yu.D." (Russian Ю, Ж, Ш... in Latin letters take two),
#: "Y.-S." (a Korean given name of two syllables joined by a hyphen, Young-soo); a space may
#: follow each full stop.
INITIALS = r"(?:[A-ZА-ЯЁ][a-z]?\.-?\s?){1,3}"
_INITIALS_RE = re.compile(rf"^{INITIALS}$")
_WORD_RE = re.compile(rf"^{WORD}$")
#: Bio opening: a name (either order), then the verb or dash that starts the description.
BIO_OPENING = re.compile(
    rf"^((?:{WORD}|{INITIALS})(?:\s*(?:{WORD}|{INITIALS})){{1,3}})"
    r"(?:\s+(?:is|was|has|works|—|–|-)\s|,\s)")
#: Between the names of a byline: commas, semicolons, and/и/&.
NAME_SEPARATOR = re.compile(r"\s*[,;]\s*|\s+(?:and|и|&)\s+")
#: Words a capitalised title or subtitle is made of that no name is.
TITLE_WORDS = frozenset({"a", "an", "the", "of", "and", "in", "on", "for", "to", "at", "with",
                         "from", "by", "as", "or", "its", "new", "old", "between", "towards",
                         "и", "в", "на", "о", "об", "с", "по", "для", "от", "к"})
#: Most words a byline line holds per person (given, middle, surname, and a spare).
MAX_NAME_WORDS = 4
#: A Latin J before a vowel: ж (Jukov, the French scheme's Joukov) or й (Jakovleva, Jurjev).
_J_VOWEL = re.compile(r"^[Jj](?=[aeiouy])")


@dataclass
class Mention:
    """One spelling of a person's name on the page."""

    text: str
    source: str
    surname: str
    given: str | None
    """The given name in full, None when only initials are written."""
    initials: str
    surname_first: bool = False
    """Written surname first ("Sun Hongbo", "Streltsov D.V."), as every title prefix is."""


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
        in the article's script (Cyrillic for Russian text) first. A Chinese or Korean name
        keeps the order the mention giving its given name prints ("Sun Hongbo", "Ли Сан Мин";
        "Jin-ho Park" as a byline writes it)."""
        ranked = sorted(self.mentions, key=lambda m: (is_cyrillic(m.surname) != cyrillic,
                                                      SOURCES.index(m.source)))
        surname = ranked[0].surname
        full = next((m for m in ranked if m.given), None)
        if full is None:
            given = next((m.initials for m in ranked if m.initials), "")
            return f"{given} {surname}".strip()
        if full.surname_first and is_east_asian_surname(full.surname):
            return f"{surname} {full.given}"
        return f"{full.given} {surname}"

    def person(self, cyrillic: bool = False) -> types.Person:
        """Return the record's author: the display name and the spellings (sorted, each
        once)."""
        return types.Person(self.display(cyrillic), sorted({m.text for m in self.mentions}))



def is_initials(token: str) -> bool:
    """Whether *token* is initials such as ``D.`` or ``Д.В.``."""
    return bool(_INITIALS_RE.match(token))


def _split_initials(text: str) -> list[str]:
    """Return the name's tokens, initials written with spaces ("D. V.") kept as one token (as
    written)."""
    tokens: list[str] = []
    for token in text.split():
        if tokens and is_initials(token) and is_initials(tokens[-1]):
            tokens[-1] += " " + token
        else:
            tokens.append(token)
    return tokens


def _tokens(text: str) -> list[str] | None:
    """Return a name's tokens, None unless each is initials or a capitalised word of two
    letters or more that is no function word of a title ("A", "The", "Of" ...)."""
    tokens = _split_initials(" ".join(text.split()).strip(" ,;"))
    if not 2 <= len(tokens) <= MAX_NAME_WORDS:
        return None
    if not all(is_initials(t) or (_WORD_RE.match(t) and len(t) > 1
                                  and t.casefold() not in TITLE_WORDS) for t in tokens):
        return None
    return tokens


def _initials_of(words: list[str]) -> str:
    return "".join(f"{w[0]}." for w in words if not is_initials(w)) or ""


def _given_first(tokens: list[str], text: str, source: str) -> Mention:
    first = tokens[0]
    given = None if is_initials(first) else first
    if is_east_asian_surname(tokens[-1]) and is_east_asian_given(tokens[:-1]):
        given = " ".join(tokens[:-1])  # Ён Су Ким: two syllables, not a middle name
    initials = first if is_initials(first) else _initials_of(tokens[:-1])
    return Mention(text, source, tokens[-1], given, initials)


def _surname_first(tokens: list[str], text: str, source: str) -> Mention:
    rest = tokens[1:]
    given = None if is_initials(rest[0]) else rest[0]
    if is_east_asian_surname(tokens[0]) and is_east_asian_given(rest):
        given = " ".join(rest)  # Ли Сан Мин: two syllables, not a patronymic
    initials = "".join(rest) if all(is_initials(t) for t in rest) else _initials_of(rest)
    return Mention(text, source, tokens[0], given, initials, surname_first=True)


def _east_asian_order(tokens: list[str]) -> bool | None:
    """Whether a Chinese or Korean name is written surname first (True) or last (False); None
    when the words are not such a name."""
    if is_east_asian_surname(tokens[0]) and is_east_asian_given(tokens[1:]):
        return True
    if is_east_asian_surname(tokens[-1]) and is_east_asian_given(tokens[:-1]):
        return False
    return None


def given_first(text: str, source: str) -> Mention | None:
    """Return the mention of a name written given name first, None if it is not name-shaped."""
    tokens = _tokens(text)
    if tokens is None or is_initials(tokens[-1]):
        return None
    return _given_first(tokens, " ".join(text.split()).strip(" ,;"), source)


def surname_first(text: str, source: str = "title") -> Mention | None:
    """Return the mention of a name as a title prefix writes it, None if it is not
    name-shaped: surname first ("Streltsov D.V.", "Стрельцов Дмитрий", "Ким Ён Су" — three
    words only for a Chinese or Korean name), or initials first ("A.M. Zaitsev")."""
    tokens = _tokens(text)
    if tokens is None or len(tokens) > 3:
        return None
    clean = " ".join(text.split()).strip(" ,;")
    if is_initials(tokens[0]):
        return _given_first(tokens, clean, source) if len(tokens) == 2 and not is_initials(
            tokens[1]) else None
    if len(tokens) == 3 and _east_asian_order(tokens) is not True:
        return None
    return _surname_first(tokens, clean, source)


def name_mention(text: str, source: str, expected: frozenset[str] = frozenset()
                 ) -> Mention | None:
    """Return the mention of a name written in either order, None if it is not name-shaped.

    Initials say the order ("Grishin P.S.", "P.S. Grishin"); else a word whose key is one of
    *expected* (surname keys named elsewhere on the page) is the surname, unless both words'
    keys are (Bae and Bo share one); else a Chinese or
    Korean surname before or after syllables of a given name ("Sun Hongbo", "Ён Су Ким");
    else a patronymic follows the given name; else a known given name, or for two Japanese
    words the endings each kind of name takes; else the given name comes first.
    """
    tokens = _tokens(text)
    if tokens is None:
        return None
    clean = " ".join(text.split()).strip(" ,;")
    first, last = tokens[0], tokens[-1]
    if is_initials(last) or is_initials(first):
        surname_first_ = is_initials(last) and not is_initials(first)
    elif (name_key(first) in expected) != (name_key(last) in expected):
        surname_first_ = name_key(first) in expected  # both keys named ("Bae Bo"): no evidence
    elif _east_asian_order(tokens) is not None:
        surname_first_ = bool(_east_asian_order(tokens))
    elif len(tokens) == 3 and (PATRONYMIC.search(last) or PATRONYMIC.search(tokens[1])):
        surname_first_ = bool(PATRONYMIC.search(last))
    elif len(tokens) == 2 and is_romaji(first) and is_romaji(last):
        surname_first_ = japanese_given_first(first, last) is False
    else:
        surname_first_ = is_given_name(tokens[1]) and not is_given_name(first)
    return _surname_first(tokens, clean, source) if surname_first_ else \
        _given_first(tokens, clean, source)


def has_evidence(mention: Mention, expected: frozenset[str] = frozenset()) -> bool:
    """Whether a name-shaped mention is a name: its surname is named elsewhere on the page
    (*expected*), it is written with initials, its given name is a known one, both its words
    are Japanese syllables (the given name ending as given names do), or it is a Chinese or
    Korean surname and given name."""
    key = name_key(mention.surname)
    if key in expected or any(near(key, k) for k in expected):
        return True
    if mention.given is None:
        return looks_like_surname(mention.surname)
    if is_given_name(mention.given) or _japanese(mention.given, mention.surname):
        return True
    return is_east_asian_surname(mention.surname) and is_east_asian_given(mention.given.split())


def _japanese(given: str, surname: str) -> bool:
    """Whether a given name and surname not known are both Japanese syllables in Latin letters,
    the given name ending as given names do (Akihiro Iwashita; «Toyota Foundation» is syllables
    too). Russian words are syllables as often as not when read back from Polivanov's spelling
    («Экономика Японии»): in Cyrillic only a known given name is evidence, and a name is in one
    script (in «Китай Kamikaze» the Russian word is no Japanese surname)."""
    return not is_cyrillic(given) and not is_cyrillic(surname) and is_romaji(given) and \
        is_romaji(surname) and ends_like_japanese_given(given)


def byline_mentions(line: str, expected: frozenset[str] = frozenset(),
                    source: str = "byline") -> list[Mention] | None:
    """Return the names of a byline line ("A B, C D", "Grishin P.S. и Zhukov A.P.", names with
    only spaces between), None unless all of it is names (*source*: where the line is)."""
    mentions: list[Mention] = []
    for part in (p for p in NAME_SEPARATOR.split(line.strip()) if p.strip()):
        names = _segment(part, expected, source)
        if names is None:
            return None
        mentions += names
    return mentions or None


def _segment(part: str, expected: frozenset[str], source: str) -> list[Mention] | None:
    """Return the names in one part of a byline: one name, or several with only spaces between
    when each of them is evidenced (a name of the page, initials, known given names)."""
    tokens = _split_initials(" ".join(part.split()))
    whole = name_mention(part, source, expected)
    if len(tokens) < 4:
        return [whole] if whole else None
    best = _split_names(tokens, expected, source)
    if best is not None and (whole is None or not has_evidence(whole, expected)):
        return best
    return [whole] if whole else best


def _split_names(tokens: list[str], expected: frozenset[str], source: str
                 ) -> list[Mention] | None:
    """Return *tokens* cut into evidenced names of two or three tokens, None if they are not."""
    if not tokens:
        return []
    for size in (2, 3):
        if len(tokens) < size:
            break
        mention = name_mention(" ".join(tokens[:size]), source, expected)
        if mention is not None and has_evidence(mention, expected):
            rest = _split_names(tokens[size:], expected, source)
            if rest is not None:
                return [mention, *rest]
    return None


def bio_mention(paragraph: str, expected: frozenset[str] = frozenset()) -> Mention | None:
    """Return the name a bio paragraph opens with, None when it opens with none."""
    match = BIO_OPENING.match(paragraph.strip())
    return name_mention(match.group(1), "bio", expected) if match else None


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
    """Return the person *mention* names: one whose surname has its key (of several, the one
    whose given name starts alike), else the one whose key is near. A list names each person
    once, so a person already named by the mention's source is someone else (Lee Sang-min
    and Li Jun share a key)."""
    key = name_key(mention.surname)
    others = [p for p in people if all(m.source != mention.source for m in p.mentions)]
    exact = [p for p in others if p.key == key or _one_surname(p, mention)]
    if exact:
        return next((p for p in exact if _given_agrees(p, mention)), exact[0])
    close = [p for p in others if near(p.key, key)]
    return close[0] if len(close) == 1 else None


def _one_surname(person: Person, mention: Mention) -> bool:
    """Whether a person's surname and a mention's are one name once a Latin J before a vowel
    is read as й as well (Jakovleva = Yakovleva): the key reads it as ж (Jukov = Zhukov)."""
    return not _keys(person.mentions[0].surname).isdisjoint(_keys(mention.surname))


def _keys(surname: str) -> set[str]:
    """Return a surname's key, and its key with an initial J read as й."""
    return {name_key(surname)} | ({name_key(surname[1:])} if _J_VOWEL.match(surname) else set())


def _given_agrees(person: Person, mention: Mention) -> bool:
    """Whether the given names (or initials) of *person* and *mention* start alike."""
    start = name_key((mention.given or mention.initials or "")[:1])
    return bool(start) and any(name_key((m.given or m.initials or "")[:1]) == start
                               for m in person.mentions)


