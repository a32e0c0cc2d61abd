"""Persons: the authors of every article of the corpus resolved into people, across articles.

An article's ``authors[]`` reconciles the spellings of one page (archive/page/authors.py); a person
writes many articles, spelt differently from one to the next («Igor Zhuravlyov», «Igor
Zhuravlev», «Игорь Журавлёв»). Each author of each article is a *mention*; mentions whose
surnames are one name across scripts and romanisations (archive/corpus/person_names.py) are one
person when every other part of the name agrees: given names written in full are one name, an
initial begins the other's given name, patronymic initials (a patronymic written out, a second
initial) agree. A wrong merge is worse than a missed one: a mention is compared with every mention
of a person (not only one), the best-evidenced mentions (patronymic and full given name) are placed
first, and a mention that fits two persons (a bare «D. Kuznetsov» beside Dmitry and Denis
Kuznetsov) stays a person of its own, its evidence saying so. Gender forms of a surname
(Zaitsev, Zaitseva) are different names, hence different people. A merge that rests on a part
of the name one side leaves out (a patronymic, a given name cut to an initial) is made only where
the corpus shows such pairs to be one person (archive/corpus/namesakes.py).

Ids, and the curator's corrections, are kept in the archive folder (archive/corpus/person_store.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import msgspec

from ifes_archive.archive.corpus.namesakes import MAX_RISK, Namesakes, namesakes
from ifes_archive.archive.corpus.person_names import (
    NameParts,
    initial_fits,
    is_patronymic,
    name_parts,
    same_word,
    split_initials,
    word_keys,
)
from ifes_archive.archive.page.name_keys import is_cyrillic
from ifes_archive.archive.types import Person as Author

if TYPE_CHECKING:
    from collections.abc import Iterable


@dataclass(frozen=True)
class Mention:
    """One author of one article."""

    article_id: int
    position: int
    """Place of the author in the article's byline order (0-based)."""
    name: str
    spellings: tuple[str, ...]
    parts: NameParts

    @property
    def key(self) -> tuple[int, int]:
        """Return where the mention is: (article, place in its authors)."""
        return self.article_id, self.position

    @property
    def rank(self) -> int:
        """Return how much the mention says: patronymic and full given name first."""
        return 2 * bool(self.parts.given) + bool(self.parts.patronymic)


@dataclass
class Person:
    """Mentions resolved into one person, and why each was put with the others."""

    mentions: list[Mention] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    closed: bool = False
    """Fits more than one person: stays alone, nothing joins it."""
    person_id: str | None = None

    def articles(self) -> list[int]:
        """Return the articles the person writes, in id order."""
        return sorted({m.article_id for m in self.mentions})

    def spellings(self) -> dict[str, list[int]]:
        """Return every printed spelling and the articles it is printed in."""
        seen: dict[str, set[int]] = {}
        for mention in self.mentions:
            for spelling in mention.spellings:
                seen.setdefault(spelling, set()).add(mention.article_id)
        return {s: sorted(ids) for s, ids in sorted(seen.items())}

    def preferred(self, cyrillic: bool) -> str | None:
        """Return the name the person's articles print most in one script, given name and
        surname written out (a patronymic left out) where any prints them so, in the order
        the display names keep; ties: the first in order. None when no article prints the
        name in that script."""
        names: Counter[str] = Counter()
        for mention in self.mentions:
            names.update(set(_full_names(mention, cyrillic)))
        if not names:
            names.update(m.name for m in self.mentions if is_cyrillic(m.name) == cyrillic)
        return min(names, key=lambda n: (-names[n], n)) if names else None


def _full_names(mention: Mention, cyrillic: bool) -> list[str]:
    """Return the mention's spellings in one script that write the given name out, as «given
    surname» (or «surname given» when the display name puts the surname first)."""
    first = mention.name.split()[0] == mention.parts.surname
    found = []
    for spelling in mention.spellings:
        words = spelling.replace(",", " ").split()
        if is_cyrillic(spelling) != cyrillic or any(split_initials(w) for w in words):
            continue
        surname = [w for w in words if same_word(word_keys(w), mention.parts.surname_keys)]
        given = [w for w in words if w not in surname and not is_patronymic(w)]
        if len(surname) == 1 and given:
            found.append(" ".join([*surname, *given] if first else [*given, *surname]))
    return found


class Authored(msgspec.Struct, frozen=True):
    """An article as the persons are resolved from it: its id and its authors (a corpus line
    decodes straight into it, the rest of the record passed over)."""

    article_id: int
    authors: list[Author] | None = None


