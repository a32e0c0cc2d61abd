"""What ``ifes-archive probe`` prints: the probe's report for people, then its verdict.

(``--json`` prints :meth:`crawler.probe.ProbeReport.as_dict` instead.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ifes_archive.archive.terminal import safe_line
from ifes_archive.crawler.verdict import Verdict

if TYPE_CHECKING:
    from ifes_archive.crawler.probe import PageSeen, ProbeReport

#: Characters of the record's text shown.
TEXT_PREVIEW = 300

def report_lines(report: ProbeReport) -> list[str]:
    """Return the report for people: what was seen, then what it means for a crawl."""
    contact = report.contact
    lines = [f"probe of {contact.given} as {report.user_agent}", "first contact"]
    for policy in {id(p): p for p in contact.robots.values()}.values():
        lines.append(f"  robots.txt {policy.url}: {policy.why}")
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
    published, modified = record.date_published, record.date_modified
    text = " ".join((record.text or "").split())
    lines = [
        f"record of article {record.article_id} ({record.extractor.method} extraction)",
        f"  title: {record.title!r} (as shown: {record.title_raw!r})",
        "  authors: " + ("; ".join(a.name for a in record.authors) or "none"),
        f"  published: {published.value if published else 'unknown'}; modified: "
        f"{modified.value if modified else 'never'}; language {record.language}; "
        f"pages {record.pages}; words {record.word_count}",
        "  sections: " + ("; ".join(record.sections) or "none"),
        "  flags: " + (", ".join(record.flags) or "none")
        + (f" ({report.record_note})" if report.record_note else ""),
        f"  text: {text[:TEXT_PREVIEW]}" + ("..." if len(text) > TEXT_PREVIEW else ""),
    ]
    lines.append("  cross-checks: " + ("none possible" if not report.checks else "; ".join(
        f"{c.check} {'agrees' if c.agrees else 'DISAGREES: ' + (c.detail or '')}"
        for c in report.checks)))
    return lines


def _verdict_line(report: ProbeReport) -> str:
    if report.verdict is Verdict.OK:
        return (f"verdict: ok (exit 0): a crawl would work as designed: ifes-archive crawl "
                f"--base-url {report.contact.base_url} --operator CONTACT --out FOLDER")
    return f"verdict: {report.verdict.value} (exit {report.exit_status}): {report.reason}"

