"""Namesakes: a merge that rests on a part of a name one mention leaves out (a patronymic, a
given name cut to its initial) is made only where the corpus shows such pairs are one person;
no person ever holds two mentions that conflict, whatever the order of the articles."""

from __future__ import annotations

import random
from itertools import combinations

import iuliia
import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from ifes_archive.archive.corpus.namesakes import namesakes
from ifes_archive.archive.corpus.person_names import SCHEMES
from ifes_archive.archive.corpus.persons import Authored, conflict, mentions_of, resolve
from ifes_archive.archive.types import Person

#: (given, male patronymic, female patronymic); surnames in the male form, -а for a woman.
GIVEN = [("Константин", False), ("Ольга", True), ("Валерий", False), ("Василий", False),
         ("Екатерина", True), ("Елена", True), ("Юрий", False), ("Юлия", True)]
FATHER = [("Иванович", "Ивановна"), ("Николаевич", "Николаевна"), ("Петрович", "Петровна"),
          ("Юрьевич", "Юрьевна")]
SURNAME = ["Ермаков", "Лебедев", "Кравцов", "Пестушко"]


def _article(aid: int, *names: str) -> Authored:
    return Authored(aid, [Person(n, [n]) for n in names])


def _groups(records: list[Authored]) -> list[list[int]]:
    return sorted(sorted(m.article_id for m in p.mentions) for p in resolve(mentions_of(records)))


#: A crowd: people who share surnames and given names, told apart by their patronymics.
CROWD = [_article(10, "Ольга Николаевна Лебедева"), _article(11, "Лебедева О.Г."),
         _article(12, "Valery Ivanovich Kravtsov"), _article(13, "Кравцов В.П."),
         _article(14, "Валерий Юрьевич Кравцов"), _article(15, "Olga Petrovna Lebedeva")]
#: A staff: the same people print their patronymics alike wherever they print them.
STAFF = [_article(10, "Ольга Николаевна Лебедева"), _article(11, "Лебедева О.Н."),
         _article(12, "Valery Ivanovich Kravtsov"), _article(13, "Кравцов В.И."),
         _article(14, "Валерий Иванович Кравцов"), _article(15, "Olga Nikolaevna Lebedeva")]


def test_where_namesakes_are_common_a_name_without_its_patronymic_stays_apart() -> None:
    people = resolve(mentions_of([*CROWD, _article(1, "Konstantin Ivanovich Yermakov"),
                                  _article(2, "Константин Ермаков"),
                                  _article(3, "Konstantin Yermakov")]))
    yermakov = [sorted(m.article_id for m in p.mentions) for p in people
                if p.mentions[0].article_id < 10]
    assert yermakov == [[1], [2], [3]]
    # the first of the two bare names fits Konstantin Ivanovich alone, the second both
    second, third = (next(p for p in people if p.mentions[0].article_id == a) for a in (2, 3))
    assert {second.evidence[0]["rule"], third.evidence[0]["rule"]} == {"namesakes", "ambiguous"}
    why = next(p for p in (second, third) if not p.closed).evidence[0]["detail"]
    assert "Konstantin Yermakov" in why and "patronymic (2 of 2 pairs" in why


def test_where_the_corpus_shows_no_namesakes_the_same_name_is_one_person() -> None:
    records = [*STAFF, _article(1, "Konstantin Ivanovich Yermakov"),
               _article(2, "Константин Ермаков"), _article(3, "K. Yermakov")]
    assert [1, 2, 3] in _groups(records)
    assert namesakes(m.parts for m in mentions_of(records)).patronymic.conflicting == 0


def test_an_initial_that_two_given_names_of_a_crowd_share_stays_apart() -> None:
    # Valery and Vasily Kravtsov both print «В.»: in a crowd where such pairs are two people
    # «В.И. Ермаков» is not singled out by a Vasily Ivanovich alone; among a staff it is
    crowd = [*CROWD, _article(16, "Василий Кравцов"), _article(17, "Василий Кравцов"),
             _article(1, "Vasily Ivanovich Yermakov"), _article(2, "В.И. Ермаков")]
    assert [1] in _groups(crowd) and [2] in _groups(crowd)
    staff = [*STAFF, _article(1, "Vasily Ivanovich Yermakov"), _article(2, "В.И. Ермаков")]
    assert [1, 2] in _groups(staff)


def test_east_asian_names_are_weighed_apart_from_russian_ones() -> None:
    # a crowd of Russian namesakes says nothing of Liu Yang, whom «Y. Liu» fits alone
    records = [*CROWD, _article(1, "Liu Yang"), _article(2, "Лю Ян"), _article(3, "Y. Liu"),
               _article(4, "Kim Young-soo"), _article(5, "Kim Y.-S."), _article(6, "Ким Ён Су")]
    groups = _groups(records)
    assert [1, 2, 3] in groups and [4, 5, 6] in groups


def _printed(scheme: str, cyrillic: bool, surname: str, first: str, father: str,
             form: int) -> str:
    def latin(word: str) -> str:
        return word if cyrillic else str(iuliia.schemas.get(scheme).translate(word))

    s, g, p = latin(surname), latin(first), latin(father)
    return [f"{g} {s}", f"{s} {g}", f"{g} {p} {s}", f"{s} {g[0]}.{p[0]}.", f"{g[0]}. {s}",
            f"{g[0]}.{p[0]}. {s}"][form]


PERSON = st.tuples(st.integers(0, len(SURNAME) - 1), st.integers(0, len(GIVEN) - 1),
                   st.integers(0, len(FATHER) - 1))
MENTION = st.tuples(PERSON, st.sampled_from(SCHEMES), st.booleans(), st.integers(0, 5))


def _corpus(drawn: list[tuple[tuple[int, int, int], str, bool, int]]) -> list[dict]:
    records = []
    for aid, ((s, g, f), scheme, cyrillic, form) in enumerate(drawn, 1):
        first, female = GIVEN[g]
        surname = SURNAME[s] + ("а" if female and not SURNAME[s].endswith("о") else "")
        records.append(_article(aid, _printed(scheme, cyrillic, surname, first,
                                              FATHER[f][female], form)))
    return records


@settings(max_examples=150, deadline=None)
@given(st.lists(MENTION, min_size=2, max_size=14))
def test_no_person_holds_two_mentions_that_conflict(drawn: list) -> None:
    """Whatever a crowd of namesakes prints (full names, initials, patronymics, any scheme,
    either script), no person holds two mentions whose surnames, given names, initials or
    patronymics conflict: no chain through a short form joins two people."""
    for person in resolve(mentions_of(_corpus(drawn))):
        for a, b in combinations(person.mentions, 2):
            assert conflict(a.parts, b.parts) is None, (a.name, b.name)


@settings(max_examples=100, deadline=None)
@given(st.lists(MENTION, min_size=2, max_size=12), st.randoms(use_true_random=False))
def test_which_article_holds_which_name_changes_no_person(drawn: list,
                                                        rng: random.Random) -> None:
    """The persons do not depend on the order of the articles, nor on their ids."""
    records = _corpus(drawn)
    ids = list(range(1, len(records) + 1))
    rng.shuffle(ids)
    moved = [msgspec.structs.replace(r, article_id=new) for r, new in zip(records, ids)]
    rng.shuffle(moved)
    back = dict(zip(ids, range(1, len(records) + 1)))
    assert _groups(records) == sorted(sorted(back[a] for a in g) for g in _groups(moved))
