"""The capture pointer: where a response record lives in the archive's WARC files.

The bottom of ``archive/``: the crawl state, the record function, the journal and the rebuild all
hold pointers, and none of them needs the WARC writer (:mod:`archive.warcs.writer`, which makes
them) to name the type.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class CapturePointer:
    """Where a response record lives: enough to open it again without an index. The one
    pointer type: the crawl state's :class:`~archive.warcs.state.KnownCapture` and the rebuild's
    :class:`~archive.corpus.rebuild.PageCapture` hold one; records carry them (``captures``,
    ``gone``) and the JSON writers write them (:meth:`as_dict`)."""

    warc_filename: str
    warc_offset: int
    warc_length: int
    warc_record_id: str
    target_uri: str
    date: str

    def as_dict(self) -> dict[str, str | int]:
        """Return the pointer as the plain dict records carry."""
        return asdict(self)


def pointer_json(value: object) -> dict[str, str | int]:
    """Return a :class:`CapturePointer` as JSON takes it (``json.dumps(default=...)``); raise
    TypeError for anything else, as json does."""
    if isinstance(value, CapturePointer):
        return value.as_dict()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