def mentions_of(records: Iterable[Authored]) -> list[Mention]:
    """Return every author of every record, in article order."""
    found = []
    for record in records:
        for position, author in enumerate(record.authors or []):
            if author.name:
                found.append(Mention(record.article_id, position, " ".join(author.name.split()),
                                     tuple(author.spellings or [author.name]),
                                     name_parts(author)))
    return sorted(found, key=lambda m: m.key)


@lru_cache(maxsize=2**18)
def conflict(a: NameParts, b: NameParts) -> str | None:
    """Return why two mentions cannot be one person, or None when nothing says so (East
    Asian names: on either their keys or their coarse ones)."""
    found = _conflict(a, b)
    if found and a.sounds and b.sounds:
        return _east_asian_conflict(a, b) and found
    return found


def _conflict(a: NameParts, b: NameParts) -> str | None:
    if not same_word(a.surname_keys, b.surname_keys):
        return f"surnames differ ({a.surname}, {b.surname})"
    if a.given and b.given:
        if not any(same_word(x, y) for x in a.given for y in b.given):
            return "given names differ"
    elif a.given_initial and b.given_initial and not any(
            initial_fits(x, y) for x in a.given_initial for y in b.given_initial):
        return "initials differ"
    if a.patronymic and b.patronymic and not any(
            initial_fits(x, y) for x in a.patronymic for y in b.patronymic):
        return "patronymics differ"
    return None


def _east_asian_conflict(a: NameParts, b: NameParts) -> str | None:
    """Return why two East Asian mentions cannot be one person (their names compared on the
    coarse keys of the schemes for Japanese, Chinese and Korean)."""
    assert a.sounds and b.sounds
    if not same_word(a.sounds[0], b.sounds[0]):
        if _swapped(a.sounds, b.sounds):
            return None
        return f"surnames differ ({a.surname}, {b.surname})"
    if a.sounds[1] and b.sounds[1]:
        if not any(same_word(x, y) for x in a.sounds[1] for y in b.sounds[1]):
            return "given names differ"
    elif a.given_initial and b.given_initial and not any(
            initial_fits(x, y) for x in a.given_initial + a.sounds[1]
            for y in b.given_initial + b.sounds[1]):
        return "initials differ"
    return None


def _swapped(a: tuple[frozenset[str], tuple[frozenset[str], ...]],
             b: tuple[frozenset[str], tuple[frozenset[str], ...]]) -> bool:
    """Whether two East Asian names of two words are one in the other order (a Japanese name
    printed once given name first, once surname first)."""
    return len(a[1]) == len(b[1]) == 1 and same_word(a[0], b[1][0]) and same_word(a[1][0], b[0])


def resolve(mentions: list[Mention], known: Namesakes | None = None) -> list[Person]:
    """Return the persons the mentions make (every mention in exactly one); ``known``: what
    the corpus says of namesakes (by default, what these mentions say)."""
    known = known or namesakes(m.parts for m in mentions)
    people: list[Person] = []
    by_surname: dict[str, list[Person]] = {}
    # each person's distinct spellings, and the first mention of each: compared once
    profiles: dict[int, dict[NameParts, Mention]] = {}
    for mention in sorted(mentions, key=_order):
        fits = _fitting(by_surname, profiles, mention)
        if len(fits) == 1 and _risk(known, profiles[id(fits[0])], mention) <= MAX_RISK:
            fits[0].evidence.append(_why(profiles[id(fits[0])], mention))
            fits[0].mentions.append(mention)
            profiles[id(fits[0])].setdefault(mention.parts, mention)
            continue
        person = Person([mention], closed=len(fits) > 1)
        profiles[id(person)] = {mention.parts: mention}
        if fits:
            person.evidence.append(_ambiguous(mention, fits) if len(fits) > 1 else
                                   _namesake(known, profiles[id(fits[0])], fits[0], mention))
        people.append(person)
        for key in _surname_index(mention.parts):
            by_surname.setdefault(key, []).append(person)
    for person in people:
        person.mentions.sort(key=lambda m: m.key)
    return sorted(people, key=lambda p: p.mentions[0].key)


def _order(mention: Mention) -> tuple[int, str, tuple[str, ...], tuple[int, int]]:
    """Return where a mention is placed: the best-evidenced first (patronymic and full given
    name), then by what it prints, so that which article holds a name changes nothing."""
    return -mention.rank, mention.name, mention.spellings, mention.key


