"""Fixtures of the stranger-mirror tests: the default seed's site, truth and an in-process app."""

from __future__ import annotations

import pytest

from ifes_archive.fixtures.stranger.app import App
from ifes_archive.fixtures.stranger.generate import build_site
from ifes_archive.fixtures.stranger.truth import article_truth

BASE = "http://127.0.0.1:8080/"


@pytest.fixture(scope="session")
def site():
    return build_site(1)


@pytest.fixture(scope="session")
def truth(site):
    return article_truth(site)


@pytest.fixture(scope="session")
def app(site):
    return App(site, BASE)


@pytest.fixture(scope="session")
def get(app):
    """GET a target (``/index.php?...``) in-process: the page decoded from windows-1251."""

    def fetch(target: str) -> str:
        resp = app.respond("GET", target, {})
        assert resp.status == 200, target
        return resp.body.decode("cp1251")

    return fetch
