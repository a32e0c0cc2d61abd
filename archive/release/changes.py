"""``CHANGES.md``: what a release changed against an earlier one (``--previous``).

Articles are compared by id and by the digest of their newest version (what the record says,
capture pointers and version fields aside): *added* (not in the earlier release), *changed*
(another digest: the article was edited, or a newer extractor reads it otherwise), *withdrawn*
(the publisher removed it: gone now, not then), *no longer included* (in the earlier release,
not in this one: outside this release's scope, or no longer in the archive). Articles removed on
request are counted, never listed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ifes_archive.archive.release.contents import Released
from ifes_archive.archive.release.escape import code_span
from ifes_archive.archive.release.scope import ReleaseInputError
from ifes_archive.archive.release.table_files import table_jsonl

if TYPE_CHECKING:
    from pathlib import Path

Listed = list[tuple[int, str | None]]


@dataclass(frozen=True)
class PreviousRelease:
    """What an earlier release held."""

    version: str
    date: str
    articles: dict[int, Released]


def read_previous(folder: Path) -> PreviousRelease:
    """Return what the release in ``folder`` held; raise :class:`ReleaseInputError` if it is
    no release."""
    versions = table_jsonl(folder / "data", "versions")
    package = folder / "datapackage.json"
    if not versions.exists() or not package.exists():
        raise ReleaseInputError(f"{folder} is not a release (no data/versions/versions.jsonl "
                                "or datapackage.json)")
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    articles: dict[int, Released] = {}
    with open(versions, encoding="utf-8") as stream:
        for line in stream:  # oldest first per article: the last one stays
            row = json.loads(line)
            articles[row["article_id"]] = Released(row["digest"], row.get("title"), row["status"])
    return PreviousRelease(str(descriptor.get("version", "")), str(descriptor.get("created", "")),
                           articles)


@dataclass
class Changes:
    """What changed from one release to the next."""

    previous: PreviousRelease | None
    added: Listed = field(default_factory=list)
    changed: Listed = field(default_factory=list)
    withdrawn: Listed = field(default_factory=list)
    dropped: Listed = field(default_factory=list)
    removed_on_request: int = 0
    unchanged: int = 0


def compare(previous: PreviousRelease | None, now: dict[int, Released],
            excluded: set[int]) -> Changes:
    """Return the changes from ``previous`` to the articles released ``now``."""
    changes = Changes(previous)
    before = previous.articles if previous else {}
    for article_id in sorted(now):
        new, old = now[article_id], before.get(article_id)
        if old is None:
            changes.added.append((article_id, new.title))
        elif new.status == "gone" and old.status != "gone":
            changes.withdrawn.append((article_id, new.title))
        elif new.digest != old.digest:
            changes.changed.append((article_id, new.title))
        else:
            changes.unchanged += 1
    for article_id in sorted(set(before) - set(now)):
        if article_id in excluded:
            changes.removed_on_request += 1
        else:
            changes.dropped.append((article_id, before[article_id].title))
    return changes


def changes_markdown(changes: Changes, version: str, released: str) -> str:
    """Return ``CHANGES.md``."""
    lines = [f"# Changes in release {version} ({released})", ""]
    if changes.previous is None:
        lines += ["No earlier release was given (`--previous`): every article is listed as "
                  "added.", ""]
    else:
        lines += [f"Against release {changes.previous.version} ({changes.previous.date}): "
                  f"{len(changes.added)} added, {len(changes.changed)} changed, "
                  f"{len(changes.withdrawn)} withdrawn by the publisher, "
                  f"{len(changes.dropped)} no longer included, "
                  f"{changes.removed_on_request} removed on request, "
                  f"{changes.unchanged} unchanged.", ""]
    for heading, listed in (("Added", changes.added), ("Changed", changes.changed),
                            ("Withdrawn by the publisher", changes.withdrawn),
                            ("No longer included (outside this release's scope, or no longer in "
                             "the archive)", changes.dropped)):
        if listed:
            lines += [f"## {heading} ({len(listed)})", ""]
            lines += [f"- {article_id}: {code_span(title) if title else '(no title)'}"
                      for article_id, title in listed]
            lines.append("")
    if changes.removed_on_request:
        lines += ["## Removed on request", "",
                  f"{changes.removed_on_request} articles of the earlier release were removed on "
                  "request; they are not listed.", ""]
    return "\n".join(lines)
