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

The crawl (the lines of its journal, :mod:`archive.corpus.journal`) and an offline rebuild (the same
kinds of line, made from the WARC files) hand the same observations to the same fold, so both
give the same versions. The fold only reads small :class:`Observation` values; the records
themselves stay where they are (``ref``) until the versions are written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

import msgspec

from ifes_archive.archive.types import NOT_CONTENT as NOT_CONTENT
from ifes_archive.archive.types import CapturePointer, Gone, Record, Status
from ifes_archive.archive.types import content_digest as content_digest

if TYPE_CHECKING:
    from collections.abc import Iterable

#: The source of an observation the project's own crawls made (an imported one names the
#: public archive it came from: :mod:`archive.corpus.imports`).
OWN_CRAWL = "crawl"
#: Kinds of observation, in the order ties on the date are taken.
RECORD: Final = "record"
CONFIRMED: Final = "confirmed"
GONE: Final = "gone"
Kind = Literal["record", "confirmed", "gone"]
#: HTTP statuses of an article's first page that say the article was removed.
GONE_STATUSES = (404, 410)


@dataclass(frozen=True, order=True)
class Observation:
    """One look at an article, as small as the fold needs it."""

    seen: str
    """WARC-Date of the capture it rests on (the newest, for an article of several pages)."""
    kind: Kind
    """``record``, ``confirmed`` or ``gone``."""
    digest: str = ""
    """``record``: its content digest (:func:`content_digest`)."""
    refers_to: str = ""
    """``confirmed``: the record id of the capture the 304 confirms."""
    reason: str = ""
    """``gone``: why the article reads as removed (``HTTP 404``, ``not found page``)."""
    first_capture: str = ""
    """``record`` and ``gone``: the record id of the first page's content capture (what a later
    304 refers to)."""
    complete: bool = True
    """``record``: False when pages are missing (the ``incomplete`` flag)."""
    ref: Any = field(default=None, compare=False)
    """Where the record is (a journal position, a list of captures): opaque to the fold."""
    capture: CapturePointer | None = field(default=None, compare=False)
    """``gone``: the capture that showed it."""
    run: str = field(default="", compare=False)
    """The label of the crawl run that saw it (``""``: not known)."""
    source: str = field(default=OWN_CRAWL, compare=False)
    """Who made the capture it rests on: :data:`OWN_CRAWL`, or the public archive it was
    imported from (its host)."""

    @classmethod
    def record(cls, seen: str, digest: str, first_capture: str, complete: bool = True,
               ref: Any = None, run: str = "") -> Observation:
        """Return the observation of a record with content ``digest``."""
        return cls(seen, RECORD, digest=digest, first_capture=first_capture, complete=complete,
                   ref=ref, run=run)

    @classmethod
    def confirmed(cls, seen: str, refers_to: str, run: str = "") -> Observation:
        """Return the observation of a 304 confirming the capture ``refers_to``."""
        return cls(seen, CONFIRMED, refers_to=refers_to, run=run)

    @classmethod
    def removed(cls, seen: str, reason: str, first_capture: str,
                capture: CapturePointer | None = None, run: str = "") -> Observation:
        """Return the observation of an article found removed (``gone``: reason, capture)."""
        return cls(seen, GONE, reason=reason, first_capture=first_capture, capture=capture,
                   run=run)


@dataclass
class Version:
    """One version of an article: the observation that began it and the span it covers."""

    ref: Any
    digest: str
    first_seen: str
    last_seen: str
    gone: Gone | None = None
    sources: list[str] = field(default_factory=list)
    """Who saw this version, in the order they first did (:attr:`Observation.source`)."""

    def of(self, record: Record, number: int, newest: bool) -> Record:
        """Return ``record`` with the version fields of this version (``number`` counts from
        1)."""
        status: Status = ("gone" if self.gone else "current") if newest else "superseded"
        return msgspec.structs.replace(record, version=number, first_seen=self.first_seen,
                                       last_seen=self.last_seen, status=status, gone=self.gone,
                                       sources=list(self.sources))


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
    #: Content digest -> where its record is (the first one, or its run's last); first-page
    #: capture id -> the digest it showed (None: a removal page). Every observation teaches
    #: these, kept or not.
    refs: dict[str, Any] = {}
    shown: dict[str, str | None] = {}
    kept = last_of_each_run(listed)
    #: Digest -> the run whose record ``refs`` holds: a resumed run's last record replaces the
    #: one it journaled before its restart (the same content, but what its newest captures
    #: show: a print view fetched after the restart adds its check).
    ref_runs: dict[str, str] = {}
    last_ids = {id(seen) for seen in kept}
    for seen in sorted(listed):
        if seen.kind == RECORD:
            if seen.ref is not None and (seen.digest not in refs or (
                    seen.run and ref_runs.get(seen.digest) == seen.run and id(seen) in last_ids)):
                refs[seen.digest], ref_runs[seen.digest] = seen.ref, seen.run
            shown.setdefault(seen.first_capture, seen.digest)
        elif seen.kind == GONE:
            shown.setdefault(seen.first_capture, None)
    versions: list[Version] = []
    for seen in sorted(kept):
        current = versions[-1] if versions else None
        if seen.kind == GONE:
            if current is not None and current.gone is None:
                current.gone = Gone(seen.seen, seen.reason, seen.capture)
            continue
        if seen.kind == CONFIRMED:
            digest = shown.get(seen.refers_to)
        else:
            if not seen.complete and current is not None:
                continue  # pages missing this time: no evidence the article changed
            digest = seen.digest
        ref = refs.get(digest) if digest is not None else None
        if digest is None or ref is None:
            continue  # confirms a removal page or a capture no record came from; or a short
            # line whose record is not at hand (a journal cut short)
        if current is not None and current.gone is None and current.digest == digest:
            current.last_seen = max(current.last_seen, seen.seen)
            if seen.source not in current.sources:
                current.sources.append(seen.source)
        else:
            versions.append(Version(ref, digest, seen.seen, seen.seen, sources=[seen.source]))
    return versions
