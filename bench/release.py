"""Release benchmark: ``ifes-archive release`` beside the rebuild it starts from, and its parts.

On a crawl of a generated mirror (2,000 articles by default, as ``bench/rebuild.py`` makes it),
prints in one run the wall time and peak memory (RSS of the process tree) of (a) ``ifes-archive
rebuild`` of the archive's WARCs, (b) ``ifes-archive release --rebuild`` (the release starting
from that same rebuild) and (c) ``ifes-archive release`` reading the crawl's ``articles.jsonl``;
then the size of each part of the release. Target (issue 12): (b) costs little more than (a):
at most 1.25 x its time; and (b) and (c) hold the same data.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from archive.release.build import release_parts
from bench.crawl import measure
from bench.rebuild import crawl_mirror
from bench.targets import print_targets

RELEASE_DATE = "2026-12-01"
#: (b) may take this many times the time of (a).
TIME_TARGET = 1.25
#: Parts whose bytes (b) and (c) must share: everything but what says how the corpus was had.
SAME_DATA = ("data/articles.parquet", "data/versions.parquet", "data/captures.parquet",
             "metadata.csv", "archive.wacz")


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "archive.cli", *args]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ifes-bench-release-"))
    try:
        warc = crawl_mirror(args.articles, work)
        archive = warc.parent
        runs = [("(a) rebuild", measure(_cli("rebuild", str(warc), "--out",
                                              str(work / "rebuilt.jsonl")))),
                ("(b) release --rebuild", measure(_cli(
                    "release", str(archive), "--out", str(work / "b"), "--rebuild",
                    "--date", RELEASE_DATE))),
                ("(c) release of articles.jsonl", measure(_cli(
                    "release", str(archive), "--out", str(work / "c"), "--date", RELEASE_DATE)))]
        same = all((work / "b" / name).read_bytes() == (work / "c" / name).read_bytes()
                   for name in SAME_DATA)
        parts = release_parts(work / "b")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nRelease of a {args.articles:,}-article crawl")
    print(f"  {'run':<34} {'seconds':>8} {'peak RSS MB':>12}")
    for name, (seconds, peak) in runs:
        print(f"  {name:<34} {seconds:>8.2f} {peak:>12.0f}")
    print(f"\n  {'part':<34} {'files':>6} {'bytes':>14}")
    for name, files, size in parts:
        print(f"  {name:<34} {files:>6,} {size:>14,}")
    print(f"  {'(all)':<34} {sum(f for _, f, _ in parts):>6,} "
          f"{sum(s for _, _, s in parts):>14,}")
    ratio = runs[1][1][0] / runs[0][1][0]
    checks = [(f"(b) / (a) time = {ratio:.2f} (target <= {TIME_TARGET})", ratio <= TIME_TARGET),
              ("(b) and (c) wrote the same tables, metadata and WACZ", same)]
    return print_targets(checks)


if __name__ == "__main__":
    sys.exit(main())
