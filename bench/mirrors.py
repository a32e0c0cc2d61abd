"""One scorer for the clean-room mirrors: serve a seed, crawl it as a user would, score the
records against the mirror's own truth, report (bench/stranger.py and bench/stranger2.py say
only what their mirror differs in: a :class:`Mirror`).

What is normalised, and nothing else: whitespace. Text is compared as whitespace-split tokens
(so paragraph breaks, line breaks, NBSP and runs of spaces do not count; «paragraphs exact»
checks the blank-line structure separately, each paragraph's whitespace collapsed); titles,
author names, section names and bios with runs of whitespace collapsed and ends stripped. Case,
punctuation, quotes and spelling all count; the lenient author figures a mirror adds are named
as such. An expected article the run did not record counts as wrong in every field.
"""

from __future__ import annotations

import argparse
import difflib
import json
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

Article = dict[str, Any]
#: A lenient way to score an article's authors: (the truth's article, the record's names).
AuthorScore = Callable[[Article, list[str | None]], bool]


@dataclass(frozen=True)
class Mirror:
    """What a mirror's bench differs in."""

    name: str
    serve: str
    """The module that serves a seed (``--seed N --port 0``, prints its base URL)."""
    truth: Callable[[int], dict[int, Article]]
    """Each article's truth, by id, of a seed."""
    held_out: str
    """The seeds held out, as the help says it («>= 1000»)."""
    exact: tuple[str, ...]
    """The fields besides text, authors and sections compared exactly."""
    authors: dict[str, AuthorScore] = field(default_factory=dict)
    """Lenient author figures, by name (``authors_<name>``), besides the exact one."""
    authors_line: str = ""
    """How the report names the lenient author figures (``{name}`` for each value)."""
    worst: int = 10
    """Worst articles listed per field."""


def ws(s: str | None) -> str | None:
    """Return *s* with runs of whitespace collapsed and ends stripped."""
    return None if s is None else " ".join(s.split())


def record_view(rec: dict[str, Any]) -> Article:
    """Return the scored fields of an ``articles.jsonl`` record, in the truths' shape."""
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


def where_texts_part(truth: str, got: str) -> str:
    """Return the first place two texts differ, as «truth …[a b]… | got …[c]…»."""
    t, g = truth.split(), got.split()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, t, g, autojunk=False).get_opcodes():
        if op != "equal":
            return (f"{op}: truth …{' '.join(t[max(0, i1 - 3):i1])} [{' '.join(t[i1:i2][:8])}]"
                    f"… | got …[{' '.join(g[j1:j2][:8])}] {' '.join(g[j2:j2 + 2])}…")
    return "same tokens, different paragraphs"


@dataclass
class _Tally:
    """Counts over the articles, and the worst articles per field."""

    ok: Counter[str] = field(default_factory=Counter)
    worst: dict[str, list[tuple[float, int, str]]] = field(default_factory=dict)
    overlap: int = 0
    truth_tokens: int = 0
    got_tokens: int = 0

    def bad(self, name: str, score: float, aid: int, line: str) -> None:
        self.worst.setdefault(name, []).append((score, aid, line))


def compare(mirror: Mirror, truth: dict[int, Article], records: dict[int, Article]
            ) -> dict[str, Any]:
    """Return every figure, and the worst articles per field."""
    tally = _Tally()
    for aid, t in truth.items():
        r = records.get(aid)
        if r is None:
            for f in ("text", *mirror.exact, "authors", "sections"):
                tally.bad(f, -1.0, aid, "not recorded")
            tally.truth_tokens += len(t["text"].split())
            continue
        _text(tally, aid, t, r)
        for f in mirror.exact:
            tally.ok[f] += ws(t[f]) == ws(r[f])
            if ws(t[f]) != ws(r[f]):
                tally.bad(f, 0.0, aid, f"truth {t[f]!r:.100} | got {r[f]!r:.100}")
        _authors(mirror, tally, aid, t, r)
        _sections(tally, aid, t, r)
        tally.ok["flagged"] += bool(r["flags"])
    return _figures(mirror, tally, truth, records)


def _text(tally: _Tally, aid: int, t: Article, r: Article) -> None:
    tt, gt = t["text"].split(), r["text"].split()
    common = sum((Counter(tt) & Counter(gt)).values())
    tally.overlap += common
    tally.truth_tokens += len(tt)
    tally.got_tokens += len(gt)
    tally.ok["text_exact"] += tt == gt
    paras = [ws(p) for p in t["text"].split("\n\n") if p.strip()]
    tally.ok["paragraphs"] += paras == [ws(p) for p in r["text"].split("\n\n") if p.strip()]
    if tt != gt:
        f1 = 2 * common / (len(tt) + len(gt)) if tt or gt else 1.0
        tally.bad("text", f1, aid, f"F1 {f1:.3f}; {where_texts_part(t['text'], r['text'])}")


def _authors(mirror: Mirror, tally: _Tally, aid: int, t: Article, r: Article) -> None:
    names = [ws(a) for a in r["authors"]]
    tally.ok["authors"] += names == t["authors"]
    lenient = {way: score(t, names) for way, score in mirror.authors.items()}
    for way, good in lenient.items():
        tally.ok[f"authors_{way}"] += good
    if names != t["authors"]:
        title = f" | title {t['title_raw']!r}" if "title_raw" in t else ""
        tally.bad("authors", float(sum(lenient.values())), aid,
                  f"truth {t['authors']} | got {names}{title}")


