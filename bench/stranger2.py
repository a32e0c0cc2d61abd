"""Score the project's crawl against the second clean-room mirror (fixtures/stranger2/).

    python -m bench.stranger2 --seed 1           # serve, crawl as a user would, score
    python -m bench.stranger2 --seed 7000 --json # a held-out seed, figures as JSON

Only whitespace is normalised. Text is compared as whitespace-split tokens (paragraph and line
breaks, NBSP and runs of spaces do not count; «paragraphs exact» checks the blank-line structure
too); titles, subtitles, names and sections with runs of whitespace collapsed. Case,
punctuation and spelling count. Authors are scored three ways: exact (the byline's form, the
truth's display name), «a form the page prints» (each record name has the words of the byline's or
the title prefix's form of that person, in any order; the people in byline order) and «lenient» (same words, any order, dots ignored). An expected article the crawl did not
record is wrong in every field.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

from ifes_archive.fixtures.stranger2.site import build_site  # noqa: E402
from ifes_archive.fixtures.stranger2.truth import article_truth  # noqa: E402

EXACT = ["title", "subtitle", "date_published", "date_modified", "language", "bio"]
FIELDS = ["text", *EXACT, "authors", "sections"]


def ws(s: str | None) -> str | None:
    return None if s is None else " ".join(s.split())


def record_view(rec: dict[str, Any]) -> dict[str, Any]:
    """The scored fields of an ``articles.jsonl`` record, in the truth's shape."""

    def day(d: dict[str, Any] | None) -> str | None:
        return d.get("value") if d else None

    return {
        "text": rec.get("text") or "",
        "title": rec.get("title"),
        "subtitle": rec.get("subtitle"),
        "authors": [a.get("name") for a in rec.get("authors") or []],
        "date_published": day(rec.get("date_published")),
        "date_modified": day(rec.get("date_modified")),
        "language": rec.get("language"),
        "sections": rec.get("sections") or [],
        "bio": rec.get("bio"),
        "flags": rec.get("flags") or [],
    }


def name_words(name: str) -> list[str]:
    return sorted(w for w in re.split(r"[\s.]+", name) if w)


def where_texts_part(truth: str, got: str) -> str:
    """The first place two texts differ, as «truth …[a b]… | got …[c]…»."""
    t, g = truth.split(), got.split()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, t, g, autojunk=False).get_opcodes():
        if op != "equal":
            return (f"{op}: truth …{' '.join(t[max(0, i1 - 3):i1])} [{' '.join(t[i1:i2][:8])}]… | "
                    f"got …[{' '.join(g[j1:j2][:8])}] {' '.join(g[j2:j2 + 2])}…")
    return "same tokens, different paragraphs"


