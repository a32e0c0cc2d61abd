"""Who is asking: the operator's contact, the User-Agent carrying it, and when one is required."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings

from ifes_archive.crawler.useragent import (
    contact_of,
    is_loopback,
    operator_problem,
    settle_operator,
    user_agent,
    version,
)


@pytest.mark.parametrize(("operator", "contact"), [
    ("Jane Doe <jane@example.org>", "mailto:jane@example.org"),
    ("jane@example.org", "mailto:jane@example.org"),
    ("Jane Doe, https://example.org/archiving (jane@example.org)", "https://example.org/archiving"),
    ("mailto:archive@example.org", "mailto:archive@example.org"),
    ("Web archive of X, see http://example.org/about.", "http://example.org/about"),
    ("Jane Doe", None),
    ("", None),
])
def test_the_contact_is_a_url_else_the_mail_address(operator: str, contact: str | None) -> None:
    assert contact_of(operator) == contact


def test_user_agent_names_the_project_its_version_and_the_contact() -> None:
    assert version() and version() != "0"
    assert user_agent("Jane Doe <jane@example.org>") == \
        f"ifes-archive/{version()} (+mailto:jane@example.org)"
    assert user_agent("") == f"ifes-archive/{version()}"


@pytest.mark.parametrize(("url", "loopback"), [
    ("http://127.0.0.1:8080/", True), ("http://127.9.0.1/", True), ("http://[::1]:80/", True),
    ("http://localhost:8000/", True), ("http://mirror.localhost/", True), ("127.0.0.1:9", True),
    ("http://192.0.2.1/", False), ("http://10.0.0.1/", False), ("http://japanstudies.ru/", False),
    ("https://localhost.example.org/", False), ("http://[2001:db8::1]/", False),
])
def test_loopback_is_the_range_and_localhost_only(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_only_a_crawl_outside_loopback_needs_a_reachable_contact() -> None:
    assert operator_problem("http://127.0.0.1:5000/", "") is None
    assert operator_problem("http://japanstudies.ru/", "Jane <jane@example.org>") is None
    missing = operator_problem("http://japanstudies.ru/", "  ")
    assert missing is not None and "japanstudies.ru" in missing and "--operator" in missing
    nameonly = operator_problem("http://japanstudies.ru/", "Jane Doe")
    assert nameonly is not None and "no e-mail address or URL" in nameonly


def _settings(**values: str) -> Settings:
    settings = Settings({"USER_AGENT": "ifes-archive", "WARC_OPERATOR": ""}, priority="project")
    settings.setdict(values, priority="cmdline")
    return settings


def test_operator_option_then_setting_then_environment() -> None:
    env = {"WARC_OPERATOR": "Env <env@example.org>"}
    settings = _settings(WARC_OPERATOR="Set <set@example.org>")
    assert settle_operator(settings, "Opt <opt@example.org>", env) == "Opt <opt@example.org>"
    assert settings["USER_AGENT"].endswith("(+mailto:opt@example.org)")
    assert settle_operator(_settings(WARC_OPERATOR="Set <set@example.org>"), None, env) == \
        "Set <set@example.org>"
    settings = _settings()
    assert settle_operator(settings, None, env) == "Env <env@example.org>"
    assert settings["WARC_OPERATOR"] == "Env <env@example.org>"
    assert settings["USER_AGENT"].endswith("(+mailto:env@example.org)")


def test_a_user_agent_given_with_s_is_kept() -> None:
    settings = _settings(USER_AGENT="MyBot/1.0 (+https://example.org/bot)")
    settle_operator(settings, "Jane <jane@example.org>", {})
    assert settings["USER_AGENT"] == "MyBot/1.0 (+https://example.org/bot)"
    assert settings["WARC_OPERATOR"] == "Jane <jane@example.org>"
