"""``ifes-archive import`` end to end, offline: the mirror crawled at three epochs of its life
(edits, additions, withdrawals) into three folders, those WARCs served by pywb on loopback (CDX
API and raw replay), imported into a fresh folder (killed half way and run again), rebuilt, and
compared with a crawl of the same three epochs into one folder.

How the two corpora are compared: per article, the sequence of its versions' content digests
(:func:`archive.corpus.versions.content_digest`: everything a version says, its capture pointers,
dates, sources and the Itemid-drawn breadcrumb and sections aside). Capture dates differ (other
crawls made them), so only their order counts. The one expected difference: an article
withdrawn in a later epoch is ``gone`` in the crawl of one folder (it asked for it again and
got the removal) but ``current`` in the import, since the three fresh crawls the archive holds
never asked for it after it left the listings; the test checks exactly those articles. Once a
crawl of the live site runs in the folder the import went to, it asks for them and they are
marked withdrawn (:func:`test_a_withdrawn_article_only_an_archive_holds_is_marked_withdrawn`).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ifes_archive.archive.corpus.imports.cdx import Capture
from ifes_archive.archive.corpus.imports.records import SOURCE_URI
from ifes_archive.archive.corpus.versions import content_digest
from ifes_archive.archive.page.joomla import parse_url
from ifes_archive.crawler.archive_client import ArchiveClient
from ifes_archive.crawler.importer import refusal
from ifes_archive.fixtures.epochs import Changes, changes
from ifes_archive.fixtures.timeline import wait_for_epoch
from tests.conftest import run_crawl, serve
from tests.extras import need_pywb
from tests.pywb import wayback
from tests.warcs import read_raw_records

EPOCHS = 3
IMPORT_TIMEOUT = 900
#: The mirror's size: 60 articles hold at every epoch edits, additions and withdrawals (the
#: fixture checks it) at a third of the default mirror's crawl time, six crawls over.
ARTICLES = 60


def epoch_changes(epoch: int) -> Changes:
    """What ``epoch`` changed on this module's mirror."""
    return changes(articles=ARTICLES, epoch=epoch)


def withdrawn_by_the_end() -> frozenset[int]:
    return epoch_changes(1).removed | epoch_changes(2).removed


@pytest.fixture(scope="module")
def epochs(tmp_path_factory: pytest.TempPathFactory):
    """The mirror crawled at epochs 0, 1, 2: each into a folder of its own, and all into one."""
    tmp = tmp_path_factory.mktemp("import")
    for epoch in range(1, EPOCHS):
        done = epoch_changes(epoch)
        assert done.edited and done.added and done.removed, (epoch, done)
    for served in serve(tmp, "--articles", str(ARTICLES)):
        for epoch in range(EPOCHS):
            if epoch:
                served.process.send_signal(signal.SIGUSR1)
                wait_for_epoch(served.base_url, epoch)
            for out in (tmp / f"epoch{epoch}", tmp / "together"):
                crawl = run_crawl(served.base_url, out)
                assert crawl.returncode == 0, crawl.stderr[-2000:]
        yield tmp, served.base_url


@pytest.fixture(scope="module")
def archive(epochs, tmp_path_factory: pytest.TempPathFactory):
    """A pywb collection of the three epochs' WARCs (``coll``) and one of the first two
    (``early``), served on loopback: its root URL."""
    tmp, _ = epochs
    pywb = need_pywb()
    home = tmp_path_factory.mktemp("pywb")
    subprocess.run([pywb / "wb-manager", "init", "coll"], cwd=home, check=True,
                   capture_output=True)
    warcs = [str(p) for e in range(EPOCHS) for p in sorted((tmp / f"epoch{e}" / "warc").glob("*.warc.gz"))]
    subprocess.run([pywb / "wb-manager", "add", "coll", *warcs], cwd=home, check=True,
                   capture_output=True)
    # A second collection, "early": the first two epochs only (the newest articles unheld).
    subprocess.run([pywb / "wb-manager", "init", "early"], cwd=home, check=True,
                   capture_output=True)
    early = [str(p) for e in range(EPOCHS - 1)
             for p in sorted((tmp / f"epoch{e}" / "warc").glob("*.warc.gz"))]
    subprocess.run([pywb / "wb-manager", "add", "early", *early], cwd=home, check=True,
                   capture_output=True)
    with wayback(home) as root:
        yield root


