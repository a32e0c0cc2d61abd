"""What the ``ifes`` spider reads off a response: the page decoded and parsed, its links made
absolute, its page count, Joomla's refusals, a failed request's one-line reason.

Plain functions over Scrapy responses, no spider state: the spider's parts
(:mod:`crawler.spider_links`, :mod:`crawler.spider_articles`) and the tests share them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from parsel import Selector
from scrapy.spidermiddlewares.httperror import HttpError

from ifes_archive.archive.origin import canonical_url
from ifes_archive.archive.page.captured import read_html
from ifes_archive.archive.page.extract import page_total, refusal_kind
from ifes_archive.crawler.capture import META_KEY, SEEN_KEY
from ifes_archive.crawler.items import FetchedPage

if TYPE_CHECKING:
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from ifes_archive.archive.page.captured import ReadPage


def read_response(response: Response, max_bytes: int = 0) -> ReadPage:
    """Return the page (its first ``max_bytes``, 0: all) decoded and parsed as the record
    builder decodes and parses it (:func:`archive.page.captured.read_html`).

    Scrapy trusts the header charset, which on this site may be missing or a wrong utf-8 over
    windows-1251 bytes; links with Cyrillic text or parameters must not be mangled.
    """
    body = response.body[:max_bytes] if max_bytes else response.body
    return read_html(body, content_type_of(response))


def page_selector(response: Response, max_bytes: int = 0) -> Selector:
    """Return a selector over the page (its first ``max_bytes``, 0: all), read as
    :func:`read_response` reads it."""
    return selector_of(read_response(response, max_bytes))


def selector_of(html: ReadPage) -> Selector:
    """Return a selector over a page read by :func:`read_response`."""
    return Selector(root=html.parsed.root, type="html")


def content_type_of(response: Response) -> str | None:
    """Return the response's ``Content-Type`` (its last value), None if absent."""
    content_type = response.headers.get("Content-Type")
    return content_type.decode("latin-1") if content_type else None


def fetched_page(response: Response, page: int, read: ReadPage | None = None) -> FetchedPage:
    """Return one page of an ArticleItem from *response* (``read``: the page decoded and parsed,
    handed to the record builder)."""
    headers = [(name.decode("latin-1"), value.decode("latin-1"))
               for name, values in response.headers.items() for value in values]
    return FetchedPage(page, response.url, response.status, headers, response.body,
                       response.meta.get(META_KEY), response.meta.get(SEEN_KEY), read)


def page_count(selector: Selector) -> int:
    """Return N of «Страница 1 из N» in ``div.pagenavcounter`` (1 when absent), capped."""
    return page_total(selector.root)


def denied_state(selector: Selector) -> str | None:
    """Return "restricted" or "not found" for Joomla's refusal pages, None for any other page."""
    return refusal_kind(selector.root)


def failure_reason(failure: Failure) -> str:
    """Return a one-line reason for a failed request."""
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    return f"{type(failure.value).__name__}: {failure.getErrorMessage()}"


def absolute_link(response: Response, href: str) -> str | None:
    """Return the absolute URL ``href`` on ``response`` names (the site's origin in one
    spelling), None for no link (empty, script, mail, fragment) or one that cannot be joined."""
    href = href.strip()
    if not href or href.startswith(("javascript:", "mailto:", "#")):
        return None
    try:
        url = response.urljoin(href)
    except ValueError:
        return None
    # One spelling of the site's origin (x@HOST, HOST:80, HOST. -> host): one request, one
    # fingerprint, one robots.txt. A URL with no valid origin goes on to be refused, reported.
    return canonical_url(url) or url
