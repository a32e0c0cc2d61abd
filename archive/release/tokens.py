"""The lemma layer of a release, for linguists: ``ifes-archive release --tokens`` writes
``tokens/ARTICLE_ID.tsv`` (``ARTICLE_ID-vVERSION.tsv`` with ``--all-versions``), one row per word
of each released text.

Columns: article_id, version, paragraph (1-based, paragraphs as blank lines part them in the
text), token (1-based within its paragraph), form (as printed), lemma, upos, tag. Russian words
are read by pymorphy3 with its OpenCorpora dictionary (``pymorphy3-dicts-ru``: the data ships in
the package, nothing is downloaded): the most likely reading's normal form, its part of speech
as a Universal Dependencies tag where the mapping is one to one, and the full OpenCorpora tag.
Numbers are ``NUM`` (lemma the number); other words (Latin script) have an empty lemma and
``X``: pymorphy3 reads Russian only. Words are what FTS5's unicode61 tokenizer counts as words
(letters and digits); punctuation is not a token. Opt-in: reading every word of the corpus
takes minutes on a large archive, which a default release does not spend.
"""

from __future__ import annotations

import csv
import json
from typing import TYPE_CHECKING, Any

from ifes_archive.archive.release.table_files import table_jsonl
from ifes_archive.archive.release.wordforms import WORD

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

FOLDER = "tokens"
COLUMNS = ("article_id", "version", "paragraph", "token", "form", "lemma", "upos", "tag")
#: OpenCorpora parts of speech with one Universal Dependencies tag (participles and gerunds are
#: verb forms in UD; PRED, «можно», «нельзя», has none and stays X).
UPOS = {"NOUN": "NOUN", "ADJF": "ADJ", "ADJS": "ADJ", "COMP": "ADJ", "VERB": "VERB",
        "INFN": "VERB", "PRTF": "VERB", "PRTS": "VERB", "GRND": "VERB", "NUMR": "NUM",
        "ADVB": "ADV", "NPRO": "PRON", "PREP": "ADP", "CONJ": "CCONJ", "PRCL": "PART",
        "INTJ": "INTJ"}


class NoMorphology(RuntimeError):
    """pymorphy3 (and its Russian dictionary) is not installed."""


def analyzer() -> Any:
    """Return pymorphy3's Russian analyser, or raise :class:`NoMorphology` saying what to
    install."""
    try:
        import pymorphy3

        return pymorphy3.MorphAnalyzer(lang="ru")
    except (ImportError, ValueError) as exc:
        raise NoMorphology("--tokens needs pymorphy3 and its Russian dictionary: "
                           "pip install 'ifes-archive[tokens]'") from exc


def reading(morph: Any, form: str) -> tuple[str, str, str]:
    """Return (lemma, UPOS, OpenCorpora tag) of one word."""
    if form.isdigit():
        return form, "NUM", ""
    if not any("а" <= ch <= "я" or ch == "ё" for ch in form.casefold()):
        return "", "X", ""
    best = morph.parse(form)[0]
    return best.normal_form, UPOS.get(str(best.tag.POS), "X"), str(best.tag)


def token_rows(morph: Any, record: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """Return the rows of one record's text, word by word."""
    paragraphs = [p for p in (record.get("text") or "").split("\n\n") if p.strip()]
    for number, paragraph in enumerate(paragraphs, 1):
        for index, form in enumerate(WORD.findall(paragraph), 1):
            yield (record["article_id"], record.get("version"), number, index, form,
                   *reading(morph, form))


def write_tokens(root: Path, all_versions: bool) -> int:
    """Write the token files of the release at ``root`` (from its ``articles`` table's JSON
    Lines); return how many."""
    morph = analyzer()
    folder = root / FOLDER
    folder.mkdir()
    count = 0
    with open(table_jsonl(root / "data", "articles"), encoding="utf-8") as rows:
        for line in rows:
            record = json.loads(line)
            name = f"{record['article_id']}" + (f"-v{record.get('version')}"
                                                if all_versions else "")
            with open(folder / f"{name}.tsv", "w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out, delimiter="\t", lineterminator="\n")
                writer.writerow(COLUMNS)
                writer.writerows(token_rows(morph, record))
            count += 1
    return count