def import_command(folder: Path, cdx: str, base_url: str, delay: str = "0") -> list[str]:
    return [sys.executable, "-m", "ifes_archive.crawler.cli", "import", str(folder), "--cdx", cdx,
            "--base-url", base_url, "--delay", delay, "--no-progress"]


def open_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in (folder / "warc").glob("*.open"))


def kill_at(tmp: Path) -> int:
    """A third of the bytes the three epochs' WARCs hold: the first import is killed once it has
    stored about that much, part way whatever the mirror's size."""
    held = sum(p.stat().st_size for e in range(EPOCHS)
               for p in (tmp / f"epoch{e}" / "warc").glob("*.warc.gz"))
    return held // 3


@pytest.fixture(scope="module")
def imported(epochs, archive, tmp_path_factory: pytest.TempPathFactory):
    """Import into a fresh folder: killed once it has stored some captures, then run again."""
    _, base_url = epochs
    folder = tmp_path_factory.mktemp("imported") / "archive"
    cdx = f"{archive}coll/cdx"
    first = subprocess.Popen(import_command(folder, cdx, base_url, delay="0.02"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + IMPORT_TIMEOUT
    enough = kill_at(epochs[0])
    while open_bytes(folder) < enough and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    first.kill()
    first.communicate(timeout=30)
    live = ["--live", str(epochs[0] / "together")]  # the live site: the crawl of epoch 2 last
    second = subprocess.run([*import_command(folder, cdx, base_url), *live], capture_output=True,
                            text=True, timeout=IMPORT_TIMEOUT)
    reports = sorted((folder / "reports").glob("import-*.json"))
    return folder, first.returncode, second, json.loads(reports[-1].read_text())


def test_import_killed_half_way_goes_on_and_doubles_nothing(imported) -> None:
    folder, first_status, second, report = imported
    assert first_status == -signal.SIGKILL  # the first run was killed, not finished
    assert second.returncode == 0, second.stderr[-2000:]
    assert report["already_imported"] > 0 and report["stored"] > 0
    assert not report["refused"] and not report["failed"]
    sources = [r.headers[SOURCE_URI] for p in sorted((folder / "warc").glob("*.warc.gz"))
               for r in read_raw_records(p) if r.type == "response"]
    assert len(sources) == len(set(sources)) == report["distinct"]
    print(f"distinct captures {report['distinct']}, run 2: {report['requests']} requests, "
          f"{report['index_pages']} index pages, {report['stored']} stored")
    assert report["requests"] <= 1.05 * report["stored"] + report["index_pages"]


def test_imported_records_tell_where_and_when(imported, archive, epochs) -> None:
    folder, *_ = imported
    tmp, _ = epochs
    crawled = {(r.headers["WARC-Target-URI"], r.headers["WARC-Date"][:19])
               for e in range(EPOCHS) for p in (tmp / f"epoch{e}" / "warc").glob("*.warc.gz")
               for r in read_raw_records(p) if r.type == "response"}
    records = [r for p in sorted((folder / "warc").glob("*.warc.gz"))
               for r in read_raw_records(p) if r.type == "response"]
    assert records
    for record in records:
        when = record.headers["WARC-Date"][:19]
        assert (record.headers["WARC-Target-URI"], when) in crawled  # original URL and time
        stamp = "".join(c for c in when if c.isdigit())
        assert record.headers[SOURCE_URI] == \
            f"{archive}coll/{stamp}id_/{record.headers['WARC-Target-URI']}"
        assert record.headers["ifes-source-archive"] == f"{archive}coll/cdx"
        assert record.headers["WARC-Creation-Date"] > record.headers["WARC-Date"]
        assert record.block.startswith(b"HTTP/1.1 ")
        assert b"\r\nMemento-Datetime" not in record.block.split(b"\r\n\r\n")[0]


def test_coverage_names_the_withdrawn_articles_only_the_archive_holds(imported) -> None:
    _, _, second, report = imported
    withdrawn = withdrawn_by_the_end()
    coverage = report["coverage"]
    assert coverage["held_not_served"] == sorted(withdrawn)
    assert coverage["served_not_held"] == []
    assert f"held but no longer served: {sorted(withdrawn)}" in second.stdout


def _versions(corpus: Path) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = {}
    for line in corpus.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        found.setdefault(record["article_id"], []).append(record)
    return found


def test_rebuild_of_the_import_gives_every_epochs_versions(imported, epochs, archive,
                                                            tmp_path: Path) -> None:
    from ifes_archive.crawler.cli import main

    folder, *_ = imported
    tmp, _ = epochs
    assert main(["rebuild", str(folder), "--out", str(tmp_path / "imported.jsonl")]) == 0
    assert main(["rebuild", str(tmp / "together"), "--out", str(tmp_path / "crawled.jsonl")]) == 0
    ours, theirs = _versions(tmp_path / "imported.jsonl"), _versions(tmp_path / "crawled.jsonl")
    withdrawn = withdrawn_by_the_end()
    assert set(ours) == set(theirs) and withdrawn <= set(ours)
    for article_id, versions in theirs.items():
        assert [content_digest(v) for v in ours[article_id]] == \
            [content_digest(v) for v in versions], article_id
        statuses = [v["status"] for v in ours[article_id]]
        expected = [v["status"] for v in versions]
        if article_id in withdrawn:
            assert expected[-1] == "gone" and statuses[-1] == "current"
            expected[-1] = "current"
        assert statuses == expected, article_id
    source = archive.split("//")[1].rstrip("/")
    assert all(v["sources"] == [source] for vs in ours.values() for v in vs)
    assert all(v["sources"] == ["crawl"] for vs in theirs.values() for v in vs)
    total = sum(map(len, theirs.values()))
    print(f"versions: {total} crawled, {sum(map(len, ours.values()))} rebuilt from the import")


def test_a_rewritten_replay_is_refused(epochs, archive) -> None:
    tmp, _ = epochs
    record = next(r for p in sorted((tmp / "epoch0" / "warc").glob("*.warc.gz"))
                  for r in read_raw_records(p) if r.type == "response"
                  and "task=view" in r.headers["WARC-Target-URI"])
    url = record.headers["WARC-Target-URI"]
    stamp = "".join(c for c in record.headers["WARC-Date"] if c.isdigit())[:14]
    client = ArchiveClient("ifes-archive-test", delay=0)
    raw = Capture(stamp, url, "200", replay=f"{archive}coll/{stamp}id_/{url}")
    assert refusal(raw, client.get(raw.replay)) is None
    for modifier in ("", "mp_"):  # pywb's framed top page, and the rewritten page in it
        replay = f"{archive}coll/{stamp}{modifier}/{url}"
        why = refusal(Capture(stamp, url, "200", replay=replay), client.get(replay))
        assert why is not None and "replay code" in why, modifier
        print(f"{replay}: {why}")


def test_imports_beside_own_crawls_fold_into_the_same_versions(epochs, archive,
                                                               tmp_path: Path) -> None:
    """Imported into the folder of the crawls: equal content from both sources is one
    version naming both, and the crawls' removals still mark the withdrawn articles gone."""
    import shutil

    from ifes_archive.crawler.cli import main

    tmp, base_url = epochs
    folder = tmp_path / "both"
    shutil.copytree(tmp / "together", folder)
    done = subprocess.run(import_command(folder, f"{archive}coll/cdx", base_url),
                          capture_output=True, text=True, timeout=IMPORT_TIMEOUT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert main(["rebuild", str(folder), "--out", str(tmp_path / "both.jsonl")]) == 0
    assert main(["rebuild", str(tmp / "together"), "--out", str(tmp_path / "crawled.jsonl")]) == 0
    both, crawled = _versions(tmp_path / "both.jsonl"), _versions(tmp_path / "crawled.jsonl")
    source = archive.split("//")[1].rstrip("/")
    assert set(both) == set(crawled)
    for article_id, versions in crawled.items():
        assert [(content_digest(v), v["status"]) for v in both[article_id]] == \
            [(content_digest(v), v["status"]) for v in versions], article_id
        assert all(sorted(v["sources"]) == sorted([source, "crawl"]) for v in both[article_id])


def test_the_release_counts_versions_by_source(imported, archive, tmp_path: Path) -> None:
    from tests.conftest import build_release_cli

    folder, *_ = imported
    out = tmp_path / "release"
    assert build_release_cli(folder, out, "--rebuild") == 0
    source = archive.split("//")[1].rstrip("/")
    corpus = tmp_path / "imported.jsonl"
    from ifes_archive.crawler.cli import main

    assert main(["rebuild", str(folder), "--out", str(corpus)]) == 0
    versions = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    counted = _find(json.loads((out / "datapackage.json").read_text()), "versions_by_source")
    seen = sorted(v[k] for v in versions for k in ("first_seen", "last_seen"))
    assert counted == {source: {"versions": len(versions), "seen": [seen[0], seen[-1]]}}
    card = (out / "README.md").read_text(encoding="utf-8")
    line = next(x for x in card.splitlines() if f"versions seen by `{source}`" in x)
    assert "captures dated 20" in line


def _find(value: object, key: str) -> object:
    """Return the first value under ``key`` anywhere in nested JSON, None when none."""
    if isinstance(value, dict):
        if key in value:
            return value[key]
        value = list(value.values())
    if isinstance(value, list):
        return next((f for v in value if (f := _find(v, key)) is not None), None)
    return None


def test_a_timemap_import_gives_the_same_versions(imported, epochs, archive,
                                                 tmp_path: Path) -> None:
    """pywb's TimeMap of the site prefix (its mementos in the rewritten ``mp_`` form, fetched
    raw as ``id_``) brings the same captures as its CDX API."""
    from ifes_archive.crawler.cli import main

    folder, *_ = imported
    _, base_url = epochs
    other = tmp_path / "timemap"
    timemap = f"{archive}coll/timemap/link/{base_url}*"
    assert main(["import", str(other), "--timemap", timemap, "--base-url", base_url,
                 "--delay", "0", "--no-progress"]) == 0
    assert main(["rebuild", str(other), "--out", str(tmp_path / "timemap.jsonl")]) == 0
    assert main(["rebuild", str(folder), "--out", str(tmp_path / "cdx.jsonl")]) == 0
    by_timemap, by_cdx = _versions(tmp_path / "timemap.jsonl"), _versions(tmp_path / "cdx.jsonl")
    assert {i: [(content_digest(v), v["status"], v["first_seen"]) for v in vs]
            for i, vs in by_timemap.items()} == \
        {i: [(content_digest(v), v["status"], v["first_seen"]) for v in vs]
         for i, vs in by_cdx.items()}


def test_a_capped_import_exits_5_and_the_next_run_goes_on(epochs, archive,
                                                          tmp_path: Path) -> None:
    """``--max-captures`` is a bound (exit 5, the report names it); a CDX server that ignores
    resume keys (pywb) and fills a page is asked once more for everything."""
    from ifes_archive.crawler.cli import main
    from ifes_archive.crawler.importer import ImportOptions, run_import

    _, base_url = epochs
    folder = tmp_path / "capped"
    assert main(["import", str(folder), "--cdx", f"{archive}coll/cdx", "--base-url", base_url,
                 "--delay", "0", "--max-captures", "5", "--no-progress"]) == 5
    report = run_import(folder, ImportOptions(base_url=base_url, delay=0, page_size=100,
                                              max_captures=5, progress=False),
                        cdx=f"{archive}coll/cdx")
    assert report.index_pages == 2 and report.listed > 100  # a full page, then everything
    assert report.already_imported == 5 and report.stored == 5
    assert report.bounds["import-captures"]["count"] == report.distinct - 10
    assert report.requests == report.index_pages + 5


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def live_after_import(epochs, archive, tmp_path_factory: pytest.TempPathFactory):
    """A fresh folder: the archive's three epochs imported, then the live site (the mirror at
    its last epoch) crawled into it, then imported again (for the coverage against the crawl)."""
    _, base_url = epochs
    folder = tmp_path_factory.mktemp("live") / "archive"
    cdx = f"{archive}coll/cdx"
    first = subprocess.run(import_command(folder, cdx, base_url), capture_output=True, text=True,
                           timeout=IMPORT_TIMEOUT)
    assert first.returncode == 0, first.stderr[-2000:]
    crawl = run_crawl(base_url, folder)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    again = subprocess.run(import_command(folder, cdx, base_url), capture_output=True,
                           text=True, timeout=IMPORT_TIMEOUT)
    assert again.returncode == 0, again.stderr[-2000:]
    reports = sorted((folder / "reports").glob("import-*.json"))
    return folder, crawl, again, json.loads(reports[-1].read_text())


def test_a_withdrawn_article_only_an_archive_holds_is_marked_withdrawn(
        live_after_import, archive, tmp_path: Path) -> None:
    """Articles withdrawn at epochs 1 and 2 are linked by no listing the live crawl walks: it
    asks the site for them because the archive holds them, captures the removal, and the
    rebuilt corpus has their archived versions marked ``gone`` on that capture; the release
    shows them gone (status, a ``withdrawn`` step each, the card's count)."""
    from ifes_archive.crawler.cli import main

    folder, _, again, report = live_after_import
    withdrawn = withdrawn_by_the_end()
    assert withdrawn
    held = json.loads((folder / "articles.archived.json").read_text())
    source = archive.split("//")[1].rstrip("/")
    assert withdrawn <= set(held[source])
    stats = json.loads(sorted((folder / "reports").glob("run-*.json"))[-1].read_text())
    asked = [f for f in stats["failures"] if parse_url(f["url"]).id in withdrawn]
    assert not asked  # a removal the crawl asked about is no failure of the run
    assert report["coverage"]["held_not_served"] == sorted(withdrawn)
    assert report["coverage"]["held_unknown_to_crawls"] == []
    assert f"held but no longer served: {sorted(withdrawn)}" in again.stdout

    assert main(["rebuild", str(folder), "--out", str(tmp_path / "corpus.jsonl")]) == 0
    versions = _versions(tmp_path / "corpus.jsonl")
    for article_id in withdrawn:
        *older, newest = versions[article_id]
        assert newest["status"] == "gone", article_id
        assert newest["gone"]["reason"] in ("HTTP 404", "not found page"), newest["gone"]
        assert newest["gone"]["capture"]["warc_filename"].startswith("ifes-2")  # the crawl's
        assert all(v["sources"] == [source] for v in versions[article_id])  # only the archive
        assert all(v["status"] == "superseded" for v in older)
    assert all(vs[-1]["status"] == "current" for i, vs in versions.items() if i not in withdrawn)

    out = tmp_path / "release"
    from tests.conftest import build_release_cli

    assert build_release_cli(folder, out, "--rebuild") == 0
    rows = {r["article_id"]: r for r in _jsonl(out / "data" / "articles" / "articles.jsonl")}
    assert {i for i, r in rows.items() if r["status"] == "gone"} == withdrawn
    steps = [r for r in _jsonl(out / "data" / "changes" / "changes.jsonl")
             if r["kind"] == "withdrawn"]
    assert sorted(r["article_id"] for r in steps) == sorted(withdrawn)
    card = (out / "README.md").read_text(encoding="utf-8")
    assert f"- {len(withdrawn):,} rows gone" in card
    # Versions by source, and the span each covers: the archive's and the crawl's.
    dates: dict[str, list[str]] = {}
    for version in _jsonl(out / "data" / "versions" / "versions.jsonl"):
        for who in version["sources"]:
            dates.setdefault(who, []).extend([version["first_seen"], version["last_seen"]])
    spans = {who: {"versions": len(seen) // 2, "seen": [min(seen), max(seen)]}
             for who, seen in dates.items()}
    counted = _find(json.loads((out / "datapackage.json").read_text()), "versions_by_source")
    assert set(counted) == {"crawl", source} and counted == spans
    for who, entry in spans.items():
        assert (f"- {entry['versions']:,} versions seen by `{who}`, captures dated "
                f"{entry['seen'][0]} to {entry['seen'][1]}") in card
    print(f"withdrawn, held by the archive only: {sorted(withdrawn)}; the live crawl: "
          f"{stats['requests']} requests, {stats['gone']} gone")


def test_coverage_lists_the_live_articles_no_archive_holds(epochs, archive,
                                                           tmp_path: Path) -> None:
    """Imported from a collection of the first two epochs only, against the crawls of all
    three: the articles added at the last epoch are served and held by no archive; those
    withdrawn at epochs 1 and 2 are held and no longer served."""
    tmp, base_url = epochs
    folder = tmp_path / "early"
    done = subprocess.run([*import_command(folder, f"{archive}early/cdx", base_url), "--live",
                           str(tmp / "together")], capture_output=True, text=True,
                          timeout=IMPORT_TIMEOUT)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(sorted((folder / "reports").glob("import-*.json"))[-1].read_text())
    added, withdrawn = epoch_changes(2).added, withdrawn_by_the_end()
    assert added and not added & withdrawn
    coverage = report["coverage"]
    assert coverage["served_not_held"] == sorted(added)
    assert coverage["held_not_served"] == sorted(withdrawn)
    assert coverage["held_unknown_to_crawls"] == []
    assert f"served but held by no archive: {sorted(added)}" in done.stdout
    print(done.stdout.strip().splitlines()[-1])
