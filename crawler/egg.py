"""The egg scrapyd runs: what it must hold, and whether a crawl runs the code it holds.

scrapyd runs a project from the egg ``scrapyd-deploy`` uploaded: its runner puts the egg on
``sys.path`` and imports the settings module the egg's ``scrapy`` entry point names. Two things
go wrong without a word from either tool, and are caught here:

- an egg scrapyd cannot load (no entry point; a package zipimport cannot find): checked before
  the upload by ``ifes-archive deploy`` (:func:`egg_problems`);
- a copy of the project installed in scrapyd's environment: the egg is put on ``sys.path`` after
  site-packages, so the installed copy runs and a redeploy changes nothing. The extension
  :class:`DeployedCode` says so in the job's log, as an error (:func:`shadowing_problem`).
"""

from __future__ import annotations

import configparser
import logging
import sys
import zipfile
import zipimport
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured

# SETTINGS_MODULE: the module whose presence marks an egg (or a path entry) as this project.
from ifes_archive.crawler.run import SETTINGS_MODULE

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def settings_entry_point(egg: Path) -> str | None:
    """Return the module the egg's ``scrapy`` entry point names as its settings, or None."""
    with zipfile.ZipFile(egg) as archive:
        try:
            text = archive.read("EGG-INFO/entry_points.txt").decode("utf-8")
        except KeyError:
            return None
    points = configparser.ConfigParser()
    points.read_string(text)
    return points.get("scrapy", "settings", fallback=None)


def importable_from(egg: Path, module: str) -> bool:
    """Whether zipimport finds ``module`` in ``egg`` alone, package by package (a namespace
    package is found only by its directory entry)."""
    location = str(egg)
    for name in module.split("."):
        spec = zipimport.zipimporter(location).find_spec(name)
        if spec is None:
            return False
        search = spec.submodule_search_locations
        location = search[0] if search else ""
    return True


def egg_problems(egg: Path, modules: list[str]) -> list[str]:
    """Return why scrapyd could not run ``egg`` (empty: nothing found): its entry point, and
    each module of ``modules`` (the spider modules) that it does not hold importably."""
    try:
        settings = settings_entry_point(egg)
    except (OSError, zipfile.BadZipFile, configparser.Error) as exc:
        return [f"{egg} is not a readable egg: {exc}"]
    if settings is None:
        return [f"{egg} has no `scrapy` entry point naming the settings (scrapyd finds the "
                "project by it): declare it in pyproject.toml, [project.entry-points.scrapy]"]
    return [f"{egg} does not hold {module} where Python can import it (zipimport)"
            for module in [settings, *modules] if not importable_from(egg, module)]


def deployed_eggs() -> list[str]:
    """Return the entries of ``sys.path`` that are eggs of this project (scrapyd's runner put
    the deployed one there)."""
    found = []
    for entry in sys.path:
        if not entry.endswith(".egg") or not zipfile.is_zipfile(entry):
            continue
        with zipfile.ZipFile(entry) as archive:
            if SETTINGS_MODULE.replace(".", "/") + ".py" in archive.namelist():
                found.append(entry)
    return found


def shadowing_problem() -> str | None:
    """Return why the deployed egg is not the code running (another copy shadows it), or None
    (no egg deployed, or the code runs from it)."""
    eggs = deployed_eggs()
    running = Path(sys.modules[SETTINGS_MODULE.rsplit(".", 1)[0]].__file__ or "").parent
    if not eggs or any(running.is_relative_to(egg) for egg in eggs):
        return None
    return (f"the crawl runs ifes-archive from {running}, not the deployed egg {eggs[0]}: a copy "
            "installed in scrapyd's environment shadows every egg deployed (a redeploy changes "
            "nothing). Uninstall it there (pip uninstall ifes-archive): README, Under scrapyd")


class DeployedCode:
    """Logs an error when a copy installed in scrapyd's environment shadows the deployed egg;
    otherwise (and after) off."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DeployedCode:
        problem = shadowing_problem()
        if problem is not None:
            logger.error(problem)
            if crawler.stats is not None:
                crawler.stats.set_value("ifes/shadowed_egg", problem)
        raise NotConfigured
