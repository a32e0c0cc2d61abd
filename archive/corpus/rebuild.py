"""Rebuild the corpus from WARC files alone, offline: the same versions a crawl writes.

Two passes, so memory stays flat as the archive grows. The first (:mod:`archive.corpus.selection`)
reads every record's WARC headers and HTTP head and keeps small pointers: per crawl run and
article page the newest capture that says something about the article, and every listing page.
The second pass, here, goes article by article in article-id order: each run's captures
become one observation (:mod:`archive.corpus.versions`) — a record built with
:func:`archive.page.record.build_record` from the pages' content, a 304 that confirms an earlier
capture, or a removal — and the observations fold into versions exactly as the crawl's journal
does. Articles are handed to a process pool (``map`` keeps the order, so the output does not
depend on the number of workers or on the order the files were given in); the same content
is built once per article however many runs saw it.

Anything that is not an article page is skipped and counted with the reason; a bad or
truncated record never stops the run.
"""

from __future__ import annotations

import logging
import os
import sys
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import msgspec

from ifes_archive.archive.corpus.articles import version_line
from ifes_archive.archive.corpus.journal import Gone, GoneLine, NotModifiedLine, RecordLine
from ifes_archive.archive.corpus.selection import (
    PageCapture,
    Selection,
    archive_hosts,
    host_of,
    select,
)
from ifes_archive.archive.corpus.versions import GONE_STATUSES, OWN_CRAWL, Observation, fold
from ifes_archive.archive.page.captured import PRINT_PAGE, CapturedPage, pages_within, refusal_of
from ifes_archive.archive.page.joomla import base_url_of
from ifes_archive.archive.page.listings import listed_articles
from ifes_archive.archive.page.record import build_record
from ifes_archive.archive.types import Record
from ifes_archive.archive.warcs.codings import DEFAULT_MAX_ARTICLE, DEFAULT_MAX_BODY, TOO_LARGE
from ifes_archive.archive.warcs.reader import record_at, response_entity
from ifes_archive.archive.warcs.warcfiles import find_warcs
from ifes_archive.archive.workers import bound_pool

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

logger = logging.getLogger(__name__)

#: Articles handed to a worker at a time: big enough to amortise the hand-over.
CHUNK = 16


#: An ordered map: the builtin, or a process pool's.
Mapper = Callable[..., "Iterator[Any]"]


@dataclass(frozen=True)
class ContentSeen:
    """One run's captures of an article's pages, to build its record from."""

    pages: list[tuple[int, PageCapture, str]]
    """(page number, the capture holding its content, the date this run saw it), page 0 first
    and the print view (:data:`PRINT_PAGE`) last."""


#: What one run saw of an article: its pages (a record to build), or what the crawl journals
#: without one (:mod:`archive.corpus.journal`): a 304 to its first page, its removal.
Seen = ContentSeen | NotModifiedLine | GoneLine
#: One article's work: its id, what each run saw of it, its listing names (all, and by
#: listing), and who made each run's captures (:attr:`Observation.source`).
Job = tuple[int, list[Seen], list[str], dict[str, list[str]], list[str]]


def listing_pairs(capture: PageCapture, max_size: int = DEFAULT_MAX_BODY,
                  ) -> tuple[list[tuple[int, str, str | None]], str]:
    """Return ((article id, listing name, listing key) entries one captured listing page
    shows, "") or ([], why it could not be read)."""
    try:
        page = captured_page(0, capture, max_size)
    except Exception as exc:  # noqa: BLE001 - one bad listing is reported, the rest goes on
        logger.warning("%s at %d: unreadable listing: %r", capture.path,
                       capture.pointer.warc_offset, exc)
        return [], f"unreadable listing page: {type(exc).__name__}"
    return listed_articles(page.url, page.content_type, page.body,
                           base_url_of(capture.pointer.target_uri)), ""


def read_listings(selection: Selection, run: Mapper = map,
                  max_size: int = DEFAULT_MAX_BODY) -> None:
    """Fill ``selection.sections`` from its listing captures, read with ``run`` (a map)."""
    for pairs, why in run(partial(listing_pairs, max_size=max_size), selection.listings):
        if why:
            selection.skipped[why] += 1
        selection.sections.add(pairs)


def article_jobs(selection: Selection) -> Iterator[Job]:
    """Yield (article id, what each run saw of it, its listing sections), in article-id
    order; what a run saw is ordered by run label (the fold orders by date)."""
    by_article: dict[int, dict[str, dict[int, PageCapture]]] = {}
    for (run, article_id, page), capture in selection.pages.items():
        by_article.setdefault(article_id, {}).setdefault(run, {})[page] = capture
    for article_id in sorted(by_article):
        runs = [(s, selection.sources.get(run, OWN_CRAWL)) for run in sorted(by_article[article_id])
                if (s := _seen_in_run(article_id, by_article[article_id][run], selection))
                is not None]
        if runs:
            yield (article_id, [s for s, _ in runs], list(selection.sections.get(article_id, [])),
                   selection.sections.by_listing.get(article_id, {}), [s for _, s in runs])


