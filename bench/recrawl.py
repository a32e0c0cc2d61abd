"""Recrawl benchmark: a scheduled crawl after 5% of the articles changed.

Crawls a generated mirror (2,000 articles, ETag validators on), moves it one epoch on (5% of
articles edited, none added or withdrawn), crawls again into the same folder, and prints:
requests of the recrawl against the minimum needed (listing pages + one conditional request per
article + the later pages of changed multi-page articles), bytes stored by the recrawl against
the full crawl, and both durations. Targets (issue 5): requests <= 1.1 x the minimum; bytes
<= 10% of a full crawl.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from bench.crawl import crawl_command
from bench.targets import print_targets
from ifes_archive.archive.corpus.rebuild import rebuild
from ifes_archive.archive.page.joomla import parse_url, state_key
from ifes_archive.archive.warcs.folder import ArchiveFolder
from ifes_archive.archive.warcs.reader import open_records
from ifes_archive.fixtures.epochs import site_at
from ifes_archive.fixtures.server import MIRROR_SETTINGS, start_server_process
from ifes_archive.fixtures.timeline import wait_for_epoch


def crawl_once(base_url: str, out: Path) -> tuple[float, dict]:
    """Crawl into ``out``; return (seconds, the run's summary)."""
    started = time.perf_counter()
    settings = {**MIRROR_SETTINGS, "LOG_LEVEL": "ERROR"}
    subprocess.run(crawl_command(base_url, out, settings), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    return seconds, json.loads((out / "crawl-summary.json").read_text())


def minimum_requests(first_files: list[Path], edited: frozenset[int], articles: int) -> int:
    """Return the fewest requests a recrawl needs, from what the first crawl fetched: every
    listing, one conditional request per article, the later pages and the print view
    (``PRINT_VIEW_CHECK``) of a changed article."""
    uris: set[str] = set()
    for path in first_files:
        with open_records(path) as records:
            uris |= {r.head.target_uri for r in records if r.head.type == "response"}
    keys = {state_key(uri) for uri in uris if parse_url(uri).kind != "print"}
    article_keys = {k for k in keys if k.startswith("article:")}
    listings = len(keys - article_keys)
    first_pages = {k for k in article_keys if k.endswith(":0")}
    site, _ = site_at(articles=articles)
    extra = sum(len(site.article(i).pages) for i in edited if site.article(i))
    return listings + len(first_pages) + extra


def stored_by_kind(files: list[Path]) -> dict[tuple[str, str], tuple[int, int]]:
    """Return (record type or revisit profile, article or other page) -> (records, bytes)."""
    parts: dict[tuple[str, str], list[int]] = {}
    for path in files:
        with open(path, "rb") as stream:
            iterator = ArchiveIterator(stream, no_record_parse=True)
            for record in iterator:
                record.raw_stream.read()
                headers = record.rec_headers
                kind = headers.get_header("WARC-Type") or "?"
                if kind == "revisit":
                    kind = "revisit " + (headers.get_header("WARC-Profile") or "").rsplit("/", 1)[-1]
                uri = headers.get_header("WARC-Target-URI") or ""
                page = "article" if uri and state_key(uri).startswith("article:") else "other"
                entry = parts.setdefault((kind, page), [0, 0])
                entry[0] += 1
                entry[1] += iterator.get_record_length()
    return {k: (v[0], v[1]) for k, v in parts.items()}


def parts_bytes(parts: dict[tuple[str, str], tuple[int, int]], kind: str) -> int:
    """Return the bytes of every record of ``kind`` in ``parts``."""
    return sum(size for (k, _), (_, size) in parts.items() if k == kind)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--change-rate", type=float, default=0.05)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ifes-bench-recrawl-"))
    process, base_url = start_server_process([
        "--articles", str(args.articles), "--validators", "--change-rate", str(args.change_rate),
        "--additions", "0", "--removals", "0"])
    try:
        full_seconds, full = crawl_once(base_url, work / "out")
        first_files = ArchiveFolder(work / "out").warc_files()
        process.send_signal(signal.SIGUSR1)
        wait_for_epoch(base_url, 1)
        re_seconds, again = crawl_once(base_url, work / "out")
        new_files = sorted(set(ArchiveFolder(work / "out").warc_files()) - set(first_files))
        full_bytes = sum(p.stat().st_size for p in first_files)
        re_bytes = sum(p.stat().st_size for p in new_files)
        parts = stored_by_kind(new_files)
        started = time.perf_counter()
        rebuilt = rebuild([work / "out" / "warc"], work / "rebuilt.jsonl", progress=False)
        rebuild_seconds = time.perf_counter() - started
        same = (work / "rebuilt.jsonl").read_bytes() == (work / "out" / "articles.jsonl").read_bytes()
        _, (changes,) = site_at(articles=args.articles, epoch=1, change_rate=args.change_rate,
                                additions=0, removals=0)
        minimum = minimum_requests(first_files, changes.edited, args.articles)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nRecrawl of a {args.articles:,}-article mirror after {len(changes.edited)} "
          f"articles ({args.change_rate:.0%}) changed")
    print(f"  {'run':<22} {'requests':>9} {'WARC bytes':>12} {'seconds':>8}  new/changed/unchanged")
    for name, summary, size, seconds in (("full crawl", full, full_bytes, full_seconds),
                                         ("recrawl", again, re_bytes, re_seconds)):
        print(f"  {name:<22} {summary['requests']:>9,} {size:>12,} {seconds:>8.1f}  "
              f"{summary['new']}/{summary['changed']}/{summary['unchanged']}")
    print(f"  {'minimum for the recrawl':<22} {minimum:>9,}")
    print("\n  what the recrawl stored (gzip members as written):")
    print(f"  {'record':<34} {'records':>8} {'bytes':>10} {'bytes each':>10} {'of full':>8}")
    for (kind, page), (count, size) in sorted(parts.items(), key=lambda kv: -kv[1][1]):
        print(f"  {kind + ' / ' + page:<34} {count:>8,} {size:>10,} {size // count:>10,} "
              f"{size / full_bytes:>8.1%}")
    revisits = [v for (kind, _), v in parts.items() if kind.startswith("revisit")]
    requests = sum(v[0] for (kind, _), v in parts.items() if kind == "request")
    pairs = sum(c for c, _ in revisits)
    if pairs:
        pair = (sum(b for _, b in revisits) + parts_bytes(parts, "request") * pairs / requests) / pairs
        full_pair = full_bytes / full["captures"]
        print(f"\n  an unchanged page costs a request + revisit pair of {pair:,.0f} bytes (one gzip "
              f"member per record, as WARC tools expect)\n  against {full_pair:,.0f} for a page "
              f"captured in full: the {pairs:,} pairs alone are {pair * pairs / full_bytes:.1%} "
              f"of a full crawl")
    print(f"\n  rebuild of both runs from their WARCs: {rebuilt.articles:,} articles, "
          f"{rebuilt.versions:,} versions in {rebuild_seconds:.1f} s")
    ratio, share = again["requests"] / minimum, re_bytes / full_bytes
    checks = [(f"recrawl requests / minimum = {ratio:.3f} (target <= 1.1)", ratio <= 1.1),
              (f"recrawl bytes / full crawl bytes = {share:.3f} (target <= 0.10)", share <= 0.10),
              (f"changed articles found = {again['changed']} of {len(changes.edited)}",
               again["changed"] == len(changes.edited)),
              (f"versions = {rebuilt.versions:,} (articles + changed = "
               f"{rebuilt.articles + len(changes.edited):,})",
               rebuilt.versions == rebuilt.articles + len(changes.edited)),
              ("rebuild from the WARCs gives the crawl's corpus byte for byte", same)]
    return print_targets(checks)


if __name__ == "__main__":
    sys.exit(main())
