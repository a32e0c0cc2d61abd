"""A record read from, and written as, one JSON line (a journal's, a corpus's, a release's row):
the edge where records leave and come back, typed both ways by msgspec.
"""

from __future__ import annotations

from typing import Any, TypeVar, overload

import msgspec

from ifes_archive.archive.page.joomla import parse_url
from ifes_archive.archive.types import Record, record_digest, record_json

#: A record as one JSON line (:func:`archive.types.record_json`).
record_to_json = record_json
_DECODERS: dict[type[Record], msgspec.json.Decoder[Any]] = {}
#: A record, or a type extending it (a release's row).
R = TypeVar("R", bound=Record)


@overload
def record_from_json(text: bytes | str) -> Record: ...
@overload
def record_from_json(text: bytes | str, cls: type[R]) -> R: ...
def record_from_json(text: bytes | str, cls: type[Record] = Record) -> Record:
    """Return the record of one JSON line (a journal's, a corpus's; ``cls``: a release's row):
    keys that are no field, such as the journal's ``run``, are passed over; raise ValueError
    when it is none.

    A line written before records carried their pages and digest is read too: each capture's
    page is then taken from its URL, once, here, and the digest computed."""
    decoder = _DECODERS.get(cls) or _DECODERS.setdefault(cls, msgspec.json.Decoder(cls))
    try:
        record: Record = decoder.decode(text)
    except msgspec.DecodeError as exc:
        if "`page`" not in str(exc):
            raise ValueError(f"not a record: {exc}") from exc
        record = _earlier_record(text, cls)
    return record if record.digest else msgspec.structs.replace(record,
                                                                digest=record_digest(record))


def _earlier_record(text: bytes | str, cls: type[R]) -> R:
    """Return the record of a line whose captures name no page (the page read from each
    capture's URL, Joomla's ``limitstart``)."""
    try:
        data = msgspec.json.decode(text)
        for capture in data.get("captures") or []:
            capture["page"] = parse_url(capture["target_uri"]).limitstart or 0
        return msgspec.convert(data, cls)
    except (msgspec.DecodeError, AttributeError, KeyError, TypeError) as exc:
        raise ValueError(f"not a record: {exc}") from exc