def _seen_in_run(article_id: int, pages: dict[int, PageCapture],
                 selection: Selection) -> Seen | None:
    """Return what one run's captures of an article show, None when nothing usable. The print
    view, when the run fetched it, goes last (page ``PRINT_PAGE``)."""
    pages = dict(pages)
    printed = pages.pop(PRINT_PAGE, None)
    first = pages.get(0)
    if first is None:
        return None  # later pages only: the first page failed this run
    if first.status in GONE_STATUSES:
        return GoneLine(article_id, first.pointer.date, Gone(f"HTTP {first.status}", first.pointer))
    content = []
    for page in sorted(pages):
        capture = pages[page]
        original = selection.original(capture) if capture.revisit else capture
        if original is None:
            selection.skipped["revisit whose original is not in the input"] += 1
        if capture.status != 200 or original is None:
            if page == 0:
                return None
            continue
        content.append((page, original, capture.pointer.date))
    if first.not_modified and len(pages) == 1:
        # A 304 and nothing more this run: it confirms what the original showed.
        return NotModifiedLine(article_id, first.pointer.date,
                               content[0][1].pointer.warc_record_id)
    original = selection.original(printed) if printed and printed.revisit else printed
    if printed is not None and printed.status == 200 and original is not None:
        content.append((PRINT_PAGE, original, printed.pointer.date))
    return ContentSeen(content)


class UnreadablePage(Exception):
    """A captured page whose body cannot be had: over the size bound, or no decodable bytes."""


def captured_page(page: int, capture: PageCapture,
                  max_size: int = DEFAULT_MAX_BODY) -> CapturedPage:
    """Read one response back and return it as the record builder takes it (the body decoded
    as the crawl decoded it, within ``max_size``)."""
    with record_at(Path(capture.path), capture.pointer.warc_offset) as record:
        entity = response_entity(record, max_size)
    if entity.problem is not None and (entity.problem.startswith(TOO_LARGE) or not entity.body):
        raise UnreadablePage(entity.problem)
    return CapturedPage(page, capture.pointer.target_uri, entity.head.content_type, entity.body,
                        capture.pointer)


def article_pages(content: list[tuple[int, PageCapture, str]],
                  max_size: int = DEFAULT_MAX_BODY) -> list[CapturedPage]:
    """Return the pages of one observation of an article, read back in page order while they
    stay within :data:`DEFAULT_MAX_ARTICLE` bytes of body, as the crawl fetches them under
    ``ARTICLE_MAXSIZE`` (:func:`archive.page.captured.pages_within`); the print view only when every
    page is kept (the crawl asks for it only then)."""
    pages: list[CapturedPage] = []
    for page, capture, _ in content:  # the print view, if any, last
        pages.append(captured_page(page, capture, max_size))
        if page != PRINT_PAGE and \
                pages_within([len(p.body) for p in pages], DEFAULT_MAX_ARTICLE) < len(pages):
            return pages[:-1]
    return pages


#: What one observation's pages gave: the record (None: no article), why not (a refusal), and
#: the page numbers it was built from.
Built = tuple[Record | None, str | None, frozenset[int]]

#: Why an article gave no record: build_record's None for every run (neither the template nor
#: any text), or no page 0 that could be read.
NOT_AN_ARTICLE = "article page that is no article (no template, no text)"


@dataclass
class ArticleResult:
    """What one article gave: its version lines, and why observations gave nothing."""

    lines: list[str] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)


def article_lines(job: Job, max_size: int = DEFAULT_MAX_BODY) -> ArticleResult:
    """Return the corpus lines of one article: its observations, run by run, folded into
    versions (the same fold the crawl's journal goes through)."""
    article_id, seen, sections, by_listing, sources = job
    result = ArticleResult()
    built: dict[tuple[str, ...], Built] = {}
    observations = []
    for what, source in zip(seen, sources):
        try:
            observation = _observe(article_id, what, built, max_size)
        except UnreadablePage as exc:
            result.skipped[f"article page that cannot be read: {exc}"] += 1
            continue
        except Exception as exc:  # noqa: BLE001 - one bad article is reported, the rest goes on
            logger.warning("article %d: %r", article_id, exc)
            result.skipped[f"article that failed to build: {type(exc).__name__}"] += 1
            continue
        if observation is None:
            result.skipped[NOT_AN_ARTICLE] += 1
        else:
            observations.append(replace(observation, source=source))
    versions = fold(observations)
    for number, version in enumerate(versions, 1):
        result.lines.append(version_line(version.ref, version, number, number == len(versions),
                                         sections, by_listing))
    return result


