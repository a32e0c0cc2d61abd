"""Persons across articles: spellings of one person merged across romanisation schemes and
scripts, people whose names conflict kept apart, ids kept and the curator honoured."""

from __future__ import annotations

import json
from pathlib import Path

import iuliia
import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from ifes_archive.archive.corpus.person_names import SCHEMES
from ifes_archive.archive.corpus.person_store import CURATED, STORE, read_store, resolve_folder
from ifes_archive.archive.corpus.persons import Authored, mentions_of, resolve
from ifes_archive.archive.types import Person
from ifes_archive.crawler.cli import main

#: Russian people in Cyrillic: (given, patronymic, surname), surnames in both genders' forms.
GIVEN = ["Игорь", "Татьяна", "Людмила", "Юлия", "Дмитрий", "Сергей", "Наталья", "Юрий",
         "Алексей", "Ксения", "Фёдор", "Евгений", "Василий", "Ольга", "Яков", "Анастасия",
         "Валерий", "Елена", "Екатерина", "Вячеслав", "Илья", "Андрей", "Григорий", "Артём"]
PATRONYMIC = ["Васильевич", "Олегович", "Юрьевич", "Николаевич", "Петрович", "Фёдорович"]
SURNAME = ["Журавлёв", "Зайцева", "Воробьёва", "Щербакова", "Хохлов", "Соловьёв", "Кузнецов",
           "Яковлев", "Цветков", "Чугров", "Ефимова", "Жуков", "Ильина", "Юдин", "Шевченко"]


def _article(aid: int, *authors: tuple[str, list[str]]) -> Authored:
    return Authored(aid, [Person(name, spellings) for name, spellings in authors])


def _people(*records: Authored) -> list[list[tuple[int, str]]]:
    return [[(m.article_id, m.name) for m in p.mentions] for p in resolve(mentions_of(records))]


def _romanised(scheme: str, word: str) -> str:
    return str(iuliia.schemas.get(scheme).translate(word))


def test_the_issue_s_spellings_are_one_person_each() -> None:
    people = _people(
        _article(1, ("Igor Zhuravlyov", ["Igor Zhuravlyov", "Zhuravlyov I.V."])),
        _article(2, ("Igor Zhuravlev", ["Igor Zhuravlev"])),
        _article(3, ("Игорь Журавлёв", ["Журавлёв И.В.", "Игорь Васильевич Журавлёв"])),
        _article(4, ("Tatiana Zaitseva", ["Tatiana Zaitseva", "Zaitseva Tatiana"])),
        _article(5, ("Tatyana Zaitseva", ["Tatyana Zaitseva"])),
        _article(6, ("T.O. Zaitseva", ["T.O. Zaitseva", "Zaitseva T.O."])),
        _article(7, ("Lyudmila Vorobyova", ["Lyudmila Vorobyova"])),
        _article(8, ("Ludmila Vorobieva", ["Ludmila Vorobieva"])),
        _article(9, ("Людмила Воробьёва", ["Людмила Воробьёва", "Воробьёва Л."])))
    assert sorted(sorted(a for a, _ in p) for p in people) == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]


def test_conflicting_given_names_initials_and_gender_forms_stay_apart() -> None:
    people = _people(
        _article(1, ("Tatiana Zaitseva", ["Tatiana Zaitseva"])),
        _article(2, ("Tamara Zaitseva", ["Tamara Zaitseva"])),
        _article(3, ("Yury Zaitsev", ["Yury Zaitsev"])),
        _article(4, ("O. Zaitseva", ["O. Zaitseva"])),
        _article(5, ("Tatiana Zaitseva", ["Tatiana Zaitseva", "Zaitseva T.O."])),
        _article(6, ("T. Zaitseva", ["Zaitseva T.P.", "T. Zaitseva"])))
    assert sorted(sorted(a for a, _ in p) for p in people) == [[1, 5], [2], [3], [4], [6]]


def test_a_bare_initial_that_fits_two_persons_is_kept_apart_and_says_why() -> None:
    records = [_article(1, ("Dmitry Kuznetsov", ["Dmitry Kuznetsov"])),
               _article(2, ("Denis Kuznetsov", ["Denis Kuznetsov"])),
               _article(3, ("D. Kuznetsov", ["D. Kuznetsov"]))]
    people = resolve(mentions_of(records))
    alone = next(p for p in people if p.mentions[0].article_id == 3)
    assert [len(p.mentions) for p in people] == [1, 1, 1] and alone.closed
    assert alone.evidence[0]["rule"] == "ambiguous"
    assert "Denis Kuznetsov" in alone.evidence[0]["detail"]


