"""The card's sections on what a reader must be told: personal data, what was not captured,
which pages replay garbled, and one example record.

Each section is a function of the card's facts returning Markdown lines, as the sections of
archive/release/card.py are; card.py puts them in place.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import msgspec

from ifes_archive.archive.release.privacy import MASK

if TYPE_CHECKING:
    from ifes_archive.archive.release.card import CardFacts

#: Characters of ``text`` (and ``bio``) the example record shows.
EXAMPLE_TEXT_CHARS = 400
#: Article ids of garbled pages listed in the card; the rest are counted.
LISTED_GARBLED = 50
#: The warcinfo field that says whether page requisites were captured (crawler/session.py).
REQUISITES_FIELD = "page-requisites"


def personal_data(facts: CardFacts) -> list[str]:
    """Return the section on personal data: which fields hold names and contact details, how
    many rows carry each, what the release does with them."""
    data = facts.personal
    if data is None:
        return []
    done = (f"masked: each address is replaced by `{MASK}`" if data.masked else
            "kept as the site showed them (the release was built with `--keep-emails`)")
    rows = [["`authors` (and `persons`)", "authors' names as the articles print them",
             f"{data.with_authors:,} rows, {data.authors:,} names", "kept: authorship is "
             "what a citation needs"],
            ["`bio`", "the author's closing biography (posts, affiliation, sometimes an "
             "e-mail address)", f"{data.with_bio:,} rows", "kept; e-mail addresses in it "
             + ("masked" if data.masked else "kept")]]
    rows += [[f"e-mail addresses in `{name}`", "contact details the site hid behind its "
              "anti-spam cloaking script (the archive decodes it, as a browser does)",
              f"{data.emails[name]:,} addresses in {data.rows_with_emails[name]:,} rows", done]
             for name in sorted(data.emails)]
    return ["## Personal data", "",
            f"The {data.rows:,} rows of `articles` name people and some carry their contact "
            f"details: {data.emails['text']:,} e-mail addresses in "
            f"{data.rows_with_emails['text']:,} texts ({data.emails['bio']:,} of them in the "
            "bios, which the texts hold too). They were "
            + ("masked in every released text (`texts/`, `articles`' `text`, `bio` and "
               "`title`, JSON Lines, Parquet, `metadata.csv`)" if data.masked else
               "kept in the released texts") +
            "; the WARC files inside the WACZ are not altered and keep what the site sent, "
            "addresses included.", "", *_table(["field", "what it holds", "carried by",
                                                  "in this release"], rows)]


def not_captured(facts: CardFacts) -> list[str]:
    """Return the section on what the crawl did not capture (page requisites, documents)."""
    said = sorted({run.info.get(REQUISITES_FIELD) or "not recorded"
                   for run in facts.copies.runs.values()})
    on = [value for value in said if value.startswith("on")]
    counted = [r.get("page_requisites") or {} for r in facts.reports]
    captured = sum(int(p.get("captured") or 0) for p in counted)
    failed = sum(int(p.get("failed") or 0) for p in counted)
    if on:
        what = (f"Page requisites were captured in at least one run ({captured:,} captured, "
                f"{failed:,} failed, as the run reports count them): stylesheets, scripts, "
                "images and the favicon the pages embed on the site's own host. Linked "
                "documents (PDF, DOC) are not requisites and were not captured.")
    else:
        what = ("Stylesheets (CSS), scripts, images and linked documents (PDF, DOC) were not "
                "captured: only HTML pages were. A replayed page shows unstyled, with broken "
                "images, and its document links lead nowhere.")
    return ["## What was not captured", "", what + " The runs' warcinfo records say "
            f"`{REQUISITES_FIELD}`: " + "; ".join(f"`{value}`" for value in said) + ".", ""]


def garbled_pages(facts: CardFacts) -> list[str]:
    """Return the section on the pages that replay garbled (a charset declared wrongly)."""
    ids = sorted(set(facts.coverage.garbled))
    if not ids:
        return ["### Pages that replay garbled", "", "None: every page's charset is the one "
                "its HTTP header declares (or the header declares none).", ""]
    listed = ", ".join(str(i) for i in ids[:LISTED_GARBLED])
    more = f" and {len(ids) - LISTED_GARBLED:,} more" if len(ids) > LISTED_GARBLED else ""
    return ["### Pages that replay garbled", "",
            f"{len(ids):,} articles have a page whose HTTP header names a charset its bytes "
            "are not in. The text here was decoded right (the page's own declaration, UTF-8 "
            "or detection; the `encoding` field says which and why), but a browser follows "
            "the header: these pages showed garbled on the site and do so in replay of the "
            f"WACZ. Articles: {listed}{more}.", ""]


def example_record(facts: CardFacts) -> list[str]:
    """Return the section showing one real row of ``articles``, its long texts shortened."""
    if facts.example is None:
        return []
    row = msgspec.to_builtins(facts.example)  # as the JSON line holds it
    shown = {key: _shortened(value) if key in ("text", "bio") else value
             for key, value in row.items()}
    body = json.dumps(shown, ensure_ascii=False, indent=2, default=str)
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", body)), default=0))
    return ["## An example record", "", f"The first row of `articles` (article "
            f"{row.get('article_id')}), as `data/articles/articles.jsonl` holds it; `text` "
            f"and `bio` are cut to {EXAMPLE_TEXT_CHARS} characters here.", "", fence + "json", body,
            fence, ""]


def _shortened(value: Any) -> Any:
    if not isinstance(value, str) or len(value) <= EXAMPLE_TEXT_CHARS:
        return value
    return value[:EXAMPLE_TEXT_CHARS].rstrip() + " …"


def _table(head: list[str], rows: list[list[Any]]) -> list[str]:
    cell = lambda text: " ".join(str(text).split()).replace("|", "\\|")  # noqa: E731
    return ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head),
            *["| " + " | ".join(cell(c) for c in row) + " |" for row in rows], ""]
