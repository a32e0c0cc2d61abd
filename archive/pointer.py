"""The capture pointer: where a response record lives in the archive's WARC files.

The one pointer type is the msgspec struct :class:`archive.types.CapturePointer` (the record's
``gone`` and, with its page, ``captures[]`` hold it); this module names it for the modules that
want the pointer and nothing else of the record — the crawl state, the WARC writer, the rebuild's
selection, the crawler's items — so none of them needs the WARC writer (:mod:`archive.warcs.writer`,
which makes pointers) to name the type.
"""

from __future__ import annotations

from ifes_archive.archive.types import CapturePointer

__all__ = ["CapturePointer"]
