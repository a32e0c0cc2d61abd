"""The quality gate: extraction scores on the gold set may not drop below the stored floors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.extract import GOLD, TARGETS, load_committed, load_seed, ours, refusals_right, score
from ifes_archive.fixtures.gold.derive import gold_set

FLOORS = json.loads((GOLD / "floors.json").read_text(encoding="utf-8"))
#: A seed nobody tuned to: the generator draws every quirk on its own (fixtures/quirks.py), so
#: this is a site whose combinations the extractor was not written against. It was written into
#: this test before anyone ran the extractor on it; a failure here is a class of failure to
#: fix in general, never by looking at this seed's pages.
UNTUNED_SEED = 4242


@pytest.fixture(scope="module")
def committed() -> list:
    return load_committed()


def test_gold_set_is_big_enough_and_covers_both_languages(committed: list) -> None:
    pages = sum(len(c.pages) for c in committed if c.expected is not None)
    assert pages >= 60
    assert {c.expected["language"] for c in committed if c.expected and c.expected["text"]} == {
        "en", "ru"}
    assert all(c.expected["language"] is None for c in committed if c.expected
               and not c.expected["text"])  # an empty body has no language


def test_committed_gold_is_what_the_generator_gives() -> None:
    """The expected records are derived, not hand-edited: re-deriving gives the same."""
    cases, _ = gold_set(1)
    lines = (GOLD / "cases.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["expected"] for line in lines] == [c.expected for c in cases], \
        "the generator changed: re-derive the gold set (python -m ifes_archive.fixtures.gold.derive)"
    for line, case in zip(lines, cases):
        files = [p["file"] for p in json.loads(line)["pages"]]
        assert [(GOLD / f).read_bytes() for f in files] == [p.body for p in case.pages]


@pytest.fixture(scope="module")
def scores(committed: list) -> dict:
    return score("ifes-archive", ours, committed).summary()


@pytest.mark.parametrize("name", [k for k in FLOORS if not k.startswith("_")])
def test_gold_score_is_not_below_its_floor(committed: list, scores: dict, name: str) -> None:
    if name == "refusals":
        right, count = refusals_right(committed)
        assert count and right / count >= FLOORS[name]
        return
    assert scores[name] >= FLOORS[name], f"{name}: {scores[name]} < floor {FLOORS[name]}"


def test_targets_hold_on_a_site_nobody_tuned_to() -> None:
    scores = score("ifes-archive", ours, load_seed(UNTUNED_SEED)).summary()
    missed = {k: v for k, v in scores.items() if v is not None and v < TARGETS[k]}
    assert not missed


def test_records_are_deterministic(committed: list) -> None:
    case = next(c for c in committed if c.expected and len(c.pages) > 1)
    assert ours(case) == ours(case)
    assert Path(GOLD / "floors.json").exists()


def test_records_follow_the_shipped_schema(committed: list) -> None:
    import jsonschema

    from ifes_archive.archive.page.schema import record_schema

    validator = jsonschema.Draft202012Validator(record_schema())
    records = [ours(c) for c in committed if c.expected]
    assert records
    for record in records:
        validator.validate(record)


def test_records_say_where_their_authors_were_read(committed: list) -> None:
    """``authors_sources`` as the drawn data has it; the gold holds bylines that alone name
    the authors (a paragraph of names opening the body, fixtures.quirks.lone_bylines)."""
    cases = [c for c in committed if c.expected]
    lines = [json.loads(line) for line in (GOLD / "cases.jsonl").read_text(
        encoding="utf-8").splitlines()]
    lone = [c["expected"]["authors_sources"] for c in lines if "lone_byline" in c["quirks"]]
    assert len(lone) >= 2 and all(sources == ["byline"] for sources in lone)
    assert [ours(c)["authors_sources"] for c in cases] == [
        c.expected["authors_sources"] for c in cases]
