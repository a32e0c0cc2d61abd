"""Issue 19's soak, short: every trap and attack at once among a small mirror's pages.

The same run as ``bench/hostile_soak.py`` (``make bench-hostile``), smaller: a mirror of 40
articles, 20,000 links on the page of many links instead of 250,000, an article of 5 pages of
4 MiB instead of 20, ``--max-time 60``. The crawl runs as a user runs it (a subprocess, real
sockets, real WARCs read back with warcio), then ``rebuild --workers 2`` and ``release``; every
target of the soak is asserted, and the figures are printed (``pytest -s`` shows them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.hostile_soak import Options, print_figures, soak, targets
from bench.targets import print_targets
from ifes_archive.fixtures.hostile_site import HostileConfig

if TYPE_CHECKING:
    from pathlib import Path

#: The crawl runs to --max-time (a page answers 503 with Retry-After 600): long enough for the
#: 34 good articles to be fetched beside the traps on a loaded 2-core machine.
MAX_TIME = 60.0
#: The issue asks for the end by --max-time + 10 s; a test on a shared machine allows 30 (the
#: figure is printed).
GRACE = 30.0
#: Settings passed with -s: none, the soak works with the default bounds (a bound whose default
#: makes this test slow may be lowered here, by the name the crawler gives it).
SETTINGS: dict[str, str] = {}


def test_a_hostile_site_neither_reaches_past_itself_nor_runs_the_crawl_on(tmp_path: Path) -> None:
    options = Options(articles=40, max_time=MAX_TIME,
                      config=HostileConfig(links=20_000, huge_pages=5), settings=SETTINGS,
                      max_time_grace=GRACE, kill_after=GRACE + 10, work=tmp_path)
    figures = soak(options)
    print_figures(figures)
    results = targets(figures)
    print_targets(results)
    missed = [text for text, ok in results if not ok]
    assert not missed, "missed:\n" + "\n".join(missed)
