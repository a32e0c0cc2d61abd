"""How often two authors of this corpus who agree on what both print of a name are two people.

A merge of two mentions that print a name in part assumes the part one of them leaves out
agrees: «Konstantin Yermakov» and «Konstantin Ivanovich Yermakov» are one person only if the
first one's patronymic is Ivanovich; «Y.I. Pestushko» and «Ekaterina Pestushko» only if Y. is
Ekaterina (Yekaterina), not Yury. Whether that is safe is a property of the corpus, not of the
name: on a site whose authors are a staff of a few dozen people two mentions of one surname and
given name are one person, while where many people share a few surnames and given names
(patronymics telling them apart) they are two more often than not. The corpus says which it is:
among the pairs of mentions that print the part on *both* sides and agree on the rest (same
surname and given name, both with a patronymic; same surname and initial, both with the given
name in full), the share whose part conflicts is the chance that a pair printing it on one side
only is two namesakes (:class:`Namesakes`). A prior of a few pairs at a low rate
(:data:`PRIOR_RATE`, :data:`PRIOR_PAIRS`) stands for the corpus where few pairs can be checked.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING

from ifes_archive.archive.corpus.person_names import initial_fits, same_word

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ifes_archive.archive.corpus.person_names import NameParts

#: The share of namesakes assumed before the corpus is looked at: among people who share a
#: surname and a given name, few differ by the patronymic (a staff of researchers, the real
#: site); the prior weighs as much as this many checked pairs, so a corpus with a few pairs
#: that all conflict overrides it and one with none keeps it.
PRIOR_RATE = 0.02
PRIOR_PAIRS = 5.0
#: The highest chance of a wrong merge a merge may take: issue 20's targets allow one wrong
#: pair in a hundred (precision 0.99) and five missed (recall 0.95), so a wrong merge costs
#: five missed ones and a merge pays only when it is right five times as often as wrong.
MAX_RISK = 1 / 6


@dataclass(frozen=True)
class Rate:
    """Pairs of mentions that print a part of the name on both sides, and how many conflict."""

    checked: int = 0
    conflicting: int = 0

    def chance(self) -> float:
        """Return the estimated share of namesakes (the prior's pairs counted in)."""
        return (self.conflicting + PRIOR_RATE * PRIOR_PAIRS) / (self.checked + PRIOR_PAIRS)

    def describe(self) -> str:
        """Return the counts as the evidence prints them."""
        return f"{self.conflicting} of {self.checked} pairs"


@dataclass(frozen=True)
class Namesakes:
    """What the corpus says of namesakes: per part of a name, the checked pairs."""

    patronymic: Rate = Rate()
    """Pairs of one surname and given name, both printing a patronymic (or its initial)."""
    given: Rate = Rate()
    """Pairs of one surname and given-name initial, both printing the given name in full."""
    east_asian: Rate = Rate()
    """The same of East Asian names (compared on their coarse keys): a site's Russian and its
    Japanese, Chinese or Korean authors are drawn from different crowds."""
    patronymic_names: frozenset[str] = frozenset()
    """Keys of the given names the corpus prints with a patronymic (their bearers have one)."""

    def risk(self, a: NameParts, b: NameParts) -> float:
        """Return the chance that two mentions that do not conflict are two people: the parts
        one of them does not print could differ."""
        right = 1.0
        if not (a.given and b.given):
            right *= 1 - self._given(a, b).chance()
        if not (a.patronymic and b.patronymic) and self.has_patronymic(a, b):
            right *= 1 - self.patronymic.chance()
        return 1 - right

    def _given(self, a: NameParts, b: NameParts) -> Rate:
        return self.east_asian if a.sounds or b.sounds else self.given

    def has_patronymic(self, a: NameParts, b: NameParts) -> bool:
        """Whether two mentions name people who bear a patronymic (one prints it, or their
        given name is one the corpus prints with a patronymic); an East Asian name has none
        (a second initial is its given name's second syllable: Y.-S. Kim)."""
        if a.sounds or b.sounds:
            return False
        return bool(a.patronymic or b.patronymic) or any(
            not keys.isdisjoint(self.patronymic_names) for keys in (*a.given, *b.given))

    def unprinted(self, a: NameParts, b: NameParts) -> str:
        """Return which parts of the name one of two mentions leaves out, and the counts."""
        parts = []
        if not (a.given and b.given):
            parts.append(f"given name ({self._given(a, b).describe()} of the corpus that share an "
                         "initial and print it differ)")
        if not (a.patronymic and b.patronymic) and self.has_patronymic(a, b):
            parts.append(f"patronymic ({self.patronymic.describe()} that share a given name "
                         "and print it differ)")
        return " and ".join(parts)


def namesakes(parts: Iterable[NameParts]) -> Namesakes:
    """Return what the corpus's mentions (their name parts, one per mention) say of
    namesakes."""
    counts = Counter(parts)
    found = Counter[tuple[str, bool]]()
    for (a, m), (b, n) in _pairs(counts):
        _check(a, b, m * n if a != b else m * (m - 1) // 2, found)
    names = frozenset(k for p in counts if p.patronymic and not p.sounds
                      for keys in p.given for k in keys)
    rates = {part: Rate(found[part, False] + found[part, True], found[part, True])
             for part in ("patronymic", "given", "east_asian")}
    return Namesakes(rates["patronymic"], rates["given"], rates["east_asian"], names)


def _pairs(counts: Counter[NameParts]) -> Iterable[tuple[tuple[NameParts, int],
                                                        tuple[NameParts, int]]]:
    """Yield each pair of distinct name parts of one surname once, and each with itself."""
    by_key: dict[str, list[int]] = {}
    items = list(counts.items())
    for index, (parts, _) in enumerate(items):
        for key in parts.surname_keys:
            by_key.setdefault(key, []).append(index)
    seen: set[tuple[int, int]] = set()
    for indices in by_key.values():
        for i, j in [*combinations(indices, 2), *((i, i) for i in indices)]:
            if (i, j) not in seen:
                seen.add((i, j))
                yield items[i], items[j]


def _check(a: NameParts, b: NameParts, weight: int, found: Counter[tuple[str, bool]]) -> None:
    """Count a pair (``weight`` mentions' pairs) under each part it prints on both sides:
    (part, whether the part conflicts)."""
    if not (a.given and b.given):
        return
    east_asian = bool(a.sounds and b.sounds)
    if bool(a.sounds) != bool(b.sounds) or (east_asian and not same_word(*_surnames(a, b))):
        return
    same_given = any(same_word(x, y) for x in _given(a) for y in _given(b))
    if any(initial_fits(frozenset(k[:1] for k in x), y) for x in a.given_initial
           for y in b.given_initial):
        found["east_asian" if east_asian else "given", not same_given] += weight
    if same_given and a.patronymic and b.patronymic and not east_asian:
        found["patronymic", not any(initial_fits(x, y) for x in a.patronymic
                                    for y in b.patronymic)] += weight


def _given(parts: NameParts) -> tuple[frozenset[str], ...]:
    """Return the keys of a name's given names (an East Asian one's coarse keys too)."""
    return parts.given + (parts.sounds[1] if parts.sounds else ())


def _surnames(a: NameParts, b: NameParts) -> tuple[frozenset[str], frozenset[str]]:
    assert a.sounds and b.sounds
    return a.sounds[0], b.sounds[0]
