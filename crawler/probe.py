"""``ifes-archive probe``: look at a site before crawling it, and say what a crawl would make of it.

A handful of polite requests — robots.txt and the front page (:mod:`crawler.firstcontact`, as
every crawl starts), one listing, one article, its print view — made by a small crawl of its own
(:class:`crawler.probe_spider.ProbeSpider`) through Scrapy's downloader and the crawl's
middlewares, capturing handler and manners. Pages are read by the code the crawl reads them with:
links judged by :func:`archive.page.follow.should_follow`, listings by
:func:`archive.page.listings.read_listing`, the article by :func:`archive.page.record.build_record`;
:mod:`crawler.template` says which parts of the known template each page shows. Nothing is
written (no archive folder: the handler captures nothing).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import msgspec

from ifes_archive.archive.origin import canonical_url, origin_of
from ifes_archive.archive.page.captured import PRINT_PAGE, CapturedPage, html_root
from ifes_archive.archive.page.checks import (
    LISTING_CRUMB,
    PRINT_VIEW,
    check,
    crumb_check,
    listing_crumb_detail,
)
from ifes_archive.archive.page.decode import decode_html, detect, header_charset, meta_charset
from ifes_archive.archive.page.extract import is_refusal, page_total
from ifes_archive.archive.page.follow import should_follow
from ifes_archive.archive.page.joomla import (
    ARTICLE_KINDS,
    NAMED_TASKS,
    JoomlaUrl,
    clean_url,
    parse_url,
    print_view_url,
)
from ifes_archive.archive.page.listings import Listing, listing_check, read_listing
from ifes_archive.archive.page.page_template import MENU_MODULES
from ifes_archive.archive.page.record import build_record
from ifes_archive.archive.page.schema import GENERIC_FLAG
from ifes_archive.archive.types import Check, Record
from ifes_archive.crawler import template
from ifes_archive.crawler.capture import CODINGS_KEY
from ifes_archive.crawler.policy import describe_answer
from ifes_archive.crawler.verdict import EXIT_STATUS, Verdict

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import lxml.html
    from scrapy.http import Response
    from scrapy.settings import Settings

    from ifes_archive.crawler.firstcontact import FirstContact

    #: Fetches a URL through the probe's crawl: its response, or why there is none.
    Fetch = Callable[[str], Awaitable["Response | str"]]

#: Listing kinds worth a probe's listing request, best first: a named listing (a section leads
#: to one).
LISTING_PREFERENCE = ("category", "blogcategory", "blogsection", "section", "frontpage")
#: Listings fetched at most (a section lists categories: one more step to reach articles).
MAX_LISTINGS = 2
#: Article pages tried at most (the first may be Joomla's «not authorised» page, or the first
#: of several pages).
MAX_ARTICLES = 2
#: The crawl's components a probe has no use for: it writes nothing (no archive folder, so no
#: capture session, records or conditional requests) and reads no page requisites.
PROBE_LEAVES_OUT = (
    ("EXTENSIONS", "ifes_archive.crawler.session.CaptureSession"),
    ("DOWNLOADER_MIDDLEWARES", "ifes_archive.crawler.middlewares.ConditionalRequestMiddleware"),
    ("SPIDER_MIDDLEWARES", "ifes_archive.crawler.requisites.PageRequisitesMiddleware"),
    ("ITEM_PIPELINES", "ifes_archive.crawler.pipelines.ArticleRecordPipeline"),
)
#: Menu items shown per menu module.
MAX_MENU_ITEMS = 12


@dataclass
class PageSeen:
    """One page the probe fetched: how it came, how it decodes, which template parts it shows."""

    role: str
    url: str
    status: int | None
    answer: str
    server: str | None = None
    powered_by: str | None = None
    content_type: str | None = None
    content_encoding: str | None = None
    validators: list[str] = field(default_factory=list)
    charset: dict[str, str | None] = field(default_factory=dict)
    parts: dict[str, bool] = field(default_factory=dict)

    @property
    def misses(self) -> list[str]:
        """Return the template parts the page lacks."""
        return [name for name, found in self.parts.items() if not found]


@dataclass
class MenuItem:
    """A link of a menu module of the front page."""

    menu: str
    name: str
    url: str
    kind: str
    itemid: int | None


@dataclass
class ProbeReport:
    """What the probe saw, and its verdict."""

    contact: FirstContact
    user_agent: str
    verdict: Verdict = Verdict.OK
    reason: str = ""
    pages: list[PageSeen] = field(default_factory=list)
    menus: list[MenuItem] = field(default_factory=list)
    links: dict[str, int] = field(default_factory=dict)
    """Links of the front page: followed listings by kind, articles, and what is not followed."""
    record: Record | None = None
    record_note: str = ""
    checks: list[Check] = field(default_factory=list)
    """Cross-checks without gold (:mod:`archive.page.checks`): the record's own (authors, print
    view), its crumb against the listing's name, and the listing's name against its crumb."""
    crawl_delay: float | None = None

    @property
    def exit_status(self) -> int:
        """Return the exit status of the verdict."""
        return EXIT_STATUS[self.verdict]

    def as_dict(self) -> dict[str, Any]:
        """Return the report (JSON-ready)."""
        return {"verdict": self.verdict.value, "reason": self.reason,
                "exit_status": self.exit_status, "user_agent": self.user_agent,
                "first_contact": self.contact.as_dict(), "crawl_delay": self.crawl_delay,
                "pages": [{**vars(p), "misses": p.misses} for p in self.pages],
                "menus": [vars(m) for m in self.menus], "links": self.links,
                "record": msgspec.to_builtins(self.record), "record_note": self.record_note,
                "checks": msgspec.to_builtins(self.checks)}


def contact_report(contact: FirstContact, user_agent: str) -> ProbeReport:
    """Return the probe's report as first contact leaves it (its verdict, robots.txt)."""
    report = ProbeReport(contact, user_agent, contact.verdict, contact.reason)
    policy = contact.robots.get(str(origin_of(contact.base_url)))
    report.crawl_delay = policy.crawl_delay(user_agent) if policy else None
    return report