def _sections(tally: _Tally, aid: int, t: Article, r: Article) -> None:
    ts, gs = set(t["sections"]), {ws(s) for s in r["sections"]}
    tally.ok["sections"] += ts == gs
    if ts != gs:
        tally.bad("sections", len(ts & gs) / max(1, len(ts | gs)), aid,
                  f"missing {sorted(ts - gs)} extra {sorted(s or '' for s in gs - ts)}")


def _figures(mirror: Mirror, tally: _Tally, truth: dict[int, Article],
             records: dict[int, Article]) -> dict[str, Any]:
    n = len(truth) or 1
    p = tally.overlap / tally.got_tokens if tally.got_tokens else 0.0
    rc = tally.overlap / tally.truth_tokens if tally.truth_tokens else 0.0
    shares = [*mirror.exact, "authors", *(f"authors_{w}" for w in mirror.authors), "sections",
              "flagged"]
    fields = ("text", *mirror.exact, "authors", "sections")
    return {
        "expected": len(truth),
        "found": len(set(truth) & set(records)),
        "spurious": sorted(set(records) - set(truth)),
        "text_f1": 2 * p * rc / (p + rc) if p + rc else 0.0,
        "text_precision": p,
        "text_recall": rc,
        "text_exact": tally.ok["text_exact"] / n,
        "paragraphs_exact": tally.ok["paragraphs"] / n,
        **{f: tally.ok[f] / n for f in shares},
        "worst": {f: [f"{aid}: {line}" for _, aid, line in sorted(tally.worst.get(f, []))
                      [:mirror.worst]] for f in fields},
    }


def cli() -> str:
    """Return the ``ifes-archive`` command beside this Python."""
    exe = Path(sys.executable).parent / "ifes-archive"
    return str(exe) if exe.exists() else "ifes-archive"


def crawl_records(mirror: Mirror, seed: int, out: Path, max_time: int
                  ) -> tuple[dict[int, Article], str]:
    """Serve the seed, crawl it the way the README tells a user to, read the current records
    (and the crawl's summary lines)."""
    server = subprocess.Popen([sys.executable, "-m", mirror.serve, "--seed", str(seed),
                               "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        base = server.stdout.readline().strip()
        cmd = [cli(), "crawl", "--base-url", base, "--out", str(out), "--max-time",
               str(max_time), "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
        run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        summary = "\n".join(line for line in run.stdout.splitlines()
                            if line.startswith(("crawl of", "  ")))
        if run.returncode:
            summary += f"\ncrawl exited {run.returncode}: {run.stderr[-2000:]}"
    finally:
        server.terminate()
        server.wait(timeout=30)
    return read_records(out / "articles.jsonl"), summary


def read_records(path: Path) -> dict[int, Article]:
    """Return the current record of each article of a corpus file, in the truths' shape."""
    records = {}
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        rec = json.loads(line)
        if rec.get("status") != "superseded":
            records[rec["article_id"]] = record_view(rec)
    return records


def report(mirror: Mirror, s: dict[str, Any], head: str, skip: tuple[str, ...] = ()) -> str:
    """Return the figures as the bench prints them; ``skip``: fields not scored."""
    def pct(v: float) -> str:
        return f"{100 * v:5.1f}%"

    lenient = {f"{w}": pct(s[f"authors_{w}"]) for w in mirror.authors}
    exact = [f for f in mirror.exact if f not in ("language", "bio")]
    lines = [
        head,
        f"articles found   {s['found']} / {s['expected']}   records of non-articles: "
        f"{len(s['spurious'])}" + (f" {s['spurious'][:10]}" if s["spurious"] else ""),
        f"text             token F1 {s['text_f1']:.4f} (P {s['text_precision']:.4f}, "
        f"R {s['text_recall']:.4f})   token-exact {pct(s['text_exact'])}   "
        f"paragraphs-exact {pct(s['paragraphs_exact'])}",
        *(f"{f:<16} exact {pct(s[f])}" for f in exact),
        f"authors          exact {pct(s['authors'])}   " + mirror.authors_line.format(**lenient),
        "sections         n/a" if "sections" in skip else
        f"sections         exact set {pct(s['sections'])}",
        f"language         {pct(s['language'])}   bio exact {pct(s['bio'])}   "
        f"records with flags {pct(s['flagged'])}",
    ]
    for f, worst in s["worst"].items():
        if worst and f not in skip:
            lines += [f"worst {f}:", *(f"  {w[:260]}" for w in worst)]
    return "\n".join(lines)


def arguments(mirror: Mirror, doc: str) -> argparse.ArgumentParser:
    """Return the command line every mirror's bench takes."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1,
                    help=f"1 for development; seeds {mirror.held_out} are held out")
    ap.add_argument("--out", type=Path,
                    help="keep the crawl here (in crawl/) instead of a temporary folder")
    ap.add_argument("--max-time", type=int, default=1800, help="the crawl's --max-time (seconds)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    return ap


def main(mirror: Mirror, doc: str, argv: list[str] | None = None) -> int:
    """Serve, crawl and score a seed of a mirror; print the figures."""
    args = arguments(mirror, doc).parse_args(argv)
    truth = mirror.truth(args.seed)
    with tempfile.TemporaryDirectory(prefix=f"{mirror.name}-") as tmp:
        work = args.out or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        records, summary = crawl_records(mirror, args.seed, work / "crawl", args.max_time)
    scores = compare(mirror, truth, records)
    if args.json:
        print(json.dumps({"seed": args.seed, "mode": "crawl", **scores}, ensure_ascii=False,
                         indent=1))
    else:
        print(report(mirror, scores, f"{mirror.name} mirror, seed {args.seed}\n{summary}"))
    return 0