def test_east_asian_names_meet_across_scripts_and_orders() -> None:
    people = _people(
        _article(1, ("Zhang Weiguo", ["Zhang Weiguo", "W. Zhang"])),
        _article(2, ("Чжан Вэйго", ["Чжан Вэйго", "В. Чжан"])),
        _article(3, ("Kazuo Ohgawa", ["Kazuo Ohgawa"])),
        _article(4, ("Огава Кадзуо", ["Огава Кадзуо"])),
        _article(5, ("Park Jin-ho", ["Park Jin-ho", "Jin-ho Park"])),
        _article(6, ("Пак Чин Хо", ["Пак Чин Хо"])),
        _article(7, ("Zhang Lei", ["Zhang Lei"])),
        _article(8, ("Li Jun", ["Li Jun"])),  # a surname of two letters is no initial
        _article(9, ("Ли Цзюнь", ["Ли Цзюнь"])),
        _article(10, ("Wu Jun", ["Wu Jun"])))
    assert sorted(sorted(a for a, _ in p) for p in people) == \
        [[1, 2], [3, 4], [5, 6], [7], [8, 9], [10]]


def test_a_japanese_surname_with_a_long_vowel_s_h_is_the_surname_in_every_spelling() -> None:
    # «Ohgawa Kazuo» beside «K. Ōgawa»: Ohgawa is the surname, not a given name of two words
    people = _people(
        _article(1, ("Kazuo Ōgawa", ["K. Ōgawa", "Ohgawa Kazuo"])),
        _article(2, ("Kazuo Ōgawa", ["Kazuo Ōgawa", "Ōgawa K."])),
        _article(3, ("K. Ōgawa", ["Ōgawa K."])),
        _article(4, ("Satoh Yuko", ["Satoh Yuko", "Satō Y."])),
        _article(5, ("Yūko Satō", ["Yūko Satō"])))
    assert sorted(sorted(a for a, _ in p) for p in people) == [[1, 2, 3], [4, 5]]


def test_a_hepburn_initial_fits_a_polivanov_given_name_and_no_other() -> None:
    # «Sh.» begins Shigeki and Сигэки (си = shi); it begins no Кэндзи
    people = _people(
        _article(1, ("Shigeki Hakamada", ["Shigeki Hakamada", "Hakamada Shigeki"])),
        _article(2, ("Сигэки Хакамада", ["Сигэки Хакамада"])),
        _article(3, ("Sh. Hakamada", ["Hakamada Sh."])),
        _article(4, ("Кэндзи Хакамада", ["Кэндзи Хакамада"])))
    assert sorted(sorted(a for a, _ in p) for p in people) == [[1, 2, 3], [4]]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(GIVEN), st.sampled_from(PATRONYMIC), st.sampled_from(SURNAME),
       st.lists(st.sampled_from(SCHEMES), min_size=2, max_size=5),
       st.lists(st.integers(0, 3), min_size=5, max_size=5))
def test_one_person_romanised_by_any_schemes_is_one_person(
        first: str, father: str, surname: str, schemes: list[str], forms: list[int]) -> None:
    """The same person, printed in Cyrillic and romanised by schemes drawn at random, in
    several forms (given surname, surname given, initials, with a patronymic)."""
    if surname.endswith("а"):  # a woman's surname: a woman's patronymic
        father = father[:-2] + "на" if father.endswith("ич") else father
    records = [_article(0, (f"{first} {surname}", [f"{first} {father} {surname}"]))]
    for aid, (scheme, form) in enumerate(zip(schemes, forms), 1):
        g, p, s = (_romanised(scheme, w) for w in (first, father, surname))
        printed = [f"{g} {s}", f"{s} {g}", f"{g} {p} {s}", f"{s} {g[0]}.{p[0]}."][form]
        # the record's display name is «given surname» (initials when no form has it)
        name = f"{g[0]}.{p[0]}. {s}" if form == 3 else f"{g} {s}"
        records.append(_article(aid, (name, [printed])))
    people = _people(*records)
    assert len(people) == 1, (people, schemes)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(GIVEN), min_size=2, max_size=2, unique=True),
       st.sampled_from(SURNAME), st.sampled_from(SCHEMES), st.sampled_from(SCHEMES))
def test_two_given_names_never_merge(names: list[str], surname: str, one: str,
                                     other: str) -> None:
    records = [_article(1, (f"{_romanised(one, names[0])} {_romanised(one, surname)}", [])),
               _article(2, (f"{_romanised(other, names[1])} {_romanised(other, surname)}", [])),
               _article(3, (f"{names[1]} {surname}", []))]
    people = _people(*records)
    assert all(len({name.split()[0] for _, name in p}) <= 2 for p in people)
    assert not any({1, 2} <= {a for a, _ in p} for p in people), people


