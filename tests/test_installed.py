"""The installed command works from any folder, as a user runs it.

The rest of the suite starts its processes with ``python -m`` from the checkout, where the bare
folder names (``fixtures``, ``archive``, ``crawler``) happen to be importable too; a module that
names itself so (``resources.files("fixtures")``) passes there and fails for every user. These
tests run the console script from an empty folder outside the checkout, with the checkout off the
import path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from ifes_archive.fixtures.site import build_site

SCRIPT = Path(sys.executable).with_name("ifes-archive")


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP")}
    env["PYTHONSAFEPATH"] = "1"
    return env


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    if not SCRIPT.exists():
        pytest.skip(f"no console script beside {sys.executable} (install with `make venv`)")
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def test_the_mirror_serves_and_the_crawl_runs_from_outside_the_checkout(elsewhere: Path) -> None:
    server = subprocess.Popen([str(SCRIPT), "serve-fixtures", "--port", "0", "--articles", "40"],
                              cwd=elsewhere, env=_environment(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        if not base_url:
            server.kill()
            pytest.fail(f"serve-fixtures printed no address: {server.communicate()[1][-2000:]}")
        with urllib.request.urlopen(base_url, timeout=30) as answer:
            assert answer.status == 200
            assert "index.php?option=com_content" in answer.read().decode("utf-8", "replace")
        out = elsewhere / "archive"
        done = subprocess.run([str(SCRIPT), "crawl", "--base-url", base_url, "--out", str(out),
                               "-s", "DOWNLOAD_DELAY=0"],
                              cwd=elsewhere, env=_environment(), capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        records = [json.loads(line) for line in
                   (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
        public = {a.id for a in build_site(seed=1, articles=40).articles if a.is_public}
        assert sorted(r["article_id"] for r in records) == sorted(public)
        verified = subprocess.run([str(SCRIPT), "verify", str(out)], cwd=elsewhere,
                                  env=_environment(), capture_output=True, text=True, timeout=300)
        assert verified.returncode == 0, verified.stdout[-2000:] + verified.stderr[-2000:]
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_site_too_small_to_draw_is_a_clear_error(elsewhere: Path) -> None:
    done = subprocess.run([str(SCRIPT), "serve-fixtures", "--port", "0", "--articles", "5"],
                          cwd=elsewhere, env=_environment(), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "serve-fixtures: a site needs at least 30 articles, not 5"]
