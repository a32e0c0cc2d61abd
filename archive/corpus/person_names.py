"""Name keys across scripts and romanisations, and what one author of an article says of a name.

Cyrillic is romanised by every scheme of :data:`SCHEMES` (``iuliia``: GOST 7.79, BGN/PCGN,
ALA-LC, the passport schemes, ICAO, Wikipedia, Yandex...), so the variants come from the
schemes, not from a hand table. Each romanisation, and each Latin spelling printed, is then
folded (:func:`latin_keys`): case, diacritics and soft signs dropped, the few letter groups the
schemes write differently for one Cyrillic letter (щ: shch/sch/shh, ц: ts/tz/tc/c, х: kh/h/x,
ё: yo/io/e, ю: yu/iu/ju, the -iy/-y/-ii endings) written once. A Latin ``j`` is either й
(Jakovlev) or ж (Jukov), a ``ch`` ч or the French scheme's ш, an ``x`` ks or х: such a letter
gives a key for each reading. Two spellings are of one name when their key sets meet. English
«Alexander» is the one form the schemes do not make (Aleksandr).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ifes_archive.archive.types import Person

from ifes_archive.archive.page.given_names import (
    hepburn,
    is_east_asian_surname,
    japanese_given_first,
)
from ifes_archive.archive.page.name_keys import PATRONYMIC, is_cyrillic, is_romaji

#: The iuliia schemes a Russian name is romanised by in print: the passport and visa schemes
#: (MVD 310, 782, ICAO 9303, its French variant), library and geographic ones (ALA-LC, BGN/PCGN,
#: BS 2979, GOST 7.79 B, 52290, 52535, UNGEGN), Wikipedia's, Yandex's and the Moscow Metro's.
#: The ISO 9 and GOST A forms (diacritics: Ŝerbakova) fold to the same letters without them.
#: Not Telegram's chat scheme: ч, ш and щ all lose their h there (Scerbakova).
SCHEMES = ("ala_lc_alt", "bgn_pcgn", "bs_2979_alt", "gost_16876_alt", "gost_52290",
           "gost_52535", "gost_779", "gost_779_alt", "icao_doc_9303", "iso_9_1954",
           "mosmetro", "mvd_310", "mvd_310_fr", "mvd_782", "scientific", "ungegn_1987",
           "wikipedia", "yandex_maps", "yandex_money")
#: Letter groups the schemes write differently for one Cyrillic letter, longest first; each
#: becomes one placeholder letter (upper case: never a letter of a folded word). GOST 7.79 B
#: writes ц cz before a vowel; the French scheme ou for у, gu for a hard г (Sergueï).
_GROUPS = (("shch", "S"), ("chtch", "S"), ("shh", "S"), ("sch", "S"), ("tch", "C"),
           ("ch", "C"), ("zh", "Z"), ("kh", "H"), ("ts", "Q"), ("tz", "Q"), ("tc", "Q"),
           ("cz", "Q"), ("c", "Q"), ("sh", "W"), ("ou", "u"), ("w", "v"), ("gue", "ge"),
           ("gui", "gi"))
#: Latin letters with two readings (j: й or ж; ch: ч, or ш in the French scheme; x: ks or х;
#: h: х, or nothing after a vowel of a Japanese name, Satoh).
_AMBIGUOUS = {"j": ("i", "Z"), "C": ("C", "W"), "x": ("ks", "H")}
#: Iotated vowels and their folds, applied in order once the groups are placeholders: y and i
#: are one letter; ё (yo, io, jo, yё) and е after a vowel or soft sign (ye, ie) are e; ю
#: (yu, iu, ju) is u; a double i (-ii, -iy) is one.
_VOWELS = (("y", "i"), ("io", "e"), ("ie", "e"), ("iu", "u"), ("ii", "i"))
#: Most keys a word may have (three ambiguous letters).
MAX_KEYS = 8
_PUNCT = re.compile(r"[^a-zA-Z]")
#: A long vowel's h in a Japanese name (Ohgawa, Satoh), which romaji rules do not expect.
_LONG = re.compile(r"(?<=[aeiou])h(?![aeiouy])", re.IGNORECASE)
#: Letters of the scholarly schemes (ISO 9, GOST 7.79 A) that stand for two Latin letters of
#: the others: written out before the diacritics go (Žukov = Zhukov, Ŝerbakova = Shcherbakova).
#: ё is kept as it is by some schemes (Žuravlёv): a Latin spelling may hold it.
_HACEK = {"ž": "zh", "š": "sh", "č": "ch", "ŝ": "shch", "û": "yu", "â": "ya", "ĉ": "ch",
          "ё": "e"}
_INITIAL = re.compile(r"^([^\W\d_][a-z]?)\.?-?$")


def _plain(word: str) -> str:
    """Return *word* lower-cased, without diacritics, soft signs, apostrophes or hyphens."""
    text = "".join(_HACEK.get(ch, ch) for ch in unicodedata.normalize("NFC", word.lower()))
    text = unicodedata.normalize("NFKD", re.sub(r"xander$", "ksandr", text))
    return _PUNCT.sub("", "".join(ch for ch in text if not unicodedata.combining(ch)))


def _readings(text: str) -> list[str]:
    """Return every reading of a grouped word: each ambiguous letter read each way."""
    choices = [_AMBIGUOUS.get(ch, (ch,)) for ch in text]
    return ["".join(r) for r in itertools.islice(itertools.product(*choices), MAX_KEYS)]


def _fold(text: str) -> str:
    for old, new in _VOWELS:
        text = text.replace(old, new)
    return re.sub(r"(.)\1", r"\1", text)  # doubled letters: Ogawa/Oggawa, Vasilii/Vasili


@lru_cache(maxsize=65536)
def latin_keys(word: str) -> frozenset[str]:
    """Return the keys of a Latin spelling (one per reading of its ambiguous letters)."""
    text = _plain(word)
    for old, new in _GROUPS:
        text = text.replace(old, new)
    # an h left is х (GOST's Hohlov), or a long vowel's mark closing a Japanese name (Satoh);
    # the French scheme writes -ин, -ын as -ine, -yne (Ioudine)
    text = re.sub(r"(?<=[aeiou])h$", "", text).replace("h", "H")
    text = re.sub(r"(?<=[iy])ne$", "n", text)
    return frozenset(_fold(reading) for reading in _readings(text))


@lru_cache(maxsize=65536)
def romanisations(word: str) -> frozenset[str]:
    """Return *word* (Cyrillic) as every scheme of :data:`SCHEMES` writes it."""
    import iuliia

    return frozenset(_romanised(iuliia.schemas.get(name), word) for name in SCHEMES)


def _romanised(scheme: Any, word: str) -> str:
    """Return *word* as a scheme writes it; a scheme that keeps ё (BGN/PCGN's «Zhuravlёv»,
    for ё is optional in Russian print) reads it as е."""
    latin = str(scheme.translate(word))
    return latin if not is_cyrillic(latin) else str(scheme.translate(
        word.replace("ё", "е").replace("Ё", "Е")))


@lru_cache(maxsize=65536)
def word_keys(word: str) -> frozenset[str]:
    """Return the keys of a name word in either script (Cyrillic: of every romanisation)."""
    word = unicodedata.normalize("NFC", word)
    if not is_cyrillic(word.replace("ё", "").replace("Ё", "")):
        return latin_keys(word)
    return frozenset().union(*(latin_keys(latin) for latin in romanisations(word)))


@lru_cache(maxsize=65536)
def initial_forms(word: str) -> frozenset[str]:
    """Return what an initial (or a name, whose initial is any of its beginnings) is compared
    on: its keys, and its letters as each scheme writes them before folding (Юрьевич: «I.»
    in ALA-LC's Iur'evich, «Yu.» in BGN/PCGN's Yur'yevich)."""
    word = unicodedata.normalize("NFC", word)
    latin = romanisations(word) if is_cyrillic(word.replace("ё", "")) else (word,)
    plain = {_plain(w) for w in latin}
    # an iotated first vowel (Ю, Я, Е, Ё) is y, i or j by scheme (Yur'yevich, Iur'evich),
    # and Е is e or ye (Elena, Yelena)
    plain |= {f"{y}{p[1:]}" for p in plain if re.match(r"^[yij][aeiou]", p) for y in "yij"}
    plain |= {f"{y}{p}" for p in plain if p.startswith("e") for y in "yij"}
    plain |= {p[1:] for p in plain if re.match(r"^[yij]e", p)}
    return word_keys(word) | frozenset(plain)


def same_word(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two key sets are of one name."""
    return not a.isdisjoint(b)


