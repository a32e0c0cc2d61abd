"""Personal data in a release: e-mail addresses masked in what the release derives, and counted.

The site hid the addresses in its texts behind Joomla's anti-spam cloaking; the extractor runs
the cloaking script as a browser does (archive/page/cloak.py), so the records hold them in clear.
A release masks them by default in every field it writes as text (``text``, ``bio``, ``title``
of ``articles``, the files of ``texts/``, ``metadata.csv``, JSON Lines and Parquet alike; the
citation is made after masking). The WARC files and the WACZ are not touched: they keep what
the site sent. ``ifes-archive release --keep-emails`` keeps the addresses.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

#: An e-mail address: the HTML5 spec's "valid e-mail address" (what ``<input type=email>``
#: accepts), anchored on word edges so a trailing full stop is not taken.
EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
                   r"[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")
#: What an address becomes in the released text.
MASK = "[e-mail removed]"
#: Record fields masked (free text that may hold an address).
MASKED_FIELDS = ("text", "bio", "title")


def mask_emails(text: str) -> tuple[str, int]:
    """Return ``text`` with every e-mail address replaced by :data:`MASK`, and how many."""
    return EMAIL.subn(MASK, text)


@dataclass
class PersonalData:
    """Counts of personal data over the released rows, and whether addresses were masked."""

    masked: bool = True
    rows: int = 0
    with_authors: int = 0
    authors: int = 0
    with_bio: int = 0
    emails: Counter = field(default_factory=Counter)
    """Field -> e-mail addresses found in it (masked unless ``--keep-emails``)."""
    rows_with_emails: Counter = field(default_factory=Counter)
    """Field -> rows holding at least one address in it."""

    def process(self, record: dict[str, Any]) -> dict[str, Any]:
        """Count the personal data of one row of ``articles``; return it masked (unless the
        release keeps addresses)."""
        self.rows += 1
        self.with_authors += bool(record.get("authors"))
        self.authors += len(record.get("authors") or [])
        self.with_bio += bool(record.get("bio"))
        out = dict(record)
        for name in MASKED_FIELDS:
            value = record.get(name)
            if not isinstance(value, str):
                continue
            masked, found = mask_emails(value)
            self.emails[name] += found
            self.rows_with_emails[name] += bool(found)
            if self.masked:
                out[name] = masked
        return out