async def probe_site(report: ProbeReport, front: Response, fetch: Fetch) -> None:
    """Read the front page first contact reached; fetch a listing, an article and its print
    view with ``fetch``; give the record and the verdict."""
    contact = report.contact
    root = _see(report, "front page", front)
    report.menus = menu_items(root, contact.base_url)
    links = followed_links(root, contact.base_url)
    report.links = _link_counts(root, contact)
    listing, article_links = await _visit_listings(report, links, fetch)
    article_links += [url for url, parsed in links if parsed.kind in ARTICLE_KINDS]
    await _visit_article(report, article_links, listing, fetch)


def run_probe(base_url: str, settings: Settings) -> ProbeReport:
    """Return what a probe of ``base_url`` finds: a crawl of :class:`ProbeSpider`, run on an
    asyncio loop of its own (Scrapy without a Twisted reactor: probes run one after another in
    one process)."""
    from scrapy.crawler import Crawler

    from ifes_archive.crawler.probe_spider import ProbeSpider

    settings = settings.copy()
    settings.set("TWISTED_REACTOR_ENABLED", False, priority="cmdline")
    for name, component in PROBE_LEAVES_OUT:
        settings.set(name, {**settings.getdict(name), component: None}, priority="cmdline")
    crawler = Crawler(ProbeSpider, settings)
    asyncio.run(crawler.crawl_async(base_url=base_url))
    report = getattr(crawler.spider, "report", None)
    assert report is not None, "the probe never began"
    return report


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value is not None else None


