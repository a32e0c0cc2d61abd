"""Progress of long steps, on one line of a terminal's stderr; silent anywhere else (CI, logs)."""

from __future__ import annotations

import os
import sys
import time

#: Seconds between two redraws: often enough to look alive, rarely enough to cost nothing.
REDRAW_EVERY = 0.2


def wanted() -> bool:
    """Whether to show progress: stderr is a terminal, and not a CI job's (``CI`` set)."""
    return sys.stderr.isatty() and not os.environ.get("CI")


class Progress:
    """``label: done/total`` redrawn in place while a step runs; a final line when it ends."""

    def __init__(self, label: str, total: int | None = None, show: bool | None = None):
        self.label, self.total = label, total
        self.show = wanted() if show is None else show
        self._drawn = 0.0

    def __call__(self, done: int) -> None:
        """Report ``done`` items finished."""
        now = time.monotonic()
        if self.show and (now - self._drawn >= REDRAW_EVERY or done == self.total):
            self._drawn = now
            of = f"/{self.total}" if self.total is not None else ""
            print(f"\r{self.label}: {done}{of}\033[K", end="", file=sys.stderr, flush=True)

    def begin(self) -> Progress:
        """Say the step started (for a step that cannot count its work); return self."""
        if self.show:
            print(f"\r{self.label} ...", end="", file=sys.stderr, flush=True)
        return self

    def done(self, note: str = "") -> None:
        """End the line (with ``note``)."""
        if self.show:
            print(f"\r{self.label}: {note or 'done'}\033[K", file=sys.stderr, flush=True)