def compare(truth: dict[int, dict[str, Any]], records: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Every figure, and the worst articles per field."""
    ok: Counter[str] = Counter()
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
        ok["text"] += tt == gt
        paras = [ws(p) for p in t["text"].split("\n\n") if p.strip()]
        ok["paragraphs"] += paras == [ws(p) for p in r["text"].split("\n\n") if p.strip()]
        if tt != gt:
            f1 = 2 * common / (len(tt) + len(gt)) if tt or gt else 1.0
            worst["text"].append((f1, aid, f"F1 {f1:.3f}; {where_texts_part(t['text'], r['text'])}"))
        for f in EXACT:
            good = ws(t[f]) == ws(r[f])
            ok[f] += good
            if not good:
                worst[f].append((0.0, aid, f"truth {t[f]!r:.100} | got {r[f]!r:.100}"))
        names = [ws(a) for a in r["authors"]]
        ok["authors"] += names == t["authors"]
        lenient = len(names) == len(t["authors"]) and all(
            name_words(a) == name_words(b or "") for a, b in zip(t["authors"], names)
        )
        ok["authors_lenient"] += lenient
        printed = len(names) == len(t["authors"]) and all(
            name_words(n or "") in [name_words(f) for f in forms]
            for n, forms in zip(names, t["author_forms"])
        )
        ok["authors_printed"] += printed
        if names != t["authors"]:
            worst["authors"].append((float(lenient) + float(printed), aid, f"truth {t['authors']} | got {names} | title {t['title_raw']!r}"))
        ts, gs = set(t["sections"]), {ws(s) for s in r["sections"]}
        ok["sections"] += ts == gs
        if ts != gs:
            worst["sections"].append((len(ts & gs) / max(1, len(ts | gs)), aid,
                                      f"missing {sorted(ts - gs)} extra {sorted(s or '' for s in gs - ts)}"))
        ok["flagged"] += bool(r["flags"])
    n = len(truth) or 1
    p = overlap / g_total if g_total else 0.0
    rc = overlap / t_total if t_total else 0.0
    return {
        "expected": len(truth),
        "found": len(set(truth) & set(records)),
        "spurious": sorted(set(records) - set(truth)),
        "text_f1": 2 * p * rc / (p + rc) if p + rc else 0.0,
        "text_precision": p,
        "text_recall": rc,
        "text_exact": ok["text"] / n,
        "paragraphs_exact": ok["paragraphs"] / n,
        **{f: ok[f] / n for f in [*EXACT, "authors", "authors_printed", "authors_lenient", "sections", "flagged"]},
        "worst": {f: [f"{aid}: {line}" for _, aid, line in sorted(w)[:12]] for f, w in worst.items()},
    }


def cli() -> str:
    exe = Path(sys.executable).parent / "ifes-archive"
    return str(exe) if exe.exists() else "ifes-archive"


def crawl_records(seed: int, out: Path, max_time: int) -> tuple[dict[int, dict[str, Any]], str]:
    """Serve the seed, crawl it as the README tells a user to, read the current records."""
    server = subprocess.Popen(
        [sys.executable, "-m", "ifes_archive.fixtures.stranger2.serve", "--seed", str(seed), "--port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert server.stdout is not None
        base = server.stdout.readline().strip()
        cmd = [cli(), "crawl", "--base-url", base, "--out", str(out), "--max-time", str(max_time),
               "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
        run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        summary = "\n".join(line for line in run.stdout.splitlines() if line.startswith(("crawl of", "  ")))
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


def report(s: dict[str, Any], head: str) -> str:
    def pct(v: float) -> str:
        return f"{100 * v:5.1f}%"

    lines = [
        head,
        f"articles found   {s['found']} / {s['expected']}   records of non-articles: {len(s['spurious'])} {s['spurious'][:10]}",
        f"text             token F1 {s['text_f1']:.4f} (P {s['text_precision']:.4f}, R {s['text_recall']:.4f})"
        f"   token-exact {pct(s['text_exact'])}   paragraphs-exact {pct(s['paragraphs_exact'])}",
        f"title            exact {pct(s['title'])}   subtitle exact {pct(s['subtitle'])}",
        f"authors          exact (byline) {pct(s['authors'])}   a form the page prints (any order) "
        f"{pct(s['authors_printed'])}   lenient (same words, any order) {pct(s['authors_lenient'])}",
        f"sections         exact set {pct(s['sections'])}",
        f"date_published   {pct(s['date_published'])}   date_modified {pct(s['date_modified'])}",
        f"language         {pct(s['language'])}   bio exact {pct(s['bio'])}   records with flags {pct(s['flagged'])}",
    ]
    for f in FIELDS:
        if s["worst"][f]:
            lines.append(f"worst {f}:")
            lines += [f"  {w[:260]}" for w in s["worst"][f]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--seed", type=int, default=1, help="1 for development; 7000 and up held out")
    ap.add_argument("--out", type=Path, help="keep the crawl here instead of a temporary folder")
    ap.add_argument("--max-time", type=int, default=1800, help="the crawl's --max-time (seconds)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    truth = article_truth(build_site(args.seed))
    with tempfile.TemporaryDirectory(prefix="stranger2-") as tmp:
        work = args.out or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        records, summary = crawl_records(args.seed, work / "crawl", args.max_time)
    scores = compare(truth, records)
    if args.json:
        print(json.dumps({"seed": args.seed, **scores}, ensure_ascii=False, indent=1))
    else:
        print(report(scores, f"stranger2 mirror, seed {args.seed}\n{summary}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
