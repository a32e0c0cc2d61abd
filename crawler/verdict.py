"""The verdict of first contact (and of ``ifes-archive probe``) on a site, and its exit status.

A module of its own, below everything that names a verdict: the spider and the probe give one
(:mod:`crawler.firstcontact`), the capture session counts a refused run as finished, the command
line turns each into its exit status (README, "Exit statuses").
"""

from __future__ import annotations

from enum import Enum


class Verdict(str, Enum):
    """What first contact (or the whole probe) concludes for a crawl."""

    OK = "ok"
    UNREACHABLE = "unreachable"
    BLOCKED_BY_ROBOTS = "blocked-by-robots"
    OUT_OF_SCOPE = "redirected-out-of-scope"
    NOT_TEMPLATE = "not-the-template"


#: Exit status of ``probe`` and ``crawl`` per verdict (documented in the README).
EXIT_STATUS = {
    Verdict.OK: 0,
    Verdict.UNREACHABLE: 10,
    Verdict.BLOCKED_BY_ROBOTS: 11,
    Verdict.OUT_OF_SCOPE: 12,
    Verdict.NOT_TEMPLATE: 13,
}
#: Finish reasons of a spider first contact refused: the verdicts' values.
REFUSALS = frozenset(v.value for v in Verdict if v is not Verdict.OK)
