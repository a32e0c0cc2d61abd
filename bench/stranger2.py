"""Score the project's crawl against the second clean-room mirror (fixtures/stranger2/).

    python -m bench.stranger2 --seed 1           # serve, crawl as a user would, score
    python -m bench.stranger2 --seed 7000 --json # a held-out seed, figures as JSON

The scoring is bench/mirrors.py's (only whitespace normalised); the subtitle is scored too.
Authors are scored three ways: exact (the byline's form, the truth's display name), «a form the
page prints» (each record name has the words of the byline's or the title prefix's form of that
person, in any order; the people in byline order) and «lenient» (same words, any order, dots
ignored).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from bench import mirrors
from bench.mirrors import Article
from ifes_archive.fixtures.stranger2.site import build_site
from ifes_archive.fixtures.stranger2.truth import article_truth


def name_words(name: str) -> list[str]:
    """Return a name's words, sorted, full stops dropped."""
    return sorted(w for w in re.split(r"[\s.]+", name) if w)


def printed(t: Article, names: list[str | None]) -> bool:
    """Whether each record name is a form the page prints of that person, in byline order."""
    return len(names) == len(t["authors"]) and all(
        name_words(n or "") in [name_words(f) for f in forms]
        for n, forms in zip(names, t["author_forms"]))


def lenient(t: Article, names: list[str | None]) -> bool:
    """Whether each record name has the words of the truth's, in any order."""
    return len(names) == len(t["authors"]) and all(
        name_words(a) == name_words(b or "") for a, b in zip(t["authors"], names))


def _truth(seed: int) -> dict[int, Article]:
    return article_truth(build_site(seed))


MIRROR = mirrors.Mirror(
    "stranger2", "ifes_archive.fixtures.stranger2.serve", _truth, ">= 7000",
    ("title", "subtitle", "date_published", "date_modified", "language", "bio"),
    {"printed": printed, "lenient": lenient},
    "a form the page prints (any order) {printed}   lenient (same words, any order) {lenient}",
    worst=12)


def crawl_records(seed: int, out: Path, max_time: int) -> tuple[dict[int, Article], str]:
    """Serve the seed, crawl it as a user would, read the current records."""
    return mirrors.crawl_records(MIRROR, seed, out, max_time)


def main(argv: list[str] | None = None) -> int:
    return mirrors.main(MIRROR, __doc__ or "", argv)


if __name__ == "__main__":
    sys.exit(main())
