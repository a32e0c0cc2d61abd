"""Hostile soak (issue 19): every trap and attack at once among the mirror's pages.

Serves the mirror wrapped by :class:`fixtures.hostile_site.HostileSite` (aliases of the site,
private addresses, redirects to them, crawler traps, a page of 250,000 links, 400 cookies with
a server refusing heads over 8 KB, an article of 20 x 4 MiB, a 503 asking for 600 s, hostile
titles) beside private servers on 127.0.0.2 and ``[::1]`` that count every connection; runs
``ifes-archive crawl`` with the mirror settings and ``--max-time`` (and an interlock refusing any
connection outside loopback: ``bench/soakguard``), then ``rebuild --workers 2``, then
``release``; measures peak RSS of each process by polling its tree. Prints each figure beside its
target: requests at the private servers, out-of-scope records in the WARCs, the release and its
WACZ, the crawl's wall time and exit status, which bound ended each trap (run report, crawl
log), peak RSS of the crawl and of each rebuild worker, good articles archived and recorded,
formula cells in ``metadata.csv``, raw markup in ``CHANGES.md``. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from bench import hostile_checks as checks
from bench.crawl import crawl_command
from bench.targets import print_targets
from ifes_archive.crawler.bounds import EXIT_BOUNDED
from ifes_archive.fixtures.hostile_pages import TRAPS
from ifes_archive.fixtures.hostile_site import Counts, HostileConfig, HostileSite, serve_hostile
from ifes_archive.fixtures.server import MIRROR_SETTINGS
from ifes_archive.fixtures.site import build_site

GUARD = Path(__file__).resolve().parent / "soakguard"
SETTINGS = {**MIRROR_SETTINGS, "LOG_LEVEL": "ERROR"}
#: Targets (issue 19).
TRAP_SECONDS = 60.0
MAX_TIME_GRACE = 10.0
PEAK_MB = 300.0
#: A trap the crawl saw through (its dedup, say) takes at most this many requests, no bound.
SEEN_THROUGH = 3
#: A process tree over this is killed (the machine is shared), and the run reported as such.
CEILING_MB = 3000.0
POLL_SECONDS = 0.1
RELEASE_DATE = "2026-12-01"


@dataclass
class Options:
    """One soak's size and settings."""

    articles: int = 500
    max_time: float = 180.0
    config: HostileConfig = field(default_factory=HostileConfig)
    settings: dict[str, str] = field(default_factory=dict)
    max_time_grace: float = MAX_TIME_GRACE
    #: Seconds after --max-time the crawl is killed (and the run reported killed).
    kill_after: float = 120.0
    work: Path | None = None


@dataclass
class Measured:
    """One process tree's run: wall time, exit status, peak RSS (tree, and per process)."""

    seconds: float = 0.0
    returncode: int | None = None
    tree_peak_mb: float = 0.0
    peaks_mb: dict[int, float] = field(default_factory=dict)
    root: int = 0
    killed: str | None = None
    stderr: str = ""

    @property
    def worker_peaks_mb(self) -> list[float]:
        """Peak RSS of each child process (the root's when it had none)."""
        children = [mb for pid, mb in self.peaks_mb.items() if pid != self.root]
        return children or [self.peaks_mb.get(self.root, 0.0)]


def run_measured(command: list[str], log: Path, env: dict[str, str] | None = None,
                 limit: float | None = None) -> Measured:
    """Run ``command`` (stderr to ``log``), polling the RSS of its process tree; kill it past
    ``limit`` seconds or :data:`CEILING_MB`."""
    result = Measured()
    started = time.monotonic()
    with open(log, "wb") as errors:
        process = psutil.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        result.root = process.pid
        while process.poll() is None:
            total = _poll(process, result.peaks_mb)
            result.tree_peak_mb = max(result.tree_peak_mb, total)
            if total > CEILING_MB or (limit and time.monotonic() - started > limit):
                result.killed = f"RSS {total:.0f} MB" if total > CEILING_MB else "time"
                _kill(process)
            time.sleep(POLL_SECONDS)
    result.seconds, result.returncode = time.monotonic() - started, process.returncode
    result.stderr = log.read_text(errors="replace")[-2000:]
    return result


