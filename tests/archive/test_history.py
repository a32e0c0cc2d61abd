"""``ifes-archive history --diff``: changed words marked within a paragraph, dates as dates."""

from __future__ import annotations

import json
from pathlib import Path

from ifes_archive.crawler.cli import main as cli

LONG = ("The honorific system was criticised by Japanese linguists in the years after the war, "
        "and the debate went on for decades in journals and newspapers alike.")


def _version(n: int, text: str, modified: str | None, **extra) -> dict:
    return {"article_id": 7, "version": n, "status": "current" if n == 2 else "superseded",
            "first_seen": f"2026-0{n}-01T10:00:00.123456Z", "last_seen": f"2026-0{n}-08T10:00:00Z",
            "title": "Kana", "authors": [{"name": "Petrova Natalia", "spellings": []}],
            "date_published": {"value": "2012-03-05", "raw": " 05.03.2012 г.", "source": "createdate"},
            "date_modified": modified and {"value": modified, "raw": "x", "source": "modifydate"},
            "sections": ["Politics"], "pages": 1, "word_count": len(text.split()), "text": text,
            "captures": [{"warc_filename": "a.warc.gz", "warc_offset": 0, "warc_record_id": "<x>"}],
            **extra}


def test_diff_marks_changed_words_once_and_shows_dates(tmp_path: Path, capsys) -> None:
    old = "\n\n".join(["First paragraph stays.", f"Exports grew by 13.3 percent. {LONG}", "Gone."])
    new = "\n\n".join(["First paragraph stays.", f"Exports grew by 14.1 percent. {LONG} (Corrected.)",
                       "A paragraph added [1]"])
    corpus = tmp_path / "articles.jsonl"
    corpus.write_text("".join(json.dumps(v) + "\n" for v in [
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
    gone = {"date": "2026-02-10T10:00:00Z", "reason": "HTTP 404", "capture": None}
    text = "First paragraph stays.\n\nSecond one."
    versions = [_version(1, text, None, gone=gone),
                _version(2, text + "\n\nA third, new.", "2013-01-15"),
                _version(3, text + "\n\nA third, new.", "2013-01-15", title="Kana again")]
    versions[0]["status"], versions[2]["status"] = "superseded", "current"
    corpus = tmp_path / "articles.jsonl"
    corpus.write_text("".join(json.dumps(v) + "\n" for v in versions))
    assert cli(["history", str(corpus), "7", "--json"]) == 0
    steps = json.loads(capsys.readouterr().out)["changes"]
    assert [(s["kind"], s["from_version"], s["to_version"]) for s in steps] == [
        ("added", None, 1), ("withdrawn", 1, None), ("restored", 1, 2), ("edited", 2, 3)]
    added, withdrawn, restored, edited = steps
    assert added["to_seen"] == versions[0]["first_seen"] and added["fields"] == []
    assert added["words_added"] is None and withdrawn["words_added"] is None
    assert (withdrawn["from_seen"], withdrawn["to_seen"]) == (versions[0]["last_seen"],
                                                              gone["date"])
    assert (restored["from_seen"], restored["to_seen"]) == (gone["date"],
                                                            versions[1]["first_seen"])
    assert restored["fields"] == ["date_modified", "word_count", "text"]
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
