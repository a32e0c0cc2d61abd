"""Score person resolution (archive/corpus/persons.py) on the clean-room mirrors: pairwise precision and
recall over every printed author mention, beside the baseline «group by display name».

    python -m bench.persons --mirror stranger --seed 1                # serve, crawl, score
    python -m bench.persons --mirror stranger2 --seed 1 --crawl DIR   # reuse DIR/articles.jsonl
    python -m bench.persons --mirror ours --seed 1                    # the project's own mirror

The truth of who is who comes from the generators' own person objects, not from any truth file:
fixtures/stranger draws each article's authors from a fixed cast (``Article.authors``), and the
project's mirror from its roster (``Person.key``), so a person is one across articles;
fixtures/stranger2 draws a person per article from name pools (``Article.persons``), so two
articles share a person when they drew the same name, patronymic included (its truth files keep
the printed forms but say nothing of identity across articles). On stranger2 two people who
differ only by a patronymic that one of them never prints cannot be told apart by any reader:
such pairs are counted apart («undecidable»). A truth author is matched to a record author of
its article by position when both list the same number, else by surname; a truth author the
crawl did not record is a person of its own. On the project's mirror only the articles the crawl
recorded count (the site has unpublished and restricted ones), and only the people an article
prints (it may credit authors it never names).
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import tempfile
from itertools import combinations
from pathlib import Path
from typing import Any

import msgspec

from ifes_archive.archive.corpus.person_names import same_word, word_keys
from ifes_archive.archive.corpus.person_store import resolve_folder
from ifes_archive.archive.corpus.persons import Authored

Mention = tuple[int, int]  # (article id, place among the article's truth authors)


def truth_people(mirror: str, seed: int) -> dict[int, list[tuple[Any, list[str]]]]:
    """Return each article's truth authors: (identity, surnames in both scripts)."""
    if mirror == "ours":
        from ifes_archive.fixtures.site import build_site as build_ours

        return {a.id: [(p.key, [p.name.split()[-1], p.name_ru.split()[-1]]) for p in a.authors
                       if _printed(p, a)] for a in build_ours(seed).articles}
    if mirror == "stranger":
        from ifes_archive.fixtures.stranger.generate import build_site

        site = build_site(seed)
        return {a.id: [(p, [*p.surnames, p.surname_ru]) for p in a.authors]
                for a in site.articles.values() if site.readable(a)}
    from ifes_archive.fixtures.stranger2.site import build_site as build_site2

    site2 = build_site2(seed)
    every = [*site2.articles.values(), *([site2.static] if site2.static else [])]
    return {a.id: [(p, [p.surname, p.surname_cyr]) for p in a.persons] for a in every}


def _printed(person: Any, article: Any) -> bool:
    """Whether the project's mirror prints a person's name on an article (its title, byline or
    author row: an article may credit people it never names)."""
    shown = " ".join(t or "" for t in (article.title_raw, article.byline, article.author_row))
    surnames = {person.name.split()[-1], person.name_ru.split()[-1]}
    return any(w.strip(".,") in surnames or same_word(word_keys(w.strip(".,")),
                                                      word_keys(person.name.split()[-1]))
               for w in shown.split())


def _align(truth: list[tuple[Any, list[str]]], authors: list[dict[str, Any]]) -> list[int | None]:
    """Return, per truth author, the place of the record author that is they (None: none)."""
    if len(truth) == len(authors):
        return list(range(len(truth)))
    placed: list[int | None] = []
    for _, surnames in truth:
        keys = frozenset().union(*(word_keys(s) for s in surnames))
        hits = [i for i, a in enumerate(authors) if i not in placed and any(
            same_word(keys, word_keys(w)) for s in a.get("spellings") or [a.get("name", "")]
            for w in s.split())]
        placed.append(hits[0] if hits else None)
    return placed


def pairwise(truth: dict[Mention, Any], predicted: dict[Mention, Any],
             printed: dict[Mention, list[str]]) -> dict[str, float]:
    """Return pairwise precision and recall of a grouping of the truth's mentions, and the
    wrong pairs no printed form could tell apart; ``recall_of_recorded`` counts only the pairs
whose two authors the crawl recorded (what resolution can do, extraction aside)."""
    same_truth = same_pred = both = undecidable = recorded = recorded_both = 0
    for a, b in combinations(sorted(truth), 2):
        t, p = truth[a] == truth[b], predicted[a] == predicted[b]
        same_truth, same_pred, both = same_truth + t, same_pred + p, both + (t and p)
        undecidable += p and not t and _namesakes(truth[a], truth[b], printed[a], printed[b])
        seen = t and bool(printed[a]) and bool(printed[b])
        recorded, recorded_both = recorded + seen, recorded_both + (seen and p)
    return {"precision": both / same_pred if same_pred else 1.0,
            "recall": both / same_truth if same_truth else 1.0,
            "recall_of_recorded": recorded_both / recorded if recorded else 1.0,
            "pairs_true": same_truth, "pairs_predicted": same_pred,
            "wrong_pairs_undecidable": undecidable}


