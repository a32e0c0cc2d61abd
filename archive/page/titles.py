"""The title of an article: its author prefix, the body's repeated title line, the byline.

The site prints titles with the authors first (docs/site-profile.md, "Body habits"): "Surname
Firstname, Title", "Surname F.M. Title", "Surname Firstname. Title", several authors joined by
commas ("Surname F.M., Surname F.M. Title"), in Latin or Cyrillic letters; also initials first
("A.M. Zaitsev. Title"), Korean initials ("Kim Y.-S."), and Chinese or Korean names of three
words ("Ким Ён Су, Ли Сан Мин. Title"). The body then usually repeats the title on its first
line — without the prefix, sometimes with a subtitle ("Title - Subtitle") — and names the
authors on the next line (the byline). A prefix is read as names only on
evidence: the repeated title line shows where it ends; or each name in it is matched by the
byline or the author row, is written with initials, or starts from a known given name. A title
that merely looks like "Word Word. Rest" («Japan Studies in Russia. Summary») keeps its words,
and no author is made from them.

The subtitle is kept apart (the record's ``subtitle``): ``title`` stays the displayed title
without the prefix, the same string listings and the page's ``<title>`` show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ifes_archive.archive.page import authors as names
from ifes_archive.archive.page.name_keys import name_key

#: Longest byline line: a few names (more words than that is a sentence, not a byline).
MAX_BYLINE_WORDS = 16
#: A proper tail of the title shorter than this is not taken for the repeated title line.
MIN_HEADING_WORDS = 2
#: Most authors a title prefix names.
MAX_PREFIX_NAMES = 3
#: Lines at the top of the body looked at for the title, subtitle and byline.
LEAD_LINES = 6
#: Between a title and its subtitle: a dash, a colon or a full stop.
SUBTITLE_SEPARATOR = re.compile(r"\s+[-–—]\s+|:\s+|\.\s+")
#: What may precede the names of a byline line.
BYLINE_LABEL = re.compile(r"^(?:By|Автор[ыа]?|Authors?)\s*:?\s+", re.IGNORECASE)
#: One name of a prefix: surname first ("Streltsov D.V.", "Streltsov Dmitry", "Ким Ён Су":
#: a Chinese or Korean given name may be two words) or initials first ("A.M. Zaitsev").
_NAME = (rf"(?:{names.INITIALS}\s*{names.WORD}|"
         rf"{names.WORD}\s+(?:{names.INITIALS}|{names.WORD}(?:\s+{names.WORD})?))")
_AND = r"\s*(?:,|\s(?:и|and|&))\s+"
#: "NAMES SEPARATOR TITLE" with 1, 2 and 3 surname-first names: the separator is a comma, full
#: stop, colon or dash, or just a space after initials.
_PREFIXES = {count: re.compile(rf"^({_NAME}(?:{_AND}{_NAME}){{{count - 1}}})"
                               r"(?:\s*[,.:]\s+|\s+[-–—]\s+|(?<=\.)\s+)(\S.*)$")
             for count in range(1, MAX_PREFIX_NAMES + 1)}
_NAME_SPLIT = re.compile(_AND)
_QUOTES = str.maketrans({"«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "‘": "'", "’": "'",
                         "–": "-", "—": "-", "\u00a0": " "})


def fold(text: str) -> str:
    """Return *text* for comparison: case, quotes, dashes and spacing unified."""
    return " ".join(text.translate(_QUOTES).casefold().split()).strip(" .")


@dataclass
class Lead:
    """The top of an article's body: its repeated title, subtitle and byline, and the rest."""

    heading: str | None = None
    """The title as the body repeats it (without the subtitle)."""
    subtitle: str | None = None
    byline: list[names.Mention] = field(default_factory=list)
    blocks: list[list[str]] = field(default_factory=list)
    """The body without those lines."""


@dataclass(frozen=True)
class Prefix:
    """One way to read the start of a title as author names."""

    names: list[names.Mention]
    rest: str


def prefixes(title_raw: str) -> list[Prefix]:
    """Return the readings of *title_raw* as "NAMES SEPARATOR TITLE", most names first."""
    out = []
    for count in range(MAX_PREFIX_NAMES, 0, -1):
        match = _PREFIXES[count].match(title_raw)
        if match:
            mentions = [names.surname_first(p) for p in _NAME_SPLIT.split(match.group(1))]
            if len(mentions) == count and all(mentions):
                out.append(Prefix([m for m in mentions if m], match.group(2)))
    return out


def expected_names(title_raw: str) -> list[names.Mention]:
    """Return every name any reading of the title's prefix gives: what a byline may repeat."""
    return [m for reading in prefixes(title_raw) for m in reading.names]


def heading_parts(line: str, title_raw: str) -> tuple[str, str | None] | None:
    """Return (title, subtitle) when *line* repeats the title — whole, or a tail of it of at
    least two words, or either followed by a subtitle — else None."""
    if _is_title_tail(line, title_raw):
        return line, None
    for match in SUBTITLE_SEPARATOR.finditer(line):
        head, subtitle = line[:match.start()], line[match.end():]
        if subtitle.strip() and _is_title_tail(head, title_raw):
            return head, subtitle.strip()
    return None