def _poll(process: psutil.Process, peaks: dict[int, float]) -> float:
    total = 0.0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0.0
    for member in members:
        try:
            mb = member.memory_info().rss / 1e6
        except psutil.Error:
            continue
        peaks[member.pid] = max(peaks.get(member.pid, 0.0), mb)
        total += mb
    return total


def _kill(process: psutil.Process) -> None:
    try:
        for child in process.children(recursive=True):
            child.kill()
        process.kill()
    except psutil.Error:
        pass


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "ifes_archive.crawler.cli", *args]


def _guarded_env(work: Path) -> dict[str, str]:
    paths = [str(GUARD), *[p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths),
            "IFES_SOAK_GUARD_LOG": str(work / "guard.log")}


@dataclass
class Figures:
    """Everything the soak measured."""

    options: Options
    site: tuple[str, str, int | None]
    expected: set[int]
    hostile_titles: dict[int, str]
    crawl: Measured
    counts: Counts
    private: dict[str, int]
    private_lines: list[str]
    guard: list[str]
    summary: dict[str, Any]
    log: checks.CrawlLogFacts
    crawl_warcs: checks.WarcScan
    release_warcs: checks.WarcScan
    wacz: checks.WarcScan
    recorded: set[int]
    records_outside: int
    rebuild: Measured | None
    release: Measured | None
    formulas: list[str]
    markup: list[str]
    crawl_started: float = 0.0

    def trap_rows(self) -> list[tuple[str, int, float | None, list[str], bool]]:
        """Per trap: requests, its last request (s after the crawl started), bounds, ok."""
        by_trap = checks.bounds_by_trap(self.summary.get("bounds") or {}, self.log)
        rows = []
        for trap in TRAPS:
            requests = self.counts.requests[trap]
            last = self.counts.last.get(trap)
            ended = None if last is None else last - self.crawl_started
            bounds = by_trap.get(trap, [])
            in_time = ended is None or ended <= TRAP_SECONDS
            # Few requests and no bound: seen through, if the crawl ran on (not one killed
            # while stuck, which never got to take the trap's next link).
            seen_through = requests <= SEEN_THROUGH and self.crawl.killed is None
            if trap == "cookies":  # what the cookies do: heads over the server's limit
                ok = in_time and self.counts.refused_431 == 0 and self.crawl.killed is None
            else:
                ok = in_time and (bool(bounds) or seen_through)
            rows.append((trap, requests, ended, bounds, ok))
        return rows


def soak(options: Options) -> Figures:
    """Run the crawl, the rebuild and the release of the hostile site; return the figures."""
    work = options.work or Path(tempfile.mkdtemp(prefix="ifes-hostile-"))
    work.mkdir(parents=True, exist_ok=True)
    site = HostileSite(build_site(articles=options.articles), options.config)
    out = work / "crawl"
    with serve_hostile(site) as (server, private):
        command = crawl_command(server.base_url, out, {**SETTINGS, **options.settings})
        command += ["--max-time", f"{options.max_time:g}"]
        started = time.monotonic()
        crawl = run_measured(command, work / "crawl.stderr", _guarded_env(work),
                             limit=options.max_time + options.kill_after)
        origin = checks.origin(server.base_url)
    warcs = checks.warc_files(out / "warc")
    rebuild = run_measured(_cli("rebuild", str(out / "warc"), "--out", str(work / "rebuilt.jsonl"),
                                "--workers", "2"), work / "rebuild.stderr") if warcs else None
    release = run_measured(_cli("release", str(out), "--out", str(work / "release"), "--date",
                                RELEASE_DATE, "--no-progress"), work / "release.stderr") \
        if warcs else None
    return _read_back(options, site, work, crawl, rebuild, release, origin, private.tally,
                      started)


