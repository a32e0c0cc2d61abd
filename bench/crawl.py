"""Crawl benchmark: the full crawl beside bare Scrapy and wget, on a generated mirror.

Prints, in one run and side by side: pages/s, CPU time and peak RSS of
(a) bare Scrapy following the same links (the same spider, Scrapy's own download handler,
    no capture, no records), (b) the full crawl (capture + records), (c) ``wget --mirror
    --warc-file`` on the same mirror; then the peak RSS of the full crawl on mirrors of 1,000
and 4,000 articles, to show memory flat in the number of pages. CPU is given twice per run: the
command's own process (the crawl's reactor: what bounds its pages/s on a busy machine) and its
whole tree (with the worker that builds the records), in milliseconds per page.

Targets: (b) >= 0.75 x (a) pages/s (issue 21; 0.5 in issue 2); peak RSS of (b) < 500 MB and
flat (issue 2).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from warcio.archiveiterator import ArchiveIterator

from bench.targets import print_targets
from ifes_archive.crawler.settings import DOWNLOADER_MIDDLEWARES
from ifes_archive.fixtures.server import MIRROR_SETTINGS, start_server_process

#: What bare Scrapy runs with: its own HTTP handler, nothing written.
BARE_SETTINGS = {
    "DOWNLOAD_HANDLERS": json.dumps({
        "http": "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler",
        "https": "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"}),
    "ITEM_PIPELINES": "{}",
    "ARCHIVE_DIR": "",
    # Scrapy's own handler leaves bodies encoded: Scrapy's own compression middleware decodes
    # them (the project's capturing handler decodes itself and swaps that middleware out).
    "DOWNLOADER_MIDDLEWARES": json.dumps({
        **DOWNLOADER_MIDDLEWARES,
        "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": 590,
        "ifes_archive.crawler.middlewares.AcceptEncodingMiddleware": None}),
}
#: Links wget must not follow to stay comparable: the calendar trap and the never-content pages.
WGET_REJECT = r"archive(category|section)|emailform|do_pdf|com_registration|pop=1"
POLL_SECONDS = 0.05
#: What every crawl of the benchmark runs with beside the mirror's pace: the whole mirror, for
#: both runs alike (at 2,000 articles a section blog has more than LISTING_MAX_PAGES' 100 pages:
#: the bound took effect, the crawl exited 5 and the benchmark stopped).
BENCH_SETTINGS = {"LISTING_MAX_PAGES": "0"}
#: Full crawl / bare Scrapy pages/s (issue 21).
RATIO_TARGET = 0.75


@dataclass(frozen=True)
class Measured:
    """What one command cost."""

    seconds: float
    """Wall-clock seconds."""
    peak_rss_mb: float
    """Peak RSS of the process tree (sampled every POLL_SECONDS)."""
    own_cpu: float
    """User + system CPU seconds of the command's own process."""
    tree_cpu: float
    """User + system CPU seconds of it and of every child it waited for (the worker)."""


@dataclass
class Run:
    """One measured run."""

    name: str
    pages: int
    measured: Measured

    @property
    def seconds(self) -> float:
        return self.measured.seconds

    @property
    def peak_rss_mb(self) -> float:
        return self.measured.peak_rss_mb

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    def cpu_ms_per_page(self, tree: bool = False) -> float:
        """Return CPU milliseconds per page of the command's process (``tree``: and of the
        processes it started and waited for)."""
        cpu = self.measured.tree_cpu if tree else self.measured.own_cpu
        return 1000 * cpu / self.pages if self.pages else 0.0


