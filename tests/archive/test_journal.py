"""The journal's line kinds: written and read back as the same line, each giving its observation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ifes_archive.archive.corpus.journal import (
    Gone,
    GoneLine,
    JournalFile,
    NotModifiedLine,
    RecordLine,
    SameLine,
    line_json,
    observation_of_line,
    parse_line,
    read_observations,
)
from ifes_archive.archive.corpus.versions import CONFIRMED, GONE, RECORD
from ifes_archive.archive.types import record_digest
from tests.archive.typed import a_pointer, a_record

POINTER = a_pointer().pointer()
#: A record as the journal holds it.
RECORD_FIELDS = a_record(title="Япония", flags=["incomplete"], first_seen="2026-01-02",
                         last_seen="2026-01-02")
LINES = [RecordLine(RECORD_FIELDS), SameLine(7, "2026-02-01", "d1", "<urn:uuid:1>"),
         NotModifiedLine(7, "2026-03-01", "<urn:uuid:1>"),
         GoneLine(7, "2026-04-01", Gone("HTTP 404", POINTER))]


@pytest.mark.parametrize("line", LINES, ids=lambda line: type(line).__name__)
def test_a_line_reads_back_as_itself_with_its_run(line) -> None:
    text = line_json(line, "run-3")
    assert "\n" not in text and json.loads(text)["run"] == "run-3"
    assert parse_line(text) == (line, "run-3")
    article_id, observation = observation_of_line(text, ref="here")
    assert article_id == 7 and observation == line.observation("here", "run-3")
    assert observation.run == "run-3"


def test_each_kind_says_one_thing() -> None:
    record, same, confirmed, gone = (line.observation() for line in LINES)
    assert (record.kind, record.digest, record.first_capture, record.complete) == (
        RECORD, record_digest(RECORD_FIELDS), "<urn:uuid:1>", False)
    assert record.seen == "2026-01-02"
    assert (same.kind, same.digest, same.first_capture) == (RECORD, "d1", "<urn:uuid:1>")
    assert (confirmed.kind, confirmed.refers_to, confirmed.digest) == (
        CONFIRMED, "<urn:uuid:1>", "")
    assert (gone.kind, gone.reason, gone.first_capture) == (GONE, "HTTP 404", "<urn:uuid:1>")
    assert gone.capture == POINTER


def test_a_record_line_of_an_earlier_journal_reads_as_the_record() -> None:
    """A record line written before records carried their digest and their captures' pages:
    the page is read from the capture's URL once, as the line is read, the digest computed."""
    record = a_record(captures=[a_pointer("1", 0), a_pointer("2", 1, offset=9)], pages=2)
    data = json.loads(line_json(RecordLine(record), "run-1"))
    del data["digest"]
    for capture in data["captures"]:
        del capture["page"]
    line, run = parse_line(json.dumps(data, ensure_ascii=False))
    assert (line, run) == (RecordLine(record), "run-1")
    assert [c.page for c in line.record.captures] == [0, 1]


@pytest.mark.parametrize("text", ["[1, 2]", '{"title": "no id"}', '{"article_id": "x"}',
                                  '{"article_id": 1, "observed": "gone", "seen": "s"}', "{"])
def test_a_bad_line_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="not a journal line"):
        observation_of_line(text)


def test_a_journal_file_cuts_a_torn_tail_and_appends_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.journal.jsonl"
    path.write_text(line_json(LINES[2], "r1") + "\n" + '{"article_id": 7, "ti', encoding="utf-8")
    journal = JournalFile(path, fsync_every=1)
    journal.append(line_json(LINES[3], "r2"))
    journal.close()
    assert [o.kind for o in read_observations(path)[7]] == [CONFIRMED, GONE]
