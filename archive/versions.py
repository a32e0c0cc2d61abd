"""Versions of an article: what every crawl saw of it, folded into spans of the same record.

Each time a crawl looks at an article it *observes* one of three things:

- ``record`` — its pages were captured (a full response, or a revisit whose content is an
  earlier capture's) and give a record;
- ``confirmed`` — its first page answered ``304 Not Modified`` to a conditional request: the
  capture it refers to (``WARC-Refers-To``) still holds;
- ``gone`` — its first page answered 404 or 410, or Joomla's «not found» / «not authorised» page.

:func:`fold` turns an article's observations, in capture-date order, into versions: a version is
a run of observations with the same record content (:func:`content_digest`: everything but the
capture pointers and the version fields); it begins at its first observation (``first_seen``),
ends at its last (``last_seen``), and is marked ``gone`` when the article was found removed after
it. A later record after a removal starts a new version, even one equal to an old one.

The crawl (journal lines, :func:`observation_of_line`) and an offline rebuild (observations
read from the WARC files) hand the same observations to the same fold, so both give the same
versions. The fold only reads small :class:`Observation` values; the records themselves stay
where they are (``ref``) until the versions are written.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

#: Record keys that say where and when, not what, and how far the record agrees with what the
#: site says elsewhere (a run that did not fetch the print view changes no version): left out
#: of the content comparison.
NOT_CONTENT = frozenset({"captures", "version", "first_seen", "last_seen", "status", "gone", "run",
                         "checks"})
#: Kinds of observation, in the order ties on the date are taken.
RECORD, CONFIRMED, GONE = "record", "confirmed", "gone"
#: HTTP statuses of an article's first page that say the article was removed.
GONE_STATUSES = (404, 410)
#: The flag of a record with pages missing (see :mod:`archive.record`).
INCOMPLETE = "incomplete"
#: ``observed`` values of journal lines that are no record: a 304, a removal, and a record equal
#: to the article's current version (journaled short: a server without validators sends every
#: page whole on every run).
NOT_MODIFIED_LINE, GONE_LINE, SAME_LINE = "not-modified", "gone", "same"


def content_digest(record: dict[str, Any]) -> str:
    """Return a digest of what ``record`` says (its pointers and version fields left out)."""
    content = {k: v for k, v in record.items() if k not in NOT_CONTENT}
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, order=True)
class Observation:
    """One look at an article, as small as the fold needs it."""

    seen: str
    """WARC-Date of the capture it rests on (the newest, for an article of several pages)."""
    kind: str
    """``record``, ``confirmed`` or ``gone``."""
    key: str
    """``record``: its content digest; ``confirmed``: the record id it refers to; ``gone``:
    the reason."""
    first_capture: str = ""
    """``record`` and ``gone``: the record id of the first page's content capture (what a later
    304 refers to)."""
    complete: bool = True
    """``record``: False when pages are missing (the ``incomplete`` flag)."""
    ref: Any = field(default=None, compare=False)
    """Where the record is (a journal position, a list of captures): opaque to the fold."""
    gone: dict[str, Any] | None = field(default=None, compare=False)
    """``gone``: ``{"date", "reason", "capture"}``."""
    run: str = field(default="", compare=False)
    """The label of the crawl run that saw it (``""``: not known)."""


@dataclass
class Version:
    """One version of an article: the observation that began it and the span it covers."""

    ref: Any
    digest: str
    first_seen: str
    last_seen: str
    gone: dict[str, Any] | None = None

    def fields(self, number: int, newest: bool) -> dict[str, Any]:
        """Return the version fields of a record line (``number`` counts from 1)."""
        status = ("gone" if self.gone else "current") if newest else "superseded"
        return {"version": number, "first_seen": self.first_seen, "last_seen": self.last_seen,
                "status": status, "gone": self.gone}


def last_of_each_run(observations: Iterable[Observation]) -> list[Observation]:
    """Return ``observations`` (in the order they were made) with only the last one of each
    run: a run resumed after a kill may look at an article twice (a 404 fetched again, a chain
    completed after the restart), and what it saw last is what its newest captures show."""
    listed = list(observations)
    last = {seen.run: i for i, seen in enumerate(listed) if seen.run}
    return [seen for i, seen in enumerate(listed) if not seen.run or last[seen.run] == i]


def fold(observations: Iterable[Observation]) -> list[Version]:
    """Return the versions ``observations`` of one article make, oldest first. They may come in
    any order but, within one run, in the order they were made (only each run's last counts)."""
    listed = list(observations)
    #: Content digest -> where its record is (the first one); first-page capture id -> the
    #: digest it showed (None: a removal page). Every observation teaches these, kept or not.
    refs: dict[str, Any] = {}
    shown: dict[str, str | None] = {}
    for seen in sorted(listed):
        if seen.kind == RECORD:
            if seen.ref is not None:
                refs.setdefault(seen.key, seen.ref)
            shown.setdefault(seen.first_capture, seen.key)
        elif seen.kind == GONE:
            shown.setdefault(seen.first_capture, None)
    versions: list[Version] = []
    for seen in sorted(last_of_each_run(listed)):
        current = versions[-1] if versions else None
        if seen.kind == GONE:
            if current is not None and current.gone is None:
                current.gone = {"date": seen.seen, **(seen.gone or {})}
            continue
        if seen.kind == CONFIRMED:
            digest = shown.get(seen.key)
        else:
            if not seen.complete and current is not None:
                continue  # pages missing this time: no evidence the article changed
            digest = seen.key
        ref = refs.get(digest) if digest is not None else None
        if digest is None or ref is None:
            continue  # confirms a removal page or a capture no record came from; or a short
            # line whose record is not at hand (a journal cut short)
        if current is not None and current.gone is None and current.digest == digest:
            current.last_seen = max(current.last_seen, seen.seen)
        else:
            versions.append(Version(ref, digest, seen.seen, seen.seen))
    return versions


def observation_of_line(line: bytes, ref: Any = None) -> tuple[int, Observation]:
    """Return (article id, observation) of one journal line; raise ValueError if it is bad."""
    try:
        data = json.loads(line)
        article_id = int(data["article_id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"not a journal line: {exc}") from exc
    observed, run = data.get("observed"), str(data.get("run") or "")
    if observed == NOT_MODIFIED_LINE:
        return article_id, Observation(str(data["seen"]), CONFIRMED, str(data["refers_to"]),
                                       run=run)
    if observed == SAME_LINE:
        return article_id, Observation(str(data["seen"]), RECORD, str(data["digest"]),
                                       str(data["first_capture"]), run=run)
    if observed == GONE_LINE:
        gone = data["gone"]
        return article_id, Observation(str(data["seen"]), GONE, str(gone["reason"]),
                                       _record_id(gone.get("capture")), gone=gone, run=run)
    captures = data.get("captures") or []
    seen = data.get("first_seen") or max((str(c.get("date", "")) for c in captures), default="")
    first = _record_id(captures[0]) if captures else ""
    return article_id, Observation(seen, RECORD, content_digest(data), first,
                                   INCOMPLETE not in (data.get("flags") or []), ref, run=run)


def not_modified_line(article_id: int, seen: str, refers_to: str) -> dict[str, Any]:
    """Return the journal line of a 304 to the first page of an article."""
    return {"article_id": article_id, "observed": NOT_MODIFIED_LINE, "seen": seen,
            "refers_to": refers_to}


def same_line(article_id: int, seen: str, digest: str, first_capture: str) -> dict[str, Any]:
    """Return the short journal line of a record equal to the article's current version."""
    return {"article_id": article_id, "observed": SAME_LINE, "seen": seen, "digest": digest,
            "first_capture": first_capture}


def gone_line(article_id: int, seen: str, reason: str, capture: dict[str, Any] | None,
              ) -> dict[str, Any]:
    """Return the journal line of an article found removed."""
    return {"article_id": article_id, "observed": GONE_LINE, "seen": seen,
            "gone": {"reason": reason, "capture": capture}}


def _record_id(capture: dict[str, Any] | None) -> str:
    return str((capture or {}).get("warc_record_id") or "")
