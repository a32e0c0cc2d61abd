"""The one origin normaliser (archive/origin.py): every spelling of an origin reads as one, and
nothing that a parser could read as another host is read as the site."""

from __future__ import annotations

import pytest

from ifes_archive.archive.origin import Origin, canonical_url, in_scope, origin_of
from ifes_archive.archive.page.follow import should_follow
from ifes_archive.archive.page.joomla import normalise_base_url, state_key

SITE = Origin("http", "japanstudies.ru", 80)


@pytest.mark.parametrize("url", [
    "http://japanstudies.ru/p",
    "http://japanstudies.ru:80/p",
    "HTTP://JapanStudies.RU/p",
    "http://japanstudies.ru./p",
    "http://japanstudies.ru.:80/p",
    "http://x@japanstudies.ru/p",
    "http://x:y@japanstudies.ru:80/p",
    "http://a@b@japanstudies.ru/p",  # the host follows the last @ (Python and WHATWG agree)
    "http://japanstudies.ru:/p",
    "http://japanstudies.ru:080/p",
])
def test_every_spelling_of_the_site_is_its_one_origin(url: str) -> None:
    assert origin_of(url) == SITE
    assert canonical_url(url) == "http://japanstudies.ru/p"


def test_default_ports_are_the_scheme_s_and_only_its() -> None:
    assert origin_of("https://h:443/") == Origin("https", "h", 443)
    assert canonical_url("https://h:443/x?y#z") == "https://h/x?y#z"
    assert canonical_url("https://h:80/") == "https://h:80/"
    assert canonical_url("http://h:443/") == "http://h:443/"
    assert origin_of("http://h:8080/") != origin_of("http://h/")


def test_international_names_are_their_idna_a_label() -> None:
    a_label = "xn--80aswg.xn--p1ai"
    assert origin_of("http://сайт.рф/") == Origin("http", a_label, 80)
    assert origin_of("http://САЙТ.РФ./") == origin_of(f"http://{a_label}/")
    assert canonical_url("http://Bücher.example/") == "http://xn--bcher-kva.example/"


def test_ipv6_addresses_are_written_one_way() -> None:
    assert origin_of("http://[0:0:0:0:0:0:0:1]:8080/") == Origin("http", "::1", 8080)
    assert canonical_url("http://[::1]:80/robots.txt") == "http://[::1]/robots.txt"
    assert origin_of("http://[::ffff:127.0.0.2]/") != origin_of("http://127.0.0.2/")


@pytest.mark.parametrize("url", [
    "http://evil.example\\@japanstudies.ru/",  # a browser goes to evil.example
    "http://japanstudies.ru\\@evil.example/",  # a browser goes to the site, Python to evil
    "http://japanstudies.ru\\p/",
    "http://%6Aapanstudies.ru/",  # a browser decodes it, Python does not: neither is guessed
    "http://japanstudies%2Eru/",
    "http://japan studies.ru/",
    "http://japanstudies.ru..:80/",
    "http://[::1%25eth0]/",
    "http://[::1]x/",
    "http://[::1/",
    "http://h:port/",
    "http://h:99999/",
    "http://h:0/",
    "http:///p",
    "ftp://japanstudies.ru/",
    "javascript:alert(1)",
])
def test_an_ambiguous_or_invalid_authority_has_no_origin(url: str) -> None:
    assert origin_of(url) is None
    assert canonical_url(url) is None
    assert not in_scope(url, frozenset({SITE}))


def test_userinfo_never_turns_another_host_into_the_site() -> None:
    assert origin_of("http://japanstudies.ru@evil.example/") == Origin("http", "evil.example", 80)
    assert origin_of("http://japanstudies.ru:80@evil.example/").host == "evil.example"
    assert not in_scope("http://japanstudies.ru@evil.example/", frozenset({SITE}))


def test_the_site_s_urls_use_the_one_spelling() -> None:
    base = normalise_base_url("http://x@JapanStudies.ru:80")
    assert base == "http://japanstudies.ru/"
    link = "http://x@JAPANSTUDIES.RU:80/index.php?option=com_content&task=category&id=3"
    assert should_follow(link, base)
    assert not should_follow("http://japanstudies.ru\\@evil.example/index.php", base)
    assert should_follow("http://japanstudies.ru\\@evil.example/", base).reason.startswith(
        "no valid host")
    assert state_key("http://japanstudies.ru:80/old.html", base) == \
        state_key("http://x@japanstudies.ru./old.html", base) == "/old.html"
