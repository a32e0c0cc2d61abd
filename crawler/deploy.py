"""``ifes-archive deploy``: scrapyd-deploy, failing when scrapyd could not run what it got.

``scrapyd-deploy`` (scrapyd-client) exits 0 whenever scrapyd answers HTTP 200, and scrapyd answers
200 with ``{"status": "error"}`` when it cannot load the egg, having stored the egg first: the
broken upload becomes the project's newest version, the one every job runs. This command builds
the egg with scrapyd-deploy, checks it (:func:`crawler.egg.egg_problems`) before uploading,
uploads it with scrapyd-deploy, reads scrapyd's answer, and on an error deletes the version it
uploaded, so the version deployed before stays the one jobs run. Exit status 0 when scrapyd
loaded the egg and found the spider, 1 otherwise.

Targets are scrapyd-client's: ``[deploy]`` (``default``) or ``[deploy:NAME]`` sections of
``scrapy.cfg`` and of ``~/.config/scrapy.cfg``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from argparse import Namespace

#: The scrapyd-deploy command, run with the interpreter of this environment.
SCRAPYD_DEPLOY = [sys.executable, "-m", "scrapyd_client.deploy"]
#: Seconds scrapyd gets to answer a version listing or deletion.
SCRAPYD_TIMEOUT = 60


class DeployFailed(RuntimeError):
    """The deploy did not leave a version scrapyd can run."""


def target_settings(target: str) -> dict[str, str]:
    """Return scrapyd-client's settings of deploy target ``target`` (url, project, ...)."""
    from scrapyd_client.utils import get_config

    config = get_config()
    settings = dict(config.items("deploy")) if config.has_section("deploy") else {}
    if target != "default":
        if not config.has_section(f"deploy:{target}"):
            raise DeployFailed(f"no deploy target {target!r} ([deploy:{target}] in scrapy.cfg)")
        settings.update(config.items(f"deploy:{target}"))
    if "url" not in settings or "project" not in settings:
        raise DeployFailed(f"deploy target {target!r} needs a url and a project (scrapy.cfg)")
    return settings


def _scrapyd(settings: dict[str, str], endpoint: str, data: dict[str, str] | None = None,
             ) -> dict[str, Any]:
    """Ask scrapyd ``endpoint`` (GET, or POST with ``data``); return its JSON answer."""
    import requests
    from scrapyd_client.utils import get_auth

    url = settings["url"].rstrip("/") + f"/{endpoint}.json"
    auth = get_auth(url=settings["url"], username=settings.get("username", ""),
                    password=settings.get("password", ""))
    params = {"project": settings["project"]}
    if data is None:
        response = requests.get(url, params=params, auth=auth, timeout=SCRAPYD_TIMEOUT)
    else:
        response = requests.post(url, data={**params, **data}, auth=auth,
                                 timeout=SCRAPYD_TIMEOUT)
    response.raise_for_status()
    return response.json()


def build_egg(egg: Path, cwd: Path | None = None) -> None:
    """Build the project's egg into ``egg`` with scrapyd-deploy (the project of the scrapy.cfg
    closest to ``cwd``, by default the working directory)."""
    done = subprocess.run([*SCRAPYD_DEPLOY, "--build-egg", str(egg)], capture_output=True,
                          text=True, cwd=cwd)
    if done.returncode != 0 or not egg.is_file():
        raise DeployFailed(f"scrapyd-deploy could not build the egg (exit {done.returncode}): "
                           f"{(done.stderr or done.stdout).strip()[-2000:]}")


def check_egg(egg: Path) -> None:
    """Raise DeployFailed when scrapyd could not load ``egg``."""
    from ifes_archive.crawler import egg as eggs
    from ifes_archive.crawler import settings

    problems = eggs.egg_problems(egg, list(settings.SPIDER_MODULES))
    if problems:
        raise DeployFailed("; ".join(problems))


def next_version(versions: list[str], now: float) -> str:
    """Return the version a deploy at ``now`` gets: the time in seconds (scrapyd-deploy's own
    default), or one more than the newest numeric version when that is not older."""
    numbers = [int(v) for v in versions if v.isdigit()]
    return str(max([int(now), *(n + 1 for n in numbers)]))


def upload(egg: Path, target: str, settings: dict[str, str], version: str,
           cwd: Path | None = None) -> dict[str, Any]:
    """Upload ``egg`` as ``version`` with scrapyd-deploy (run in ``cwd``, the project's folder
    by default the working directory); return scrapyd's answer. Raise DeployFailed when scrapyd
    did not load it, after deleting the version it stored (unless that version was there before:
    then it is left as it is now, and said)."""
    before = _scrapyd(settings, "listversions").get("versions", [])
    done = subprocess.run([*SCRAPYD_DEPLOY, target, "--version", version, "--egg", str(egg)],
                          capture_output=True, text=True, cwd=cwd)
    try:
        answer = json.loads(done.stdout)
    except json.JSONDecodeError:
        answer = {}
    if done.returncode == 0 and answer.get("status") == "ok" and answer.get("spiders", 0) > 0:
        return answer
    if not answer:
        raise DeployFailed(f"scrapyd-deploy failed (exit {done.returncode}): "
                           f"{(done.stderr + done.stdout).strip()[-2000:]}")
    why = answer.get("message") or json.dumps(answer)
    if answer.get("status") == "ok":
        why = "scrapyd found no spider in the egg"
    if version not in before:
        _scrapyd(settings, "delversion", {"version": version})
        why += f"\n(version {version} deleted from scrapyd: jobs run the version before it)"
    else:
        why += f"\n(version {version} was on scrapyd before: jobs now run this broken egg)"
    raise DeployFailed(f"scrapyd could not load the egg: {why}")


def deploy(target: str, version: str | None = None) -> dict[str, Any]:
    """Build, check and upload the project to scrapyd ``target``; return scrapyd's answer."""
    settings = target_settings(target)
    version = version or next_version(_scrapyd(settings, "listversions").get("versions", []),
                                      time.time())
    with tempfile.TemporaryDirectory(prefix="ifes-archive-egg-") as folder:
        egg = Path(folder) / f"{settings['project']}-{version}.egg"
        build_egg(egg)
        check_egg(egg)
        return upload(egg, target, settings, version)


def run(args: Namespace) -> int:
    """Deploy as ``args`` say; print scrapyd's answer or why it failed; return the status."""
    try:
        import scrapyd_client  # noqa: F401 - present or not, said before anything is built
    except ImportError:
        print("ifes-archive deploy: scrapyd-client is not installed: "
              "pip install 'ifes-archive[deploy]' (README, Under scrapyd)", file=sys.stderr)
        return 1
    try:
        answer = deploy(args.target, args.version)
    except DeployFailed as exc:
        print(f"ifes-archive deploy: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # requests' errors are OSErrors: scrapyd unreachable
        print(f"ifes-archive deploy: cannot reach scrapyd: {exc}", file=sys.stderr)
        return 1
    print(f"deployed {answer['project']} version {answer['version']} "
          f"({answer['spiders']} spider{'s' if answer['spiders'] != 1 else ''})")
    return 0
