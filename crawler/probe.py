"""``ifes-archive probe``: look at a site before crawling it, and say what a crawl would make of it.

A handful of polite requests — robots.txt and the front page (:mod:`crawler.firstcontact`, as
every crawl starts), one listing, one article, its print view — through the crawl's own HTTP
client and manners. Pages are read by the code the crawl reads them with: links judged by
:func::`archive.page.joomla.should_follow`, listings by :func:`archive.page.listings.read_listing`,
the article by :func:`archive.page.record.build_record`; :mod:`crawler.template` says which parts of
the known template each page shows. Nothing is written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from ifes_archive.archive.origin import canonical_url
from ifes_archive.archive.page.checks import (
    LISTING_CRUMB,
    PRINT_VIEW,
    check,
    crumb_check,
    listing_crumb_detail,
)
from ifes_archive.archive.page.decode import detect, header_charset, meta_charset
from ifes_archive.archive.page.extract import is_refusal, page_total
from ifes_archive.archive.page.joomla import (
    ARTICLE_KINDS,
    NAMED_TASKS,
    JoomlaUrl,
    clean_url,
    parse_url,
    print_view_url,
    should_follow,
)
from ifes_archive.archive.page.listings import Listing, listing_check, read_listing
from ifes_archive.archive.page.record import (
    GENERIC_FLAG,
    PRINT_PAGE,
    CapturedPage,
    build_record,
    decode_html,
    html_root,
)
from ifes_archive.archive.terminal import safe_line
from ifes_archive.crawler import template
from ifes_archive.crawler.firstcontact import (
    EXIT_STATUS,
    Answer,
    FirstContact,
    PoliteFetcher,
    Verdict,
    first_contact,
    origin_of,
    run_polite,
)

if TYPE_CHECKING:
    import lxml.html
    from scrapy.settings import BaseSettings

#: Listing kinds worth a probe's listing request, best first: a named listing (a section leads
#: to one).
LISTING_PREFERENCE = ("category", "blogcategory", "blogsection", "section", "frontpage")
#: Listings fetched at most (a section lists categories: one more step to reach articles).
MAX_LISTINGS = 2
#: Article pages tried at most (the first may be Joomla's «not authorised» page, or the first
#: of several pages).
MAX_ARTICLES = 2
#: Menu items shown per menu module.
MAX_MENU_ITEMS = 12
#: Characters of the record's text shown.
TEXT_PREVIEW = 300


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
    record: dict[str, Any] | None = None
    record_note: str = ""
    checks: list[dict[str, Any]] = field(default_factory=list)
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
                "record": self.record, "record_note": self.record_note,
                "checks": self.checks}


async def probe(base_url: str, settings: BaseSettings, fetcher: PoliteFetcher) -> ProbeReport:
    """Return what a probe of ``base_url`` finds."""
    contact = await first_contact(base_url, settings, fetcher)
    report = ProbeReport(contact, fetcher.user_agent, contact.verdict, contact.reason)
    policy = contact.robots.get(origin_of(contact.base_url))
    report.crawl_delay = policy.crawl_delay(fetcher.user_agent) if policy else None
    if contact.verdict is not Verdict.OK or contact.front is None:
        return report
    front = _see(report, "front page", contact.front)
    report.menus = menu_items(front, contact.base_url)
    links = followed_links(front, contact.base_url)
    report.links = _link_counts(front, contact)
    listing, article_links = await _visit_listings(report, links, fetcher)
    article_links += [url for url, parsed in links if parsed.kind in ARTICLE_KINDS]
    await _visit_article(report, article_links, listing, fetcher)
    return report


def run_probe(base_url: str, settings: BaseSettings) -> ProbeReport:
    """Return :func:`probe` of ``base_url``."""
    return run_polite(settings, lambda fetcher: probe(base_url, settings, fetcher))[0]


def _see(report: ProbeReport, role: str, answer: Answer) -> lxml.html.HtmlElement:
    """Note ``answer`` as a page of the report; return its tree."""
    content_type = answer.header("Content-Type")
    decoded = decode_html(answer.body, content_type)
    root = html_root(decoded.text)
    report.pages.append(PageSeen(
        role, answer.url, answer.status, answer.describe(), answer.header("Server"),
        answer.header("X-Powered-By"), content_type, answer.header("Content-Encoding"),
        [name for name in ("ETag", "Last-Modified") if answer.header(name)],
        {"header": header_charset(content_type), "meta": meta_charset(answer.body),
         "detected": detect(answer.body), "used": decoded.encoding, "source": decoded.source,
         "reason": decoded.reason},
        template.check(root, template.PARTS[role])))
    return root


def menu_items(root: lxml.html.HtmlElement, base_url: str) -> list[MenuItem]:
    """Return the links of the page's menu modules (``div.module``: ``h3`` title, links)."""
    items = []
    for module in root.xpath("//div[contains(concat(' ', normalize-space(@class), ' '), "
                             "' module ')][.//h3]"):
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


