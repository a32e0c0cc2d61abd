"""Scheduled recrawls of a site that changes: 304s kept as revisits, and what changed, counted."""

from __future__ import annotations

import json
import signal

import pytest

from ifes_archive.archive.warcs.verify import verify_file
from ifes_archive.archive.warcs.writer import REVISIT_NOT_MODIFIED
from ifes_archive.fixtures.epochs import PUBLIC_STATES, Changes, site_at
from ifes_archive.fixtures.timeline import wait_for_epoch
from tests.conftest import run_crawl, serve
from tests.warcs import parse_http, read_raw_records

#: The mirror's size: 60 articles hold edits, additions and withdrawals at epoch 1 (checked in
#: the fixture); what these tests prove holds for every article, so every count below is drawn
#: from the generated site.
ARTICLES = 60
MIRROR = ("--validators", "--articles", str(ARTICLES))


def public_at_start() -> int:
    """How many articles the site serves at epoch 0."""
    return sum(a.state in PUBLIC_STATES for a in site_at(articles=ARTICLES)[0].articles)


def epoch_one() -> Changes:
    """What epoch 1 changed on this module's mirror."""
    return site_at(articles=ARTICLES, epoch=1)[1][0]


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory: pytest.TempPathFactory):
    """Crawl; crawl again unchanged; move the site one epoch on; crawl again."""
    tmp = tmp_path_factory.mktemp("epochs")
    changes = epoch_one()
    assert changes.edited and changes.added and changes.removed, changes
    for served in serve(tmp, *MIRROR):
        runs = [run_crawl(served.base_url, tmp / "out"), run_crawl(served.base_url, tmp / "out")]
        served.process.send_signal(signal.SIGUSR1)
        wait_for_epoch(served.base_url, 1)
        runs.append(run_crawl(served.base_url, tmp / "out"))
        yield served, runs


def _reports(run) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((run.out / "reports").glob("run-*.json"))]


def test_unchanged_pages_answer_304_kept_as_revisits(three_runs) -> None:
    _, runs = three_runs
    assert all(r.returncode == 0 for r in runs), runs[-1].stderr[-2000:]
    second = runs[1].warc_files[1]
    revisits = [r for r in read_raw_records(second) if r.type == "revisit"]
    articles = [r for r in revisits if "task=view" in r.headers["WARC-Target-URI"]]
    assert len(articles) >= public_at_start()
    for record in articles:
        assert record.headers["WARC-Profile"] == REVISIT_NOT_MODIFIED
        assert parse_http(record.block).start_line == b"HTTP/1.1 304 Not Modified"
        assert "WARC-Refers-To" in record.headers and "WARC-Payload-Digest" in record.headers
    for path in runs[-1].warc_files:
        assert verify_file(path).ok


def test_reports_count_new_changed_unchanged_gone(three_runs) -> None:
    _, runs = three_runs
    first, second, third = _reports(runs[-1])
    changes, public = epoch_one(), public_at_start()
    assert first["new"] == public and first["changed"] == 0
    assert second["new"] == 0 and second["changed"] == 0 and second["unchanged"] == public
    assert third["new"] == len(changes.added)
    assert third["changed"] == len(changes.edited)
    assert third["gone"] == len(changes.removed)
    assert third["unchanged"] == public - len(changes.edited) - len(changes.removed)


def test_corpus_follows_the_site(three_runs) -> None:
    _, runs = three_runs
    changes = epoch_one()
    records = {r["article_id"]: r for r in runs[-1].records()}
    assert changes.added <= set(records)
    for article_id in changes.edited:
        assert "[1]" in records[article_id]["text"]


def _versions(run) -> dict[int, list[dict]]:
    versions: dict[int, list[dict]] = {}
    for record in run.records():
        versions.setdefault(record["article_id"], []).append(record)
    return versions


def _run_dates(run) -> list[tuple[str, str]]:
    """Return (first, last) WARC-Date of the captures of each run, in run order (a run's
    report lists every file of the folder so far: its own are those no earlier one listed)."""
    dates = []
    seen: set[str] = set()
    for report in _reports(run):
        new = [f["name"] for f in report["warc_files"] if f["name"] not in seen]
        seen.update(new)
        stamps = [r.headers["WARC-Date"] for n in new for r in read_raw_records(run.out / "warc" / n)
                  if r.type in ("response", "revisit")]
        dates.append((min(stamps), max(stamps)))
    return dates


def test_corpus_keeps_every_version_with_its_span(three_runs) -> None:
    _, runs = three_runs
    changes = epoch_one()
    versions = _versions(runs[-1])
    (_one, _), (two_first, two_last), (three_first, three_last) = _run_dates(runs[-1])
    for kept in versions.values():
        assert [r["version"] for r in kept] == list(range(1, len(kept) + 1))
        assert [r["status"] for r in kept[:-1]] == ["superseded"] * (len(kept) - 1)
        for record in kept:
            assert record["first_seen"] <= record["last_seen"]
            assert record["captures"][0]["date"] <= record["first_seen"]
    for article_id in changes.edited:
        old, new = versions[article_id]
        # seen in the first run, confirmed by the second's 304, replaced in the third
        assert old["first_seen"] <= two_first <= old["last_seen"] <= two_last
        assert three_first <= new["first_seen"] == new["last_seen"] <= three_last
        assert old["text"] != new["text"] and new["status"] == "current"
    for article_id in changes.removed:
        (last,) = versions[article_id]
        assert last["status"] == "gone" and three_first <= last["gone"]["date"] <= three_last
        assert last["gone"]["reason"] in ("HTTP 404", "not found page")
        pointer = last["gone"]["capture"]
        (record,) = [r for r in read_raw_records(runs[-1].out / "warc" / pointer["warc_filename"])
                     if r.headers["WARC-Record-ID"] == pointer["warc_record_id"]]
        assert record.headers["WARC-Target-URI"] == pointer["target_uri"]
    unchanged = set(versions) - changes.edited - changes.removed - changes.added
    assert len(unchanged) == public_at_start() - len(changes.edited) - len(changes.removed) > 0
    for article_id in unchanged:
        (only,) = versions[article_id]
        assert only["status"] == "current" and three_first <= only["last_seen"] <= three_last
    for article_id in changes.added:
        (only,) = versions[article_id]
        assert three_first <= only["first_seen"]


