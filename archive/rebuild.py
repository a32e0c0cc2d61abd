"""Rebuild the corpus from WARC files alone, offline: the same records a crawl writes.

Two passes, so memory stays flat as the archive grows: the first reads every record's WARC
headers and HTTP head and keeps, per article page (id, page — whatever Itemid it was fetched
under), a small pointer to the newest complete ``200`` response; the second reads back the
chosen records article by article (with the categories every captured listing page files
the article under: pass one keeps pointers to the listing pages, and the pool reads them with
:func:`archive.listings.listed_articles` before the articles), in article-id order, and turns each into a record with
:func:`archive.record.build_record` in a process pool (``imap`` keeps the order, so the output
does not depend on the number of workers or on the order the files were given in).

Anything that is not an article page is skipped and counted with the reason; a bad or
truncated record never stops the run.
"""

from __future__ import annotations

import gzip
import logging
import os
import sys
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warcio.archiveiterator import ArchiveIterator

from archive.corpus import add_listed
from archive.listings import listed_articles, listing_task
from archive.record import CapturedPage, build_record, record_to_json
from archive.verify import entity_of, parse_http
from crawler.joomla import parse_url

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

logger = logging.getLogger(__name__)

#: Articles handed to a worker at a time: big enough to amortise the hand-over.
CHUNK = 16
_HEAD_LIMIT = 65536


@dataclass(frozen=True, order=True)
class PageCapture:
    """Where the chosen capture of one article page is."""

    date: str
    record_id: str
    path: str
    offset: int
    length: int
    target_uri: str


#: An ordered map: the builtin, or a process pool's.
Mapper = Callable[..., "Iterator[Any]"]
#: One article's work: its id, its chosen page captures in page order, its listing sections.
Job = tuple[int, list[PageCapture], list[str]]


@dataclass
class Selection:
    """What pass one found: chosen pages per article, and what was skipped and why."""

    pages: dict[tuple[int, int], PageCapture] = field(default_factory=dict)
    skipped: Counter = field(default_factory=Counter)
    records_read: int = 0
    listings: list[PageCapture] = field(default_factory=list)
    """Every complete ``200`` capture of a category listing page (the sections evidence)."""
    sections: dict[int, list[str]] = field(default_factory=dict)
    """Article id -> category names the listing pages file it under (filled by
    :func:`read_listings`)."""

    def offer(self, key: tuple[int, int], capture: PageCapture) -> None:
        """Keep ``capture`` for ``key`` if it is newer than the one kept (date, then id)."""
        if key not in self.pages or capture > self.pages[key]:
            self.pages[key] = capture