def _read_back(options: Options, site: HostileSite, work: Path, crawl: Measured,
               rebuild: Measured | None, release: Measured | None, origin: Any,
               tally: Any, started: float) -> Figures:
    out, shipped = work / "crawl", work / "release"
    summary = checks.read_summary(out)
    logs = sorted((out / "reports").glob("*.crawl.log"))  # a killed run wrote no report
    log_path = Path(summary["crawl_log"]) if summary.get("crawl_log") else \
        (logs[-1] if logs else None)
    recorded, outside = checks.recorded_articles(out / "articles.jsonl", origin)
    wacz = shipped / "archive.wacz"
    return Figures(
        options=options, site=origin, expected=set(site.expected_article_ids()),
        hostile_titles=site.hostile_titles, crawl=crawl, counts=site.counts,
        private=dict(tally.connections), private_lines=list(tally.lines),
        guard=checks.guard_attempts(work / "guard.log"), summary=summary,
        log=checks.read_crawl_log(log_path, origin),
        crawl_warcs=checks.scan_warcs(checks.warc_files(out / "warc"), origin),
        release_warcs=checks.scan_warcs(checks.warc_files(shipped), origin),
        wacz=checks.scan_wacz(wacz, origin) if wacz.exists() else checks.WarcScan(),
        recorded=recorded, records_outside=outside, rebuild=rebuild, release=release,
        formulas=checks.formula_cells(shipped / "metadata.csv"),
        markup=checks.raw_markup(shipped / "CHANGES.md"), crawl_started=started)


def targets(f: Figures) -> list[tuple[str, bool]]:
    """Each target beside its figure."""
    return [*scope_targets(f), *run_targets(f), *trap_targets(f), *output_targets(f)]


def scope_targets(f: Figures) -> list[tuple[str, bool]]:
    """Nothing reached or kept from outside the site."""
    private = sum(f.private.values())
    return [
        (f"requests at the private servers = {private} {f.private_lines[:3]} (target 0)",
         private == 0),
        (f"connections outside loopback refused by the interlock = {len(f.guard)}, "
         f"169.254.169.254 fetch attempts in the crawl log = {f.log.metadata_attempts} "
         "(target 0)", not f.guard and f.log.metadata_attempts == 0),
        (f"out-of-scope WARC records = {f.crawl_warcs.out_of_scope} of {f.crawl_warcs.records} "
         f"{f.crawl_warcs.examples[:3]} (target 0)", f.crawl_warcs.out_of_scope == 0),
        (f"out-of-scope records in the release's WARCs = {f.release_warcs.out_of_scope}, in its "
         f"WACZ = {f.wacz.out_of_scope} {f.wacz.examples[:2]}, in articles.jsonl = "
         f"{f.records_outside} (target 0)",
         f.release_warcs.out_of_scope == f.wacz.out_of_scope == f.records_outside == 0),
    ]


def run_targets(f: Figures) -> list[tuple[str, bool]]:
    """The crawl ends in time, says a bound took effect, and stays small; so does the rebuild."""
    deadline = f.options.max_time + f.options.max_time_grace
    workers = f.rebuild.worker_peaks_mb if f.rebuild else []
    rebuilt = f.rebuild is not None and f.rebuild.returncode == 0
    return [
        (f"crawl wall time = {f.crawl.seconds:.1f} s{_killed(f.crawl)} (target <= --max-time "
         f"{f.options.max_time:g} + {f.options.max_time_grace:g})",
         f.crawl.seconds <= deadline and f.crawl.killed is None),
        (f"crawl exit status = {f.crawl.returncode} (target {EXIT_BOUNDED}: a bound took "
         f"effect; bounds named: {sorted(f.summary.get('bounds') or {})})",
         f.crawl.returncode == EXIT_BOUNDED),
        (f"peak RSS of the crawl = {f.crawl.tree_peak_mb:.0f} MB (target <= {PEAK_MB:g})",
         f.crawl.tree_peak_mb <= PEAK_MB),
        (f"peak RSS of each rebuild worker = {[round(mb) for mb in workers]} MB (target <= "
         f"{PEAK_MB:g}, of a rebuild that read the crawl)",
         rebuilt and bool(workers) and max(workers) <= PEAK_MB),
    ]


def trap_targets(f: Figures) -> list[tuple[str, bool]]:
    """Every trap ended by a bound (or seen through) within a minute; no head refused."""
    rows = []
    for trap, requests, ended, bounds, ok in f.trap_rows():
        when = "never asked for" if ended is None else f"last request at {ended:.1f} s"
        rows.append((f"trap {trap}: {requests} requests, {when}, bounds {bounds or 'none'} "
                     f"(target: ended by a bound within {TRAP_SECONDS:g} s)", ok))
    return [*rows, (f"requests refused 431 (heads over {f.options.config.head_limit} bytes) = "
                    f"{f.counts.refused_431} (target 0)", f.counts.refused_431 == 0)]


