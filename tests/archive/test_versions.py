"""Folding what the crawls saw of an article into versions."""

from __future__ import annotations

import pytest

from ifes_archive.archive.corpus.versions import Observation, content_digest, fold


def _record(seen: str, digest: str, capture: str, complete: bool = True) -> Observation:
    return Observation.record(seen, digest, capture, complete, ref=f"{digest}@{seen}")


def _spans(observations: list[Observation]) -> list[tuple]:
    return [(v.digest, v.first_seen, v.last_seen, (v.gone or {}).get("reason"), v.ref)
            for v in fold(observations)]


def test_same_content_extends_a_version_and_new_content_starts_one() -> None:
    seen = [_record("3", "B", "c3"), _record("1", "A", "c1"), _record("2", "A", "c2")]
    assert _spans(seen) == [("A", "1", "2", None, "A@1"), ("B", "3", "3", None, "B@3")]


def test_a_304_confirms_the_content_of_the_capture_it_refers_to() -> None:
    seen = [_record("1", "A", "c1"), _record("2", "A", "c2"), _record("3", "B", "c3"),
            # a 304 in run 4 refers to c2, which showed A: A is back (a new version)
            Observation.confirmed("4", "c2"),
            # one that refers to nothing recorded changes nothing
            Observation.confirmed("5", "unknown")]
    assert _spans(seen) == [("A", "1", "2", None, "A@1"), ("B", "3", "3", None, "B@3"),
                            ("A", "4", "4", None, "A@1")]


def test_gone_marks_the_newest_version_once_and_a_return_is_a_new_version() -> None:
    seen = [_record("1", "A", "c1"),
            Observation.removed("2", "HTTP 404", "g2", gone={"reason": "HTTP 404"}),
            Observation.removed("3", "HTTP 404", "g3", gone={"reason": "HTTP 404"}),
            Observation.confirmed("4", "g3"),  # a 304 to the removal page: still gone
            _record("5", "A", "c5")]
    versions = fold(seen)
    assert [(v.digest, v.first_seen, v.last_seen) for v in versions] == [("A", "1", "1"), ("A", "5", "5")]
    assert versions[0].gone == {"date": "2", "reason": "HTTP 404"} and versions[1].gone is None


def test_removal_pages_of_an_article_never_recorded_give_nothing() -> None:
    assert fold([Observation.removed("1", "not found page", "g1", gone={}),
                 Observation.confirmed("2", "g1")]) == []


def test_missing_pages_start_no_version_once_there_is_one() -> None:
    seen = [_record("1", "A", "c1"), _record("2", "A-short", "c2", complete=False)]
    assert _spans(seen) == [("A", "1", "1", None, "A@1")]
    assert _spans([_record("1", "A-short", "c1", complete=False)])[0][0] == "A-short"


def test_duplicates_change_nothing() -> None:
    seen = [_record("1", "A", "c1"), _record("2", "B", "c2")]
    assert fold(seen + seen) == fold(seen)


@pytest.mark.parametrize("key", ["captures", "version", "first_seen", "last_seen", "status", "gone"])
def test_pointers_and_version_fields_are_not_content(key: str) -> None:
    record = {"title": "t", "text": "x", key: "one"}
    assert content_digest(record) == content_digest({**record, key: "two"})
    assert content_digest(record) != content_digest({**record, "text": "y"})


def test_only_the_last_look_of_a_run_counts() -> None:
    """A run resumed after a kill may look twice: a 404 fetched again, a chain completed."""
    gone = {"reason": "HTTP 404"}
    seen = [Observation.record("1", "A", "c1", ref="A@1", run="r1"),
            Observation.removed("2", "HTTP 404", "g2", gone=gone, run="r2"),
            Observation.removed("3", "HTTP 404", "g3", gone=gone, run="r2")]
    (only,) = fold(seen)
    assert only.gone == {"date": "3", "reason": "HTTP 404"}
    incomplete_then_whole = [Observation.record("1", "A-short", "c1", False, ref="s", run="r1"),
                             Observation.record("2", "A", "c2", True, ref="w", run="r1")]
    assert [(v.digest, v.ref) for v in fold(incomplete_then_whole)] == [("A", "w")]


def test_a_short_line_after_its_record_in_the_same_run_keeps_the_record() -> None:
    """A resumed run builds the article again from its own captures: the record journaled
    before the kill, a short line after it; the version is the record's."""
    seen = [Observation.record("1", "A", "c1", ref="A@1", run="r1"),
            Observation.record("1", "A", "c1", run="r1")]
    (only,) = fold(seen)
    assert (only.ref, only.first_seen, only.last_seen) == ("A@1", "1", "1")
