"""The one lookup of installed package versions."""

from __future__ import annotations

from importlib import metadata

from ifes_archive.archive.software import PRODUCT, own_version, package_version


def test_an_installed_package_gives_its_version_and_a_missing_one_none() -> None:
    assert package_version("warcio") == metadata.version("warcio")
    assert package_version("no-such-distribution-ifes") is None


def test_this_project_names_its_installed_version() -> None:
    assert own_version() == metadata.version(PRODUCT)