def measure(command: list[str], cwd: Path | None = None,
            ok: tuple[int, ...] = (0, 8)) -> Measured:
    """Run ``command``; return what it cost. An exit status not in ``ok`` is an error (wget
    says 8 when some pages were 404s)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    watched = psutil.Process(process.pid)
    peak = 0
    # Watched until it exits, reaped only after: its last CPU times are read from the zombie.
    while os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        peak = max(peak, _tree_rss(watched))
        time.sleep(POLL_SECONDS)
    seconds = time.perf_counter() - started
    times = watched.cpu_times()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in ok:
        raise RuntimeError(f"{command[:4]} exited {process.returncode}")
    return Measured(seconds, peak / 1e6, times.user + times.system,
                    usage.ru_utime + usage.ru_stime)


def _tree_rss(process: psutil.Process) -> int:
    """Return the RSS of ``process`` and its descendants, in bytes (0 once it is gone)."""
    try:
        members = [process, *process.children(recursive=True)]
        return sum(p.memory_info().rss for p in members)
    except psutil.Error:
        return 0


def crawl_command(base_url: str, out: Path, settings: dict[str, str]) -> list[str]:
    """Return the ``ifes-archive crawl`` command line for ``settings``."""
    pairs = [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]
    return [sys.executable, "-m", "ifes_archive.crawler.cli", "crawl", "--base-url", base_url,
            "--out", str(out), *pairs]


def run_crawl(name: str, base_url: str, out: Path, extra: dict[str, str]) -> Run:
    """Measure one crawl of the mirror."""
    settings = {**MIRROR_SETTINGS, "LOG_LEVEL": "ERROR", **BENCH_SETTINGS, **extra}
    measured = measure(crawl_command(base_url, out, settings))
    summary = json.loads((out / "crawl-summary.json").read_text())
    return Run(name, summary["responses"], measured)


def run_wget(base_url: str, out: Path) -> Run:
    """Measure ``wget --mirror --warc-file`` on the mirror; pages = response records."""
    out.mkdir(parents=True)
    command = ["wget", "--mirror", "--no-verbose", "--warc-file", str(out / "wget"),
               "--reject-regex", WGET_REJECT, "--directory-prefix", str(out / "files"),
               base_url]
    measured = measure(command)
    return Run("(c) wget --mirror --warc-file", _count_responses(out / "wget.warc.gz"),
               measured)


def _count_responses(path: Path) -> int:
    with open(path, "rb") as stream:
        return sum(1 for r in ArchiveIterator(stream) if r.rec_type == "response")


def with_mirror(articles: int, work: Path, body: callable) -> object:  # type: ignore[valid-type]
    """Serve a generated mirror of ``articles`` articles while ``body(base_url)`` runs."""
    process, base_url = start_server_process(["--articles", str(articles)])
    try:
        return body(base_url)
    finally:
        process.terminate()
        process.wait(timeout=10)


def throughput(articles: int, work: Path) -> list[Run]:
    """Return the three side-by-side runs on one mirror."""
    def runs(base_url: str) -> list[Run]:
        bare = run_crawl("(a) bare Scrapy, same links", base_url, work / "bare", BARE_SETTINGS)
        full = run_crawl("(b) ifes-archive full crawl", base_url, work / "full", {})
        return [bare, full, run_wget(base_url, work / "wget")]
    return with_mirror(articles, work, runs)  # type: ignore[return-value]


def memory(articles: int, work: Path) -> Run:
    """Return the full crawl's run on a mirror of ``articles`` articles."""
    out = work / f"full-{articles}"
    return with_mirror(articles, work, lambda url: run_crawl(
        f"(b) full crawl, {articles:,} articles", url, out, {}))  # type: ignore[return-value]


def print_table(title: str, runs: list[Run]) -> None:
    """Print runs side by side."""
    print(f"\n{title}")
    print(f"  {'run':<36} {'pages':>7} {'seconds':>8} {'pages/s':>8} {'peak RSS MB':>12} "
          f"{'CPU ms/page':>12} {'tree':>6}")
    for run in runs:
        print(f"  {run.name:<36} {run.pages:>7} {run.seconds:>8.1f} "
              f"{run.pages_per_second:>8.1f} {run.peak_rss_mb:>12.1f} "
              f"{run.cpu_ms_per_page():>12.2f} {run.cpu_ms_per_page(tree=True):>6.2f}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--memory-sizes", default="1000,4000")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ifes-bench-"))
    try:
        runs = throughput(args.articles, work)
        print_table(f"Crawl throughput, mirror of {args.articles:,} articles", runs)
        sizes = [int(s) for s in args.memory_sizes.split(",")]
        mem = [memory(n, work) for n in sizes]
        print_table("Peak RSS of the full crawl against the size of the site", mem)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report_targets(runs, mem, sizes)


def report_targets(runs: list[Run], mem: list[Run], sizes: list[int]) -> int:
    """Print each target against its figure; return 0 when all are met."""
    bare, full = runs[0], runs[1]
    ratio = full.pages_per_second / bare.pages_per_second
    growth = mem[-1].peak_rss_mb / mem[0].peak_rss_mb
    cpu_ratio = bare.cpu_ms_per_page() / full.cpu_ms_per_page()
    print(f"\nbare / full CPU per page of the crawl's own process = {cpu_ratio:.2f} "
          "(the reactor's share of the ratio, whatever else the machine runs)")
    checks = [
        (f"full / bare pages/s = {ratio:.2f} (target >= {RATIO_TARGET})", ratio >= RATIO_TARGET),
        (f"peak RSS of the full crawl = {max(r.peak_rss_mb for r in [full, *mem]):.0f} MB "
         "(target < 500)", all(r.peak_rss_mb < 500 for r in [full, *mem])),
        (f"peak RSS at {sizes[-1]:,} / at {sizes[0]:,} articles = {growth:.2f} "
         "(flat: target <= 1.25)", growth <= 1.25),
    ]
    return print_targets(checks)


if __name__ == "__main__":
    sys.exit(main())
