"""Time ``build_record`` over the gold set's article pages; print ms per page (best run).

Run as a script with the ``archive`` package to time first on ``PYTHONPATH``
(:func:`bench.extract.time_extractor` runs the baseline's and this checkout's alike).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from archive.record import CapturedPage, build_record


def main(gold: Path, base_url: str, runs: int) -> float:
    """Return the best ms per page over *runs* passes (one warm-up pass first)."""
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
    print(f"{main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])):.3f}")