def _see(report: ProbeReport, role: str, response: Response) -> lxml.html.HtmlElement:
    """Note ``response`` as a page of the report; return its tree."""
    content_type = _header(response, "Content-Type")
    body = response.body
    decoded = decode_html(body, content_type)
    root = html_root(decoded.text)
    # The coding the site sent, as the capture keeps it (the handler hands Scrapy the body
    # decoded and drops the header, as Scrapy's own middleware does).
    codings = response.meta.get(CODINGS_KEY) if response.request is not None else None
    report.pages.append(PageSeen(
        role, response.url, response.status, describe_answer(response), _header(response, "Server"),
        _header(response, "X-Powered-By"), content_type, codings,
        [name for name in ("ETag", "Last-Modified") if _header(response, name)],
        {"header": header_charset(content_type), "meta": meta_charset(body),
         "detected": detect(body), "used": decoded.encoding, "source": decoded.source,
         "reason": decoded.reason},
        template.check(root, template.PARTS[role])))
    return root


def _failed(report: ProbeReport, role: str, url: str, why: str) -> None:
    """Note a page that could not be had."""
    report.pages.append(PageSeen(role, url, None, why))


def menu_items(root: lxml.html.HtmlElement, base_url: str) -> list[MenuItem]:
    """Return the links of the page's menu modules (``div.module``: ``h3`` title, links)."""
    items = []
    for module in root.xpath(MENU_MODULES):
        title = " ".join(module.xpath(".//h3")[0].text_content().split())
        for link in module.xpath(".//a[@href]")[:MAX_MENU_ITEMS]:
            url = clean_url(urljoin(base_url, link.get("href")))
            parsed = parse_url(url, base_url)
            items.append(MenuItem(title, " ".join(link.text_content().split()), url, parsed.kind,
                                  parsed.itemid))
    return items


def followed_links(root: lxml.html.HtmlElement, base_url: str) -> list[tuple[str, JoomlaUrl]]:
    """Return the page's links a crawl would follow, in page order, each once."""
    found: dict[str, JoomlaUrl] = {}
    for href in root.xpath("//a/@href"):
        url = urljoin(base_url, href.strip())
        decision = should_follow(url, base_url)
        if decision:  # fetched in the origin's one spelling, as the crawl fetches it
            found.setdefault(canonical_url(clean_url(url)) or url, decision.parsed)
    return list(found.items())


def _link_counts(root: lxml.html.HtmlElement, contact: FirstContact) -> dict[str, int]:
    """Return how many links of the page a crawl follows, by kind, and why it leaves the rest."""
    counts: Counter[str] = Counter()
    for href in root.xpath("//a/@href"):
        if href.strip().startswith(("javascript:", "mailto:", "#")):
            continue
        url = urljoin(contact.base_url, href.strip())
        decision = should_follow(url, contact.base_url)
        if decision:
            counts[decision.parsed.kind] += 1
        elif contact.moved and origin_of(url) == origin_of(contact.given):
            counts["not followed: to the address given (it redirects here)"] += 1
        else:
            counts[f"not followed: {decision.reason.split(':')[0]}"] += 1
    return dict(counts.most_common())


async def _get(report: ProbeReport, role: str, url: str, fetch: Fetch) -> Response | None:
    """Return the response to ``url``; None (the page noted as failed) when there is none."""
    got = await fetch(url)
    if isinstance(got, str):
        _failed(report, role, url, got)
        return None
    return got


async def _visit_listings(report: ProbeReport, links: list[tuple[str, JoomlaUrl]],
                          fetch: Fetch) -> tuple[Listing | None, list[str]]:
    """Fetch a named listing (category table or blog, section blog; through a section if the
    front page links none); return what it shows, as the crawl reads it, and the links of the
    articles it lists."""
    base = report.contact.base_url
    candidates = [(url, parsed) for kind in LISTING_PREFERENCE for url, parsed in links
                  if parsed.kind == kind and _allowed(report, url)]
    visited = set()
    for _ in range(MAX_LISTINGS):
        candidates = [(u, p) for u, p in candidates if u not in visited]
        if not candidates:
            break
        url, parsed = candidates[0]
        visited.add(url)
        role = "listing" if parsed.kind in NAMED_TASKS else "section"
        answer = await _get(report, role, url, fetch)
        if answer is None:
            continue
        found = followed_links(_see(report, role, answer), base)
        listing = read_listing(answer.url, _header(answer, "Content-Type"), answer.body, base)
        if listing is not None:
            _check_listing_name(report, listing)
            return listing, [u for u, p in found if p.kind in ARTICLE_KINDS
                             and p.id in listing.article_ids]
        candidates = [(u, p) for u, p in found if p.kind in NAMED_TASKS and _allowed(report, u)]
    return None, []


