"""Score the project's crawl and extraction against the stranger mirror's own truth.

    python -m bench.stranger --seed 1            # serve, crawl as a user would, score
    python -m bench.stranger --seed 1 --pages    # ``ifes-archive extract`` page by page, no crawl
    python -m bench.stranger --seed 1000 --json  # held-out seed, figures as JSON

What is normalised, and nothing else: whitespace. Text is compared as whitespace-split tokens
(so paragraph breaks, line breaks, NBSP and runs of spaces do not count; «paragraphs exact»
checks the blank-line structure separately, each paragraph's whitespace collapsed); titles,
author names, section names and bios are compared with runs of whitespace collapsed and ends
stripped. Case, punctuation, quotes and spelling all count. One lenient figure is printed beside
the strict one, named as such: «authors lenient» matches each truth author's surname (the last
word of the display name) against the record name's words after transliteration folding.
An expected article the run did not record counts as wrong in every field.

Figures: articles found / expected (and records of ids that are not articles); text token F1,
micro over articles, with precision and recall; token-exact and paragraph-exact shares; title,
authors, date_published, date_modified, language, sections (exact set) and bio exact shares; then
the worst ten articles per field with a one-line difference.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ifes_archive.fixtures.stranger.app import App
from ifes_archive.fixtures.stranger.generate import build_site
from ifes_archive.fixtures.stranger.truth import article_truth

ROOT = Path(__file__).resolve().parents[1]

FIELDS = [
    "text",
    "title",
    "authors",
    "date_published",
    "date_modified",
    "language",
    "sections",
    "bio",
]
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


def ws(s: str | None) -> str | None:
    return None if s is None else " ".join(s.split())


def skeleton(word: str) -> str:
    """A spelling-insensitive key of a name word: transliterated, consonants only."""
    w = "".join(CYR.get(c, c) for c in word.lower()).replace("_", "")
    for a, b in (("zh", "j"), ("tz", "ts"), ("kh", "h"), ("ou", "u")):
        w = w.replace(a, b)
    w = re.sub(r"[^a-z]|[aeiouy]", "", w)
    return re.sub(r"(.)\1+", r"\1", w)


def authors_lenient(truth: list[str], got: list[str]) -> bool:
    if len(truth) != len(got):
        return False
    return all(
        skeleton(t.split()[-1]) in {skeleton(w) for w in re.split(r"[\s.]+", g) if w}
        for t, g in zip(truth, got)
    )


def record_view(rec: dict[str, Any]) -> dict[str, Any]:
    """The scored fields of an ``articles.jsonl`` record, in the truth's shape."""

    def value(d: dict | None) -> str | None:
        return d.get("value") if d else None

    return {
        "text": rec.get("text") or "",
        "title": rec.get("title"),
        "authors": [a.get("name") for a in rec.get("authors") or []],
        "date_published": value(rec.get("date_published")),
        "date_modified": value(rec.get("date_modified")),
        "language": rec.get("language"),
        "sections": rec.get("sections") or [],
        "bio": rec.get("bio"),
    }


def _excerpt(truth: str, got: str) -> str:
    """Where two texts first part, as «truth …[a b]… | got …[c]…»."""
    t, g = truth.split(), got.split()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, t, g, autojunk=False).get_opcodes():
        if op != "equal":

            def show(words: list[str], a: int, b: int) -> str:
                return " ".join(
                    words[max(0, a - 3) : a]
                    + ["["]
                    + words[a : min(b, a + 8)]
                    + ["]"]
                    + words[b : b + 2]
                )

            return f"{op}: truth …{show(t, i1, i2)}… | got …{show(g, j1, j2)}…"
    return "same tokens, different paragraphs"


def compare(truth: dict[int, dict], records: dict[int, dict]) -> dict[str, Any]:
    """Every figure, and the ten worst articles per field."""
    n = len(truth)
    ok: Counter = Counter()
    overlap = t_total = g_total = 0
    worst: dict[str, list[tuple[float, int, str]]] = {f: [] for f in FIELDS}
    for aid, t in truth.items():
        r = records.get(aid)
        if r is None:
            for f in FIELDS:
                worst[f].append((-1.0, aid, "not recorded"))
            t_total += len(t["text"].split())
            continue
        tt, gt = t["text"].split(), r["text"].split()
        common = sum((Counter(tt) & Counter(gt)).values())
        overlap, t_total, g_total = overlap + common, t_total + len(tt), g_total + len(gt)
        f1 = 2 * common / (len(tt) + len(gt)) if tt or gt else 1.0
        ok["text_exact"] += tt == gt
        paras = [ws(p) for p in t["text"].split("\n\n") if p.strip()]
        ok["paragraphs"] += paras == [ws(p) for p in r["text"].split("\n\n") if p.strip()]
        if tt != gt:
            worst["text"].append((f1, aid, f"F1 {f1:.3f}; " + _excerpt(t["text"], r["text"])))
        for f in ("title", "bio", "language", "date_published", "date_modified"):
            good = ws(t[f]) == ws(r[f])
            ok[f] += good
            if not good:
                worst[f].append((0.0, aid, f"truth {t[f]!r:.90} | got {r[f]!r:.90}"))
        names = [ws(a) for a in r["authors"]]
        ok["authors"] += names == t["authors"]
        ok["authors_lenient"] += authors_lenient(t["authors"], names)
        if names != t["authors"]:
            worst["authors"].append(
                (
                    float(authors_lenient(t["authors"], names)),
                    aid,
                    f"truth {t['authors']} | got {names}",
                )
            )
        ts, gs = set(t["sections"]), {ws(s) for s in r["sections"]}
        ok["sections"] += ts == gs
        if ts != gs:
            worst["sections"].append(
                (
                    len(ts & gs) / len(ts | gs),
                    aid,
                    f"missing {sorted(ts - gs)} extra {sorted(gs - ts)}",
                )
            )
    p = overlap / g_total if g_total else 0.0
    rc = overlap / t_total if t_total else 0.0
    found = len(set(truth) & set(records))
    share = {k: v / n if n else 0.0 for k, v in ok.items()}
    return {
        "expected": n,
        "found": found,
        "spurious": sorted(set(records) - set(truth)),
        "text_f1": 2 * p * rc / (p + rc) if p + rc else 0.0,
        "text_precision": p,
        "text_recall": rc,
        "text_exact": share.get("text_exact", 0.0),
        "paragraphs_exact": share.get("paragraphs", 0.0),
        **{f: share.get(f, 0.0) for f in FIELDS if f != "text"},
        "authors_lenient": share.get("authors_lenient", 0.0),
        "worst": {
            f: [f"{aid}: {line}" for _, aid, line in sorted(w)[:10]] for f, w in worst.items()
        },
    }