def initial_fits(initial: frozenset[str], name: frozenset[str]) -> bool:
    """Whether an initial's keys begin one of a name's (or another initial's) keys."""
    return any(n.startswith(i) or i.startswith(n) for i in initial for n in name)


#: Japanese, Chinese and Korean names are romanised by schemes iuliia does not hold (Hepburn,
#: Pinyin, Revised Romanisation) and put in Cyrillic by others (Polivanov, Palladius,
#: Kontsevich): си = shi, ти = chi, дзи = ji, цз = j, ся = xia, ун = ong, ё = yo(ung). Their
#: spellings meet on a coarser key, :func:`sound_keys`: the sibilants and affricates one letter,
#: voiced and voiceless stops one, o and u one, a long vowel's h and -ng's g dropped.
_SOUNDS = (("shch", "s"), ("dzh", "s"), ("tsz", "s"), ("ee", "i"), ("ye", "e"), ("eu", "y"),
           ("zh", "s"), ("ch", "s"),
           ("sh", "s"), ("ts", "s"), ("tz", "s"), ("dz", "s"), ("kh", "h"), ("ng", "n"),
           ("x", "s"), ("c", "s"), ("z", "s"), ("j", "s"), ("q", "s"), ("g", "k"), ("d", "t"),
           ("b", "p"), ("w", "v"), ("f", "v"), ("r", "l"), ("y", "i"), ("o", "u"), ("ii", "i"),
           ("iu", "u"), ("ti", "si"))