def _check_listing_name(report: ProbeReport, listing: Listing) -> None:
    said = listing_check(listing)
    if said is not None:
        report.checks.append(check(LISTING_CRUMB, bool(said["agrees"]),
                                   listing_crumb_detail(said)))


async def _visit_article(report: ProbeReport, links: list[str], listing: Listing | None,
                         fetch: Fetch) -> None:
    """Fetch an article (a single-page one, if the second try finds one) and its print view;
    give the record, its cross-checks, the verdict."""
    base = report.contact.base_url
    candidates = [u for u in dict.fromkeys(links) if _allowed(report, u)][:MAX_ARTICLES]
    for number, url in enumerate(candidates, 1):
        answer = await _get(report, "article", url, fetch)
        if answer is None:
            continue
        root = _see(report, "article", answer)
        seen = report.pages[-1]
        pages = page_total(root)
        if is_refusal(root) or (pages > 1 and number < len(candidates)):
            continue  # not an article; or one of several pages, where one page shows less
        parsed = parse_url(url, base)
        assert parsed.id is not None
        printed = await _visit_print_view(report, print_view_url(base, parsed.id, parsed.itemid),
                                          fetch)
        record = build_record(
            parsed.id, base, [CapturedPage(0, url, _header(answer, "Content-Type"), answer.body,
                                           None)],
            [listing.name] if listing and parsed.id in listing.article_ids else [],
            print_pages=[printed] if printed else [])
        if record is None:
            report.record_note = f"{url} is no article (no text)"
            break
        report.record = record
        report.checks = [*record.checks, *report.checks, *_crumb(record, listing)]
        if pages > 1:
            report.record_note = (f"page 1 of {pages} only: the crawl fetches every page; the "
                                  "print view, which holds them all, is not compared")
            report.checks = [c for c in report.checks if c.check != PRINT_VIEW]
        if GENERIC_FLAG in record.flags:
            _verdict(report, Verdict.NOT_TEMPLATE,
                     f"{url} is not an article of the known template (it lacks "
                     f"{', '.join(seen.misses) or 'the body the record reads'}):"
                     " generic extraction only")
        return
    _verdict(report, Verdict.NOT_TEMPLATE, report.record_note or (
        "no article found on the front page or the listing (the crawl follows Joomla 1.0 "
        "links only)" if not candidates else "no article readable: Joomla's refusal pages"))


def _crumb(record: Record, listing: Listing | None) -> list[Check]:
    """Return the crumb check of the record against the listing it was found in, if any."""
    crumb = record.breadcrumb
    if listing is None or not crumb or listing.key is None:
        return []
    said = crumb_check(crumb, {listing.key: [listing.name]})
    return [said] if said is not None else []


async def _visit_print_view(report: ProbeReport, url: str, fetch: Fetch,
                            ) -> CapturedPage | None:
    """Fetch the article's print view, at the URL the crawl asks for it."""
    if not _allowed(report, url):
        return None
    answer = await _get(report, "print view", url, fetch)
    if answer is None:
        return None
    _see(report, "print view", answer)
    return CapturedPage(PRINT_PAGE, url, _header(answer, "Content-Type"), answer.body, None)


def _allowed(report: ProbeReport, url: str) -> bool:
    policy = report.contact.robots.get(str(origin_of(url)))
    return policy is None or policy.allows(url, report.user_agent)


def _verdict(report: ProbeReport, verdict: Verdict, reason: str) -> None:
    report.verdict, report.reason = verdict, reason
