"""First contact's rules: what is the same site, and what robots.txt's answer allows (RFC 9309)."""

from __future__ import annotations

import pytest

from ifes_archive.crawler.firstcontact import (
    Answer,
    origin_of,
    registrable_domain,
    robots_policy,
    same_site,
)

PARSER = "scrapy.robotstxt.ProtegoRobotParser"
UA = "ifes-archive/0.1.0 (+mailto:jane@example.org)"


@pytest.mark.parametrize(("url", "other", "same"), [
    ("http://japanstudies.ru/", "https://japanstudies.ru/", True),
    ("http://japanstudies.ru/", "http://www.japanstudies.ru/", True),
    ("http://www.japanstudies.ru/", "https://japanstudies.ru:8443/joomla/", True),
    ("http://japanstudies.ru/", "http://ifes-ras.ru/", False),
    ("http://japanstudies.ru/", "http://japanstudies.ru.evil.example/", False),
    ("http://a.example.co.uk/", "http://b.example.co.uk/", True),
    ("http://example.co.uk/", "http://other.co.uk/", False),
    # A private public suffix: two users' sites are two sites.
    ("http://alice.github.io/", "http://bob.github.io/", False),
    # No registrable domain: an IP address is its own site, whatever the port.
    ("http://127.0.0.1:8000/", "http://127.0.0.1:9000/", True),
    ("http://127.0.0.1:8000/", "http://localhost:8000/", False),
    ("http://127.0.0.1:8000/", "http://127.0.0.2:8000/", False),
    ("http://japanstudies.ru/", "ftp://japanstudies.ru/", False),
    ("http://japanstudies.ru/", "mailto:admin@japanstudies.ru", False),
])
def test_same_site_is_the_same_registrable_domain(url: str, other: str, same: bool) -> None:
    assert same_site(url, other) is same


def test_registrable_domain_and_origin() -> None:
    assert registrable_domain("WWW.JapanStudies.ru.") == "japanstudies.ru"
    assert registrable_domain("127.0.0.1") == "127.0.0.1"
    assert origin_of("HTTP://Example.org/x?y") == "http://example.org:80"
    assert origin_of("https://example.org:8443/") == "https://example.org:8443"


def _answer(status: int | None, body: bytes = b"", location: str | None = None) -> Answer:
    headers = [("Location", location)] if location else []
    return Answer("http://site.example/robots.txt", status, "", headers, body, 1)


def test_robots_rules_are_read_by_the_crawls_parser() -> None:
    body = b"User-agent: *\nDisallow: /images/\nCrawl-delay: 7\n"
    policy = robots_policy("http://site.example/robots.txt", _answer(200, body), PARSER)
    assert policy.rule == "rules"
    assert policy.allows("http://site.example/index.php?option=com_content", UA)
    assert not policy.allows("http://site.example/images/stories/a.pdf", UA)
    assert policy.crawl_delay(UA) == 7.0


@pytest.mark.parametrize(("status", "rule"), [
    (404, "allow-all"), (403, "allow-all"), (410, "allow-all"),
    (500, "disallow-all"), (503, "disallow-all"), (None, "disallow-all"),
])
def test_robots_status_policy_of_rfc_9309(status: int | None, rule: str) -> None:
    # The body of an error page must not be read as rules.
    policy = robots_policy("http://site.example/robots.txt",
                           _answer(status, b"User-agent: *\nDisallow: /\n"), PARSER)
    assert policy.rule == rule
    assert policy.allows("http://site.example/", UA) is (rule == "allow-all")


def test_too_many_redirects_count_as_unavailable_and_ignored_robots_allow() -> None:
    redirect = _answer(301, location="http://site.example/robots.txt")
    assert robots_policy("http://site.example/robots.txt", redirect, PARSER).rule == "allow-all"
    ignored = robots_policy("http://site.example/robots.txt", None, PARSER)
    assert ignored.rule == "ignored" and ignored.allows("http://site.example/", UA)


def test_a_robots_txt_redirecting_to_another_site_counts_as_unavailable() -> None:
    moved = _answer(301, location="http://elsewhere.example/robots.txt")
    policy = robots_policy("http://site.example/robots.txt", moved, PARSER)
    assert policy.rule == "allow-all" and "elsewhere.example" in policy.why
