"""The one scorer of both clean-room mirrors (bench/mirrors.py): the truth scores perfect, and
each kind of damage to a record costs exactly its field, the same way for either mirror."""

from __future__ import annotations

import copy

import pytest

from bench import mirrors, stranger, stranger2


def _as_records(truth: dict[int, dict]) -> dict[int, dict]:
    return {aid: {**copy.deepcopy(t), "flags": []} for aid, t in truth.items()}


@pytest.mark.parametrize("bench", [stranger, stranger2], ids=["stranger", "stranger2"])
def test_the_truth_scores_perfect_and_damage_costs_its_field(bench) -> None:
    mirror = bench.MIRROR
    truth = mirror.truth(1)
    records = _as_records(truth)
    perfect = mirrors.compare(mirror, truth, records)
    assert perfect["found"] == perfect["expected"] == len(truth)
    for figure in ("text_f1", "text_exact", "paragraphs_exact", *mirror.exact, "authors",
                   *(f"authors_{w}" for w in mirror.authors), "sections"):
        assert perfect[figure] == 1.0, figure
    first, second, third = sorted(aid for aid, t in truth.items() if t["authors"])[:3]
    records[first]["title"] = "Another title"
    records[second]["authors"] = list(reversed(records[second]["authors"])) + ["Nobody Else"]
    del records[third]
    damaged = mirrors.compare(mirror, truth, records)
    n = len(truth)
    assert damaged["title"] == pytest.approx(1 - 2 / n)  # the title changed, and the lost one
    assert damaged["authors"] == pytest.approx(1 - 2 / n)
    assert damaged["found"] == n - 1 and damaged["text_recall"] < 1.0
    assert damaged["worst"]["authors"][0].startswith(f"{third}: not recorded")
    assert any(w.startswith(f"{second}:") for w in damaged["worst"]["authors"])
    report = mirrors.report(mirror, damaged, "head")
    assert f"articles found   {n - 1} / {n}" in report and "worst title:" in report
