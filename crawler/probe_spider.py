"""The ``probe`` spider: first contact, then one listing, one article and its print view, read.

``ifes-archive probe`` runs it (:func:`crawler.probe.run_probe`). Its requests go through
Scrapy's downloader like the crawl's: robots.txt by the RFC 9309 middleware, retries with
back-off, the scope, the capturing handler (which, with no archive folder, captures nothing),
``DOWNLOAD_DELAY`` between requests. After first contact it asks its few pages one after another
(:func:`crawler.probe.probe_site`), each through the engine's downloader, and keeps the
:class:`crawler.probe.ProbeReport` as ``spider.report``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.exceptions import IgnoreRequest

from ifes_archive.archive.page.joomla import normalise_base_url
from ifes_archive.crawler.firstcontact import FirstContactSpider
from ifes_archive.crawler.probe import ProbeReport, contact_report, probe_site
from ifes_archive.crawler.verdict import Verdict

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from scrapy.http import Response

logger = logging.getLogger(__name__)


class ProbeSpider(FirstContactSpider):
    """Look at a site before crawling it: what a crawl would make of it."""

    name = "probe"
    custom_settings = {  # noqa: RUF012 - a class attribute, as Scrapy reads it
        # A handful of requests: AutoThrottle has nothing to adapt to, DOWNLOAD_DELAY holds.
        "AUTOTHROTTLE_ENABLED": False,
        # robots.txt that does not answer is said so, not waited for (a crawl asks again).
        "ROBOTSTXT_RETRIES": 0,
    }

    def __init__(self, base_url: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base_url = normalise_base_url(base_url)
        #: What the probe found (from the end of first contact on).
        self.report: ProbeReport | None = None

    @property
    def scope(self) -> list[str]:
        """The base URL whose scheme, host and port the probe keeps to (after first contact)."""
        return [self.base_url]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.first_contact_request(self.base_url)

    async def site_reached(self, response: Response) -> None:
        """Read the front page and the few pages it leads to."""
        contact = self._contact()
        self.base_url = contact.base_url
        self.report = contact_report(contact, self._user_agent())
        await probe_site(self.report, response, self._fetch)

    async def _fetch(self, url: str) -> Response | str:
        """Return the response to a GET of ``url``, or why there is none."""
        try:
            return await self.crawler.engine.download_async(scrapy.Request(url, dont_filter=True))
        except IgnoreRequest as exc:
            return f"not fetched: {exc}"
        except Exception as exc:  # noqa: BLE001 - every failure is a finding of the probe
            return f"{type(exc).__name__}: {exc}"

    def closed(self, reason: str) -> None:
        """Keep first contact's verdict when it refused the site (no page was read)."""
        contact = self.first_contact
        if self.report is None and contact is not None:
            self.report = contact_report(contact, self._user_agent())
            if not contact.done:
                self.report.verdict = Verdict.UNREACHABLE
                self.report.reason = f"first contact did not end ({reason})"
