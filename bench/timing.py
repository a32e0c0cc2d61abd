"""Time ``build_record`` over the gold set's article pages; print ms per page (best run).

Run as a script: ``timing.py GOLD BASE_URL RUNS [MODULE]``, MODULE the record module to time
(``ifes_archive.archive.page.record``, this checkout's; ``archive.record`` of a baseline tree on
``PYTHONPATH``, from before the project's modules were named ``ifes_archive.*``):
:func:`bench.extract.time_extractor` runs the baseline's and this checkout's alike.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path

RECORD_MODULE = "ifes_archive.archive.page.record"


def main(gold: Path, base_url: str, runs: int, module: str = RECORD_MODULE) -> float:
    """Return the best ms per page over *runs* passes (one warm-up pass first)."""
    record = importlib.import_module(module)
    # the pages' type lives beside the builder in older trees, in archive.page.captured now
    pages_module = record if hasattr(record, "CapturedPage") else \
        importlib.import_module("ifes_archive.archive.page.captured")
    CapturedPage, build_record = pages_module.CapturedPage, record.build_record  # noqa: N806
    cases = []
    for line in (gold / "cases.jsonl").read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        if case["expected"] is not None:
            pages = [CapturedPage(k, p["url"], p["content_type"], (gold / p["file"]).read_bytes(),
                                  None) for k, p in enumerate(case["pages"])]
            cases.append((case["article_id"], pages))
    count = sum(len(pages) for _, pages in cases)
    best = float("inf")
    for _ in range(runs + 1):
        start = time.perf_counter()
        for article_id, pages in cases:
            build_record(article_id, base_url, pages)
        best = min(best, time.perf_counter() - start)
    return best * 1000 / count


if __name__ == "__main__":
    print(f"{main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), *sys.argv[4:]):.3f}")
