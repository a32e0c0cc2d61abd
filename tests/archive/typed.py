"""Records for tests: a whole typed record of a few words, changed where a test says."""

from __future__ import annotations

from typing import Any

import msgspec

from ifes_archive.archive.types import (
    DateOptions,
    Extractor,
    Packages,
    PagePointer,
    Record,
    record_digest,
)

BASE = "http://h/"


def a_pointer(name: str = "1", page: int = 0, date: str = "2026-01-01T00:00:00Z",
              offset: int = 0) -> PagePointer:
    """Return the pointer to a capture of page ``page`` of article 7 (record id ``name``)."""
    return PagePointer("f.warc.gz", offset, 9, f"<urn:uuid:{name}>",
                       f"{BASE}index.php?option=com_content&task=view&id=7&limitstart={page}",
                       date, page)


def a_record(**changes: Any) -> Record:
    """Return a whole record of article 7 (one page, one capture), with ``changes``; its digest
    is that of what it says."""
    record = Record(
        url=f"{BASE}index.php?option=com_content&task=view&id=7", article_id=7, title="Title",
        title_raw="Title", subtitle=None, authors=[], authors_sources=[], date_published=None,
        date_modified=None, language="ru", sections=[], breadcrumb=None, text="Текст.",
        bio=None, pages=1, word_count=1, captures=[a_pointer()], encoding=[], flags=[],
        extractor=Extractor(method="template", packages=Packages(), input="i", text="t",
                            dates=DateOptions("%d.%m.%Y", ["ru"], "DMY")),
        checks=[])
    record = msgspec.structs.replace(record, **changes)
    return msgspec.structs.replace(record, digest=record_digest(record))