#: The schemes that put an East Asian name in Cyrillic back into Latin for :func:`sound_keys`
#: (those writing х as x, or ц as c, would make keys no printed Latin spelling has).
SOUND_SCHEMES = ("wikipedia", "bgn_pcgn", "mosmetro", "icao_doc_9303", "ala_lc_alt")


def _sound(latin: str) -> str:
    text = _plain(latin)
    text = re.sub(r"(?<=[aeiou])h(?=[^aeiouy]|$)", "", text)  # Ohgawa, Satoh: a long vowel
    text = re.sub(r"(?<=[aeiou])r(?=[^aeiouy]|$)", "", text)  # Park = Пак
    for old, new in _SOUNDS:
        text = text.replace(old, new)
    return re.sub(r"(.)\1+", r"\1", text)


@lru_cache(maxsize=65536)
def sound_keys(word: str) -> frozenset[str]:
    """Return the coarse keys of an East Asian name word in either script."""
    if not is_cyrillic(word):
        return frozenset({_sound(word)})
    import iuliia

    return frozenset(_sound(_romanised(iuliia.schemas.get(name), word)) for name in SOUND_SCHEMES)


def _japanese_name(spelling: str) -> bool:
    """Whether a spelling is a Japanese name written out: two words or more, each of
    Japanese syllables (a Russian surname may read as one: Iudin)."""
    words = [_LONG.sub("", w) for w in spelling.replace(",", " ").split()]
    return len(words) > 1 and all(map(_japanese, words))


def _japanese(word: str) -> bool:
    """Whether a word reads as Japanese syllables (Polivanov's дз for z included: Кадзуо)."""
    return is_romaji(word.replace("дз", "з").replace("Дз", "З"))


@dataclass(frozen=True)
class NameParts:
    """What the spellings of one author of one article say of the name."""

    surname: str
    """The surname as the article's display name writes it."""
    surname_keys: frozenset[str]
    given: tuple[frozenset[str], ...]
    """Keys of each given name written in full (every spelling's)."""
    given_initial: tuple[frozenset[str], ...]
    """Forms of each given name's initial, or of the given name (:func:`initial_forms`)."""
    patronymic: tuple[frozenset[str], ...]
    """Forms of each patronymic or its initial (a second initial)."""
    sounds: tuple[frozenset[str], tuple[frozenset[str], ...]] | None = None
    """An East Asian name's coarse keys (:func:`sound_keys`): of the surname, of each given
    name written in full; None for any other name."""


def is_patronymic(word: str) -> bool:
    """Whether a word is a Russian patronymic in either script and any scheme (Vasilʹevič,
    Vassilievitch)."""
    return bool(PATRONYMIC.search(word) or PATRONYMIC.search(_plain(word))
                or _plain(word).endswith("itch"))


def split_initials(token: str) -> list[str]:
    """Return the initials of a token («T.O.» -> [T, O]; «Yu.D.» -> [Yu, D]; «D»), [] if not
    one: two letters without a full stop are a name (Li, Wu, Xu)."""
    parts = [p for p in re.split(r"[.\s]+", token.replace("-", "")) if p]
    if not parts or ("." not in token and len(token.replace("-", "")) > 1):
        return []
    return [p.rstrip("-") for p in parts] if all(_INITIAL.match(p) for p in parts) else []


