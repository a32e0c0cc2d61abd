"""Name words read alone: the script they are in, the key under which transliterations of one
surname meet, and the shapes of Russian and Japanese surnames.

:func:`name_key` folds a surname to the key persons are matched by on a page
(:mod:`archive.page.authors`) and across the corpus (:mod:`archive.corpus.person_names`): Cyrillic
romanised, spelling drift such as tz/ts, y/i, yo/e folded, vowels dropped; :func:`near` says two
keys are one letter apart.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ifes_archive.archive.page.given_names import is_east_asian_surname

#: Russian patronymics (Cyrillic and Latin): the given name comes just before one.
PATRONYMIC = re.compile(r"(?:ovich|evich|ich|ovna|evna|ichna|inichna|ович|евич|ич|овна|евна|ична|"
                        r"инична)$", re.IGNORECASE)
_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r",
     "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"]))
#: Spelling drift of Russian names in Latin script, folded before vowels are dropped: the
#: schemes in use (Streltsov/Streltzov, Kuznetsov/Kouznetsov, Zhukov/Joukov, Fedorov/Fyodorov,
#: Shcherbakova/Scherbakova).
_DRIFT = (("shch", "sch"), ("zh", "j"), ("tch", "ch"), ("tz", "ts"), ("kh", "h"), ("x", "ks"),
          ("ou", "u"), ("yo", "e"), ("ye", "e"), ("w", "v"))
#: An iotated first vowel written with y, i or j-less: Yakovleva, Iakovleva; Yuriev, Iuriev.
_IOTATED = re.compile(r"^[yi](?=[aeiou])")


def is_cyrillic(word: str) -> bool:
    """Whether *word* is written in Cyrillic letters."""
    return any("\u0400" <= ch <= "\u04ff" for ch in word)


#: Words longer than this are not kept by :func:`name_key`'s cache.
CACHED_WORD_MAX = 64


def name_key(word: str) -> str:
    """Return a key under which transliterations of one surname meet (Streltsov = Стрельцов,
    Zhukov = Joukov, Yakovleva = Iakovleva): romanised, drift folded, an iotated first vowel
    and then every vowel after the first letter dropped."""
    return _cached_name_key(word) if len(word) <= CACHED_WORD_MAX else _name_key(word)


# Surnames repeat (some 30 look-ups an article, of a few names): keys of short words kept.
@lru_cache(maxsize=4096)
def _cached_name_key(word: str) -> str:
    return _name_key(word)


def _name_key(word: str) -> str:
    text = unicodedata.normalize("NFKD", word.lower())
    text = "".join(_CYRILLIC.get(ch, ch) for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^a-z]", "", text)
    for old, new in _DRIFT:
        text = text.replace(old, new)
    text = _IOTATED.sub("", text)
    text = re.sub(r"(?<=[aeiouy])h$", "", text)  # Satoh = Sato
    return text[:1] + re.sub(r"[aeiouy]", "", text[1:])


def near(a: str, b: str) -> bool:
    """Whether two keys differ by at most one letter (added, dropped or changed) after the
    first, which spelling drift never touches (Sokolova and Nikolaev are two people)."""
    if abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 3 or a[:1] != b[:1]:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) <= 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


#: Russian surname endings (Latin and Cyrillic), for names given with initials only.
_RUSSIAN_SURNAME = re.compile(
    r"(?:ov|ova|ev|eva|yov|yova|in|ina|yn|yna|sky|skiy|skii|skaya|tsky|ko|enko|uk|yuk|ich|vich|"
    r"ian|yan|dze|shvili|ikh|ykh|ов|ова|ев|ева|ёв|ёва|ин|ина|ын|ына|ский|ская|ко|енко|ук|юк|ич|"
    r"ян|дзе|швили|их|ых)$", re.IGNORECASE)
#: A word made of Japanese syllables (Hepburn), macrons allowed: Tanaka, Satō, Watanabe.
_ROMAJI = re.compile(r"^(?:(?:[kgsztdnhbpmr]y?|sh|ch|ts|j|f|w|y)?[aiueoāīūēō]|n(?![aiueoy]))+$",
                     re.IGNORECASE)
#: Places a title may start with that are shaped like Japanese names.
_PLACES = frozenset({"japan", "tokyo", "osaka", "kyoto", "nagoya", "kobe", "okinawa", "sakhalin",
                     "hokkaido", "kuriles", "kurile", "asia", "china", "korea", "amur", "kamchatka",
                     "meiji", "showa", "heisei", "taisho", "edo", "tokugawa"})
#: Japanese words English and Russian use as words (a heading's «Kamikaze», «Samurai»), not names.
_WORDS = frozenset({"kamikaze", "samurai", "tsunami", "shogun", "shogunate", "geisha", "sushi",
                    "sashimi", "tempura", "karaoke", "origami", "anime", "manga", "haiku",
                    "kabuki", "bonsai", "ikebana", "bushido", "shinto", "banzai", "daimyo", "ronin",
                    "yakuza", "ninja", "kimono", "tatami", "futon", "karate", "judo", "aikido",
                    "sumo", "zaibatsu", "keiretsu", "kaizen", "karoshi", "hibakusha", "mikado",
                    "tycoon", "wasabi", "ramen", "tofu", "miso", "sake", "emoji", "nikkei",
                    "keidanren", "abenomikusu", "yen"})


#: Russian spelling of Japanese syllables (Polivanov) back to romaji; letters Japanese names
#: never take in Cyrillic (л, ы, щ, ь, ъ) fail the syllable test.
_POLIVANOV = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                      ["a", "b", "w", "g", "d", "e", "yo", "j", "z", "i", "i", "k", "x", "m", "n",
                       "o", "p", "r", "s", "t", "u", "f", "h", "ts", "ch", "sh", "x", "x", "x", "x",
                       "e", "yu", "ya"]))


def is_romaji(word: str) -> bool:
    """Whether *word* is made of Japanese syllables (in Latin letters, or in Russian ones
    as Russian writes Japanese names) and is not a place or era name, nor a Japanese word other
    languages use as a word."""
    if is_cyrillic(word):
        word = "".join(_POLIVANOV.get(ch, ch) for ch in word.lower())
    folded = word.casefold()
    return folded not in _PLACES and folded not in _WORDS and bool(_ROMAJI.match(word))


def looks_like_surname(word: str) -> bool:
    """Whether *word* is shaped like a Russian or Japanese surname (for initials-only names)."""
    return bool(is_cyrillic(word) or _RUSSIAN_SURNAME.search(word) or is_romaji(word)
                or is_east_asian_surname(word))