def _namesakes(a: Any, b: Any, printed_a: list[str], printed_b: list[str]) -> bool:
    """Whether two stranger2 people share surname and given name, and one of the two never
    has a patronymic (or its initial) printed: nothing on the pages tells them apart."""
    if not hasattr(a, "patronymic") or (a.surname, a.given) != (b.surname, b.given):
        return False
    return not all(_shows_patronymic(p) for p in (printed_a, printed_b))


def _shows_patronymic(spellings: list[str]) -> bool:
    """Whether any spelling holds a patronymic or a second initial."""
    from ifes_archive.archive.corpus.person_names import is_patronymic, split_initials

    return any(is_patronymic(w) or len(split_initials(w)) > 1 or
               sum(bool(split_initials(x)) for x in s.split()) > 1
               for s in spellings for w in s.split())


def score(mirror: str, seed: int, corpus: Path) -> dict[str, Any]:
    """Resolve the crawl's persons and score them and the baseline against the truth."""
    records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    records = [r for r in records if r.get("status") != "superseded"]
    with tempfile.TemporaryDirectory(prefix="persons-") as folder:
        authored = msgspec.convert(records, list[Authored])  # corpus lines: their authors
        ids = resolve_folder(Path(folder), authored).ids_by_author()
    by_id = {r["article_id"]: r.get("authors") or [] for r in records}
    truth: dict[Mention, Any] = {}
    ours: dict[Mention, Any] = {}
    names: dict[Mention, Any] = {}
    printed: dict[Mention, list[str]] = {}
    for aid, people in truth_people(mirror, seed).items():
        if mirror == "ours" and aid not in by_id:
            continue
        authors = by_id.get(aid, [])
        for place, ((person, _), got) in enumerate(zip(people, _align(people, authors))):
            key = (aid, place)
            truth[key] = person
            alone = ("alone", key)
            name = authors[got]["name"] if got is not None else None
            ours[key] = ids.get((aid, name), alone) if name else alone
            names[key] = name or alone
            printed[key] = list(authors[got].get("spellings") or []) if got is not None else []
    return {"mirror": mirror, "seed": seed, "mentions": len(truth),
            "truth_persons": len(set(truth.values())),
            "persons_found": len(set(ours.values())), "display_names": len(set(names.values())),
            "persons": pairwise(truth, ours, printed),
            "by_display_name": pairwise(truth, names, printed)}


def _crawl(mirror: str, seed: int, out: Path, max_time: int) -> None:
    """Serve a seed of a mirror and crawl it as a user would (bench/stranger*.py's way)."""
    if mirror != "ours":
        bench = importlib.import_module(f"bench.{mirror}")
        bench.crawl_records(seed, out, max_time)
        return
    server = subprocess.Popen([sys.executable, "-m", "ifes_archive.fixtures.server", "--seed",
                               str(seed), "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        base = server.stdout.readline().strip()
        subprocess.run([sys.executable, "-m", "ifes_archive.crawler.cli", "crawl", "--base-url",
                        base, "--out", str(out), "--max-time", str(max_time), "-s",
                        "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"],
                       capture_output=True, check=False)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--mirror", choices=("stranger", "stranger2", "ours"), default="stranger")
    ap.add_argument("--seed", type=int, default=1,
                    help="1 for development; stranger >= 1000, stranger2 >= 7000 held out")
    ap.add_argument("--crawl", type=Path, help="a crawl of the seed (folder with articles.jsonl);"
                    " crawled into when it has none")
    ap.add_argument("--max-time", type=int, default=1800, help="the crawl's --max-time")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="persons-crawl-") as tmp:
        crawl = args.crawl or Path(tmp) / "crawl"
        if not (crawl / "articles.jsonl").is_file():
            _crawl(args.mirror, args.seed, crawl, args.max_time)
        result = score(args.mirror, args.seed, crawl / "articles.jsonl")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
