"""A paragraph of names opening the body (issue 20): the authors when they are names, never a
sentence, heading, place or institution; and the cross-check that flags the ones missed.

The names drawn here come from lists of this test's own (not the mirror generators' nor
archive/page/given_names.py's order): the given names are ones a reader would call common, which
the project must know; the surnames are names nobody lists anywhere.
"""

from __future__ import annotations

from html import escape

import msgspec
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ifes_archive.archive.page.checks import tally
from ifes_archive.archive.page.titles import name_shaped
from ifes_archive.archive.types import Record
from tests.archive.test_titles import TEXT, record_of

#: A title the body does not repeat: the paragraph under test opens the body.
TITLE = "Japan and Asia"
GIVEN_RU = ("Аркадий", "Вера", "Глеб", "Зоя", "Ефим", "Тамара", "Родион", "Фаина", "Тихон",
            "Алевтина", "Ираида", "Христофор")
GIVEN_RU_LATIN = ("Arkady", "Vera", "Gleb", "Zoya", "Yefim", "Rodion", "Faina", "Tikhon",
                  "Iraida", "Khristofor", "Erast", "Filipp")
GIVEN_EN = ("Robert", "Susan", "Walter", "Megan", "Hugh", "Judith", "Douglas", "Claire")
SURNAMES_RU = ("Белоусов", "Кравцова", "Латышев", "Горбунова", "Шестаков", "Ермолаева",
               "Лыткина", "Кудряшов")
SURNAMES_RU_LATIN = ("Belousov", "Kravtsova", "Latyshev", "Gorbunova", "Shestakov",
                     "Yermolaeva", "Lytkina", "Kudryashov", "Martynov")
SURNAMES_EN = ("Whitaker", "Fletcher", "Holloway", "Pemberton", "Crawford", "Ashdown")
LATIN_CAPS, CYRILLIC_CAPS = "ABDEGIKLMNOPRSTVZ", "АБВГДЕЗИКЛМНОПРСТФЮЯ"
#: Joiners between names: what the site prints (HTML-escaped where it must be).
JOINERS = (", ", " and ", " и ", " &amp; ", "<br />")
#: Block wrappers of a byline paragraph, and inline emphasis inside it.
BLOCKS = ("<p>{}</p>", '<p style="text-align: right">{}</p>', '<p align="center">{}</p>',
          '<div align="right">{}</div>', "<div>{}</div>", '<p style="text-align: center;">{}</p>')
INLINE = ("{}", "<strong>{}</strong>", "<b>{}</b>", "<em>{}</em>", "<i>{}</i>",
          "<strong><em>{}</em></strong>", '<span style="font-size: 10pt">{}</span>',
          '<font size="2"><b>{}</b></font>')


@st.composite
def person(draw: st.DrawFn) -> tuple[str, str, str]:
    """One name as a byline writes it, the display name the record gives it, its surname."""
    kind = draw(st.sampled_from(["ru", "ru-latin", "en"]))
    given_pool, surnames, caps = {
        "ru": (GIVEN_RU, SURNAMES_RU, CYRILLIC_CAPS),
        "ru-latin": (GIVEN_RU_LATIN, SURNAMES_RU_LATIN, LATIN_CAPS),
        "en": (GIVEN_EN, SURNAMES_EN, LATIN_CAPS)}[kind]
    surname = draw(st.sampled_from(surnames))
    given_name = draw(st.sampled_from(given_pool))
    initials = "".join(f"{c}." for c in draw(st.lists(st.sampled_from(caps), min_size=1,
                                                          max_size=2)))
    # initials with a surname only where the surname itself is Russian-shaped: «I. Whitaker»
    # is as likely a numbered heading («I. Introduction») as a name
    forms = ["full", "middle"] + (["initials-first", "initials-last"] if kind != "en" else [])
    form = draw(st.sampled_from(forms))
    if form == "full":
        return f"{given_name} {surname}", f"{given_name} {surname}", surname
    if form == "middle":
        return f"{given_name} {initials[:2]} {surname}", f"{given_name} {surname}", surname
    if form == "initials-first":
        return f"{initials} {surname}", f"{initials} {surname}", surname
    return f"{surname} {initials}", f"{initials} {surname}", surname


@st.composite
def byline_paragraph(draw: st.DrawFn) -> tuple[str, list[str], list[str]]:
    """A paragraph of one to three names in some markup, the display names, the spellings."""
    people = draw(st.lists(person(), min_size=1, max_size=3, unique_by=lambda p: p[2]))
    joiner = draw(st.sampled_from(JOINERS))
    written = [escape(p[0], quote=False) for p in people]
    inner = (written[0] if len(written) == 1 else
             joiner.join(written) if joiner == "<br />" else
             ", ".join(written[:-1]) + joiner + written[-1])
    inner = draw(st.sampled_from(INLINE)).format(inner)
    return draw(st.sampled_from(BLOCKS)).format(inner), [p[1] for p in people], \
        sorted(p[0] for p in people)