async def _visit_listings(report: ProbeReport, links: list[tuple[str, JoomlaUrl]],
                          fetcher: PoliteFetcher) -> tuple[Listing | None, list[str]]:
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
        answer = await fetcher.get(url)
        role = "listing" if parsed.kind in NAMED_TASKS else "section"
        found = followed_links(_see(report, role, answer), base)
        listing = read_listing(answer.url, answer.header("Content-Type"), answer.body, base)
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
                         fetcher: PoliteFetcher) -> None:
    """Fetch an article (a single-page one, if the second try finds one) and its print view;
    give the record, its cross-checks, the verdict."""
    base = report.contact.base_url
    candidates = [u for u in dict.fromkeys(links) if _allowed(report, u)][:MAX_ARTICLES]
    for number, url in enumerate(candidates, 1):
        answer = await fetcher.get(url)
        root = _see(report, "article", answer)
        seen = report.pages[-1]
        pages = page_total(root)
        if is_refusal(root) or (pages > 1 and number < len(candidates)):
            continue  # not an article; or one of several pages, where one page shows less
        parsed = parse_url(url, base)
        assert parsed.id is not None
        printed = await _visit_print_view(report, print_view_url(base, parsed.id, parsed.itemid),
                                          fetcher)
        record = build_record(
            parsed.id, base, [CapturedPage(0, url, answer.header("Content-Type"), answer.body,
                                           None)],
            [listing.name] if listing and parsed.id in listing.article_ids else [],
            print_pages=[printed] if printed else [])
        if record is None:
            report.record_note = f"{url} is no article (no text)"
            break
        report.record = record
        report.checks = [*record.get("checks", []), *report.checks, *_crumb(record, listing)]
        if pages > 1:
            report.record_note = (f"page 1 of {pages} only: the crawl fetches every page; the "
                                  "print view, which holds them all, is not compared")
            report.checks = [c for c in report.checks if c["check"] != PRINT_VIEW]
        if GENERIC_FLAG in record["flags"]:
            _verdict(report, Verdict.NOT_TEMPLATE,
                     f"{url} is not an article of the known template (it lacks "
                     f"{', '.join(seen.misses) or 'the body the record reads'}):"
                     " generic extraction only")
        return
    _verdict(report, Verdict.NOT_TEMPLATE, report.record_note or (
        "no article found on the front page or the listing (the crawl follows Joomla 1.0 "
        "links only)" if not candidates else "no article readable: Joomla's refusal pages"))


def _crumb(record: dict[str, Any], listing: Listing | None) -> list[dict[str, Any]]:
    """Return the crumb check of the record against the listing it was found in, if any."""
    crumb = record.get("breadcrumb")
    if listing is None or not crumb or listing.key is None:
        return []
    said = crumb_check(crumb, {listing.key: [listing.name]})
    return [said] if said is not None else []


async def _visit_print_view(report: ProbeReport, url: str, fetcher: PoliteFetcher,
                            ) -> CapturedPage | None:
    """Fetch the article's print view, at the URL the crawl asks for it."""
    if not _allowed(report, url):
        return None
    answer = await fetcher.get(url)
    _see(report, "print view", answer)
    return CapturedPage(PRINT_PAGE, url, answer.header("Content-Type"), answer.body, None)


def _allowed(report: ProbeReport, url: str) -> bool:
    policy = report.contact.robots.get(origin_of(url))
    return policy is None or policy.allows(url, report.user_agent)


def _verdict(report: ProbeReport, verdict: Verdict, reason: str) -> None:
    report.verdict, report.reason = verdict, reason

