"""First contact's rules: what is the same site, and what robots.txt's answer allows (RFC 9309).

robots.txt is read by the crawl's own middleware, through Scrapy's downloader: each case here is
a probe (first contact, in this process, reactorless) of a small site on loopback whose
robots.txt answers as the case says."""

from __future__ import annotations

import pytest

from ifes_archive.archive.origin import origin_of
from ifes_archive.crawler.probe import ProbeReport, run_probe
from ifes_archive.crawler.run import project_settings
from ifes_archive.crawler.scope import registrable_domain, same_site
from ifes_archive.fixtures.faults import parse_fault
from ifes_archive.fixtures.mirror import MirrorResponse
from ifes_archive.fixtures.server import MirrorServer

UA = "ifes-archive/0.1.0 (+mailto:jane@example.org)"
#: Quick: no retry, no delay, robots.txt asked once.
FAST = {"DOWNLOAD_DELAY": "0", "RETRY_TIMES": "0", "DOWNLOAD_TIMEOUT": "10",
        "ROBOTSTXT_RETRIES": "0", "LOG_LEVEL": "WARNING"}


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
    # Policies are keyed by the one spelling of an origin (archive/origin.py), default port left out.
    assert str(origin_of("HTTP://Example.org:80/x?y")) == "http://example.org"
    assert str(origin_of("https://example.org:8443/")) == "https://example.org:8443"


class RobotsSays:
    """A site whose robots.txt answers ``status`` with ``body`` (and ``Location``); its front
    page is a page of no known template. Notes every request-target."""

    def __init__(self, status: int, body: bytes = b"", location: str | None = None):
        self.status, self.body, self.location = status, body, location
        self.targets: list[str] = []

    def respond(self, method: str, target: str, base_url: str,
                request_headers: list[tuple[str, str]]) -> MirrorResponse:
        self.targets.append(target)
        if target != "/robots.txt":
            return MirrorResponse(200, "OK", [("Content-Type", "text/html")],
                                  b"<html><body><p>hello</p></body></html>")
        headers = [("Content-Type", "text/plain")]
        if self.location:
            headers.append(("Location", self.location.replace("BASE/", base_url)))
        return MirrorResponse(self.status, "Whatever", headers, self.body)


def _probe(app: RobotsSays, faults: tuple[str, ...] = ()) -> tuple[ProbeReport, str]:
    with MirrorServer(app, faults=[parse_fault(f) for f in faults]) as server:
        report = run_probe(server.base_url, project_settings(FAST))
    return report, server.base_url


def _policy(report: ProbeReport, base: str):  # noqa: ANN202 - crawler.policy.RobotsPolicy
    return report.contact.robots[str(origin_of(base))]


def test_robots_rules_are_read_by_the_crawls_parser() -> None:
    app = RobotsSays(200, b"User-agent: *\nDisallow: /images/\nCrawl-delay: 7\n")
    report, base = _probe(app)
    policy = _policy(report, base)
    assert policy.rule == "rules"
    assert policy.allows(f"{base}index.php?option=com_content", UA)
    assert not policy.allows(f"{base}images/stories/a.pdf", UA)
    assert report.crawl_delay == 7.0
    assert app.targets == ["/robots.txt", "/"]


@pytest.mark.parametrize(("status", "rule"), [
    (404, "allow-all"), (403, "allow-all"), (410, "allow-all"),
    (500, "disallow-all"), (503, "disallow-all"),
])
def test_robots_status_policy_of_rfc_9309(status: int, rule: str) -> None:
    # The body of an error page must not be read as rules.
    app = RobotsSays(status, b"User-agent: *\nDisallow: /\n")
    report, base = _probe(app)
    policy = _policy(report, base)
    assert policy.rule == rule
    assert policy.allows(base, UA) is (rule == "allow-all")
    # Disallowed: the front page is never asked for, and the verdict says why.
    assert app.targets == (["/robots.txt", "/"] if rule == "allow-all" else ["/robots.txt"])
    assert (report.verdict.value == "unreachable") is (rule == "disallow-all")
    if rule == "disallow-all":
        assert f"robots.txt answers HTTP {status}" in report.reason
        assert "RFC 9309 disallows everything" in report.reason


def test_robots_txt_with_no_answer_disallows_everything() -> None:
    app = RobotsSays(200, b"User-agent: *\nAllow: /\n")
    report, base = _probe(app, faults=("^/robots.txt$=reset:0",))
    assert _policy(report, base).rule == "disallow-all"
    assert report.verdict.value == "unreachable" and "robots.txt failed" in report.reason
    assert app.targets == ["/robots.txt"]


def test_a_robots_txt_redirecting_to_itself_counts_as_unavailable() -> None:
    app = RobotsSays(301, location="BASE/robots.txt")
    report, base = _probe(app)
    policy = _policy(report, base)
    assert policy.rule == "allow-all" and "redirect loop" in policy.why
    assert app.targets == ["/robots.txt", "/"]


def test_a_robots_txt_redirecting_to_another_site_counts_as_unavailable() -> None:
    app = RobotsSays(301, location="http://elsewhere.example/robots.txt")
    report, base = _probe(app)
    policy = _policy(report, base)
    assert policy.rule == "allow-all" and "elsewhere.example" in policy.why
    assert app.targets == ["/robots.txt", "/"]  # nothing asked of the other site


def test_robots_txt_not_obeyed_is_said_so() -> None:
    app = RobotsSays(200, b"User-agent: *\nDisallow: /\n")
    with MirrorServer(app) as server:
        report = run_probe(server.base_url,
                           project_settings({**FAST, "ROBOTSTXT_OBEY": "False"}))
        base = server.base_url
    policy = _policy(report, base)
    assert policy.rule == "ignored" and policy.allows(base, UA)
    assert app.targets == ["/"]