def _write_corpus(folder: Path, *records: Authored) -> None:
    lines = [json.dumps({**msgspec.to_builtins(r), "url": f"http://x/{r.article_id}"},
                        ensure_ascii=False) for r in records]
    (folder / "articles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_ids_survive_new_articles_and_the_curator_is_honoured(tmp_path: Path, capsys) -> None:
    first = [_article(1, ("Igor Zhuravlev", ["Igor Zhuravlev"])),
             _article(2, ("Tatiana Zaitseva", ["Tatiana Zaitseva"])),
             _article(3, ("Игорь Журавлёв", ["Игорь Журавлёв"]))]
    _write_corpus(tmp_path, *first)
    assert main(["persons", str(tmp_path)]) == 0
    ids = resolve_folder(tmp_path, first, update=False).ids_by_author()
    igor, tatiana = ids[1, "Igor Zhuravlev"], ids[2, "Tatiana Zaitseva"]
    assert ids[3, "Игорь Журавлёв"] == igor != tatiana
    assert f"{igor}  Igor Zhuravlev / Игорь Журавлёв  2 articles" in capsys.readouterr().out
    # a recrawl: new articles before and among the old ones, a new person
    later = [_article(0, ("Tatyana Zaitseva", ["Tatyana Zaitseva"])), *first,
             _article(4, ("Lyudmila Vorobyova", ["Lyudmila Vorobyova"])),
             _article(5, ("T. Zaitseva", ["T. Zaitseva"]))]
    result = resolve_folder(tmp_path, later)
    ids = result.ids_by_author()
    assert (ids[1, "Igor Zhuravlev"], ids[2, "Tatiana Zaitseva"]) == (igor, tatiana)
    assert ids[0, "Tatyana Zaitseva"] == ids[5, "T. Zaitseva"] == tatiana
    lyudmila = ids[4, "Lyudmila Vorobyova"]
    assert lyudmila not in (igor, tatiana) and result.new == [lyudmila]
    # the curator: article 3's Igor is another man; Lyudmila and Tatiana are one (say)
    (tmp_path / CURATED).write_text(json.dumps({
        "split": [{"article_id": 3, "spelling": "Игорь Журавлёв", "note": "a namesake"}],
        "merge": [{"persons": [tatiana, lyudmila], "note": "one person"}]}), encoding="utf-8")
    for _ in range(2):  # and every later run
        ids = resolve_folder(tmp_path, later).ids_by_author()
        assert ids[1, "Igor Zhuravlev"] == igor and ids[3, "Игорь Журавлёв"] != igor
        assert ids[4, "Lyudmila Vorobyova"] == ids[2, "Tatiana Zaitseva"] == tatiana
    store = read_store(tmp_path)
    assert lyudmila in store.retired and lyudmila not in store.persons
    assert store.next_id > int(max(store.persons)[1:])  # never given again
    assert (tmp_path / STORE).is_file()


def test_a_curated_file_that_cannot_be_read_is_one_line(tmp_path: Path, capsys) -> None:
    _write_corpus(tmp_path, _article(1, ("Igor Zhuravlev", ["Igor Zhuravlev"])))
    (tmp_path / CURATED).write_text('{"merge": [{"persons": "P000001"}]}', encoding="utf-8")
    assert main(["persons", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "each merge needs" in err


def test_persons_needs_a_corpus_and_a_dry_run_writes_nothing(tmp_path: Path, capsys) -> None:
    assert main(["persons", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith(f"ifes-archive persons: no corpus at {tmp_path}")
    _write_corpus(tmp_path, _article(1, ("Igor Zhuravlev", ["Igor Zhuravlev"])))
    assert main(["persons", str(tmp_path), "--dry-run"]) == 0
    assert "1 persons from 1 authors" in capsys.readouterr().out
    assert not (tmp_path / STORE).exists()


def test_a_store_cut_short_is_one_line_not_new_ids(tmp_path: Path, capsys) -> None:
    _write_corpus(tmp_path, _article(1, ("Igor Zhuravlev", ["Igor Zhuravlev"])))
    assert main(["persons", str(tmp_path)]) == 0
    stored = (tmp_path / STORE).read_text(encoding="utf-8")
    (tmp_path / STORE).write_text(stored[:40], encoding="utf-8")
    assert main(["persons", str(tmp_path)]) == 2
    assert "cannot be read" in capsys.readouterr().err
    assert (tmp_path / STORE).read_text(encoding="utf-8") == stored[:40]  # left for the user
