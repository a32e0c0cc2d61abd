"""What the hostile soak reads back from a crawl, its rebuild and its release.

Every WARC record is read with warcio (the crawl's files, the release's copies, the WARCs inside
its WACZ) and its ``WARC-Target-URI`` judged by its normalised origin; the crawl log and the run
report say which bound ended which trap; ``metadata.csv`` and ``CHANGES.md`` are read as a
spreadsheet and a Markdown renderer would read them.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from ifes_archive.archive.page.joomla import ARTICLE_KINDS, parse_url
from ifes_archive.archive.warcs.warcfiles import warcs_under
from ifes_archive.crawler.crawllog import parse_line
from ifes_archive.fixtures.hostile_pages import classify

if TYPE_CHECKING:
    from pathlib import Path

#: Crawl-log statuses of a URL refused before any connection: out of scope, beyond a bound
#: (Heritrix's -4000 and -4001), blocked by robots.txt.
REFUSED = frozenset({"-5000", "-4000", "-4001", "-9998"})
BOUND_STATUSES = frozenset({"-4000", "-4001"})
#: What a spreadsheet runs as a formula when a cell starts with it (OWASP's CSV injection list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?$")
#: What a Markdown viewer would make live of CHANGES.md, in its HTML: an image tag, a link.
LIVE_MARKUP = re.compile(r"<img\b|<a\s+href", re.IGNORECASE)
DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> tuple[str, str, int | None] | None:
    """The normalised origin of ``url`` (scheme and host lower-cased, userinfo and a trailing
    dot dropped, the default port filled in); None when it cannot be read."""
    try:
        parts = urlsplit(url.strip().strip("<>"))
        host = (parts.hostname or "").rstrip(".").lower()
        if host and not host.isascii():
            host = host.encode("idna").decode("ascii")
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
    except (ValueError, UnicodeError):
        return None
    return (parts.scheme.lower(), host, port)


@dataclass
class WarcScan:
    """Records read from some WARCs: how many, which were out of scope, which articles held."""

    records: int = 0
    out_of_scope: int = 0
    examples: list[str] = field(default_factory=list)
    articles: set[int] = field(default_factory=set)

    def add(self, uri: str, site: tuple[str, str, int | None] | None) -> None:
        self.records += 1
        if origin(uri) != site:
            self.out_of_scope += 1
            if len(self.examples) < 5:
                self.examples.append(uri)


def scan_stream(stream: IO[bytes], site: tuple, scan: WarcScan) -> None:
    """Read every record of one WARC stream into ``scan``."""
    for record in ArchiveIterator(stream):
        uri = record.rec_headers.get_header("WARC-Target-URI")
        if not uri:
            continue
        scan.add(uri, site)
        if record.rec_type == "response" and record.http_headers is not None and \
                record.http_headers.get_statuscode() == "200":
            parsed = parse_url(uri)
            if parsed.kind in ARTICLE_KINDS and parsed.id is not None:
                scan.articles.add(parsed.id)


def scan_warcs(paths: list[Path], site: tuple) -> WarcScan:
    """Read every record of the WARC files ``paths``."""
    scan = WarcScan()
    for path in paths:
        with open(path, "rb") as stream:
            scan_stream(stream, site, scan)
    return scan


def warc_files(folder: Path) -> list[Path]:
    """The WARC files under ``folder`` (closed or still open: a killed crawl leaves one)."""
    return warcs_under(folder, open_too=True)


def scan_wacz(path: Path, site: tuple) -> WarcScan:
    """Read the WARCs inside a WACZ, and its page list (each page a record here too)."""
    scan = WarcScan()
    with zipfile.ZipFile(path) as wacz:
        for name in wacz.namelist():
            if re.search(r"\.warc(\.gz)?$", name):
                with wacz.open(name) as stream:
                    scan_stream(stream, site, scan)
            elif name.endswith("pages.jsonl"):
                for line in wacz.read(name).decode("utf-8").splitlines():
                    url = json.loads(line).get("url") if line.strip() else None
                    if url:
                        scan.add(url, site)
    return scan


def recorded_articles(corpus: Path, site: tuple) -> tuple[set[int], int]:
    """Article ids with a record in ``corpus`` (articles.jsonl), and records out of scope."""
    ids, outside = set(), 0
    if corpus.exists():
        for line in corpus.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            ids.add(record["article_id"])
            outside += origin(record.get("url") or "") != site
    return ids, outside


@dataclass
class CrawlLogFacts:
    """What the crawl log says of the attacks and traps."""

    metadata_attempts: int = 0
    private_attempts: int = 0
    bound_lines: Counter[str] = field(default_factory=Counter)


def read_crawl_log(path: Path | None, site: tuple) -> CrawlLogFacts:
    """Fetch attempts at the metadata address and at other hosts; bound refusals per trap."""
    facts = CrawlLogFacts()
    if path is None or not path.exists():
        return facts
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        fields = parse_line(line)
        url, status = fields.get("url", ""), fields.get("status", "")
        if status in BOUND_STATUSES:
            facts.bound_lines[classify(url) or "(the site)"] += 1
        if status in REFUSED:
            continue
        host = (origin(url) or ("", "", None))[1]
        facts.metadata_attempts += host == "169.254.169.254"
        facts.private_attempts += origin(url) != site and host != "169.254.169.254"
    return facts


def bounds_by_trap(bounds: dict[str, Any], log: CrawlLogFacts) -> dict[str, list[str]]:
    """Trap -> the bounds whose examples (run report) or crawl-log refusals name its URLs."""
    found: dict[str, set[str]] = {}
    for name, entry in bounds.items():
        for url in entry.get("examples") or []:
            trap = classify(url)
            if trap is not None:
                found.setdefault(trap, set()).add(name)
    for trap in log.bound_lines:
        found.setdefault(trap, set()).add("crawl log: refused beyond a bound")
    return {trap: sorted(names) for trap, names in found.items()}


def formula_cells(path: Path) -> list[str]:
    """Cells of a CSV file a spreadsheet would run (numbers aside)."""
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as stream:
        return [cell for row in csv.reader(stream) for cell in row
                if cell.startswith(FORMULA_START) and not NUMBER.match(cell)]


def raw_markup(path: Path) -> list[str]:
    """Image tags and links a Markdown file becomes once rendered (CommonMark, raw HTML on, as
    GitHub and the Hugging Face Hub show it): a title in a code span is text, not markup."""
    from markdown_it import MarkdownIt

    text = path.read_text(encoding="utf-8") if path.exists() else ""
    html = MarkdownIt("commonmark", {"html": True}).render(text)
    return [m.group(0) for m in LIVE_MARKUP.finditer(html)]


def read_summary(out: Path) -> dict[str, Any]:
    """The run report ``crawl-summary.json`` ({} when the run wrote none)."""
    path = out / "crawl-summary.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):  # no report, or the space set aside for one (a killed run)
        return {}


def guard_attempts(path: Path) -> list[str]:
    """Connections the soak's interlock refused (``bench/soakguard``)."""
    return path.read_text().splitlines() if path.exists() else []

