"""Soak benchmark: a crawl of the 2,000-article mirror with 5% random faults, and its repair.

Three crawls of the same site at the same address: (1) fault-free, the reference corpus;
(2) with 5% of the article pages misbehaving, each its own random way (the fault kinds of the
fault matrix: server errors, resets, stalls, drips, cut bodies, bytes riding along, bad chunks,
floods, bad gzip, bombs, huge pages, redirect loops and escapes, binary and empty pages, broken
heads), once or for the whole run; (3) the site healthy again, into the same folder. Prints, side
by side: faults injected (server-side), survived (the article right after run 2's retries
alone), recorded (in run 2's crawl log or report), records lost (articles of the reference
missing from, or different in, the final corpus: must be 0), and each run's duration and peak
RSS. The final corpus is compared with the reference field by field, capture pointers, dates
and version numbering aside (those say when and where, not what).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import socket
import sys
import tempfile
from pathlib import Path

from bench.crawl import crawl_command, measure
from bench.targets import print_targets
from ifes_archive.crawler.crawllog import parse_line
from ifes_archive.fixtures.exchangelog import read_exchange_log
from ifes_archive.fixtures.mirror import Mirror
from ifes_archive.fixtures.server import MIRROR_SETTINGS, start_server_process
from ifes_archive.fixtures.site import build_site

#: Fault kinds a page may get, and whether they fire once (retries cure them within the run) or
#: for the whole run (the next run repairs them).
FAULTS = ("500x1", "503:1x1", "429:1x1", "reset:300x1", "truncate:100x1", "stall:20x1",
          "trickle:8x1", "500", "502", "smuggle", "short:100", "badchunk", "chunkext:15000",
          "interim:100000", "badgzip", "bomb:1024", "huge:30", "loop", "chain:3", "offhost",
          "otherport", "binary", "empty", "badstatus", "badheader")
SHARE = 0.05
SETTINGS = {**MIRROR_SETTINGS, "LOG_LEVEL": "ERROR", "DOWNLOAD_TIMEOUT": "5",
            "RETRY_TIMES": "2", "RETRY_BACKOFF_BASE": "0.1", "RETRY_AFTER_MAX": "2"}
#: Record fields that say where and when a version was seen, not what it says. (``breadcrumb``
#: is the menu item the article page was first fetched under: which listing linked it first
#: depends on the order answers came in, fault or no fault — two fault-free crawls differ there.)
PROVENANCE = ("captures", "first_seen", "last_seen", "version", "status", "gone", "checks",
              "breadcrumb")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def plan_faults(site: Mirror, seed: int) -> dict[int, str]:
    """Return article id -> fault for a random 5% of the crawlable articles."""
    rng = random.Random(seed)
    ids = sorted(site.crawlable_article_ids())
    return {i: rng.choice(FAULTS) for i in rng.sample(ids, round(len(ids) * SHARE))}


def _pattern(article_id: int) -> str:
    return rf"^/index\.php\?option=com_content&task=view&id={article_id}(&|$)"


def crawl(port: int, articles: int, out: Path, logs: Path, faults: dict[int, str]) -> dict:
    """Serve the mirror on ``port`` (with ``faults``), crawl it into ``out``; return figures."""
    args = ["--port", str(port), "--articles", str(articles), "--log-dir", str(logs)]
    args += [a for i, kind in faults.items() for a in ("--fault", f"{_pattern(i)}={kind}")]
    process, base_url = start_server_process(args)
    try:
        measured = measure(crawl_command(base_url, out, SETTINGS), ok=(0, 1))
        seconds, peak = measured.seconds, measured.peak_rss_mb
    finally:
        process.terminate()
        process.wait(timeout=30)
    summary = json.loads((out / "crawl-summary.json").read_text())
    return {"seconds": seconds, "peak_mb": peak, "summary": summary, "base_url": base_url}


def current(corpus: Path) -> dict[int, str]:
    """Return article id -> the current version's content (provenance left out), as JSON."""
    versions: dict[int, dict] = {}
    for line in corpus.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record.get("status") != "superseded":
            versions[record["article_id"]] = record
    return {i: json.dumps({k: v for k, v in r.items() if k not in PROVENANCE},
                          ensure_ascii=False, sort_keys=True) for i, r in versions.items()}


def _evidence(run: dict, article_id: int) -> bool:
    """Whether the run's crawl log or report shows something went wrong for the article."""
    marker = f"task=view&id={article_id}&"
    for line in Path(run["summary"]["crawl_log"]).read_text().splitlines():
        fields = parse_line(line)
        if marker in fields["url"] + "&" and (
                int(fields["status"]) != 200 or fields["annotations"] not in ("-", "first-contact")):
            return True
    return any(marker in f["url"] + "&" for f in run["summary"]["failures"])


def main(argv: list[str] | None = None) -> int:
    """Run the soak; print the figures; exit 1 when a record was lost or a fault unrecorded."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args(argv)
    site = Mirror(build_site(articles=args.articles))
    faults = plan_faults(site, args.seed)
    work = Path(tempfile.mkdtemp(prefix="ifes-soak-"))
    port = _free_port()
    try:
        reference = crawl(port, args.articles, work / "reference", work / "log-ref", {})
        faulty = crawl(port, args.articles, work / "soak", work / "log-faulty", faults)
        first = current(work / "soak" / "articles.jsonl")
        repaired = crawl(port, args.articles, work / "soak", work / "log-repair", {})
        injected = sum(1 for e in read_exchange_log(work / "log-faulty") if e.fault)
        want = current(work / "reference" / "articles.jsonl")
        final = current(work / "soak" / "articles.jsonl")
        lost = sorted(i for i in want if final.get(i) != want[i])
        survived = sum(1 for i in faults if first.get(i) == want.get(i) and i in want)
        recorded = sum(1 for i in faults if _evidence(faulty, i))
        extra = sorted(set(final) - set(want))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nSoak: mirror of {args.articles:,} articles, {len(faults)} article pages "
          f"({SHARE:.0%}) misbehaving ({len(set(faults.values()))} kinds), seed {args.seed}")
    print(f"  {'run':<34} {'seconds':>8} {'peak RSS MB':>12} {'failures':>9} {'articles':>9}")
    for name, run in (("(1) fault-free reference", reference), ("(2) with faults", faulty),
                      ("(3) repair, same folder", repaired)):
        summary = run["summary"]
        print(f"  {name:<34} {run['seconds']:>8.1f} {run['peak_mb']:>12.1f} "
              f"{len(summary['failures']):>9} {summary['articles']:>9}")
    print(f"  faults injected (server-side firings) {injected}, on {len(faults)} pages")
    print(f"  survived within run 2 (retries): {survived} of {len(faults)}")
    print(f"  recorded in run 2's crawl log or report: {recorded} of {len(faults)}")
    print(f"  records lost after the repair: {len(lost)} {lost[:10]}; articles not in the "
          f"reference: {len(extra)}")
    return print_targets([
        (f"records lost = {len(lost)} (target 0)", not lost),
        (f"faults recorded = {recorded} of {len(faults)} (target all)", recorded == len(faults)),
        (f"peak RSS = {max(r['peak_mb'] for r in (reference, faulty, repaired)):.0f} MB "
         "(target < 500)", all(r["peak_mb"] < 500 for r in (reference, faulty, repaired))),
    ])


if __name__ == "__main__":
    sys.exit(main())
