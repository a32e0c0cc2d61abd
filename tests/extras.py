"""The tools outside the Python environment that some tests drive: pywb, Chromium, ReplayWeb.page,
scrapyd.

``make test`` installs them (``.venv-pywb``, Debian's ``chromium``, ``.replayweb`` from npm,
``.venv-scrapyd``) and sets ``IFES_TEST_EXTRAS=required``: there a missing tool fails its tests,
so the replay and scheduling checks cannot go quiet in CI. ``pytest`` run alone skips those tests instead, saying what is missing
and which make target installs it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import NoReturn

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Set to ``required`` by ``make test``: a missing tool is a failure, not a skip.
REQUIRED_VARIABLE = "IFES_TEST_EXTRAS"
#: pywb's environment (``make test`` builds it; its pins must not move the crawler's).
PYWB_BIN = Path(os.environ.get("IFES_PYWB_BIN", ROOT / ".venv-pywb" / "bin"))
#: ReplayWeb.page's npm package, unpacked (``make test`` fetches it).
REPLAYWEB_APP = Path(os.environ.get("IFES_REPLAYWEB_APP", ROOT / ".replayweb" / "package"))
#: scrapyd's environment, as a scrapyd host has it (``make test`` builds it).
SCRAPYD_BIN = Path(os.environ.get("IFES_SCRAPYD_BIN", ROOT / ".venv-scrapyd" / "bin"))


def missing(tool: str, how: str) -> NoReturn:
    """Skip the test (``pytest`` alone) or fail it (``make test``): ``tool`` is not installed,
    ``how`` says how to get it."""
    if os.environ.get(REQUIRED_VARIABLE) == "required":
        pytest.fail(f"{tool} is missing, and `make test` requires it ({how})", pytrace=False)
    pytest.skip(f"{tool} is not installed ({how})")


def need_pywb() -> Path:
    """Return pywb's bin folder (``wayback``, ``wb-manager``), or skip/fail saying how to get it."""
    if not (PYWB_BIN / "wayback").exists():
        missing(f"pywb ({PYWB_BIN}/wayback)", "`make test` builds it in .venv-pywb")
    return PYWB_BIN


def need_chromium() -> str:
    """Return the headless Chromium binary, or skip/fail saying how to get it."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    missing("headless Chromium (chromium on PATH)",
            "Debian: apt-get install chromium; `make test` installs it")


def need_replayweb() -> Path:
    """Return ReplayWeb.page's unpacked package, or skip/fail saying how to get it."""
    if not (REPLAYWEB_APP / "sw.js").exists():
        missing(f"ReplayWeb.page ({REPLAYWEB_APP}/sw.js)",
                "`make test` fetches it with npm into .replayweb")
    return REPLAYWEB_APP


def need_scrapyd() -> Path:
    """Return the ``scrapyd`` binary, or skip/fail saying how to get it."""
    if not (SCRAPYD_BIN / "scrapyd").exists():
        missing(f"scrapyd ({SCRAPYD_BIN}/scrapyd)", "`make test` builds it in .venv-scrapyd")
    return SCRAPYD_BIN / "scrapyd"
