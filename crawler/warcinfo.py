"""What warcinfo says of a crawl: who ran it, with what software, under which policy, where.

Every WARC file of a crawl opens with a warcinfo record of these fields
(:class:`archive.warcs.writer.CaptureWriter` writes it); the capture session makes them when it
opens the folder, and again when first contact finds the site elsewhere than the base URL given
(the next file then names both addresses and the redirects between them).
"""

from __future__ import annotations

import platform
from typing import TYPE_CHECKING

from ifes_archive.archive.software import PRODUCT, package_version
from ifes_archive.archive.warcs.writer import (
    BASE_FIELD,
    MOVED_FIELD,
    RUN_FIELD,
    SCOPE_FIELD,
    WARC_1_1_SPEC,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def software() -> str:
    """Return the software line of warcinfo: this tool and what it stands on, with versions."""
    parts = [f"{name}/{package_version(name) or 'unknown'}"
             for name in (PRODUCT, "Scrapy", "Twisted", "h11", "warcio")]
    return " ".join([*parts, f"Python/{platform.python_version()}"])


#: How warcinfo names the page-requisites option when it is on.
REQUISITES_ON = "on: what pages embed on the same host, fetched even where robots.txt disallows it"


def run_warcinfo(crawler: Crawler, run_label: str, bases: list[str],
                 moved_from: str | None = None) -> dict[str, str]:
    """Return the fields of the warcinfo record that opens every WARC file of this crawl: who,
    with what, under which policy, at which address (and the one it moved from)."""
    settings = crawler.settings
    robots = (f"RFC 9309: rules of a 2xx (its first {settings.getint('ROBOTSTXT_MAX_SIZE')} "
              "bytes); a 4xx: allow all; a 5xx or no answer: disallow all, asked again every "
              f"{settings.getfloat('ROBOTSTXT_RETRY_DELAY'):g} s up to "
              f"{settings.getint('ROBOTSTXT_RETRIES')} times")
    return {
        "software": software(),
        "format": "WARC File Format 1.1",
        "conformsTo": WARC_1_1_SPEC,
        "hostname": platform.node(),
        "operator": settings.get("WARC_OPERATOR"),
        "isPartOf": settings.get("WARC_IS_PART_OF"),
        "description": settings.get("WARC_DESCRIPTION"),
        "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        "page-requisites": (REQUISITES_ON if settings.getbool("PAGE_REQUISITES") else "off"),
        "http-header-user-agent": settings.get("USER_AGENT"),
        # How politely the run fetched: a release's card tells it from here.
        "ifes-download-delay": str(settings.getfloat("DOWNLOAD_DELAY")),
        "ifes-autothrottle": "on" if settings.getbool("AUTOTHROTTLE_ENABLED") else "off",
        "ifes-concurrent-requests-per-domain":
            str(settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")),
        "robots-policy": robots if settings.getbool("ROBOTSTXT_OBEY") else "",
        SCOPE_FIELD: " ".join(bases),
        MOVED_FIELD: moved_from or "",
        RUN_FIELD: run_label,
        **base_url_fields(getattr(crawler, "spider", None)),
    }


def base_url_fields(spider: object) -> dict[str, str]:
    """Return the warcinfo fields naming where the crawl ran: its base URL and, when first
    contact followed redirects to get there, the base URL given and each redirect."""
    fields = {BASE_FIELD: getattr(spider, "base_url", "")}
    contact = getattr(spider, "first_contact", None)
    if contact is not None and contact.hops:
        fields["ifes-base-url-given"] = contact.given
        fields["ifes-base-url-redirects"] = "; ".join(str(hop) for hop in contact.hops)
    return fields
