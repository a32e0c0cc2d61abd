"""``ifes-archive release --tokens``: the lemma layer of a release of a crawl of the mirror, one
file of words with lemma and part of speech per article (issue 20, searching Russian)."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path

import pytest

from tests.conftest import Crawl, build_release_cli


@pytest.fixture(scope="module")
def tokened(crawl: Crawl, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tokens") / "release"
    assert build_release_cli(crawl.out, out, "--tokens") == 0
    return out


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream, delimiter="\t"))


def _records(release: Path) -> list[dict]:
    return [json.loads(line) for line in
            (release / "data" / "articles" / "articles.jsonl").read_text(encoding="utf-8").splitlines()]


def test_a_file_per_article_with_every_word_in_order(tokened: Path) -> None:
    records = _records(tokened)
    assert sorted(p.name for p in (tokened / "tokens").iterdir()) == \
        sorted(f"{r['article_id']}.tsv" for r in records)
    for record in records:
        rows = _rows(tokened / "tokens" / f"{record['article_id']}.tsv")
        paragraphs = [p for p in (record["text"] or "").split("\n\n") if p.strip()]
        assert [r["form"] for r in rows] == re.findall(r"[^\W_]+", "\n\n".join(paragraphs))
        assert {r["paragraph"] for r in rows} <= {str(i) for i in range(1, len(paragraphs) + 1)}
        assert all(r["article_id"] == str(record["article_id"]) and
                   r["version"] == str(record["version"]) for r in rows)


def test_russian_words_have_their_lemma_and_part_of_speech(tokened: Path) -> None:
    rows = [row for path in sorted((tokened / "tokens").iterdir()) for row in _rows(path)]
    seen = {(r["form"].casefold(), r["lemma"], r["upos"]) for r in rows}
    assert ("реформу", "реформа", "NOUN") in seen
    assert ("реформы", "реформа", "NOUN") in seen
    assert any(upos == "VERB" for _, _, upos in seen)
    latin = [r for r in rows if re.fullmatch(r"[A-Za-z]+", r["form"])]
    assert latin and all(r["lemma"] == "" and r["upos"] == "X" for r in latin)
    cyrillic = [r for r in rows if re.fullmatch(r"[А-Яа-яЁё]+", r["form"])]
    assert cyrillic and all(r["lemma"] and r["tag"] for r in cyrillic)


def test_the_layer_is_described_and_checksummed(tokened: Path, release: Path) -> None:
    assert "`tokens/` is the lemma layer" in (tokened / "README.md").read_text(encoding="utf-8")
    sums = dict(reversed(line.split("  ", 1)) for line in
                (tokened / "SHA256SUMS").read_text(encoding="utf-8").splitlines())
    for path in (tokened / "tokens").iterdir():
        assert sums[f"tokens/{path.name}"] == hashlib.sha256(path.read_bytes()).hexdigest()
    # opt-in: the default release has none
    assert not (release / "tokens").exists()
    assert "tokens/" not in (release / "README.md").read_text(encoding="utf-8")