def test_rebuild_reproduces_the_versions_byte_for_byte(three_runs, tmp_path) -> None:
    from ifes_archive.archive.corpus.rebuild import rebuild

    _, runs = three_runs
    out = tmp_path / "rebuilt.jsonl"
    result = rebuild([runs[-1].out / "warc"], out, workers=2, progress=False)
    expected = (runs[-1].out / "articles.jsonl").read_bytes()
    assert result.versions == len(expected.splitlines()) > result.articles
    assert out.read_bytes() == expected


def test_a_server_with_dates_only_gets_if_modified_since(tmp_path) -> None:
    for served in serve(tmp_path, "--validators", "last-modified", "--articles", str(ARTICLES)):
        first = run_crawl(served.base_url, tmp_path / "out")
        before = set(first.warc_files)
        runs = [first, run_crawl(served.base_url, tmp_path / "out")]
    assert all(r.returncode == 0 for r in runs), runs[-1].stderr[-2000:]
    second = [p for p in runs[-1].warc_files if p not in before]
    records = [r for p in second for r in read_raw_records(p)
               if "task=view" in r.headers.get("WARC-Target-URI", "")]
    requests = {r.headers["WARC-Record-ID"]: parse_http(r.block) for r in records
                if r.type == "request"}
    not_modified = [r for r in records if r.type == "revisit"
                    and r.headers["WARC-Profile"] == REVISIT_NOT_MODIFIED]
    assert len(not_modified) >= public_at_start()
    assert not any(m.values("If-None-Match") for m in requests.values())
    for revisit in not_modified:
        asked = requests[revisit.headers["WARC-Concurrent-To"]]
        assert asked.values("If-Modified-Since")
        assert parse_http(revisit.block).start_line.startswith(b"HTTP/1.1 304")
    assert json.loads((tmp_path / "out" / "crawl-summary.json").read_text())["unchanged"] == public_at_start()


def test_a_lost_state_is_relearned_from_the_warcs(tmp_path) -> None:
    for served in serve(tmp_path, *MIRROR):
        first = run_crawl(served.base_url, tmp_path / "out")
        before = set(first.warc_files)
        (tmp_path / "out" / "state.sqlite").unlink()
        for leftover in (tmp_path / "out").glob("state.sqlite-*"):
            leftover.unlink()
        second = run_crawl(served.base_url, tmp_path / "out")
    assert second.returncode == 0, second.stderr[-2000:]
    assert "learned" in second.stderr
    records = [r for p in second.warc_files if p not in before for r in read_raw_records(p)
               if "task=view" in r.headers.get("WARC-Target-URI", "")]
    revisits = [r for r in records if r.type == "revisit"]
    assert len(revisits) >= public_at_start()
    assert all(r.headers["WARC-Profile"] == REVISIT_NOT_MODIFIED for r in revisits)
    assert second.summary["unchanged"] == public_at_start() and second.summary["new"] == 0


def test_history_shows_versions_and_what_changed(three_runs, capsys) -> None:
    from ifes_archive.crawler.cli import main as cli

    _, runs = three_runs
    changes = epoch_one()
    sites = [site_at(articles=ARTICLES, epoch=e)[0] for e in (0, 1)]
    blocks = [{a.id: sum(map(len, a.pages)) for a in site.articles} for site in sites]
    # An edit that adds a paragraph (the first such; at 180 articles that was min(edited)).
    edited = next(i for i in sorted(changes.edited) if blocks[0][i] < blocks[1][i])
    assert cli(["history", str(runs[-1].out), str(edited), "--diff"]) == 0
    shown = capsys.readouterr().out
    assert "2 version(s)" in shown and "version 1 (superseded)" in shown
    assert "version 2 (current)" in shown
    added = [line for line in shown.splitlines() if line.startswith("  +") and "[1]" in line]
    assert added, shown
    # An edit that amends a paragraph: the paragraph shown once, the words added marked.
    altered = next(i for i in sorted(changes.edited) if blocks[0][i] == blocks[1][i])
    assert cli(["history", str(runs[-1].out), str(altered), "--diff"]) == 0
    changed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  ~ ¶")]
    assert len(changed) == 1 and "[1]+}" in changed[0] and "{+(" in changed[0], changed
    removed = min(changes.removed)
    assert cli(["history", str(runs[-1].out / "articles.jsonl"), str(removed)]) == 0
    assert "gone: " in capsys.readouterr().out
    assert cli(["history", str(runs[-1].out), "999999"]) == 1
