"""``pytest`` alone skips what needs a tool it lacks (pywb, Chromium, ReplayWeb.page, scrapyd);
``make test`` fails it instead."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from tests.extras import REQUIRED_VARIABLE, ROOT

if TYPE_CHECKING:
    from pathlib import Path

NEEDS = """
from tests.extras import need_chromium, need_pywb, need_replayweb, need_scrapyd

def test_pywb():
    need_pywb()

def test_chromium():
    need_chromium()

def test_replayweb():
    need_replayweb()

def test_scrapyd():
    need_scrapyd()
"""


def _run(tmp_path: Path, **environ: str) -> str:
    """Run pytest on four tests that need the tools, none of them to be found (an empty PATH
    and folders); return its report."""
    (tmp_path / "test_needs.py").write_text(NEEDS)
    env = {name: value for name, value in os.environ.items() if name != REQUIRED_VARIABLE}
    env.update(PATH=str(tmp_path), PYTHONPATH=str(ROOT), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
               IFES_PYWB_BIN=str(tmp_path), IFES_REPLAYWEB_APP=str(tmp_path),
               IFES_SCRAPYD_BIN=str(tmp_path), **environ)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rsf", "-p", "no:cacheprovider",
                           str(tmp_path / "test_needs.py")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    return done.stdout


@pytest.mark.parametrize(("environ", "outcome"), [({}, "4 skipped"),
                                                  ({REQUIRED_VARIABLE: "required"}, "4 failed")])
def test_a_missing_tool_skips_alone_and_fails_under_make_test(tmp_path: Path, environ: dict,
                                                              outcome: str) -> None:
    report = _run(tmp_path, **environ)
    assert outcome in report, report
    for says in ("pywb", "`make test` builds it in .venv-pywb", "headless Chromium",
                 "apt-get install chromium", "ReplayWeb.page", "fetches it with npm",
                 "scrapyd", "builds it in .venv-scrapyd"):
        assert says in report, report
