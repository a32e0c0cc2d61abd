"""The site's text made harmless where a release shows it: spreadsheet cells and Markdown.

Titles, authors, sections, the URLs and reasons of failed requests are whatever the site (or
whoever holds it) wrote. Two places would act on them rather than show them:

- ``metadata.csv`` opens in Excel, LibreOffice and Google Sheets, which take a cell starting with
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return for a formula (``=HYPERLINK(...)``, DDE
  payloads). As OWASP's advice on CSV injection says, such a cell gets a ``'`` in front: the
  sheet shows the text. The tables (Parquet, JSON Lines) keep the text as it was.
- The card (``README.md``) and ``CHANGES.md`` are Markdown, rendered as HTML by the hubs and by
  GitHub: a title would be a live link, an image, a tag. Site text goes there in a code span,
  where nothing is markup (no link, no autolink, no emphasis, no HTML); its backticks cannot end
  the span early, its line breaks cannot end the list item.
"""

from __future__ import annotations

import re
from typing import Any

#: What starts a formula in a spreadsheet (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: What the card says of it (the card and this module say the same).
SPREADSHEET_NOTE = ("a text cell of `metadata.csv` that starts with `=`, `+`, `-`, `@`, a tab or "
                    "a carriage return has a `'` put in front, so that a spreadsheet shows it "
                    "rather than runs it as a formula (OWASP's advice on CSV injection); the "
                    "tables (Parquet, JSON Lines) hold the text as it was")
_BACKTICKS = re.compile(r"`+")


def spreadsheet_cell(value: str) -> str:
    """Return ``value`` as a spreadsheet shows it as text: a ``'`` before a formula's start."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def code_span(value: str) -> str:
    """Return ``value`` as a Markdown code span on one line: shown as written, never markup."""
    flat = " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())
    if not flat:
        return "(empty)"
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(flat)), default=0) + 1)
    # CommonMark strips one space on each side, so a backtick at an end does not meet the fence
    pad = " " if flat[0] == "`" or flat[-1] == "`" else ""
    return f"{fence}{pad}{flat}{pad}{fence}"



def _cell(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def markdown_table(head: list[str], rows: list[list[Any]]) -> list[str]:
    """Return the lines of a Markdown table (and a blank line): each cell on one line, its
    ``|`` escaped so that it cannot end the cell."""
    return ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head),
            *["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows], ""]
