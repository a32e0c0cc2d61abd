"""What the spider fetches, and what it never fetches, on a real crawl of the mirror."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ifes_archive.fixtures.mirror import Mirror
from ifes_archive.fixtures.server import MIRROR_SETTINGS
from ifes_archive.fixtures.site import build_site
from tests.conftest import serve

NEVER = re.compile(r"emailform|do_pdf|com_registration|^/images/|^/administrator/")


def _site() -> Mirror:
    return Mirror(build_site())


def _query(target: str) -> dict[str, str]:
    return {k.lower(): v[0] for k, v in parse_qs(urlsplit(target).query).items()}


def _article_fetches(mirror_exchanges) -> Counter:
    pages = Counter()
    for exchange in mirror_exchanges:
        query = _query(exchange.target)
        if query.get("task") == "view" and "pop" not in query and exchange.status == 200:
            pages[(int(query["id"]), int(query.get("limitstart", 0)))] += 1
    return pages


def test_every_article_page_is_fetched_exactly_once(crawl, mirror) -> None:
    pages = _article_fetches(mirror.exchanges())
    expected = _site().expected_article_pages()
    assert expected <= set(pages), sorted(expected - set(pages))[:10]
    twice = {key: n for key, n in pages.items() if n > 1}
    assert not twice, twice


def test_never_fetches_what_is_not_content(crawl, mirror) -> None:
    targets = [e.target for e in mirror.exchanges()]
    assert targets[0] == "/robots.txt"
    bad = [t for t in targets if NEVER.search(t)]
    assert not bad, bad[:10]


def test_each_article_print_view_is_fetched_once_and_nothing_else_in_index2(crawl, mirror) -> None:
    printed = Counter(int(_query(e.target)["id"]) for e in mirror.exchanges()
                      if e.target.startswith("/index2.php"))
    assert all("pop=1" in e.target for e in mirror.exchanges() if e.target.startswith("/index2"))
    assert set(printed) == set(_site().crawlable_article_ids())
    assert set(printed.values()) == {1}


def test_every_listing_page_is_fetched_once_and_counted(crawl) -> None:
    listings = crawl.summary["listings"]
    assert listings["refetched"] == [] and listings["fetches"] == listings["pages"]
    assert listings["distinct"] >= len(_site().site.categories)
    assert "crawl-summary" not in listings and f"listings {listings['distinct']}:" in crawl.stdout


def test_cross_checks_agree_on_the_mirror_and_are_counted(crawl) -> None:
    checks = crawl.summary["checks"]
    articles = len(_site().crawlable_article_ids())
    assert checks["counts"]["print-view"] == {"agree": articles}
    assert checks["counts"]["authors"]["agree"] > articles // 2
    assert checks["counts"]["crumb"]["agree"] > articles // 2
    assert checks["counts"]["listing-crumb"]["agree"] > 0
    assert checks["disagreements"] == []
    records = crawl.records()
    assert all(any(c["check"] == "print-view" and c["agrees"] for c in r["checks"])
               for r in records)


def test_stays_on_the_site(crawl, mirror) -> None:
    from tests.warcs import read_raw_records

    uris = {r.headers["WARC-Target-URI"] for p in crawl.warc_files for r in read_raw_records(p)
            if r.type == "response"}
    assert uris and all(u.startswith(mirror.base_url) for u in uris)


def test_calendar_trap_is_bounded_to_the_listed_months(crawl, mirror) -> None:
    listed = set(_site().archive_months())
    archive = [_query(e.target) for e in mirror.exchanges() if "task=archive" in e.target]
    months = {(int(q["year"]), int(q["month"])) for q in archive if "year" in q}
    assert archive and months <= listed, months - listed


def test_one_record_per_published_article(crawl) -> None:
    site = _site()
    records = crawl.records()
    ids = [r["article_id"] for r in records]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(site.crawlable_article_ids())
    for record in records:
        article = site.site.article(record["article_id"])
        assert record["url"] == f"{crawl.summary['base_url']}index.php?option=com_content&task=view&id={article.id}"
        assert record["title_raw"] == article.title_raw
        # text, or (the one empty body the generator draws) none, and a flag that says so
        assert bool(record["text"]) == (article.body_style != "empty")
        assert ("empty-body" in record["flags"]) == (article.body_style == "empty")
        assert len(record["captures"]) == article.page_count


def test_summary_counts_what_is_not_an_article(crawl) -> None:
    site = _site()
    summary = crawl.summary
    assert summary["finish_reason"] == "finished"
    assert summary["articles"] == len(site.crawlable_article_ids())
    assert summary["restricted"] == len(site.restricted_ids())
    assert summary["not_found"] == len(site.unpublished_ids()) + len(site.missing_ids())
    assert summary["captures"] == summary["requests"]
    assert "WARC files (1)" in crawl.stdout and "articles.jsonl" in crawl.stdout


def test_gone_pages_are_reported_as_failures(crawl) -> None:
    assert crawl.summary["failed"] == 2
    assert crawl.stderr.count("programme.html") >= 2


def _scrapy_crawl(base_url: str, archive: Path, **extra: str,
                  ) -> subprocess.CompletedProcess[str]:
    """Run ``scrapy crawl ifes -a base_url=... -s ARCHIVE_DIR=...`` as scrapyd would."""
    settings = {**MIRROR_SETTINGS, "ARCHIVE_DIR": str(archive), **extra}
    pairs = [a for k, v in settings.items() for a in ("-s", f"{k}={v}")]
    return subprocess.run([sys.executable, "-m", "scrapy", "crawl", "ifes", "-a",
                           f"base_url={base_url}", *pairs], cwd=Path(__file__).resolve().parents[2],
                          capture_output=True, text=True, timeout=600)


def test_plain_scrapy_keeps_an_archive_folder(crawl, tmp_path: Path) -> None:
    """``scrapy crawl ifes -s ARCHIVE_DIR=...`` (and so scrapyd) is the same crawl as
    ``ifes-archive crawl``: the same records, a report per run, a conditional recrawl."""
    archive = tmp_path / "archive"
    for served in serve(tmp_path, "--validators"):
        first = _scrapy_crawl(served.base_url, archive)
        assert first.returncode == 0, first.stderr[-2000:]
        after_first = len(served.exchanges())
        second = _scrapy_crawl(served.base_url, archive)
        assert second.returncode == 0, second.stderr[-2000:]
        exchanges = served.exchanges()
    lines = (archive / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    assert {json.loads(x)["article_id"] for x in lines} == {r["article_id"] for r in crawl.records()}
    reports = sorted((archive / "reports").glob("run-*.json"))
    assert len(reports) == 2 and len(list((archive / "reports").glob("run-*.crawl.log"))) == 2
    runs = [json.loads(p.read_text()) for p in reports]
    assert json.loads((archive / "crawl-summary.json").read_text()) == runs[1]
    assert [r["finish_reason"] for r in runs] == ["finished", "finished"]
    assert runs[0]["new"] == runs[0]["articles"] > 0
    # the second run asked with the first's validators: every article unchanged, answered 304
    assert runs[1]["unchanged"] == runs[0]["new"] and runs[1]["new"] == runs[1]["changed"] == 0
    asked = [e for e in exchanges[after_first:] if b"if-none-match" in e.request_bytes.lower()]
    assert len(asked) >= runs[0]["new"] and all(e.status == 304 for e in asked)
    assert len(list((archive / "warc").glob("*.warc.gz"))) == 2


def test_plain_scrapy_into_a_folder_another_crawl_holds_is_refused(tmp_path: Path) -> None:
    from ifes_archive.archive.warcs.folder import ArchiveFolder, acquire

    folder = ArchiveFolder(tmp_path / "archive")
    hold = acquire(folder)  # this test process is the other crawl
    try:
        done = _scrapy_crawl("http://127.0.0.1:9/", folder.root, LOG_LEVEL="INFO")
    finally:
        hold.release()
    assert "another crawl (pid " in done.stderr
    assert "'finish_reason': 'archive_locked'" in done.stderr
    assert "downloader/request_count" not in done.stderr
    # nothing of the folder is touched: the refusal is recorded in a file of its own
    assert sorted(p.name for p in folder.root.iterdir()) == [".lock", "reports"]
    (refusal,) = folder.reports.iterdir()
    assert re.fullmatch(r"refused-\d{8}T\d{6}-\d+\.json", refusal.name)
    assert f"(recorded in {refusal})" in done.stderr
    recorded = json.loads(refusal.read_text())
    assert recorded["finish_reason"] == "archive_locked"
    assert recorded["why"] == f"another crawl (pid {os.getpid()}) is running in {folder.root}"
    assert recorded["base_url"] == "http://127.0.0.1:9/"