@given(byline_paragraph())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(('<p style="text-align: right"><strong><em>Filipp Kudryashov and Erast I. Martynov'
          '</em></strong></p>', ["Filipp Kudryashov", "Erast Martynov"],
          ["Erast I. Martynov", "Filipp Kudryashov"]))
def test_a_paragraph_of_names_opening_the_body_is_the_authors(
        drawn: tuple[str, list[str], list[str]]) -> None:
    html, display, spellings = drawn
    record = record_of(TITLE, html)
    assert [a["name"] for a in record["authors"]] == display
    assert sorted(s for a in record["authors"] for s in a["spellings"]) == spellings
    assert record["text"] == TEXT  # the byline left the text
    assert record["authors_sources"] == ["byline"]
    assert {"check": "byline", "agrees": True, "detail": ""} in record["checks"]


@pytest.mark.parametrize(("html", "authors"), [
    ("<p>Khristofor Bogdanov</p>", ["Khristofor Bogdanov"]),
    ("<p><strong>Iraida Lytkina</strong></p>", ["Iraida Lytkina"]),
    ('<p style="text-align: right"><strong><em>Filipp Kudryashov and Erast I. Martynov</em>'
     "</strong></p>", ["Filipp Kudryashov", "Erast Martynov"]),
    ("<p>И.И. Иванов</p>", ["И.И. Иванов"]),
    ("<p>Иванов И.И.</p>", ["И.И. Иванов"]),
    ("<p><b>Y.-S. Park</b></p>", ["Y.-S. Park"]),
])
def test_the_issues_bylines(html: str, authors: list[str]) -> None:
    record = record_of(TITLE, html)
    assert [a["name"] for a in record["authors"]] == authors
    assert record["text"] == TEXT and record["authors_sources"] == ["byline"]


# --- what is no byline -------------------------------------------------------------------
HEADING_WORDS = ("Economic", "Background", "Foreign", "Policy", "Regional", "Security",
                 "Energy", "Trade", "Outlook", "Conclusions", "Northeast", "Pacific", "Japan",
                 "China", "Korea", "Russia", "Relations", "Cooperation", "Dialogue", "Crisis",
                 "Внешняя", "Политика", "Экономика", "Безопасность", "Энергетика", "Торговля",
                 "Выводы", "Сотрудничество", "Россия", "Япония", "Китай", "Регион", "Кризис",
                 "Японии", "Китая", "Экономика", "История", "Культура", "Kamikaze", "Samurai")
LOWER_WORDS = ("the", "policy", "of", "relations", "and", "has", "changed", "since", "year",
               "visit", "отношения", "и", "в", "после", "года", "политика", "визит", "был")
LABELS = ("Аннотация", "Summary", "Введение", "Abstract", "Keywords", "Резюме", "Заключение",
          "Introduction", "Conclusion", "Примечания", "Ключевые слова:", "Abstract:")
INSTITUTIONS = ("Институт Дальнего Востока РАН", "Japan Foundation", "Toyota Foundation",
                "Russian Academy of Sciences", "Institute of Far Eastern Studies",
                "Московский государственный университет", "Sasakawa Peace Foundation",
                "Waseda University", "Keio University", "Hokkaido University",
                "Дипломатическая академия МИД России", "МГИМО", "Carnegie Moscow Center")
PLACES = ("Vladivostok", "Moscow, Russia", "Tokyo", "Санкт-Петербург", "Южно-Сахалинск",
          "Nizhny Novgorod", "Хабаровск, Россия", "Tokyo, Japan", "Kuril Islands",
          "Южные Курилы", "Far East", "Дальний Восток")
WORKS = ("«Война и мир»", "“War and Peace”", "«Анна Каренина»", "\"Anna Karenina\"",
         "«Мёртвые души»", "“The Tale of Genji”", "«Повесть о Гэндзи»", "“Snow Country”")
DATES = ("12 марта 2008 г.", "March 12, 2008", "2008", "Март 2008 г.", "12.03.2008",
         "Spring 2009", "Весна 2010")


@st.composite
def sentence(draw: st.DrawFn) -> str:
    first = draw(st.sampled_from(HEADING_WORDS + GIVEN_EN + GIVEN_RU))
    rest = draw(st.lists(st.sampled_from(LOWER_WORDS + SURNAMES_EN), min_size=2, max_size=10))
    return " ".join([first, *rest]) + draw(st.sampled_from([".", "!", "?", ":", "…"]))