def _is_title_tail(text: str, title_raw: str) -> bool:
    folded, title = fold(text), fold(title_raw)
    if not folded or not title.endswith(folded):
        return False
    return folded == title or (len(folded.split()) >= MIN_HEADING_WORDS
                               and title[: len(title) - len(folded)].endswith(" "))


def read_lead(blocks: list[list[str]], title_raw: str, expected: list[names.Mention]) -> Lead:
    """Return the repeated title (and subtitle) and the byline at the top of the body.

    The byline may come before or after the title line, one name or several to a line, or a
    name a line. A subtitle on a line of its own is the line after the title's in the same
    paragraph, or the line between the title's and a byline (one of whose names, at least,
    is evidenced). A byline line right under the
    title line, or in the block of a byline line already read, needs only to be name-shaped;
    any other must be evidenced: each name in it is one of *expected* (the title prefix's
    names), written with initials, or starts from a known given name.
    """
    keys = frozenset(name_key(m.surname) for m in expected)
    lead = Lead(blocks=[list(b) for b in blocks])
    places = [(b, i) for b, block in enumerate(lead.blocks[:LEAD_LINES])
              for i in range(len(block))][:LEAD_LINES]
    used = 0
    byline_block = title_block = None
    previous = ""
    while used < len(places):
        block, index = places[used]
        line = lead.blocks[block][index]
        parts = heading_parts(line, title_raw) if lead.heading is None else None
        if parts:
            lead.heading, lead.subtitle = parts
            previous, title_block = "title", block
        elif (previous == "title" and lead.subtitle is None
              and len(line.split()) <= MAX_BYLINE_WORDS and not _byline(line, keys, False)
              and (block == title_block or (used + 1 < len(places) and _byline(
                  lead.blocks[places[used + 1][0]][places[used + 1][1]], keys, False,
                  some=True)))):
            # the subtitle on a line of its own: in the title's paragraph, or before a byline
            lead.subtitle = line
        elif found := _byline(line, keys, loose=(previous == "title" and not lead.byline)
                              or block == byline_block):
            lead.byline += found
            byline_block = block
            previous = "byline"
        else:
            break
        used += 1
    _drop_lines(lead.blocks, used)
    return lead


def _byline(line: str, keys: frozenset[str], loose: bool, some: bool = False
            ) -> list[names.Mention] | None:
    """Return the names of a byline line: each evidenced, or only one of them (*some*), or
    none (*loose*); None when the line is no byline (a word in capitals is an acronym or a
    heading, never a name: «Институт Дальнего Востока РАН», «ВВЕДЕНИЕ»)."""
    text = BYLINE_LABEL.sub("", line)
    if len(text.split()) > MAX_BYLINE_WORDS or any(_capitals(w) for w in text.split()):
        return None
    found = names.byline_mentions(text, keys)
    evidenced = [names.has_evidence(m, keys) for m in found or []]
    if found and (loose or all(evidenced) or (some and any(evidenced))):
        return found
    return None


def _capitals(word: str) -> bool:
    """Whether *word* is written in capitals (two letters or more), initials aside."""
    return word.isupper() and sum(ch.isalpha() for ch in word) > 1 and not names.is_initials(
        word.strip(",;"))


def name_shaped(block: list[str]) -> list[names.Mention] | None:
    """Return the names of a paragraph that is only names — every line one to three of them,
    a few words in all — whether or not any is evidenced; None when it is not."""
    if not block or sum(len(line.split()) for line in block) > MAX_BYLINE_WORDS:
        return None
    found = [_byline(line, frozenset(), loose=True) for line in block]
    if not all(found) or sum(len(f or []) for f in found) > MAX_PREFIX_NAMES:
        return None
    return [m for f in found for m in f or []]


def _drop_lines(blocks: list[list[str]], count: int) -> None:
    while count and blocks:
        blocks[0].pop(0)
        count -= 1
        if not blocks[0]:
            blocks.pop(0)


def split_title(title_raw: str, heading: str | None, known: list[names.Mention]
                ) -> tuple[str, list[names.Mention]]:
    """Return the title without its author prefix, and the prefix's names.

    The repeated title line (*heading*), when it is a proper tail of the displayed title, marks
    where the prefix ends; otherwise a reading of the prefix is taken when each of its names
    has evidence: a mention elsewhere on the page (*known*), initials, a known given name.
    """
    readings = prefixes(title_raw)
    if heading and fold(heading) != fold(title_raw):
        for reading in readings:
            if fold(reading.rest) == fold(heading):
                return reading.rest, reading.names
    keys = frozenset(name_key(m.surname) for m in known)
    for reading in readings:
        if all(names.has_evidence(m, keys) for m in reading.names):
            return reading.rest, reading.names
    return title_raw, []
