"""The build's metadata is in pyproject.toml; this file is here for ``scrapyd-deploy``.

scrapyd-deploy builds the egg scrapyd runs with ``python setup.py bdist_egg``; finding no
setup.py, it writes one of its own into the checkout, whose ``scrapy`` entry point setuptools
ignores beside a ``[project]`` table (the entry point is declared in pyproject.toml instead).

What this file adds to the egg:

- directory entries. bdist_egg zips files only, and Python's zipimport (before 3.13) finds a
  namespace package in a zip only by its directory entry: without them ``ifes_archive`` (a
  namespace package, no folder of its own) cannot be imported from the egg and scrapyd cannot
  load the project;
- the metadata again as ``ifes_archive.egg-info/``, where ``importlib.metadata`` looks (it does
  not read ``EGG-INFO/``): the version the crawl names in warcinfo, the User-Agent and each
  record's provenance is the deployed one, not "unknown".
"""

from __future__ import annotations

import zipfile
from pathlib import PurePosixPath

from setuptools import setup
from setuptools.command.bdist_egg import bdist_egg

#: Where importlib.metadata finds the project's metadata in the egg (a path entry).
METADATA_FOLDER = "ifes_archive.egg-info/"


def add_metadata_folder(egg: str) -> None:
    """Copy the egg's ``EGG-INFO/`` files to :data:`METADATA_FOLDER`."""
    with zipfile.ZipFile(egg, "a") as archive:
        for info in archive.infolist():
            if info.filename.startswith("EGG-INFO/") and not info.is_dir():
                name = METADATA_FOLDER + info.filename.removeprefix("EGG-INFO/")
                archive.writestr(name, archive.read(info))


def add_directory_entries(egg: str) -> None:
    """Add an entry for every directory of the zip ``egg`` that has none."""
    with zipfile.ZipFile(egg, "a") as archive:
        names = set(archive.namelist())
        folders = {str(parent) + "/" for name in names
                   for parent in PurePosixPath(name).parents if str(parent) != "."}
        for folder in sorted(folders - names):
            entry = zipfile.ZipInfo(folder)
            entry.external_attr = 0o40755 << 16 | 0x10  # a directory (MS-DOS flag too)
            archive.writestr(entry, b"")


class EggWithDirectories(bdist_egg):
    """bdist_egg whose egg imports the ``ifes_archive`` namespace package."""

    def run(self) -> None:
        super().run()
        add_metadata_folder(self.egg_output)
        add_directory_entries(self.egg_output)


setup(cmdclass={"bdist_egg": EggWithDirectories})
