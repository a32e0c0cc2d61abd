"""Text scores as the Zyte/Scrapinghub article-extraction-benchmark computes them.

``\\w+`` tokens (case kept), multisets of 4-token shingles (a text shorter than that is one
shingle), per page true positives, false positives and false negatives; precision averaged over
the pages where something was predicted, recall over the pages with a reference text, F1 of the
two averages. *Token-exact* is the share of pages whose token sequence equals the reference's
(the benchmark's "accuracy").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

SHINGLE = 4
"""Shingle length of the benchmark."""
_TOKEN = re.compile(r"\w+")


def tokens(text: str | None) -> list[str]:
    """Return the ``\\w+`` tokens of *text*."""
    return _TOKEN.findall(text or "")


def shingles(text: str | None) -> Counter:
    """Return the multiset of 4-token shingles of *text*."""
    found = tokens(text)
    return Counter(tuple(found[i:i + SHINGLE]) for i in range(max(1, len(found) - SHINGLE + 1))
                   if found[i:i + SHINGLE])


@dataclass
class TextScores:
    """Text scores over a set of pages."""

    counts: list[tuple[float, float, float]] = field(default_factory=list)
    exact: list[bool] = field(default_factory=list)

    def add(self, expected: str | None, got: str | None) -> tuple[float, float, float]:
        """Score one page; return its (tp, fp, fn)."""
        true, pred = shingles(expected), shingles(got)
        tp = float(sum((true & pred).values()))
        fp, fn = float(sum((pred - true).values())), float(sum((true - pred).values()))
        self.counts.append((tp, fp, fn))
        self.exact.append(tokens(expected) == tokens(got))
        return tp, fp, fn

    def precision(self) -> float:
        """Precision averaged over pages with a prediction."""
        values = [_ratio(tp, fp, fn, fp) for tp, fp, fn in self.counts if tp + fp > 0]
        return sum(values) / len(values) if values else 0.0

    def recall(self) -> float:
        """Recall averaged over pages with a reference text."""
        values = [_ratio(tp, fp, fn, fn) for tp, fp, fn in self.counts if tp + fn > 0]
        return sum(values) / len(values) if values else 0.0

    def f1(self) -> float:
        """F1 of the averaged precision and recall."""
        p, r = self.precision(), self.recall()
        return 2 * p * r / (p + r) if p + r else 0.0

    def token_exact(self) -> float:
        """Share of pages whose tokens equal the reference's."""
        return sum(self.exact) / len(self.exact) if self.exact else 0.0


def _ratio(tp: float, fp: float, fn: float, wrong: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == wrong == 0:
        return 0.0
    return tp / (tp + wrong)
