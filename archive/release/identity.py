"""Who and what a release is: its title, version, date, creators, licence, and its source.

The release date is the one thing a rebuild of the same release may change: ``--date``, else
``SOURCE_DATE_EPOCH`` (the reproducible-builds convention), else today (UTC).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

#: The publisher whose site the corpus comes from.
PUBLISHER = "Institute of Far Eastern Studies, Russian Academy of Sciences"
PUBLISHER_RU = "Институт Дальнего Востока РАН"
#: The licence when none is given: the texts belong to their authors and publisher.
DEFAULT_LICENSE = "other"
#: Where the dataset is deposited and its DOI: unknown when it is built, so placeholders a
#: curator replaces in ``CITATION.cff`` and the card's BibTeX (``.example`` is reserved, RFC
#: 2606; ``10.0000`` is no registrant's prefix).
URL_PLACEHOLDER = "https://FILL-IN-WHERE-DEPOSITED.example/"
DOI_PLACEHOLDER = "10.0000/FILL-IN-DOI"
#: Stands for the creator when a release is built without ``--creator`` and no operator.
NOT_NAMED = "Not named (built without --creator): FILL IN"
KEYWORDS = ("web archive", "WARC", "Japan studies", "Russia", "area studies",
            "Institute of Far Eastern Studies")
_CONTACT = re.compile(r"^(?P<name>[^<]*?)\s*<(?P<email>[^>]+)>\s*$")


def release_date(given: str | None = None) -> date:
    """Return the release date: ``given`` (YYYY-MM-DD), else SOURCE_DATE_EPOCH, else today."""
    if given:
        return date.fromisoformat(given)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), timezone.utc).date()
    return datetime.now(timezone.utc).date()


def split_contact(creator: str) -> tuple[str, str | None]:
    """Return (name, e-mail) of ``Name <e-mail>`` (or of a bare name)."""
    match = _CONTACT.match(creator)
    return (match["name"] or match["email"], match["email"]) if match else (creator.strip(), None)


@dataclass(frozen=True)
class Identity:
    """What a release is called and who made it."""

    title: str
    version: str
    released: date
    site: str
    """The site's base URL, as the records name it."""
    creators: tuple[str, ...] = ()
    """Who compiled the release (``Name <e-mail>``); empty when no one is named."""
    license: str = DEFAULT_LICENSE
    """An SPDX id (``CC-BY-4.0``), or ``other``."""

    @property
    def name(self) -> str:
        """Return the release's machine name (lower case, digits, ``-``)."""
        return re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-") or "ifes-archive-release"

    @property
    def open_license(self) -> bool:
        """Whether the licence is a named one (not ``other``)."""
        return self.license.lower() != DEFAULT_LICENSE
