"""Release benchmark: ``ifes-archive release`` beside the rebuild it starts from, and its parts.

On a crawl of a generated mirror (2,000 articles by default, as ``bench/rebuild.py`` makes it),
prints in one run the median wall time and the peak memory (RSS of the process tree) of three
runs each, in turn, of (a) ``ifes-archive rebuild`` of the archive's WARCs, (b) ``ifes-archive
release --rebuild`` (the release starting from that same rebuild) and (c) ``ifes-archive
release`` reading the crawl's ``articles.jsonl``; then the size of each part of the release.
Target (issue 12): (b) costs little more than (a): at most 1.25 x its time; and (b) and (c)
hold the same data.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench.crawl import measure
from bench.rebuild import crawl_mirror
from bench.targets import print_targets
from ifes_archive.archive.release.build import release_parts

RELEASE_DATE = "2026-12-01"
#: Runs of each command, in turn: the median is quoted (these machines are shared and noisy).
REPEATS = 3
#: (b) may take this many times the time of (a).
TIME_TARGET = 1.25
#: Parts whose bytes (b) and (c) must share: everything but what says how the corpus was had.
SAME_DATA = ("data/articles/articles-00000-of-00001.parquet",
             "data/versions/versions-00000-of-00001.parquet",
             "data/captures/captures-00000-of-00001.parquet",
             "data/changes/changes-00000-of-00001.parquet",
             "metadata.csv", "archive.wacz")


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "ifes_archive.crawler.cli", *args]


def paired(commands: list[tuple[str, list[str]]], repeats: int) -> list[tuple[str, float, float]]:
    """Run the commands in turn ``repeats`` times (A B C A B C ...: a machine whose speed drifts
    slows them alike); return (name, median seconds, largest peak RSS MB) of each."""
    seen: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in commands}
    for _ in range(repeats):
        for name, command in commands:
            seen[name].append(measure(command))
    return [(name, statistics.median(s for s, _ in runs), max(m for _, m in runs))
            for name, runs in seen.items()]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ifes-bench-release-"))
    try:
        warc = crawl_mirror(args.articles, work)
        archive = warc.parent
        runs = paired([
            ("(a) rebuild", _cli("rebuild", str(warc), "--out", str(work / "rebuilt.jsonl"))),
            ("(b) release --rebuild", _cli("release", str(archive), "--out", str(work / "b"),
                                           "--rebuild", "--date", RELEASE_DATE)),
            ("(c) release of articles.jsonl", _cli("release", str(archive), "--out",
                                                   str(work / "c"), "--date", RELEASE_DATE))],
            args.repeats)
        same = all((work / "b" / name).read_bytes() == (work / "c" / name).read_bytes()
                   for name in SAME_DATA)
        parts = release_parts(work / "b")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nRelease of a {args.articles:,}-article crawl (median of {args.repeats} runs each)")
    print(f"  {'run':<34} {'seconds':>8} {'peak RSS MB':>12}")
    for name, seconds, peak in runs:
        print(f"  {name:<34} {seconds:>8.2f} {peak:>12.0f}")
    print(f"\n  {'part':<34} {'files':>6} {'bytes':>14}")
    for name, files, size in parts:
        print(f"  {name:<34} {files:>6,} {size:>14,}")
    print(f"  {'(all)':<34} {sum(f for _, f, _ in parts):>6,} "
          f"{sum(s for _, _, s in parts):>14,}")
    ratio = runs[1][1] / runs[0][1]
    checks = [(f"(b) / (a) time = {ratio:.2f} (target <= {TIME_TARGET})", ratio <= TIME_TARGET),
              ("(b) and (c) wrote the same tables, metadata and WACZ", same)]
    return print_targets(checks)


if __name__ == "__main__":
    sys.exit(main())