def output_targets(f: Figures) -> list[tuple[str, bool]]:
    """Every good article archived and recorded; a release safe to open."""
    archived, recorded = f.expected & f.crawl_warcs.articles, f.expected & f.recorded
    ran = [m.returncode for m in (f.rebuild, f.release) if m is not None]
    titled = len(f.hostile_titles.keys() & f.recorded)
    released = titled == len(f.hostile_titles) and f.release is not None and \
        f.release.returncode == 0
    return [
        (f"good articles archived = {len(archived)}, recorded = {len(recorded)} of "
         f"{len(f.expected)} {sorted(f.expected - recorded)[:8]} (target all)",
         archived == recorded == f.expected),
        (f"rebuild and release exit statuses = {ran} (target 0 and 0)", ran == [0, 0]),
        (f"metadata.csv cells a spreadsheet would run = {len(f.formulas)} {f.formulas[:3]} "
         f"(target 0; articles of hostile titles released: {titled} of {len(f.hostile_titles)})",
         not f.formulas and released),
        (f"raw <img / ](http in CHANGES.md = {len(f.markup)} {f.markup[:2]} (target 0, with "
         "the hostile titles released)", not f.markup and released),
    ]


def _killed(measured: Measured) -> str:
    return f", KILLED ({measured.killed})" if measured.killed else ""


def print_figures(f: Figures) -> None:
    """The figures the targets do not show: per-attack requests, processes, the report."""
    c = f.counts
    print(f"\nHostile soak: mirror of {f.options.articles} articles "
          f"({len(f.expected)} to archive), seed {f.options.config.seed}, "
          f"--max-time {f.options.max_time:g}")
    print(f"  requests at the site {c.total:,}; per attack: {dict(sorted(c.requests.items()))}")
    print(f"  Host headers not the site's: {dict(c.other_hosts)}; alias robots.txt redirected "
          f"to a private address: {c.alias_robots}")
    print(f"  private listeners (connections): {f.private or 'none reached'}; fetch attempts "
          f"at other origins in the crawl log: {f.log.private_attempts}")
    print(f"  hostile titles given to articles {sorted(f.hostile_titles)}")
    print(f"  crawl: {f.crawl.seconds:.1f} s, exit {f.crawl.returncode}{_killed(f.crawl)}, "
          f"peak RSS {f.crawl.tree_peak_mb:.0f} MB, responses {f.summary.get('responses')}, "
          f"articles {f.summary.get('articles')}, failures {len(f.summary.get('failures') or [])}")
    for name, bound in sorted((f.summary.get("bounds") or {}).items()):
        print(f"  BOUND {name}: {bound.get('count')} x, setting {bound.get('setting')}, "
              f"{bound.get('detail')!r}, e.g. {(bound.get('examples') or [])[:2]}")
    for name, measured in (("rebuild --workers 2", f.rebuild), ("release", f.release)):
        if measured is not None:
            print(f"  {name}: {measured.seconds:.1f} s, exit {measured.returncode}"
                  f"{_killed(measured)}, peak RSS per process "
                  f"{[round(mb) for mb in measured.peaks_mb.values()]} MB")
    if f.crawl.returncode not in (0, EXIT_BOUNDED):
        print("  crawl stderr (end): " + f.crawl.stderr[-800:].replace("\n", "\n    "))


def main(argv: list[str] | None = None) -> int:
    """Run the soak; print the figures; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--seed", type=int, default=19, help="the hostile site's random stream")
    parser.add_argument("--max-time", type=float, default=180.0,
                        help="the crawl's --max-time (generous: the traps must end in 60 s)")
    parser.add_argument("--cookies", type=int, default=400,
                        help="cookies the cookie page sets (0: see what else fails without them)")
    parser.add_argument("--links", type=int, default=250_000)
    parser.add_argument("--huge-pages", type=int, default=20)
    parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args(argv)
    settings = dict(s.split("=", 1) for s in args.settings)
    work = Path(tempfile.mkdtemp(prefix="ifes-hostile-"))
    try:
        figures = soak(Options(args.articles, args.max_time, HostileConfig(
            seed=args.seed, links=args.links, huge_pages=args.huge_pages, cookies=args.cookies),
                               settings, work=work))
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print_figures(figures)
    return print_targets(targets(figures))


if __name__ == "__main__":
    sys.exit(main())
