"""The card's account of how the corpus was had and what it covers: the crawl runs (from the
WARC files' warcinfo), their politeness, the run reports, the extractors; coverage and known
gaps (statuses, flags, empty fields, failures, exclusions); the changes against the previous
release. Each function gives the Markdown lines of one section of the card
(:mod:`archive.release.card` puts them in order).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING

from ifes_archive.archive.release.disclosure import garbled_pages
from ifes_archive.archive.release.escape import code_span, markdown_table

if TYPE_CHECKING:
    from ifes_archive.archive.release.card import CardFacts
    from ifes_archive.archive.release.coverage import Coverage

#: Failures listed by URL in the card; the rest are counted.
LISTED_FAILURES = 20


#: warcinfo fields that say how politely the crawl ran, and what the card calls them.
POLITENESS_FIELDS = {"robots": "robots.txt", "ifes-download-delay": "delay between requests (s)",
                     "ifes-autothrottle": "AutoThrottle",
                     "ifes-concurrent-requests-per-domain": "parallel requests to the site",
                     "http-header-user-agent": "User-Agent", "operator": "operator"}


def collection(facts: CardFacts) -> list[str]:
    lines = ["## How it was collected", "",
             f"The site {facts.identity.site} was crawled by ifes-archive (Scrapy): menus, "
             "sections, category and blog listings and multi-page articles, every article "
             "fetched once per run, every HTTP exchange kept as a WARC/1.1 capture as the server "
             "sent it. Later runs ask for known pages conditionally and keep what changed as "
             "new versions. The text was separated from the site's bilingual menus with the "
             "template's own markup (trafilatura for pages that are not the template), dates "
             "read day-first (Russian), names reconciled across spellings and scripts. "
             f"The records of this release were {facts.corpus_source}.", "",
             "### Crawl runs (from the WARC files)", ""]
    lines += markdown_table(["run", "first capture", "last capture", "records", "software"],
                            [[run.label or "(unnamed)", run.first, run.last, f"{run.records:,}",
                              run.info.get("software", "")]
                             for run in facts.copies.ordered_runs()])
    polite = {label: sorted({run.info[key] for run in facts.copies.runs.values()
                             if run.info.get(key)})
              for key, label in POLITENESS_FIELDS.items()}
    lines += ["Politeness, as the runs' warcinfo records state it: " + "; ".join(
        f"{label}: {', '.join(values) or 'not recorded'}" for label, values in polite.items())
        + ".", ""]
    if facts.reports:
        lines += ["### Run reports", ""]
        lines += markdown_table(
            ["started", "seconds", "finish", "requests", "new", "changed", "gone",
             "blocked by robots.txt", "failed"],
            [[r.get("started", ""), f"{float(r.get('duration_seconds') or 0):.0f}",
              r.get("finish_reason", ""), r.get("requests", 0), r.get("new", 0),
              r.get("changed", 0), r.get("gone", 0), r.get("robots_blocked", 0),
              len(r.get("failures") or [])] for r in facts.reports])
    lines += ["### Extraction", ""]
    lines += markdown_table(["rows", "extractor"], [[n, _extractor(text)] for text, n in
                                                   facts.coverage.extractors.most_common()])
    return lines


def _extractor(text: str) -> str:
    extractor = json.loads(text)
    packages = ", ".join(f"{name} {version}" for name, version in
                         (extractor.get("packages") or {}).items())
    return f"{extractor.get('method', '?')}: {packages}"


def _section_kinds(coverage: Coverage) -> list[str]:
    """Return the line saying how many sections are subjects (what the plots count)."""
    if not coverage.section_kinds:
        return []
    return [f"- {coverage.section_kinds['subject']:,} subject sections and "
            f"{coverage.section_kinds['navigation']:,} navigation listings (sections, «all "
            "publications» blogs) in `sections`; the per-section plot counts subjects only"]


def coverage_and_gaps(facts: CardFacts) -> list[str]:
    coverage = facts.coverage
    lines = ["## Coverage and known gaps", ""]
    lines += [f"- {n:,} rows {status}" for status, n in sorted(coverage.statuses.items())]
    lines += [f"- {n:,} rows without {name.replace('_', ' ')}"
              for name, n in sorted(coverage.missing.items()) if n]
    lines += [f"- {n:,} rows flagged `{flag}`" for flag, n in sorted(coverage.flags.items())]
    if coverage.flags:
        lines.append("- flags are explained in the description of the `flags` field below")
    lines += [f"- {n:,} rows where the `{check}` cross-check disagrees (see the `checks` field)"
              for check, n in sorted(coverage.disagreements.items())]
    if coverage.seen:
        lines.append(f"- captures dated {coverage.seen[0]} to {coverage.seen[1]}")
    lines += _section_kinds(coverage)
    lines += [f"- {entry['versions']:,} versions seen by `{source}`"
              + (f", captures dated {entry['seen'][0]} to {entry['seen'][1]}" if entry["seen"]
                 else "") for source, entry in sorted(coverage.sources.items())]
    failures = [f for report in facts.reports for f in report.get("failures") or []]
    if failures:
        reasons = Counter(f.get("reason", "") for f in failures)
        lines.append(f"- {len(failures):,} requests failed in the crawl runs: " + ", ".join(
            f"{code_span(reason)} ({n})" for reason, n in reasons.most_common()))
        lines += [f"  - {code_span(str(f.get('url')))}: {code_span(str(f.get('reason')))}"
                  for f in failures[:LISTED_FAILURES]]
    if facts.copies.unresolved:
        lines.append(f"- {facts.copies.unresolved:,} capture pointers name a record the "
                     "release's WARC files do not hold (the archive's files were not all there)")
    if facts.copies.torn:
        lines.append(f"- {facts.copies.torn:,} WARC records cut short at the end of a file were "
                     "left out of the WACZ")
    if facts.out_of_scope:
        lines.append(f"- {facts.out_of_scope:,} articles of the archive are outside this "
                     "release's scope")
    lines.append("")
    lines += garbled_pages(facts)
    if facts.excluded:
        total = sum(facts.excluded.values())
        lines += ["### Exclusions", "", f"{total:,} articles were excluded on request (their "
                  "records, texts and captures are not in this release; the archive keeps them). "
                  "The reasons given:", ""]
        lines += markdown_table(["reason", "articles"], [[code_span(reason), n] for reason, n in
                                                         sorted(facts.excluded.items())])
    return lines


def changes_note(facts: CardFacts) -> list[str]:
    changes = facts.changes
    if changes.previous is None:
        return ["## Changes", "", "The first release (no earlier one was given); see "
                "`CHANGES.md`.", ""]
    return ["## Changes", "", f"Against release {changes.previous.version}: "
            f"{len(changes.added):,} added, {len(changes.changed):,} changed, "
            f"{len(changes.withdrawn):,} withdrawn by the publisher, {len(changes.dropped):,} "
            f"no longer included, {changes.removed_on_request:,} removed on request; see "
            "`CHANGES.md`.", ""]

