"""``ifes-archive history --diff``: changed words marked within a paragraph, dates as dates."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec

from ifes_archive.archive.types import DateValue, Gone, PagePointer, Person, Record, record_json
from ifes_archive.crawler.cli import main as cli
from tests.archive.typed import a_record

LONG = ("The honorific system was criticised by Japanese linguists in the years after the war, "
        "and the debate went on for decades in journals and newspapers alike.")


def _version(n: int, text: str, modified: str | None, **extra) -> Record:
    return a_record(**{
        "version": n, "status": "current" if n == 2 else "superseded",
        "first_seen": f"2026-0{n}-01T10:00:00.123456Z", "last_seen": f"2026-0{n}-08T10:00:00Z",
        "title": "Kana", "authors": [Person("Petrova Natalia", [])],
        "date_published": DateValue("2012-03-05", " 05.03.2012 г.", "createdate"),
        "date_modified": modified and DateValue(modified, "x", "modifydate"),
        "sections": ["Politics"], "pages": 1, "word_count": len(text.split()), "text": text,
        "captures": [PagePointer("a.warc.gz", 0, 9, "<x>", "u", f"2026-0{n}-01T10:00:00Z", 0)],
        **extra})


def test_diff_marks_changed_words_once_and_shows_dates(tmp_path: Path, capsys) -> None:
    old = "\n\n".join(["First paragraph stays.", f"Exports grew by 13.3 percent. {LONG}", "Gone."])
    new = "\n\n".join(["First paragraph stays.", f"Exports grew by 14.1 percent. {LONG} (Corrected.)",
                       "A paragraph added [1]"])
    corpus = tmp_path / "articles.jsonl"
    corpus.write_text("".join(record_json(v) + "\n" for v in [
        _version(1, old, None), _version(2, new, "2013-01-15", sections=["Politics", "History"])]))
    assert cli(["history", str(corpus), "7", "--diff"]) == 0
    shown = capsys.readouterr().out
    assert "seen 2026-01-01 10:00:00 UTC .. 2026-01-08 10:00:00 UTC" in shown
    assert "changed date_modified: none -> 2013-01-15" in shown
    assert "changed sections: Politics -> Politics; History" in shown
    assert '"value"' not in shown and "{'" not in shown
    changed = [line for line in shown.splitlines() if line.startswith("  ~ ")]
    assert changed == ["  ~ ¶2: Exports grew by [-13.3-] {+14.1+} percent. The honorific system "
                       "was criticised by Japanese … on for decades in journals and newspapers "
                       "alike. {+(Corrected.)+}"]
    assert [
        line for line in shown.splitlines() if line.startswith(("  - ", "  + "))] == ["  - ¶3 (removed): Gone.", "  + ¶3: A paragraph added [1]"]
    assert shown.count("Exports grew") == 1  # the changed paragraph once, not twice
    assert "First paragraph" not in shown


def test_a_withdrawn_article_that_comes_back_is_withdrawn_then_restored(
        tmp_path: Path, capsys) -> None:
    gone = Gone("2026-02-10T10:00:00Z", "HTTP 404", None)
    text = "First paragraph stays.\n\nSecond one."
    versions = [_version(1, text, None, gone=gone),
                _version(2, text + "\n\nA third, new.", "2013-01-15"),
                _version(3, text + "\n\nA third, new.", "2013-01-15", title="Kana again")]
    versions[0] = msgspec.structs.replace(versions[0], status="superseded")
    versions[2] = msgspec.structs.replace(versions[2], status="current")
    corpus = tmp_path / "articles.jsonl"
    corpus.write_text("".join(record_json(v) + "\n" for v in versions))
    assert cli(["history", str(corpus), "7", "--json"]) == 0
    steps = json.loads(capsys.readouterr().out)["changes"]
    assert [(s["kind"], s["from_version"], s["to_version"]) for s in steps] == [
        ("added", None, 1), ("withdrawn", 1, None), ("restored", 1, 2), ("edited", 2, 3)]
    added, withdrawn, restored, edited = steps
    assert added["to_seen"] == versions[0].first_seen and added["fields"] == []
    assert added["words_added"] is None and withdrawn["words_added"] is None
    assert (withdrawn["from_seen"], withdrawn["to_seen"]) == (versions[0].last_seen,
                                                              gone.date)
    assert (restored["from_seen"], restored["to_seen"]) == (gone.date,
                                                            versions[1].first_seen)
    assert restored["fields"] == ["date_modified", "text", "word_count"]  # in record order
    assert (restored["words_added"], restored["words_removed"]) == (3, 0)
    assert (restored["paragraphs_added"], restored["paragraphs_edited"]) == (1, 0)
    assert edited["fields"] == ["title"] and edited["values"] == [
        {"field": "title", "old": "Kana", "new": "Kana again"}]
    assert (edited["words_added"], edited["paragraphs_added"]) == (0, 0)


def test_the_text_counts_are_the_changes_tables_last_columns() -> None:
    from dataclasses import fields

    from ifes_archive.archive.corpus.history import TextChange
    from ifes_archive.archive.release.tables import ChangeRow

    counts = [f.name for f in fields(TextChange)]
    assert [f.name for f in fields(ChangeRow)][-len(counts):] == counts


def test_a_version_a_release_holds_as_a_row_only_is_told_from_its_row_and_captures() -> None:
    from ifes_archive.archive.release.history_lines import describe
    from ifes_archive.archive.release.lookup import RowVersion
    from ifes_archive.archive.release.tables import CaptureRow, ChangeRow, VersionRow

    gone = {"date": "2026-01-10T10:00:00Z", "reason": "HTTP 404", "capture": None}
    unreadable = {"value": None, "raw": "31.02.2013", "source": "modifydate"}
    row = VersionRow(7, 1, "superseded", "2026-01-01T10:00:00Z", "2026-01-08T10:00:00Z", gone,
                     "Kana", unreadable, 12, [], "d1", False)
    captures = [CaptureRow(7, 1, page, f"{page}.warc.gz", 10 * page, 9, f"<p{page}>", "u",
                           "2026-01-01T10:00:00Z") for page in (1, 0)]
    newest = _version(2, "Back again.", "2013-01-15")
    step = ChangeRow(7, "restored", 1, 2, gone["date"], newest.first_seen, ["text"], [],
                     2, 0, 1, 0, 0)
    lines = list(describe([RowVersion.of(row, captures), newest], diff=True, changes=[step]))
    assert lines[:5] == [
        "version 1 (superseded): seen 2026-01-01 10:00:00 UTC .. 2026-01-08 10:00:00 UTC",
        "  title: Kana", "  modified never; 12 words",
        "  from 0.warc.gz at 0 (<p0>)",  # the first page's capture, whatever the table's order
        "  gone: HTTP 404 on 2026-01-10 10:00:00 UTC"]
    assert lines[5:8] == [
        "version 2 (current): seen 2026-02-01 10:00:00 UTC .. 2026-02-08 10:00:00 UTC",
        "  title: Kana", "  published 2012-03-05, modified 2013-01-15; 1 page(s), 2 words"]
    assert lines[9:] == [
        "  restored (from version 1): text changed; text: 2 words added, 0 removed; "
        "paragraphs 1 added, 0 removed, 0 edited",
        "  (the release holds the text of only one of the two versions: a release built with "
        "--all-versions holds both)"]
