"""Who is asking: the operator's contact, the User-Agent that carries it, and when one is required.

A crawl of someone else's server should say who runs it, so that the site's administrator can
reach a person before reaching for a firewall (Heritrix refuses to start without an operator
contact URL in its User-Agent). A crawl of any host outside the loopback range refuses to start
without a contact; the local mirror and the tests need none. The contact comes from
``--operator``, the ``WARC_OPERATOR`` setting, or the ``WARC_OPERATOR`` environment variable, in
that order; the User-Agent is then ``ifes-archive/VERSION (+CONTACT)``, CONTACT being the URL the
operator gave, else ``mailto:`` the e-mail address. ``-s USER_AGENT=...`` still wins.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ifes_archive.archive.software import PRODUCT, package_version

if TYPE_CHECKING:
    from scrapy.settings import Settings

#: The setting, and the environment variable, naming who runs the crawl.
OPERATOR_SETTING = "WARC_OPERATOR"
#: Scrapy's priority of ``-s`` settings: a User-Agent given there is the user's own.
CMDLINE_PRIORITY = 40
_URL = re.compile(r"\b(?:https?://|mailto:)[^\s<>()\"]+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def version() -> str:
    """Return the installed version of ifes-archive ("0" when it is not installed)."""
    return package_version(PRODUCT) or "0"


def contact_of(operator: str) -> str | None:
    """Return what the User-Agent carries for *operator*: the URL it holds, else ``mailto:`` its
    e-mail address; None when it holds neither (a name alone reaches nobody)."""
    url = _URL.search(operator)
    if url:
        return url.group(0).rstrip(".,;")
    email = _EMAIL.search(operator)
    return f"mailto:{email.group(0)}" if email else None


def user_agent(operator: str = "") -> str:
    """Return ``ifes-archive/VERSION (+CONTACT)``, or ``ifes-archive/VERSION`` without one."""
    contact = contact_of(operator)
    return f"{PRODUCT}/{version()} (+{contact})" if contact else f"{PRODUCT}/{version()}"


def is_loopback(url: str) -> bool:
    """Return True when *url*'s host is in the loopback range (127.0.0.0/8, ::1, localhost)."""
    host = (urlsplit(url if "://" in url else f"http://{url}").hostname or "").lower()
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        # RFC 6761: localhost and its subdomains are loopback; no other name is assumed to be.
        return host == "localhost" or host.endswith(".localhost")


def operator_problem(base_url: str, operator: str) -> str | None:
    """Return why a crawl of *base_url* may not start with *operator* as its contact, or None."""
    if is_loopback(base_url):
        return None
    host = urlsplit(base_url if "://" in base_url else f"http://{base_url}").hostname
    how = ('pass --operator "Your Name <you@example.org>" (or set WARC_OPERATOR); '
           "it goes into the User-Agent and every warcinfo record")
    if not operator.strip():
        return (f"a crawl of {host} needs a contact for its operator, so the site can reach you: "
                f"{how}")
    if contact_of(operator) is None:
        return f"the operator {operator!r} holds no e-mail address or URL to reach you at: {how}"
    return None


def settle_operator(settings: Settings, operator: str | None = None,
                    environ: Mapping[str, str] = os.environ) -> str:
    """Put the operator (``--operator``, else ``-s WARC_OPERATOR``, else the environment) and the
    User-Agent carrying it into *settings*, unless ``-s USER_AGENT`` was given; return it."""
    if operator is None:
        operator = settings.get(OPERATOR_SETTING) or environ.get(OPERATOR_SETTING, "")
    operator = operator.strip()
    settings.set(OPERATOR_SETTING, operator, priority="cmdline")
    if (settings.getpriority("USER_AGENT") or 0) < CMDLINE_PRIORITY:
        settings.set("USER_AGENT", user_agent(operator), priority="cmdline")
    return operator