def warc_files(paths: Iterable[Path]) -> list[Path]:
    """Return the WARC files named or found under ``paths``, sorted by name and path."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += [p for p in path.rglob("*") if p.name.endswith((".warc", ".warc.gz"))]
        else:
            found.append(path)
    return sorted(set(found), key=lambda p: (p.name, str(p)))


def select(files: list[Path]) -> Selection:
    """Pass one: choose the capture of every article page in ``files``."""
    selection = Selection()
    for path in files:
        try:
            _scan(path, selection)
        except Exception as exc:  # noqa: BLE001 - a broken file is reported, the rest goes on
            logger.warning("%s: stopped reading after an error: %r", path, exc)
            selection.skipped["unreadable rest of a file"] += 1
    return selection


def _scan(path: Path, selection: Selection) -> None:
    with open(path, "rb") as stream:
        iterator = ArchiveIterator(stream, no_record_parse=True)
        for record in iterator:
            selection.records_read += 1
            headers = record.rec_headers
            head = record.raw_stream.read(_HEAD_LIMIT)
            size = len(head) + _drain(record.raw_stream)
            if size != int(headers.get_header("Content-Length") or -1):
                # The file ends inside this record (a crawl cut short, a copy cut off).
                selection.skipped["incomplete record at the end of a file"] += 1
                continue
            reason, key = _classify(headers, head)
            if key is None and reason != "listing page":
                selection.skipped[reason] += 1
                continue
            capture = PageCapture(
                headers.get_header("WARC-Date") or "", headers.get_header("WARC-Record-ID") or "",
                str(path), iterator.get_record_offset(), iterator.get_record_length(),
                headers.get_header("WARC-Target-URI") or "")
            if key is None:
                selection.listings.append(capture)
            else:
                selection.offer(key, capture)


def _drain(stream: object) -> int:
    """Read ``stream`` to its end; return how many bytes that was."""
    total = 0
    while chunk := stream.read(_HEAD_LIMIT):  # type: ignore[attr-defined]
        total += len(chunk)
    return total


def _classify(headers: object, head: bytes) -> tuple[str, tuple[int, int] | None]:
    """Return (why skipped, None) or ("", (article id, page)) for one record."""
    rec_type = headers.get_header("WARC-Type")  # type: ignore[attr-defined]
    if rec_type != "response":
        return f"{rec_type} record", None
    if headers.get_header("WARC-Truncated"):  # type: ignore[attr-defined]
        return "truncated response", None
    if not head.startswith((b"HTTP/1.1 200", b"HTTP/1.0 200")):
        return "not a 200 response", None
    uri = headers.get_header("WARC-Target-URI") or ""  # type: ignore[attr-defined]
    if listing_task(uri) is not None:
        return "listing page", None
    parsed = parse_url(uri)
    if parsed.kind not in ("article", "article_page") or parsed.id is None:
        return "not an article page", None
    return "", (parsed.id, parsed.limitstart or 0)


def listing_pairs(capture: PageCapture) -> tuple[list[tuple[int, str]], str]:
    """Return ((article id, category name) pairs one captured listing page shows, "") or
    ([], why it could not be read)."""
    try:
        page = captured_page(0, capture)
    except Exception as exc:  # noqa: BLE001 - one bad listing is reported, the rest goes on
        logger.warning("%s at %d: unreadable listing: %r", capture.path, capture.offset, exc)
        return [], f"unreadable listing page: {type(exc).__name__}"
    base_url = capture.target_uri.split("index.php", 1)[0]
    return listed_articles(page.url, page.content_type, page.body, base_url), ""


def read_listings(selection: Selection, run: Mapper = map) -> None:
    """Fill ``selection.sections`` from its listing captures, read with ``run`` (a map)."""
    for pairs, why in run(listing_pairs, selection.listings):
        if why:
            selection.skipped[why] += 1
        add_listed(selection.sections, pairs)


def article_jobs(selection: Selection) -> Iterator[Job]:
    """Yield (article id, its page captures in page order, its listing sections), in
    article-id order."""
    by_article: dict[int, list[tuple[int, PageCapture]]] = {}
    for (article_id, page), capture in selection.pages.items():
        by_article.setdefault(article_id, []).append((page, capture))
    for article_id in sorted(by_article):
        yield (article_id, [c for _, c in sorted(by_article[article_id])],
               selection.sections.get(article_id, []))


def captured_page(page: int, capture: PageCapture) -> CapturedPage:
    """Read one chosen response back and return it as the record builder takes it."""
    with open(capture.path, "rb") as stream:
        stream.seek(capture.offset)
        record = next(iter(ArchiveIterator(stream, no_record_parse=True)))
        message = parse_http(record.raw_stream.read())
    body = entity_of(message, truncated=False)
    if [v.lower() for v in message.values("Content-Encoding")] == ["gzip"]:
        body = gzip.decompress(body)
    content_types = message.values("Content-Type")
    pointer = {"warc_filename": Path(capture.path).name, "warc_offset": capture.offset,
               "warc_length": capture.length, "warc_record_id": capture.record_id,
               "target_uri": capture.target_uri, "date": capture.date}
    return CapturedPage(page, capture.target_uri, content_types[-1] if content_types else None,
                        body, pointer)


#: Why an article page gave no record: build_record's None (Joomla's refusal on HTTP 200, or
#: neither the template nor any text).
NOT_AN_ARTICLE = "article page that is no article (refusal or no text)"


def record_line(job: Job) -> tuple[str | None, str]:
    """Return (the JSON line of one article, "") or (None, why there is none)."""
    article_id, captures, sections = job
    try:
        pages = [captured_page(_page_of(c), c) for c in captures]
        base_url = captures[0].target_uri.split("index.php", 1)[0]
        record = build_record(article_id, base_url, pages, sections)
    except Exception as exc:  # noqa: BLE001 - one bad article is reported, the rest goes on
        logger.warning("article %d (%s): %r", article_id, captures[0].path, exc)
        return None, f"article that failed to build: {type(exc).__name__}"
    return (record_to_json(record), "") if record is not None else (None, NOT_AN_ARTICLE)


def _page_of(capture: PageCapture) -> int:
    return parse_url(capture.target_uri).limitstart or 0


@contextmanager
def _mapper(workers: int) -> Iterator[Mapper]:
    """Give an ordered map over ``workers`` processes (the builtin one for a single worker)."""
    if workers <= 1:
        yield map
        return
    with ProcessPoolExecutor(workers) as pool:
        yield partial(pool.map, chunksize=CHUNK)


@dataclass
class RebuildResult:
    """Counts of one rebuild."""

    files: list[Path]
    records_read: int
    listing_pages: int
    articles: int
    not_articles: int
    skipped: dict[str, int]


def rebuild(paths: Iterable[Path], out: Path, workers: int | None = None,
            progress: bool | None = None) -> RebuildResult:
    """Rebuild the corpus from the WARCs under ``paths`` into ``out``; return the counts."""
    files = warc_files(paths)
    selection = select(files)
    workers = workers or os.cpu_count() or 1
    show = sys.stderr.isatty() if progress is None else progress
    written = not_articles = 0
    unfinished = out.with_name(out.name + ".partial")
    with _mapper(workers) as run, open(unfinished, "w", encoding="utf-8", newline="\n") as target:
        read_listings(selection, run)
        jobs = list(article_jobs(selection))
        for done, (line, why) in enumerate(run(record_line, jobs), 1):
            if line is None:
                not_articles += 1
                selection.skipped[why] += 1
            else:
                target.write(line + "\n")
                written += 1
            if show and (done % 50 == 0 or done == len(jobs)):
                print(f"\rrebuild: {done}/{len(jobs)} articles", end="", file=sys.stderr)
    if show:
        print(file=sys.stderr)
    os.replace(unfinished, out)
    return RebuildResult(files, selection.records_read, len(selection.listings), written, not_articles,
                         dict(sorted(selection.skipped.items())))