# What the probe prints --------------------------------------------------------------------------


def report_lines(report: ProbeReport) -> list[str]:
    """Return the report for people: what was seen, then what it means for a crawl."""
    contact = report.contact
    lines = [f"probe of {contact.given} as {report.user_agent}", "first contact"]
    for policy in {id(p): p for p in contact.robots.values()}.values():
        lines.append(f"  robots.txt {policy.url}: {policy.rule} ({policy.why})")
    if report.crawl_delay:
        lines.append(f"  robots.txt asks for Crawl-delay {report.crawl_delay:g} s: crawl with "
                     f"-s DOWNLOAD_DELAY={report.crawl_delay:g} or more")
    lines += [f"  redirect {hop}" for hop in contact.hops]
    if contact.moved and contact.verdict is Verdict.OK:
        lines.append(f"  the site is at {contact.base_url}: use --base-url {contact.base_url} "
                     "(a crawl of the address given follows it by itself)")
    for page in report.pages:
        lines += _page_lines(page)
    if report.menus:
        lines.append("menus of the front page")
        for menu in dict.fromkeys(item.menu for item in report.menus):
            items = [f"{i.name} ({i.kind}" + (f", Itemid {i.itemid})" if i.itemid else ")")
                     for i in report.menus if i.menu == menu]
            lines.append(f"  {menu}: " + "; ".join(items))
    if report.links:
        lines.append("links of the front page: "
                     + ", ".join(f"{kind} {n}" for kind, n in report.links.items()))
    lines += _record_lines(report)
    lines.append(_verdict_line(report))
    return [safe_line(line) for line in lines]


def _page_lines(page: PageSeen) -> list[str]:
    server = ", ".join(v for v in (page.server, page.powered_by) if v) or "not named"
    charset = page.charset
    found = sum(page.parts.values())
    lines = [
        f"{page.role}: {page.url}",
        f"  {page.answer}; server {server}; Content-Type {page.content_type or 'none'}"
        + (f"; {page.content_encoding}" if page.content_encoding else "")
        + ("; validators " + ", ".join(page.validators) if page.validators else
           "; no ETag or Last-Modified (a recrawl fetches pages whole)"),
        f"  charset declared: header {charset['header'] or 'none'}, "
        f"page {charset['meta'] or 'none'}; detected {charset['detected'] or 'nothing'}; "
        f"read as {charset['used']} "
        f"({charset['reason'] or charset['source']})",
        f"  template: {found} of {len(page.parts)} parts"
        + (f"; lacks {'; '.join(page.misses)}" if page.misses else ""),
    ]
    return lines


def _record_lines(report: ProbeReport) -> list[str]:
    record = report.record
    if record is None:
        return [f"record: none ({report.record_note})"] if report.record_note else []
    published, modified = record.get("date_published"), record.get("date_modified")
    text = " ".join((record.get("text") or "").split())
    lines = [
        f"record of article {record['article_id']} ({record['extractor']['method']} extraction)",
        f"  title: {record.get('title')!r} (as shown: {record.get('title_raw')!r})",
        "  authors: " + ("; ".join(a["name"] for a in record["authors"]) or "none"),
        f"  published: {published['value'] if published else 'unknown'}; modified: "
        f"{modified['value'] if modified else 'never'}; language {record.get('language')}; "
        f"pages {record['pages']}; words {record['word_count']}",
        "  sections: " + ("; ".join(record["sections"]) or "none"),
        "  flags: " + (", ".join(record["flags"]) or "none")
        + (f" ({report.record_note})" if report.record_note else ""),
        f"  text: {text[:TEXT_PREVIEW]}" + ("..." if len(text) > TEXT_PREVIEW else ""),
    ]
    lines.append("  cross-checks: " + ("none possible" if not report.checks else "; ".join(
        f"{c['check']} {'agrees' if c['agrees'] else 'DISAGREES: ' + c['detail']}"
        for c in report.checks)))
    return lines


def _verdict_line(report: ProbeReport) -> str:
    if report.verdict is Verdict.OK:
        return (f"verdict: ok (exit 0): a crawl would work as designed: ifes-archive crawl "
                f"--base-url {report.contact.base_url} --operator CONTACT --out FOLDER")
    return f"verdict: {report.verdict.value} (exit {report.exit_status}): {report.reason}"