def _surname_of(name: str, spellings: list[str]) -> str:
    """Return the word of the display name most spellings hold (the surname the article's
    authors were reconciled on); a tie goes to the last word, or to the first when it is an
    East Asian surname or a Japanese name's endings say so (the display keeps such a name's
    printed order)."""
    words = [w for w in name.split() if not split_initials(w)] or name.split()
    keyed = [(word_keys(s), sound_keys(s)) for spelling in spellings for s in spelling.split()]
    votes = [sum(same_word(word_keys(w), k) or same_word(sound_keys(w), sound)
                 for k, sound in keyed) for w in words]
    best = max(votes)
    tied = [w for w, v in zip(words, votes) if v == best]
    if len(tied) > 1 and is_east_asian_surname(tied[0]):
        return tied[0]
    if len(tied) == 2 and _japanese(tied[0]) and _japanese(tied[1]):
        return tied[0] if japanese_given_first(*tied) is False else tied[1]
    return tied[-1]


def name_parts(author: Person) -> NameParts:
    """Return what an author of a record says of the name."""
    return parts_of(author.name, author.spellings)


def parts_of(name: str, spellings: Sequence[str]) -> NameParts:
    """Return what an author's display ``name`` and printed ``spellings`` say of the name."""
    name = " ".join(name.split())
    printed = [" ".join(s.split()) for s in spellings if s.strip()]
    return _name_parts(name, tuple(printed or [name]))


@lru_cache(maxsize=65536)
def _name_parts(name: str, printed: tuple[str, ...]) -> NameParts:
    spellings = list(printed)
    surname = _surname_of(name, spellings)
    keys = word_keys(surname)
    sounds = _east_asian_sounds(surname, spellings)
    given: set[frozenset[str]] = set()
    initials: set[frozenset[str]] = set()
    patronymic: set[frozenset[str]] = set()
    for spelling in spellings:
        words = [w for w in spelling.replace(",", " ").split()
                 if not _is_surname(w, keys, sounds[0] if sounds else None)]
        _read_spelling(words, given, initials, patronymic)
        if sounds:
            initials.update(_hepburn_initials(words))
    return NameParts(surname, keys, _ordered(given), _ordered(initials), _ordered(patronymic),
                     sounds)


def _hepburn_initials(words: list[str]) -> list[frozenset[str]]:
    """Return the initial forms of an East Asian given name printed in Cyrillic as Hepburn
    writes it (Сигэки: Shigeki, «Sh.»), which iuliia's schemes for Russian do not make."""
    named = [w for w in words if is_cyrillic(w) and not split_initials(w)]
    return [initial_forms(hepburn(named[0]))] if named else []


def _is_surname(word: str, keys: frozenset[str], sounds: frozenset[str] | None) -> bool:
    """Whether a word of a spelling is the surname: on its keys, or an East Asian one's
    coarse keys too (Ohgawa, Ōgawa: a long vowel's h the keys keep)."""
    return same_word(word_keys(word), keys) or (sounds is not None and
                                                same_word(sound_keys(word), sounds))


def _ordered(keys: set[frozenset[str]]) -> tuple[frozenset[str], ...]:
    return tuple(sorted(keys, key=sorted))


def _east_asian_sounds(surname: str, spellings: list[str]
                       ) -> tuple[frozenset[str], tuple[frozenset[str], ...]] | None:
    initials_only = all(len(s.split()) < 2 or any(map(split_initials, s.split()))
                        for s in spellings)
    if not (is_east_asian_surname(surname) or any(map(_japanese_name, spellings))
            or (initials_only and _japanese(_LONG.sub("", surname)))):
        return None
    keys, sounds = word_keys(surname), sound_keys(surname)
    given = set()
    for spelling in spellings:
        words = [w for w in spelling.replace(",", " ").split() if not split_initials(w)
                 and not _is_surname(w, keys, sounds) and not is_patronymic(w)]
        if words:
            given.add(sound_keys("".join(words)))
    return sound_keys(surname), tuple(sorted(given, key=sorted))


def _read_spelling(words: list[str], given: set[frozenset[str]],
                   initials: set[frozenset[str]], patronymic: set[frozenset[str]]) -> None:
    """Add what a spelling's words other than the surname say of the given name and
    patronymic."""
    letters = [i for w in words for i in split_initials(w)]
    full = [w for w in words if not split_initials(w)]
    named = [w for w in full if not is_patronymic(w)]
    if named:
        # a Korean given name may print as two words (Young Soo): one name
        given.add(word_keys("".join(named)))
        initials.add(initial_forms(named[0]))
    elif letters:
        initials.add(initial_forms(letters[0]))
    fathers = [w for w in full if is_patronymic(w)] or (letters[1:2] if not named else [])
    patronymic.update(initial_forms(w) for w in fathers)


#: Two Latin letters a Russian initial may be written with (Yu.D. Ivanov: Юрий).
_DIGRAPHS = frozenset({"yu", "ya", "ye", "yo", "iu", "ia", "ju", "ja", "zh", "ch", "sh", "kh",
                       "ts"})
