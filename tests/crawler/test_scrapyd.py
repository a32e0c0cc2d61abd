"""Scheduled crawls under scrapyd, as the README sets them up (README, "Under scrapyd").

scrapyd (from PyPI, in its own environment ``.venv-scrapyd``: scrapyd and the crawler's
dependencies, not the crawler, as the README has the operator install it; ``make test`` builds it)
runs on loopback; the project is deployed with ``ifes-archive deploy`` (scrapyd-client's
scrapyd-deploy, checked); crawls of the mirror are scheduled with ``schedule.json`` exactly as the
README shows, one archive folder given as ``ARCHIVE_DIR``. scrapyd is configured with an
``items_dir`` and a ``jobs_dir``, so it gives every job a ``FEEDS`` setting (as a scrapyd with
items kept does) and a ``JOBDIR`` (requests queued on disk, pickled).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ifes_archive.archive.warcs.verify import verify_file
from ifes_archive.crawler.egg import egg_problems
from ifes_archive.fixtures.mirror import Mirror
from ifes_archive.fixtures.server import MIRROR_SETTINGS
from ifes_archive.fixtures.site import build_site
from tests.conftest import serve
from tests.extras import SCRAPYD_BIN, need_scrapyd
from tests.warcs import read_raw_records

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

ROOT = Path(__file__).resolve().parents[2]
SCRAPYD = SCRAPYD_BIN / "scrapyd"
IFES_ARCHIVE = Path(sys.executable).parent / "ifes-archive"
PROJECT = "ifes_archive"
#: How long one job may take (the mirror crawl takes seconds; the machine may be loaded).
JOB_TIMEOUT = 600
OPERATOR = "Test Operator <test@example.org>"


@dataclass
class Scrapyd:
    """A scrapyd on loopback, its folder (logs, items, eggs) and the scrapy.cfg naming it."""

    url: str
    home: Path
    config_home: Path

    def get(self, endpoint: str, **params: str) -> dict[str, Any]:
        query = urllib.parse.urlencode({"project": PROJECT, **params})
        with urllib.request.urlopen(f"{self.url}{endpoint}.json?{query}", timeout=30) as answer:
            return json.load(answer)

    def post(self, endpoint: str, data: list[tuple[str, str]]) -> dict[str, Any]:
        body = urllib.parse.urlencode([("project", PROJECT), *data]).encode()
        with urllib.request.urlopen(f"{self.url}{endpoint}.json", body, timeout=60) as answer:
            return json.load(answer)

    def schedule(self, base_url: str, archive: Path, *extra: tuple[str, str]) -> str:
        """Schedule a crawl of ``base_url`` into ``archive`` (README: schedule.json)."""
        settings = {**MIRROR_SETTINGS, "LOG_LEVEL": "INFO", "ARCHIVE_DIR": str(archive),
                    "WARC_OPERATOR": OPERATOR}
        answer = self.post("schedule", [("spider", "ifes"), ("base_url", base_url),
                                        *[("setting", f"{k}={v}") for k, v in settings.items()],
                                        *extra])
        assert answer["status"] == "ok", answer
        return answer["jobid"]

    def job(self, job_id: str) -> dict[str, Any] | None:
        """Return listjobs.json's entry of a finished job, None while it is not finished."""
        finished = self.get("listjobs")["finished"]
        return next((j for j in finished if j["id"] == job_id), None)

    def wait(self, *job_ids: str) -> list[dict[str, Any]]:
        deadline = time.monotonic() + JOB_TIMEOUT
        while True:
            jobs = [self.job(job_id) for job_id in job_ids]
            if all(jobs):
                return jobs  # type: ignore[return-value]
            assert time.monotonic() < deadline, f"jobs not finished: {job_ids}"
            time.sleep(0.2)

    def log(self, job_id: str) -> str:
        return (self.home / "logs" / PROJECT / "ifes" / f"{job_id}.log").read_text("utf-8")

    def items(self, job_id: str) -> list[dict[str, Any]]:
        path = self.home / "items" / PROJECT / "ifes" / f"{job_id}.jl"
        return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def _free_port() -> int:
    # scrapyd takes no port 0 (its http_port must be a number it can print): one is picked
    # here; if another process takes it meanwhile scrapyd fails to start and another is tried.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_scrapyd(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    for _ in range(5):
        port = _free_port()
        (home / "scrapyd.conf").write_text(
            "[scrapyd]\nbind_address = 127.0.0.1\n"
            f"http_port = {port}\npoll_interval = 0.2\nmax_proc = 4\n"
            "eggs_dir = eggs\nlogs_dir = logs\nitems_dir = items\ndbs_dir = dbs\n"
            "jobs_dir = jobs\n")
        process = subprocess.Popen([str(SCRAPYD)], cwd=home, stdout=subprocess.DEVNULL,
                                   stderr=(home / "scrapyd.err").open("wb"))
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url + "daemonstatus.json", timeout=5) as answer:
                    if json.load(answer)["status"] == "ok":
                        return process, url
            except OSError:
                time.sleep(0.2)
        process.terminate()
        process.wait(timeout=30)
    raise RuntimeError(f"scrapyd did not start: {(home / 'scrapyd.err').read_text()[-2000:]}")


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scrapyd]:
    """A fresh scrapyd on loopback, and a scrapy.cfg (in XDG_CONFIG_HOME) naming it ``local``."""
    need_scrapyd()
    home = tmp_path_factory.mktemp("scrapyd")
    process, url = _start_scrapyd(home)
    config_home = home / "config"
    config_home.mkdir()
    (config_home / "scrapy.cfg").write_text(f"[deploy:local]\nurl = {url}\nproject = {PROJECT}\n")
    try:
        yield Scrapyd(url, home, config_home)
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def _building() -> Iterator[None]:
    """Hold the checkout's egg build to this process: scrapyd-deploy builds in the checkout
    (``setup.py clean -a`` empties build/ first), and this module's tests may run in two pytest
    workers at once. The lock is on the project's scrapy.cfg, which is always there."""
    with (ROOT / "scrapy.cfg").open("rb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _deploy(scrapyd: Scrapyd, *args: str) -> subprocess.CompletedProcess[str]:
    """``ifes-archive deploy local`` from the checkout (README), as the operator runs it."""
    env = {**os.environ, "XDG_CONFIG_HOME": str(scrapyd.config_home)}
    with _building():
        return subprocess.run([str(IFES_ARCHIVE), "deploy", "local", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def deployed(scrapyd: Scrapyd) -> Scrapyd:
    done = _deploy(scrapyd)
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.match(r"deployed ifes_archive version \d+ \(1 spider\)", done.stdout), done.stdout
    assert scrapyd.get("listspiders")["spiders"] == ["ifes"]
    return scrapyd


def _crawlable() -> set[int]:
    return set(Mirror(build_site()).crawlable_article_ids())


def _errors(log: str) -> list[str]:
    return [line for line in log.splitlines() if re.search(r"\] (ERROR|CRITICAL):", line)
            or line.startswith("Traceback")]


def _stat(log: str, name: str) -> Any:
    found = re.search(rf"'{re.escape(name)}': ([^,\n]+)", log)
    return found.group(1).strip("'") if found else None


def _assert_warcs_verify(files: list[Path]) -> None:
    assert files
    for path in files:
        report = verify_file(path)
        assert report.ok, report.problems[:5]
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *map(str, files)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-1000:]


def test_two_scheduled_crawls_one_after_the_other(deployed: Scrapyd, tmp_path: Path) -> None:
    """A crawl, then a recrawl into the same folder: conditional (304s), reports and crawl logs
    per run, the feed scrapyd keeps is the records, no ERROR line in either job's log."""
    archive = tmp_path / "not" / "yet" / "there"  # made on first use
    for served in serve(tmp_path, "--validators"):
        first = deployed.schedule(served.base_url, archive)
        deployed.wait(first)
        after_first = len(served.exchanges())
        second = deployed.schedule(served.base_url, archive)
        deployed.wait(second)
        exchanges = served.exchanges()
    for job in (first, second):
        log = deployed.log(job)
        assert _errors(log) == [], _errors(log)[:5]
        assert _stat(log, "finish_reason") == "finished"
        assert int(_stat(log, "scheduler/enqueued/disk")) > 0  # JOBDIR: queued on disk
    _assert_warcs_verify(sorted((archive / "warc").glob("*.warc.gz")))
    assert len(list((archive / "warc").glob("*.warc.gz"))) == 2

    records = [json.loads(x) for x in (archive / "articles.jsonl").read_text("utf-8").splitlines()]
    assert {r["article_id"] for r in records} == _crawlable()
    assert all(r["title"] and (r["text"] or "empty-body" in r["flags"]) for r in records)
    # the deployed egg names its version (importlib.metadata finds it in the egg)
    version = metadata.version("ifes-archive")
    assert {r["extractor"]["packages"]["ifes-archive"] for r in records} == {version}
    warcinfo = read_raw_records(sorted((archive / "warc").glob("*.warc.gz"))[0])[0]
    assert f"ifes-archive/{version} Scrapy/" in warcinfo.block.decode()
    runs = [json.loads(p.read_text()) for p in sorted((archive / "reports").glob("run-*.json"))]
    assert len(runs) == 2 and len(list((archive / "reports").glob("run-*.crawl.log"))) == 2
    assert json.loads((archive / "crawl-summary.json").read_text()) == runs[1]
    assert [r["finish_reason"] for r in runs] == ["finished", "finished"]
    assert runs[0]["new"] == len(_crawlable())
    assert runs[1]["unchanged"] == runs[0]["new"] and runs[1]["new"] == runs[1]["changed"] == 0
    asked = [e for e in exchanges[after_first:] if b"if-none-match" in e.request_bytes.lower()]
    assert len(asked) >= runs[0]["new"] and all(e.status == 304 for e in asked)

    # scrapyd's items file of each job: what the run journaled, as JSON (no raw bytes)
    fed = deployed.items(first)
    assert {line["article_id"] for line in fed if "text" in line} == _crawlable()
    assert len({line["run"] for line in fed}) == 1
    assert {line.get("observed") for line in fed if "text" not in line} == {"gone"}  # refusals
    again = deployed.items(second)
    assert sorted(line["article_id"] for line in again) == sorted(x["article_id"] for x in fed)
    assert {line.get("observed") for line in again} == {"not-modified"}


def test_a_job_into_a_folder_a_running_job_holds_is_refused(deployed: Scrapyd,
                                                            tmp_path: Path) -> None:
    """Two jobs into one folder at once: the second ends at once, says why in its log and in a
    refusal record of its own; the first crawls undisturbed."""
    archive = tmp_path / "archive"
    for served in serve(tmp_path, "--fault", r"task=view=slow:0.2"):
        first = deployed.schedule(served.base_url, archive)
        log = deployed.home / "logs" / PROJECT / "ifes" / f"{first}.log"
        deadline = time.monotonic() + JOB_TIMEOUT
        while not (log.exists() and "Spider opened" in log.read_text("utf-8")):
            assert time.monotonic() < deadline and deployed.job(first) is None, "first job died"
            time.sleep(0.1)
        second = deployed.schedule(served.base_url, archive)
        ran, refused = deployed.wait(first, second)
    assert refused["end_time"] < ran["end_time"]  # the two ran at once

    refusal = deployed.log(second)
    lines = _errors(refusal)
    assert len(lines) == 1 and "CRITICAL: not crawling: another crawl (pid " in lines[0], lines
    assert f"is running in {archive} (recorded in " in lines[0]
    assert _stat(refusal, "finish_reason") == "archive_locked"
    assert _stat(refusal, "downloader/request_count") is None
    records = list((archive / "reports").glob("refused-*.json"))
    assert len(records) == 1
    recorded = json.loads(records[0].read_text())
    assert recorded["finish_reason"] == "archive_locked" and recorded["job"] == second
    assert recorded["why"].startswith("another crawl (pid ")

    log = deployed.log(first)
    assert _errors(log) == [] and _stat(log, "finish_reason") == "finished"
    runs = list((archive / "reports").glob("run-*.json"))
    assert len(runs) == 1 and json.loads(runs[0].read_text())["new"] == len(_crawlable())
    _assert_warcs_verify(sorted((archive / "warc").glob("*.warc.gz")))
    assert len(list((archive / "warc").glob("*"))) == 1
    journal = [json.loads(x) for x in
               (archive / "articles.journal.jsonl").read_text("utf-8").splitlines()]
    assert len({line["article_id"] for line in journal}) == len(journal)  # each article once
    assert {line["article_id"] for line in journal if "text" in line} == _crawlable()
    assert len({line["run"] for line in journal}) == 1


def _doctored(egg: Path, out: Path, keep: Callable[[str], bool], extra: dict[str, str],
              ) -> Path:
    with zipfile.ZipFile(egg) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if keep(info.filename):
                target.writestr(info, source.read(info))
        for name, text in extra.items():
            target.writestr(name, text)
    return out


@pytest.fixture(scope="module")
def egg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ifes_archive.crawler.deploy import build_egg

    need_scrapyd()
    path = tmp_path_factory.mktemp("egg") / "ifes_archive.egg"
    with _building():
        build_egg(path, ROOT)
    return path


def test_the_egg_holds_what_scrapyd_needs(egg: Path, tmp_path: Path) -> None:
    spiders = ["ifes_archive.crawler.spiders"]
    assert egg_problems(egg, spiders) == []
    no_entry = _doctored(egg, tmp_path / "a.egg", lambda n: n != "EGG-INFO/entry_points.txt", {})
    assert "has no `scrapy` entry point" in egg_problems(no_entry, spiders)[0]
    # bdist_egg's own zip: files only (zipimport of Python < 3.13 finds no namespace package)
    flat = _doctored(egg, tmp_path / "b.egg", lambda n: not n.endswith("/"), {})
    if sys.version_info < (3, 13):
        assert "does not hold ifes_archive.crawler.settings" in egg_problems(flat, spiders)[0]


def test_an_egg_scrapyd_cannot_run_fails_the_deploy_and_is_removed(
        deployed: Scrapyd, egg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """scrapyd stores an egg, then answers 200 {"status": "error"} when it cannot list its
    spiders; scrapyd-deploy exits 0 on that. The deploy fails, and the broken version is gone."""
    from ifes_archive.crawler.deploy import DeployFailed, upload

    broken = _doctored(egg, tmp_path / "broken.egg", lambda n: True, {
        "ifes_archive/crawler/spiders/broken.py": "import no_such_module_here\n"})
    before = deployed.get("listversions")["versions"]
    settings = {"url": deployed.url, "project": PROJECT}
    monkeypatch.setenv("XDG_CONFIG_HOME", str(deployed.config_home))
    with pytest.raises(DeployFailed, match="no_such_module_here") as failed:
        upload(broken, "local", settings, "9999999999", ROOT)
    assert "version 9999999999 deleted" in str(failed.value)
    assert deployed.get("listversions")["versions"] == before


def test_a_redeploy_is_the_newest_version(deployed: Scrapyd) -> None:
    before = deployed.get("listversions")["versions"]
    done = _deploy(deployed)
    assert done.returncode == 0, done.stderr[-3000:]
    after = deployed.get("listversions")["versions"]
    assert after[:-1] == before and int(after[-1]) > int(before[-1])  # jobs run the last
    assert f"version {after[-1]} (1 spider)" in done.stdout


def test_deploy_to_an_unknown_target_exits_non_zero(scrapyd: Scrapyd) -> None:
    env = {**os.environ, "XDG_CONFIG_HOME": str(scrapyd.config_home)}
    missing = subprocess.run([str(IFES_ARCHIVE), "deploy", "nowhere"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=300)
    assert missing.returncode == 1 and "no deploy target 'nowhere'" in missing.stderr


def test_an_installed_copy_shadowing_the_egg_is_an_error(egg: Path, tmp_path: Path) -> None:
    """scrapyd's runner appends the egg to sys.path: a copy installed in scrapyd's environment
    (a folder on sys.path before it, as site-packages is) runs instead, and the crawl says so;
    with none, the egg runs and nothing is said."""
    need_scrapyd()
    installed = tmp_path / "site-packages"
    with zipfile.ZipFile(egg) as archive:
        archive.extractall(installed, [n for n in archive.namelist() if n.startswith("ifes_")])
    code = ("import sys; sys.path[1:1] = sys.argv[2:]; sys.path.append(sys.argv[1]); "
            "import ifes_archive.crawler.settings; "
            "from ifes_archive.crawler.egg import shadowing_problem; print(shadowing_problem())")
    python = str(SCRAPYD.parent / "python")
    shadowed = subprocess.run([python, "-c", code, str(egg), str(installed)], cwd=tmp_path,
                              capture_output=True, text=True, check=True)
    assert f"runs ifes-archive from {installed / 'ifes_archive' / 'crawler'}, not the deployed " \
           f"egg {egg}" in shadowed.stdout
    alone = subprocess.run([python, "-c", code, str(egg)], cwd=tmp_path, capture_output=True,
                           text=True, check=True)
    assert alone.stdout == "None\n"
