"""One article cannot exhaust memory (issue 19, hole 4): a server sends an article of 20 pages
of 4 MiB each (fixtures/long_article.py, on loopback).

The crawl keeps its pages while they stay within ARTICLE_MAXSIZE (20 MiB), fetches no more,
flags the record incomplete and reports the bound; the rebuild reads as far and builds the same
record. Peak memory is measured in a child process (``ru_maxrss`` of the largest process under
it: the crawl; the rebuild's parent or either of its two workers). The issue's target is
300 MB; the assertions allow more (a noisy machine, allocator slack) and print the figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from tests.conftest import crawl_command

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

MB = 1_000_000
#: What the test allows (the target is 300 MB).
PEAK = 450 * MB
PAGES = 20

_MEASURED = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stdout.write(done.stdout)
sys.stderr.write(done.stderr)
print(f"peak-rss {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024}")
sys.exit(done.returncode)
"""


def measured(command: list[str]) -> tuple[int, str, str, int]:
    """Run ``command`` in a child; return its status, stdout, stderr and the peak RSS of the
    largest process it ran."""
    done = subprocess.run([sys.executable, "-c", _MEASURED, *command], capture_output=True,
                          text=True, timeout=900)
    out, _, peak = done.stdout.rpartition("peak-rss ")
    return done.returncode, out, done.stderr, int(peak)


@pytest.fixture(scope="module")
def long_article() -> Iterator[str]:
    """The base URL of a site whose one article has 20 pages of 4 MiB."""
    server = subprocess.Popen([sys.executable, "-m", "ifes_archive.fixtures.long_article",
                               "--port", "0", "--pages", str(PAGES), "--page-mib", "4",
                               "--idle", "120"], stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    try:
        yield server.stdout.readline().strip()
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def crawled(long_article: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """The archive folder of a crawl of the long article, and the crawl's peak RSS."""
    out = tmp_path_factory.mktemp("long") / "archive"
    status, _, stderr, peak = measured(crawl_command(long_article, out))
    print(f"crawl of {PAGES} x 4 MiB pages: peak RSS {peak / MB:.0f} MB")
    assert status == 5, stderr[-3000:]  # a bound took effect
    assert "Traceback" not in stderr and "MemoryError" not in stderr
    return out, peak


def test_the_crawl_keeps_the_pages_within_the_bound_and_flags_the_record(crawled) -> None:
    out, peak = crawled
    summary = json.loads((out / "crawl-summary.json").read_text())
    bound = summary["bounds"]["article-size"]
    assert bound["setting"] == "ARTICLE_MAXSIZE" and bound["count"] == 1
    (record,) = [json.loads(line) for line in (out / "articles.jsonl").open(encoding="utf-8")]
    assert "incomplete" in record["flags"]
    assert 1 <= record["pages"] < PAGES
    assert sum(1 for _ in record["captures"]) == record["pages"]
    assert peak < PEAK, f"peak RSS {peak / MB:.0f} MB"


def test_the_rebuild_reads_as_far_and_builds_the_same_record(crawled, tmp_path: Path) -> None:
    out, _ = crawled
    corpus = tmp_path / "corpus.jsonl"
    status, _, stderr, peak = measured([sys.executable, "-m", "ifes_archive.crawler.cli",
                                        "rebuild", str(out / "warc"), "--out", str(corpus),
                                        "--workers", "2"])
    print(f"rebuild (2 workers) of {PAGES} x 4 MiB pages: peak RSS {peak / MB:.0f} MB")
    assert status == 0, stderr[-3000:]
    assert corpus.read_bytes() == (out / "articles.jsonl").read_bytes()
    assert peak < PEAK, f"peak RSS {peak / MB:.0f} MB"
