"""Release benchmark: ``ifes-archive release`` beside the rebuild it starts from, its parts, and
the same release by a baseline checkout, in one run.

On a crawl of a generated mirror (2,000 articles by default, as ``bench/rebuild.py`` makes it;
``--archive`` reuses an archive folder), runs in turn, ``--repeats`` times (A B C ... A B C: a
machine whose speed drifts slows them alike): (a) ``ifes-archive rebuild`` of the archive's WARCs,
(b) ``ifes-archive release --rebuild`` (the release starting from that same rebuild), (c)
``ifes-archive release`` reading the crawl's ``articles.jsonl``; and, for each ``--baseline DIR``
(a checkout of an earlier commit with its own ``.venv``, its package installed from it), that
checkout's (b) and (c). Prints the median wall time, the median CPU time (user + system of the
whole process tree: steadier than wall time on a shared machine) and the largest peak RSS of
each, side by side, then the size of each part of the release.

Targets: (b) takes at most 1.15 x the time of (a) (issue 21; issue 12 asked 1.25), with a peak
memory no higher than the first baseline's (b); (c) within 1.2 x the first baseline's (c) (issue
20: the release with its new tables, beside the release before them, commit 35c4afc); (b) and
(c) hold the same data.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.crawl import measure
from bench.rebuild import crawl_mirror
from bench.targets import print_targets
from ifes_archive.archive.release.describe import release_parts

RELEASE_DATE = "2026-12-01"
#: Runs of each command, in turn: the median is quoted (these machines are shared and noisy).
REPEATS = 3
#: (b) may take this many times the time of (a) (issue 21).
TIME_TARGET = 1.15
#: (c) may take this many times the baseline's (c) (issue 20).
BASELINE_TARGET = 1.2
#: Parts whose bytes (b) and (c) must share: everything but what says how the corpus was had.
SAME_DATA = ("data/articles/articles-00000-of-00001.parquet",
             "data/versions/versions-00000-of-00001.parquet",
             "data/captures/captures-00000-of-00001.parquet",
             "data/changes/changes-00000-of-00001.parquet",
             "metadata.csv", "archive.wacz")


@dataclass
class Figures:
    """One command's runs: medians of wall and CPU time, the largest peak RSS."""

    name: str
    seconds: float
    cpu: float
    peak_mb: float


def _cli(python: Path, *args: str) -> list[str]:
    return [str(python), "-m", "ifes_archive.crawler.cli", *args]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], cwd: Path | None) -> tuple[float, float, float]:
    """Run ``command``; return (wall seconds, CPU seconds of its process tree, peak RSS MB)."""
    before = _children_cpu()
    measured = measure(command, cwd=cwd, ok=(0,))
    return measured.seconds, _children_cpu() - before, measured.peak_rss_mb


def paired(commands: list[tuple[str, list[str], Path | None]], repeats: int) -> list[Figures]:
    """Run the commands in turn ``repeats`` times; return the figures of each."""
    seen: dict[str, list[tuple[float, float, float]]] = {name: [] for name, _, _ in commands}
    for _ in range(repeats):
        for name, command, cwd in commands:
            seen[name].append(timed(command, cwd))
    return [Figures(name, statistics.median(r[0] for r in runs),
                    statistics.median(r[1] for r in runs), max(r[2] for r in runs))
            for name, runs in seen.items()]


def _commit(checkout: Path) -> str:
    done = subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True, check=False)
    return done.stdout.strip() or checkout.name


def commands(archive: Path, work: Path, baselines: list[Path],
             ) -> list[tuple[str, list[str], Path | None]]:
    """Return (name, command line, folder to run it in) of every run, ours first."""
    ours = Path(sys.executable)
    runs: list[tuple[str, list[str], Path | None]] = [
        ("(a) rebuild", _cli(ours, "rebuild", str(archive / "warc"), "--out",
                             str(work / "rebuilt.jsonl")), None),
        ("(b) release --rebuild", _cli(ours, "release", str(archive), "--out", str(work / "b"),
                                       "--rebuild", "--date", RELEASE_DATE), None),
        ("(c) release of articles.jsonl", _cli(ours, "release", str(archive), "--out",
                                               str(work / "c"), "--date", RELEASE_DATE), None)]
    for number, checkout in enumerate(baselines):
        python, label = checkout / ".venv" / "bin" / "python", _commit(checkout)
        runs += [(f"(b) baseline {label}", _cli(python, "release", str(archive), "--out",
                                                str(work / f"b{number}"), "--rebuild", "--date",
                                                RELEASE_DATE), checkout),
                 (f"(c) baseline {label}", _cli(python, "release", str(archive), "--out",
                                                str(work / f"c{number}"), "--date",
                                                RELEASE_DATE), checkout)]
    return runs


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--archive", type=Path, help="an archive folder to release (default: "
                        "crawl a generated mirror of --articles articles)")
    parser.add_argument("--baseline", type=Path, action="append", default=[],
                        help="a checkout of an earlier commit, with its own .venv (repeatable)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ifes-bench-release-"))
    try:
        archive = args.archive or crawl_mirror(args.articles, work).parent
        runs = paired(commands(archive, work, args.baseline), args.repeats)
        same = all((work / "b" / name).read_bytes() == (work / "c" / name).read_bytes()
                   for name in SAME_DATA)
        parts = release_parts(work / "b")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _print(runs, parts, f"{archive}" if args.archive else f"a {args.articles:,}-article crawl",
           args.repeats)
    return print_targets(_checks(runs, same))


def _print(runs: list[Figures], parts: list[tuple[str, int, int]], what: str,
           repeats: int) -> None:
    print(f"\nRelease of {what} (median of {repeats} runs each, taking turns)")
    print(f"  {'run':<34} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12}")
    for run in runs:
        print(f"  {run.name:<34} {run.seconds:>8.2f} {run.cpu:>8.2f} {run.peak_mb:>12.0f}")
    print(f"\n  {'part':<34} {'files':>6} {'bytes':>14}")
    for name, files, size in parts:
        print(f"  {name:<34} {files:>6,} {size:>14,}")
    print(f"  {'(all)':<34} {sum(f for _, f, _ in parts):>6,} "
          f"{sum(s for _, _, s in parts):>14,}")


def _checks(runs: list[Figures], same: bool) -> list[tuple[str, bool]]:
    rebuild, with_rebuild, release = runs[:3]
    ratio = with_rebuild.seconds / rebuild.seconds
    checks = [(f"(b) / (a) time = {ratio:.2f} (CPU {with_rebuild.cpu / rebuild.cpu:.2f}; "
               f"target <= {TIME_TARGET})", ratio <= TIME_TARGET),
              ("(b) and (c) wrote the same tables, metadata and WACZ", same)]
    if len(runs) > 3:
        base_b, base_c = runs[3:5]
        to_base = release.seconds / base_c.seconds
        checks += [(f"(c) / {base_c.name} time = {to_base:.2f} (CPU "
                    f"{release.cpu / base_c.cpu:.2f}; target <= {BASELINE_TARGET})",
                    to_base <= BASELINE_TARGET),
                   (f"(b) peak RSS {with_rebuild.peak_mb:.0f} MB <= {base_b.name}'s "
                    f"{base_b.peak_mb:.0f} MB", with_rebuild.peak_mb <= base_b.peak_mb)]
    return checks


if __name__ == "__main__":
    sys.exit(main())