@st.composite
def heading(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(HEADING_WORDS), min_size=1, max_size=4))
    if len(words) > 1 and draw(st.booleans()):
        words.insert(1, draw(st.sampled_from(("and", "of", "in", "и", "в"))))
    return " ".join(words)


def quoted(draw: st.DrawFn, text: str) -> str:
    left, right = draw(st.sampled_from([("«", "»"), ("“", "”"), ('"', '"'), ("„", "“")]))
    return f"{left}{text}{right}"


@st.composite
def not_a_byline(draw: st.DrawFn) -> str:
    """A first paragraph that names no one."""
    kind = draw(st.sampled_from(["sentence", "heading", "label", "institution", "place",
                                 "work", "date", "one word", "capitals", "quote"]))
    if kind == "sentence":
        return draw(sentence())
    if kind == "heading":
        return draw(heading())
    if kind == "one word":
        return draw(st.sampled_from(HEADING_WORDS + GIVEN_EN + GIVEN_RU + SURNAMES_RU))
    if kind == "capitals":
        person_ = draw(person())[0]
        return draw(st.sampled_from([person_, draw(heading())])).upper()
    if kind == "quote":  # a name in quotes is a quotation, a title of a work
        return quoted(draw, draw(st.sampled_from([draw(person())[0], draw(heading()),
                                                  draw(sentence())])))
    return draw(st.sampled_from({"label": LABELS, "institution": INSTITUTIONS,
                                 "place": PLACES, "work": WORKS, "date": DATES}[kind]))


@given(not_a_byline(), st.sampled_from(BLOCKS), st.sampled_from(INLINE))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example("Economic Background", "<p>{}</p>", "{}")
@example("Институт Дальнего Востока РАН", "<p>{}</p>", "<strong>{}</strong>")
@example("ИРАИДА ЛЫТКИНА", "<p>{}</p>", "{}")
@example("«Анна Каренина»", "<p>{}</p>", "{}")
@example("Toyota Foundation", "<p>{}</p>", "{}")  # Japanese syllables, no given name's ending
@example("Экономика Японии", "<p>{}</p>", "{}")  # syllables when read back from Polivanov's
@example("Китай Kamikaze", "<p>{}</p>", "{}")  # Latin syllables after a Russian word (found by hypothesis)
@example("Kamikaze Kamikaze", "<p>{}</p>", "{}")  # Japanese words, not names (found by hypothesis)
@example("Samurai Kamikaze", "<p>{}</p>", "{}")
def test_no_first_paragraph_that_names_no_one_gives_an_author(text: str, block: str,
                                                              inline: str) -> None:
    record = record_of(TITLE, block.format(inline.format(escape(text, quote=False))))
    assert record["authors"] == [] and record["authors_sources"] == []
    assert record["text"].startswith(" ".join(text.split()) + "\n\n")


def test_a_name_shaped_paragraph_without_evidence_is_flagged_not_read() -> None:
    # «Zbigniew» is no given name the project knows: the paragraph stays in the text, and the
    # byline check says a byline may have been missed
    record = record_of(TITLE, "<p><strong>Zbigniew Kowalczyk</strong></p>")
    assert record["authors"] == [] and record["text"].startswith("Zbigniew Kowalczyk\n\n")
    said = [c for c in record["checks"] if c["check"] == "byline"]
    assert len(said) == 1 and not said[0]["agrees"] and "Zbigniew Kowalczyk" in said[0]["detail"]
    # the run report counts it among the disagreements (crawler/report.py prints the tally)
    read = record_of(TITLE, "<p>Khristofor Bogdanov</p>")
    counted = tally([msgspec.convert(r, Record) for r in (record, read)])
    assert counted["counts"]["byline"] == {"agree": 1, "disagree": 1}
    assert [d["check"] for d in counted["disagreements"]] == ["byline"]


def test_the_byline_check_is_silent_where_the_page_says_the_names_twice() -> None:
    record = record_of("Kravtsova Vera. Japan and Asia", "<p>Vera Kravtsova</p>")
    assert record["authors_sources"] == ["title prefix", "byline"]
    assert [c["check"] for c in record["checks"]] == ["authors"]
    plain = record_of(TITLE, "<p>Trade relations have changed since the visit.</p>")
    assert plain["checks"] == [] and plain["authors_sources"] == []


def test_name_shape() -> None:
    assert [m.surname for m in name_shaped(["Zbigniew Kowalczyk"]) or []] == ["Kowalczyk"]
    assert name_shaped(["Ivan Petrov", "Anna Smirnova"]) is not None  # a name a line
    assert name_shaped(["Trade relations have changed."]) is None
    assert name_shaped(["ИНСТИТУТ ВОСТОКОВЕДЕНИЯ"]) is None
    assert name_shaped(["Ivan Petrov, Anna Smirnova, Oleg Sidorov, Irina Orlova"]) is None