def _observe(article_id: int, what: Seen,
             built: dict[tuple[str, ...], Built],
             max_size: int = DEFAULT_MAX_BODY) -> Observation | None:
    """Return one run's observation of an article (None: its page is no article), as the
    crawl's journal line of it gives it."""
    if not isinstance(what, ContentSeen):
        return what.observation()
    content = what.pages
    key = tuple(capture.pointer.warc_record_id for _, capture, _ in content)
    if key not in built:
        pages = article_pages(content, max_size)
        record = build_record(article_id, base_url_of(content[0][1].pointer.target_uri),
                              [p for p in pages if p.page != PRINT_PAGE],
                              print_pages=[p for p in pages if p.page == PRINT_PAGE])
        built[key] = (record, refusal_of(pages[0]) if record is None else None,
                      frozenset(p.page for p in pages))
    record, refusal, kept = built[key]
    # When this run saw the pages the record is built from (those within the article bound).
    seen = max(date for page, _, date in content if page != PRINT_PAGE and page in kept)
    first = content[0][1]
    if record is None:
        if refusal is None:
            return None
        return GoneLine(article_id, seen, Gone(f"{refusal} page", first.pointer)).observation()
    # (the record itself stays the observation's ref: its version line is written from it)
    record = msgspec.structs.replace(record, first_seen=seen, last_seen=seen)
    return RecordLine(record).observation(record)


@contextmanager
def _mapper(workers: int) -> Iterator[Mapper]:
    """Give an ordered map over ``workers`` processes (the builtin one for a single worker)."""
    if workers <= 1:
        yield map
        return
    with bound_pool(workers) as pool:  # its workers die with this process
        yield partial(pool.map, chunksize=CHUNK)


@dataclass
class RebuildResult:
    """Counts of one rebuild."""

    files: list[Path]
    records_read: int
    listing_pages: int
    articles: int
    """Articles with at least one version."""
    not_articles: int
    """Article pages that gave no record in any run (no template and no text)."""
    skipped: dict[str, int]
    versions: int = 0
    """Lines written: every version of every article."""
    hosts: list[str] = field(default_factory=list)
    """The hosts whose captures were used (empty: every host's)."""
    unreadable: dict[str, str] = field(default_factory=dict)
    """File -> why it was not read to its end (the corpus is built from the rest)."""


def rebuild(paths: Iterable[Path], out: Path, workers: int | None = None,
            progress: bool | None = None, max_size: int = DEFAULT_MAX_BODY,
            hosts: Iterable[str] | None = None) -> RebuildResult:
    """Rebuild the corpus from the WARCs under ``paths`` into ``out``; return the counts.
    A page whose body is over ``max_size`` bytes (decoded) is skipped and counted; so is a
    capture of a host not in ``hosts`` (default: the hosts the archive's warcinfo names)."""
    files = find_warcs(paths)
    kept = {host_of(h if "://" in h else f"http://{h}") for h in hosts} if hosts else \
        archive_hosts(files)
    selection = select(files, kept)
    workers = workers or os.cpu_count() or 1
    show = sys.stderr.isatty() if progress is None else progress
    unfinished = out.with_name(out.name + ".partial")
    try:
        with _mapper(workers) as run, open(unfinished, "w", encoding="utf-8",
                                           newline="\n") as target:
            articles, versions, not_articles = _write_corpus(selection, run, target, max_size,
                                                             show)
    except BaseException:  # stopped (SIGTERM, Ctrl-C) or failed: no half corpus left behind
        unfinished.unlink(missing_ok=True)
        raise
    if show:
        print(file=sys.stderr)
    os.replace(unfinished, out)
    return RebuildResult(files, selection.records_read, len(selection.listings), articles,
                         not_articles, dict(sorted(selection.skipped.items())), versions,
                         sorted(kept) if kept else [], selection.unreadable)


def _write_corpus(selection: Selection, run: Mapper, target: TextIO, max_size: int,
                  show: bool) -> tuple[int, int, int]:
    """Write every article's version lines to ``target``; return the counts of articles,
    versions and article pages that gave no article."""
    articles = versions = not_articles = 0
    read_listings(selection, run, max_size)
    jobs = list(article_jobs(selection))
    for done, result in enumerate(run(partial(article_lines, max_size=max_size), jobs), 1):
        selection.skipped.update(result.skipped)
        if result.lines:
            target.write("".join(line + "\n" for line in result.lines))
            articles += 1
            versions += len(result.lines)
        else:
            not_articles += 1
        if show and (done % 50 == 0 or done == len(jobs)):
            print(f"\rrebuild: {done}/{len(jobs)} articles", end="", file=sys.stderr)
    return articles, versions, not_articles