# --- the two ways to get records ---------------------------------------------------------------
def cli() -> str:
    exe = Path(sys.executable).parent / "ifes-archive"
    return str(exe) if exe.exists() else "ifes-archive"


def crawl_records(seed: int, out: Path, max_time: int) -> tuple[dict[int, dict], str]:
    """Serve the seed, crawl it the way the README tells a user to, read the current records."""
    server = subprocess.Popen(
        [sys.executable, "-m", "ifes_archive.fixtures.stranger.serve", "--seed", str(seed), "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base = server.stdout.readline().strip()
        cmd = [
            cli(),
            "crawl",
            "--base-url",
            base,
            "--out",
            str(out),
            "--max-time",
            str(max_time),
            "-s",
            "DOWNLOAD_DELAY=0",
            "-s",
            "AUTOTHROTTLE_ENABLED=False",
        ]
        run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        summary = "\n".join(
            line for line in run.stdout.splitlines() if line.startswith(("crawl of", "  "))
        )
        if run.returncode:
            summary += f"\ncrawl exited {run.returncode}: {run.stderr[-2000:]}"
    finally:
        server.terminate()
        server.wait(timeout=30)
    records = {}
    path = out / "articles.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        rec = json.loads(line)
        if rec.get("status") != "superseded":
            records[rec["article_id"]] = record_view(rec)
    return records, summary


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


# --- report -----------------------------------------------------------------------------------
def report(s: dict[str, Any], head: str, pages: bool) -> str:
    def pct(v):
        return f"{100 * v:5.1f}%"
    lines = [
        head,
        f"articles found   {s['found']} / {s['expected']}   records of non-articles: "
        f"{len(s['spurious'])}" + (f" {s['spurious'][:10]}" if s["spurious"] else ""),
        (
            f"text             token F1 {s['text_f1']:.3f} (P {s['text_precision']:.3f}, R "
            f"{s['text_recall']:.3f})"
            f"   token-exact {pct(s['text_exact'])}   paragraphs-exact {pct(s['paragraphs_exact'])}"
        ),
        f"title            exact {pct(s['title'])}",
        (
            f"authors          exact {pct(s['authors'])}   lenient (surnames, transliteration) "
            f"{pct(s['authors_lenient'])}"
        ),
        f"date_published   {pct(s['date_published'])}",
        f"date_modified    {pct(s['date_modified'])}",
        f"language         {pct(s['language'])}",
        "sections         n/a (one page shows one breadcrumb)"
        if pages
        else f"sections         exact set {pct(s['sections'])}",
        f"bio              exact {pct(s['bio'])}",
    ]
    for f in FIELDS:
        if s["worst"][f] and not (pages and f == "sections"):
            lines.append(f"worst {f}:")
            lines += [f"  {w[:220]}" for w in s["worst"][f]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--seed", type=int, default=1, help="1 for development; seeds >= 1000 are held out"
    )
    ap.add_argument(
        "--pages", action="store_true", help="score `ifes-archive extract` page by page, no crawl"
    )
    ap.add_argument("--limit", type=int, help="--pages: only the first N articles")
    ap.add_argument(
        "--out", type=Path, help="keep the crawl (or pages) here instead of a temporary folder"
    )
    ap.add_argument("--max-time", type=int, default=1800, help="crawl's --max-time (seconds)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    truth = article_truth(build_site(args.seed))
    with tempfile.TemporaryDirectory(prefix="stranger-") as tmp:
        work = args.out or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        if args.pages:
            truth = page_truth(truth, args.limit)
            records, summary = (
                page_records(args.seed, truth, args.limit, work),
                "extract, page 1 of each article",
            )
        else:
            records, summary = crawl_records(args.seed, work / "crawl", args.max_time)
        scores = compare(truth, records)
    if args.json:
        print(
            json.dumps(
                {"seed": args.seed, "mode": "pages" if args.pages else "crawl", **scores},
                ensure_ascii=False,
                indent=1,
            )
        )
    else:
        print(report(scores, f"stranger mirror, seed {args.seed} ({summary})", args.pages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