def _fitting(by_surname: dict[str, list[Person]], profiles: dict[int, dict[NameParts, Mention]],
             mention: Mention) -> list[Person]:
    """Return the open persons nothing of whom conflicts with a mention; a mention of initials
    alone that fits two persons' given names fits both, whatever its patronymic says (T.P.
    beside Tatiana O. and Tamara)."""
    candidates = [p for p in _candidates(by_surname, mention) if not p.closed]
    fits = [p for p in candidates if _fits(profiles[id(p)], mention.parts)]
    if not mention.parts.given:
        bare = replace(mention.parts, patronymic=())
        loose = [p for p in candidates if _fits(profiles[id(p)], bare)]
        fits = fits if len(loose) <= 1 else loose
    return fits


def _summary(profiles: dict[NameParts, Mention]) -> NameParts:
    """Return a person's name parts as all its spellings print them together."""
    first = next(iter(profiles))
    return replace(first, given=tuple({k for p in profiles for k in p.given}),
                   patronymic=tuple({k for p in profiles for k in p.patronymic}))


def _risk(known: Namesakes, profiles: dict[NameParts, Mention], mention: Mention) -> float:
    """Return the chance that a mention fitting a person is a namesake of theirs."""
    return known.risk(_summary(profiles), mention.parts)


def _candidates(by_surname: dict[str, list[Person]], mention: Mention) -> list[Person]:
    seen: dict[int, Person] = {}
    for key in sorted(_surname_index(mention.parts)):
        for person in by_surname.get(key, []):
            seen.setdefault(id(person), person)
    return list(seen.values())


def _surname_index(parts: NameParts) -> frozenset[str]:
    """Return the keys a mention is found under: its surname's, and an East Asian surname's
    coarse ones (marked apart)."""
    sounds = frozenset(f"~{k}" for k in parts.sounds[0]) if parts.sounds else frozenset()
    return parts.surname_keys | sounds


def _fits(profiles: dict[NameParts, Mention], parts: NameParts) -> bool:
    """Whether nothing of any spelling of a person conflicts with a mention's."""
    return all(conflict(known, parts) is None for known in profiles)


def _why(profiles: dict[NameParts, Mention], mention: Mention) -> dict[str, Any]:
    """Return the evidence for putting a mention with a person: the mention of it that
    agrees most closely (the first of its spelling), and how."""
    best = min(profiles.values(),
               key=lambda m: (-_agreement(m.parts, mention.parts)[0], m.key))
    rule, detail = _agreement(best.parts, mention.parts)[1:]
    return {"article_id": mention.article_id, "name": mention.name, "rule": rule,
            "with_article_id": best.article_id, "with_name": best.name, "detail": detail}


def _agreement(a: NameParts, b: NameParts) -> tuple[int, str, str]:
    """Return (strength, rule, detail) of the agreement of two mentions that do not conflict."""
    same_surname = a.surname == b.surname
    how = "same surname" if same_surname else \
        f"surname {a.surname} = {b.surname} by transliteration"
    if a.given and b.given:
        rule = "same name" if same_surname and a.given == b.given else "transliteration"
        strength = 3 + bool(a.patronymic and b.patronymic)
        return strength, rule, f"{how}; given names agree" + _patronymic(a, b)
    if a.given_initial and b.given_initial:
        return 1, "initials", f"{how}; initials fit the given name" + _patronymic(a, b)
    return 0, "surname", f"{how}; nothing else is known"


def _patronymic(a: NameParts, b: NameParts) -> str:
    return "; patronymic initials agree" if a.patronymic and b.patronymic else ""


def _namesake(known: Namesakes, profiles: dict[NameParts, Mention], person: Person,
              mention: Mention) -> dict[str, Any]:
    name = person.preferred(False) or person.preferred(True) or ""
    return {"article_id": mention.article_id, "name": mention.name, "rule": "namesakes",
            "with_article_id": None, "with_name": None,
            "detail": f"fits {name}, but one of them leaves out the "
                      f"{known.unprinted(_summary(profiles), mention.parts)}: kept apart"}


def _ambiguous(mention: Mention, fits: list[Person]) -> dict[str, Any]:
    names = sorted({p.preferred(False) or p.preferred(True) or "" for p in fits})
    return {"article_id": mention.article_id, "name": mention.name, "rule": "ambiguous",
            "with_article_id": None, "with_name": None,
            "detail": f"fits {len(fits)} persons ({'; '.join(names)}): kept apart"}
