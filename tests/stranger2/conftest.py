"""Fixtures of the stranger2-mirror tests: the dev seed's site, its truth, an in-process app."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ifes_archive.fixtures.stranger2.app import App
from ifes_archive.fixtures.stranger2.site import Site, build_site
from ifes_archive.fixtures.stranger2.truth import article_truth

BASE = "http://127.0.0.1:8080/"


@pytest.fixture(scope="session")
def site() -> Site:
    return build_site(1)


@pytest.fixture(scope="session")
def truth(site: Site) -> dict[int, dict]:
    return article_truth(site)


@pytest.fixture(scope="session")
def get(site: Site) -> Callable[[str], str]:
    """GET a target (``/index.php?...``) in-process: the page decoded from windows-1251."""
    app = App(site, BASE)

    def fetch(target: str) -> str:
        resp = app.respond("GET", target, {})
        assert resp.status == 200, target
        return resp.body.decode("cp1251")

    return fetch
