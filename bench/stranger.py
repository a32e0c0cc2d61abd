"""Score the project's crawl and extraction against the stranger mirror's own truth.

    python -m bench.stranger --seed 1            # serve, crawl as a user would, score
    python -m bench.stranger --seed 1 --pages    # ``ifes-archive extract`` page by page, no crawl
    python -m bench.stranger --seed 1000 --json  # held-out seed, figures as JSON

The scoring is bench/mirrors.py's (only whitespace normalised). One lenient figure is printed
beside the strict one, named as such: «authors lenient» matches each truth author's surname (the
last word of the display name) against the record name's words after transliteration folding.

Figures: articles found / expected (and records of ids that are not articles); text token F1,
micro over articles, with precision and recall; token-exact and paragraph-exact shares; title,
authors, date_published, date_modified, language, sections (exact set) and bio exact shares; then
the worst ten articles per field with a one-line difference.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import mirrors
from bench.mirrors import Article, cli, record_view
from ifes_archive.fixtures.stranger.app import App
from ifes_archive.fixtures.stranger.generate import build_site
from ifes_archive.fixtures.stranger.truth import article_truth

CYR = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "i",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "_",
            "y",
            "_",
            "e",
            "yu",
            "ya",
        ],
    )
)


def skeleton(word: str) -> str:
    """A spelling-insensitive key of a name word: transliterated, consonants only."""
    w = "".join(CYR.get(c, c) for c in word.lower()).replace("_", "")
    for a, b in (("zh", "j"), ("tz", "ts"), ("kh", "h"), ("ou", "u")):
        w = w.replace(a, b)
    w = re.sub(r"[^a-z]|[aeiouy]", "", w)
    return re.sub(r"(.)\1+", r"\1", w)


def authors_lenient(truth: list[str], got: list[str | None]) -> bool:
    if len(truth) != len(got):
        return False
    return all(
        skeleton(t.split()[-1]) in {skeleton(w) for w in re.split(r"[\s.]+", g or "") if w}
        for t, g in zip(truth, got)
    )


def _truth(seed: int) -> dict[int, Article]:
    return article_truth(build_site(seed))


MIRROR = mirrors.Mirror(
    "stranger", "ifes_archive.fixtures.stranger.serve", _truth, ">= 1000",
    ("title", "date_published", "date_modified", "language", "bio"),
    {"lenient": lambda t, names: authors_lenient(t["authors"], names)},
    "lenient (surnames, transliteration) {lenient}")


def crawl_records(seed: int, out: Path, max_time: int) -> tuple[dict[int, Article], str]:
    """Serve the seed, crawl it as a user would, read the current records."""
    return mirrors.crawl_records(MIRROR, seed, out, max_time)


def page_records(
    seed: int, truth: dict[int, dict], limit: int | None, workdir: Path
) -> dict[int, dict]:
    """``ifes-archive extract`` on each article's first page, under one of its listings' Itemids."""
    site = build_site(seed)
    base = "http://127.0.0.1:8080/"
    app = App(site, base)
    ids = list(truth)[:limit] if limit else list(truth)

    def one(aid: int) -> tuple[int, dict | None]:
        itemid = (site.itemids_for(site.articles[aid]) or [0])[0]
        target = f"/index.php?option=com_content&task=view&id={aid}" + (
            f"&Itemid={itemid}" if itemid else ""
        )
        resp = app.respond("GET", target, {})
        page = workdir / f"{aid}.html"
        page.write_bytes(resp.body)
        ctype = dict(resp.headers)["Content-Type"]
        run = subprocess.run(
            [
                cli(),
                "extract",
                str(page),
                "--url",
                base.rstrip("/") + target,
                "--content-type",
                ctype,
            ],
            capture_output=True,
            text=True,
        )
        return aid, record_view(
            json.loads(run.stdout)
        ) if run.returncode == 0 and run.stdout.strip() else None

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return {aid: rec for aid, rec in pool.map(one, ids) if rec is not None}


def page_truth(truth: dict[int, dict], limit: int | None) -> dict[int, dict]:
    """The truth of first pages: page 1's text; a bio only where page 1 holds it; no sections."""
    out = {}
    for aid, t in list(truth.items())[:limit] if limit else truth.items():
        first = t["page_texts"][0]
        bio = t["bio"] if t["bio"] and t["bio"] in first else None
        out[aid] = {**t, "text": first, "bio": bio}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = mirrors.arguments(MIRROR, __doc__ or "")
    ap.add_argument(
        "--pages", action="store_true", help="score `ifes-archive extract` page by page, no crawl"
    )
    ap.add_argument("--limit", type=int, help="--pages: only the first N articles")
    args = ap.parse_args(argv)
    if not args.pages:
        return mirrors.main(MIRROR, __doc__ or "", argv)
    truth = page_truth(_truth(args.seed), args.limit)
    with tempfile.TemporaryDirectory(prefix="stranger-") as tmp:
        work = args.out or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        records = page_records(args.seed, truth, args.limit, work)
    scores = mirrors.compare(MIRROR, truth, records)
    if args.json:
        print(json.dumps({"seed": args.seed, "mode": "pages", **scores}, ensure_ascii=False,
                         indent=1))
    else:
        print(mirrors.report(MIRROR, scores, f"stranger mirror, seed {args.seed} (extract, "
                             "page 1 of each article)", skip=("sections",)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
