"""Titles and authors: every prefix form of the profile, subtitles, and no invented authors."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ifes_archive.archive.page.given_names import EAST_ASIAN_SURNAMES
from ifes_archive.archive.page.name_keys import looks_like_surname
from ifes_archive.archive.page.titles import heading_parts, prefixes
from tests.archive.test_record import BASE, article_page, built, page

PARAGRAPHS = ("<p>Russo-Japanese relations are clearly on hold this winter, and the visit of "
              "the prime minister was cancelled.</p><p>Both sides have become less interested "
              "in their partner.</p>")
TEXT = ("Russo-Japanese relations are clearly on hold this winter, and the visit of the prime "
        "minister was cancelled.\n\nBoth sides have become less interested in their partner.")


def record_of(title: str, lead: str = "") -> dict:
    record = built(941, BASE, [page(0, article_page(lead + PARAGRAPHS, title=title), None)])
    assert record is not None
    return record


def names_of(record: dict) -> list[str]:
    return [a["name"] for a in record["authors"]]


def test_surname_given_full_stop_with_a_subtitle_in_the_body() -> None:
    record = record_of(
        "Mikhailova Yulia. The Visual Language of Japanese Political Cartoons",
        "<p><strong>The Visual Language of Japanese Political Cartoons - Images of Prime "
        "Minister Koizumi Junichiro</strong></p><p>Yulia Mikhailova</p>")
    assert record["title"] == "The Visual Language of Japanese Political Cartoons"
    assert record["subtitle"] == "Images of Prime Minister Koizumi Junichiro"
    assert names_of(record) == ["Yulia Mikhailova"]
    assert record["text"] == TEXT


def test_a_subtitle_on_a_line_of_its_own_between_title_and_byline() -> None:
    record = record_of("Streltsov D.V. Russian Foreign Policy Towards Japan",
                       "<p><b>Russian Foreign Policy Towards Japan</b><br />Domestic Factors</p>"
                       "<p>D.V. Streltsov</p>")
    assert (record["title"], record["subtitle"]) == ("Russian Foreign Policy Towards Japan",
                                                     "Domestic Factors")
    assert names_of(record) == ["D.V. Streltsov"] and record["text"] == TEXT


def test_a_title_that_only_looks_like_a_prefix_keeps_its_words() -> None:
    for title in ("Japan Studies in Russia. Summary", "Japan Today. Summary",
                  "Japan Today, and Tomorrow", "Japan U.S. Relations", "Song Dynasty. Summary",
                  "Han River Basin. Notes", "Китай Сегодня. Обзор", "U.S. Policy. Summary"):
        record = record_of(title)
        assert record["title"] == title and record["authors"] == [], title
        assert record["text"] == TEXT


@pytest.mark.parametrize(("title", "lead", "title_after", "authors"), [
    # several authors, full names, full stop; nothing else on the page names them
    ("Ivanov Sergey, Petrova Natalia. Trade and Investment", "", "Trade and Investment",
     ["Sergey Ivanov", "Natalia Petrova"]),
    # three authors with initials, Cyrillic, the body repeating the title and naming them
    ("Стрельцов Д.В., Иванов С.А., Петрова Н.М. Япония и АТЭС",
     "<p>Япония и АТЭС</p><p>Д.В. Стрельцов, С.А. Иванов, Н.М. Петрова</p>", "Япония и АТЭС",
     ["Д.В. Стрельцов", "С.А. Иванов", "Н.М. Петрова"]),
    # surname, given name, comma; the byline spells it otherwise
    ("Streltsov Dmitry, Japan: Where Is the Dialogue Headed?", "<p>Dmitry Streltzov</p>",
     "Japan: Where Is the Dialogue Headed?", ["Dmitry Streltsov"]),
    # two authors with initials, "and" in the byline, no repeated title
    ("Tanaka H., Suzuki K. Trade Friction", "<p>Hiroshi Tanaka and Kenji Suzuki</p>",
     "Trade Friction", ["Hiroshi Tanaka", "Kenji Suzuki"]),
    # Cyrillic surname and given name, comma
    ("Петрова Наталья, Экономика Японии", "", "Экономика Японии", ["Наталья Петрова"]),
    # initials first, one author and several
    ("A.M. Zaitsev. Russia and Japan", "", "Russia and Japan", ["A.M. Zaitsev"]),
    ("Y. Liu. The Kuril Islands", "", "The Kuril Islands", ["Y. Liu"]),
    ("S. Hakamada, A.S. Pestushko, W. Zhang. Soft Power",
     "<p>Shigeki Hakamada, Andrey Pestushko, Zhang Weiguo</p>", "Soft Power",
     ["Shigeki Hakamada", "Andrey Pestushko", "Zhang Weiguo"]),
    ("Л. Чжао, Х. Танака. Китай и Япония", "", "Китай и Япония", ["Л. Чжао", "Х. Танака"]),
    # Korean initials with a hyphen, a hyphenated given name
    ("Kim Y.-S. The Security Treaty", "<p>Youngsoo Kim</p>", "The Security Treaty",
     ["Youngsoo Kim"]),
    ("K.Y. Pestushko, S.-M. Lee. Trade Friction", "", "Trade Friction",
     ["K.Y. Pestushko", "S.-M. Lee"]),
    ("Jung Hye-won, Trade Friction", "", "Trade Friction", ["Jung Hye-won"]),
    # Chinese and Korean names keep their order, a two-word given name stays whole
    ("Sun Hongbo. Translating Akutagawa", "<p>Sun Hongbo</p>", "Translating Akutagawa",
     ["Sun Hongbo"]),
    ("Ким Ён Су, Ли Сан Мин, Сато Юко. Япония и АТЭС", "", "Япония и АТЭС",
     ["Ким Ён Су", "Ли Сан Мин", "Юко Сато"]),
    ("Чон Хе Вон. Реформы Мэйдзи", "<p>Реформы Мэйдзи</p><p>Чон Хе Вон</p>", "Реформы Мэйдзи",
     ["Чон Хе Вон"]),
    ("Павлятенко В.Г., Пак Ч.Х. Японо-американский договор",
     "<p>В.Г. Павлятенко, Пак Чин Хо</p>", "Японо-американский договор",
     ["В.Г. Павлятенко", "Пак Чин Хо"]),
    # two people whose surnames share a key (이: Lee, Li) stay two
    ("Lee Sang-min, Li Jun. Honorifics", "<p>Lee Sangmin, Li Jun</p>", "Honorifics",
     ["Lee Sang-min", "Li Jun"]),
    # the byline a name a line (<br />)
    ("Streltsov D.V., Kim Y.-S. Trade Friction",
     "<p>Trade Friction</p><p>D.V. Streltsov<br />Youngsoo Kim</p>", "Trade Friction",
     ["D.V. Streltsov", "Youngsoo Kim"]),
])
def test_prefix_forms(title: str, lead: str, title_after: str, authors: list[str]) -> None:
    record = record_of(title, lead)
    assert record["title"] == title_after
    assert names_of(record) == authors
    assert record["text"] == TEXT


def test_a_byline_without_the_title_line_needs_evidence() -> None:
    # "Economic Background" is name-shaped but no one's name: it stays text
    record = record_of("Japan and Asia", "<p>Economic Background</p>")
    assert record["authors"] == [] and record["text"].startswith("Economic Background\n\n")


def test_readings_and_shapes() -> None:
    assert [len(p.names) for p in prefixes("Ivanov S.A., Petrova N.M. Trade")] == [2, 1]
    assert prefixes("Japan Studies in Russia. Summary") == []
    assert heading_parts("Title Words — A Subtitle", "Ivanov S.A. Title Words") == (
        "Title Words", "A Subtitle")
    assert heading_parts("Words", "Ivanov S.A. Title Words") is None  # one word: not the title
    assert looks_like_surname("Streltsov") and looks_like_surname("Watanabe")
    assert not looks_like_surname("Japan") and not looks_like_surname("Studies")


def test_a_subtitle_line_then_a_byline_of_names_not_all_known() -> None:
    # Word's title paragraph, the subtitle centred in <em>, then a byline one of whose names
    # carries no evidence of its own (Claire is no given name the project knows)
    record = record_of("Koizumi's Legacy: Reform or Rhetoric?",
                       '<p class="MsoTitle">Koizumi\'s Legacy: Reform or Rhetoric?</p>'
                       '<p align="center"><em>A Historical Overview</em></p>'
                       "<p>I.I. Yakovleva, Claire Lambert</p>")
    assert record["subtitle"] == "A Historical Overview"
    assert names_of(record) == ["I.I. Yakovleva", "Claire Lambert"]
    assert record["text"] == TEXT


@pytest.mark.parametrize("notes", [
    "<div style='mso-element:footnote-list'><br clear=all><hr align=left size=1 width='33%'>"
    "<div style='mso-element:footnote' id=ftn1><p class=MsoFootnoteText><a href='#_ftnref1' "
    "name='_ftn1'>[1]</a> Ibid., p. 112.</p></div><div style='mso-element:footnote' id=ftn2>"
    "<p class=MsoFootnoteText><a href='#_ftnref2'>[2]</a> Asahi Shimbun, 12 March 2011.</p>"
    "</div></div>",
    "<p>Примечания</p><p>1. См.: Hara K. Japanese-Soviet Relations. London, 1998.</p>",
    "<p>________</p><p>* Author's interview, Tokyo, 2010.</p>",
])
def test_the_bio_before_the_notes_is_the_bio(notes: str) -> None:
    bio = "Dmitry Viktorovich Streltsov is head of the Department of Oriental Studies."
    body = f"<p>Trade</p><p>D.V. Streltsov</p>{PARAGRAPHS}<p>{bio}</p>{notes}"
    record = built(941, BASE, [page(0, article_page(body, title="Streltsov D.V. Trade"),
                                           None)])
    assert record is not None and record["bio"] == bio


#: Syllables of Chinese and Korean given names in Latin letters.
SYLLABLES = ("min", "su", "jun", "hong", "bo", "wei", "guo", "sang", "young", "hye", "won",
             "jin", "ho", "lei", "soo", "hee")


@settings(max_examples=60, deadline=None)
@example("Bae", ["bo"], False)  # both words' keys are a surname's (b): found by this test
@example("Suh", ["su"], False)  # the same, key s
@given(st.sampled_from(sorted(s for s in EAST_ASIAN_SURNAMES if s.isascii())),
       st.lists(st.sampled_from(SYLLABLES), min_size=1, max_size=2), st.booleans())
def test_a_chinese_or_korean_name_keeps_its_printed_order(surname: str, syllables: list[str],
                                                          hyphen: bool) -> None:
    name = f"{surname} {('-' if hyphen else '').join(syllables).capitalize()}"
    record = record_of(f"{name}. Trade Friction", f"<p>Trade Friction</p><p>{name}</p>")
    assert record["title"] == "Trade Friction"
    assert names_of(record) == [name]
    assert record["text"] == TEXT


@pytest.mark.parametrize(("title", "byline"), [
    ("Yakovleva Olga, Abenomics: Two Years On", "Olga Jakovleva"),
    ("Zhukov A.P. Abenomics: Two Years On", "Andrei Jukov"),
    ("Yakovlev A.M. Abenomics: Two Years On", "Alexander Iakovlev")])
def test_a_title_prefix_and_a_byline_in_two_schemes_are_one_author(title: str,
                                                                   byline: str) -> None:
    """A Latin j is й (Jakovleva) or ж (Jukov): the prefix and the byline name one person."""
    record = record_of(title, f"<p>{byline}</p>")
    assert len(record["authors"]) == 1, record["authors"]
    assert byline in record["authors"][0]["spellings"]
