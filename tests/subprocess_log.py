"""A pytest plugin that logs every subprocess the test processes start (a measurement, off by default).

``pytest -p tests.subprocess_log`` with ``IFES_SUBPROCESS_LOG=FILE`` appends one JSON line per
child the test process reaped: its argv, the test that started it, when it started and how long
it lived (wall seconds), and its CPU seconds (from ``os.wait4``'s rusage, children's children
not included). ``python -m tests.subprocess_log FILE`` sums the log by kind of command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

_LOG = os.environ.get("IFES_SUBPROCESS_LOG")
_current: list[str] = [""]


def _kind(argv: Any) -> str:  # noqa: ANN401 - whatever Popen was given
    """Return a short name for the command ``argv``: the module or program it runs, and its verb."""
    parts = [str(a) for a in (argv if isinstance(argv, (list, tuple)) else [argv])]
    if parts and parts[0] == sys.executable and len(parts) > 2 and parts[1] == "-m":
        module = parts[2]
        verb = parts[3] if module.endswith(".cli") and len(parts) > 3 else ""
        return f"-m {module} {verb}".strip()
    if parts and parts[0] == sys.executable and len(parts) > 1 and parts[1] == "-c":
        return "-c"
    return Path(parts[0]).name + (f" {parts[1]}" if len(parts) > 1 and not parts[1].startswith("-") else "")


def _install(log: str) -> None:
    original_init = subprocess.Popen.__init__
    original_exitstatus = subprocess.Popen._handle_exitstatus  # type: ignore[attr-defined]

    def init(self: subprocess.Popen, args: Any, *rest: Any, **options: Any) -> None:  # noqa: ANN401
        self._logged_start = time.monotonic()  # type: ignore[attr-defined]
        self._logged_test = _current[0]  # type: ignore[attr-defined]
        original_init(self, args, *rest, **options)

    def try_wait(self: subprocess.Popen, wait_flags: int) -> tuple[int, int]:
        try:
            pid, status, usage = os.wait4(self.pid, wait_flags)
        except ChildProcessError:
            return self.pid, 0
        if pid == self.pid:
            self._logged_cpu = usage.ru_utime + usage.ru_stime  # type: ignore[attr-defined]
        return pid, status

    def handle_exitstatus(self: subprocess.Popen, status: int, *rest: Any) -> None:  # noqa: ANN401
        original_exitstatus(self, status, *rest)
        if hasattr(self, "_logged_start"):
            entry = {"kind": _kind(self.args), "test": self._logged_test,
                     "wall": round(time.monotonic() - self._logged_start, 3),
                     "cpu": round(getattr(self, "_logged_cpu", 0.0), 3),
                     "argv": [str(a) for a in self.args][:8] if isinstance(self.args, (list, tuple))
                     else str(self.args)}
            with open(log, "a") as out:
                out.write(json.dumps(entry) + "\n")

    subprocess.Popen.__init__ = init  # type: ignore[method-assign]
    subprocess.Popen._try_wait = try_wait  # type: ignore[attr-defined]
    subprocess.Popen._handle_exitstatus = handle_exitstatus  # type: ignore[attr-defined]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> object:
    _current[0] = item.nodeid
    return (yield)


if _LOG:
    _install(_LOG)


def summarise(path: Path) -> None:
    """Print the log's children by kind: how many, their wall and CPU seconds."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for line in path.read_text().splitlines():
        entry = json.loads(line)
        total = totals[entry["kind"]]
        total[0] += 1
        total[1] += entry["wall"]
        total[2] += entry["cpu"]
    print(f"{'kind':60} {'n':>5} {'wall s':>9} {'cpu s':>9}")
    for kind, (n, wall, cpu) in sorted(totals.items(), key=lambda kv: -kv[1][1]):
        print(f"{kind[:60]:60} {n:5d} {wall:9.1f} {cpu:9.1f}")
    n, wall, cpu = (sum(t[i] for t in totals.values()) for i in range(3))
    print(f"{'all':60} {int(n):5d} {wall:9.1f} {cpu:9.1f}")


if __name__ == "__main__":
    summarise(Path(sys.argv[1]))
