"""Print the sections vocabulary of a crawl's archive folder, as a release would make it.

    python -m bench.sections ARCHIVE_DIR        # e.g. the --out of python -m bench.stranger2

One line per section (id, kind, parent, names, evidence), then the counts: subject and
navigation sections, names held by more than one section, articles whose section names did not
all resolve. What the vocabulary says of a site it was not built on (the clean-room mirrors).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import msgspec

from ifes_archive.archive.release.sections import released_sections
from ifes_archive.archive.types import Breadcrumb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("archive", type=Path, help="an archive folder (articles.jsonl beside it)")
    args = parser.parse_args(argv)
    lines = (args.archive / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    crumbs = [(r["article_id"], msgspec.convert(r.get("breadcrumb"), Breadcrumb | None))
              for r in records]
    sections = released_sections(args.archive, crumbs, {r["article_id"] for r in records})
    stamped = [sections.stamped(r) for r in records]
    rows = list(sections.rows())
    for row in rows:
        print(f"{row.section_id:14} {row.kind:10} {row.parent or '-':12} {row.names}  "
              f"({row.evidence})")
    names = Counter(name.casefold() for row in rows for name in row.names)
    unresolved = sum(bool(r.get("sections")) and not r["section_ids"] for r in stamped)
    kinds = Counter(row.kind for row in rows)
    print(f"{kinds['subject']} subject, {kinds['navigation']} navigation; names in two sections: "
          f"{sorted(n for n, k in names.items() if k > 1) or 'none'}; articles with names "
          f"but no ids: {unresolved}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
