"""Every crawl is bounded: each crawler trap of fixtures/traps.py ends by a bound, named in the
run report (exit 5), with the site's own articles all archived; a page of 250,000 links is read
in bounded time and memory; a site setting 400 cookies does not make later requests too large.

Each crawl runs in a subprocess (``ifes-archive crawl``) against the trap site served in this
process on loopback; the traps are small (a bound lowered with ``-s`` where the default would take
long), and one crawl shows the default bounds end every trap at once.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import lxml.html
import psutil

from ifes_archive.archive.page.joomla import (
    SESSION_PARAMS,
    clean_url,
    dedup_key,
    is_session_param,
    parse_url,
)
from ifes_archive.archive.warcs.reader import open_records
from ifes_archive.crawler.bounds import BOUNDED, TOO_DEEP
from ifes_archive.crawler.cookies import trim_cookie_header
from ifes_archive.crawler.crawllog import parse_line
from ifes_archive.crawler.settings import PAGE_MAX_LINKS
from ifes_archive.crawler.traps import ListingBounds, page_links
from ifes_archive.fixtures.server import MirrorServer
from ifes_archive.fixtures.traps import TrapSite
from tests.conftest import CRAWL_TIMEOUT, crawl_command

EXIT_BOUNDED = 5
#: Requests a bound may let through past its number (pages already queued when it took effect).
SLACK = 12


@dataclass
class TrapCrawl:
    """One crawl of the trap site: how it ended, what it wrote, what the server saw."""

    site: TrapSite
    out: Path
    returncode: int
    stderr: str
    seconds: float
    peak_rss: int

    @property
    def summary(self) -> dict:
        return json.loads((self.out / "crawl-summary.json").read_text())

    def article_ids(self) -> list[int]:
        lines = (self.out / "articles.jsonl").read_text(encoding="utf-8").splitlines()
        return [json.loads(line)["article_id"] for line in lines]

    def log_lines(self) -> list[dict[str, str]]:
        text = Path(self.summary["crawl_log"]).read_text(encoding="utf-8")
        return [parse_line(line) for line in text.splitlines()]

    def bounded_lines(self, name: str) -> list[dict[str, str]]:
        return [line for line in self.log_lines() if f"bound:{name}" in line["annotations"]]

    def assert_site_archived(self) -> None:
        """Every article of the site is a record, once."""
        ids = self.article_ids()
        assert len(ids) == len(set(ids))
        assert set(self.site.article_ids()) <= set(ids)
        captured = set()
        for path in (self.out / "warc").glob("*.warc.gz"):
            with open_records(path) as records:
                captured |= {r.head.target_uri for r in records if r.head.type == "response"}
        assert {f"id={i}" for i in self.site.article_ids()} <= {
            f"id={_params(uri).get('id')}" for uri in captured if "task=view" in uri}

    def assert_bounded_by(self, name: str, setting: str) -> None:
        assert self.returncode == EXIT_BOUNDED, self.stderr[-3000:]
        bound = self.summary["bounds"][name]
        assert bound["setting"] == setting and bound["count"] >= 1
        assert self.bounded_lines(name), f"no crawl-log line for {name}"
        assert f"BOUND {name} ({setting})" in self.stderr + self._report()

    def _report(self) -> str:
        return "".join(p.read_text() for p in (self.out / "reports").glob("*.txt"))


def crawl_traps(tmp_path: Path, traps: tuple[str, ...], *options: str,
                **settings: str) -> TrapCrawl:
    """Crawl a trap site serving ``traps``, polling the crawl's memory as it runs."""
    site = TrapSite(traps)
    out = tmp_path / "out"
    with MirrorServer(site) as server:
        command = [*crawl_command(server.base_url, out, **settings), *options]
        started = time.monotonic()
        # Output to a file: a pipe nobody reads while the crawl runs would stop it when full.
        with (tmp_path / "crawl.out").open("w+") as output:
            process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                       text=True)
            peak = _watch(process)
            process.wait(timeout=CRAWL_TIMEOUT)
            seconds = time.monotonic() - started
            output.seek(0)
            text = output.read()
    print(f"{traps}: exit {process.returncode} in {seconds:.1f} s, peak RSS "
          f"{peak / 2**20:.0f} MB, requests {dict(site.hits)}")
    return TrapCrawl(site, out, process.returncode, text, seconds, peak)


def _watch(process: subprocess.Popen) -> int:
    """Return the largest resident size the process had, polled until it ends."""
    peak, watched = 0, psutil.Process(process.pid)
    deadline = time.monotonic() + CRAWL_TIMEOUT
    while process.poll() is None and time.monotonic() < deadline:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    return peak


def _listing_pages(site: TrapSite, trap: str) -> int:
    return site.hits[trap]


def test_a_listing_that_repeats_itself_is_not_paged_past_its_first_repeat(tmp_path: Path) -> None:
    crawl = crawl_traps(tmp_path, ("repeat",))
    crawl.assert_bounded_by("listing-repeats", "LISTING_MAX_PAGES")
    # The first page and the ten it links; every one of those repeats the first.
    assert _listing_pages(crawl.site, "repeat") <= 11
    crawl.assert_site_archived()


def test_an_endless_pager_ends_at_the_listing_page_bound(tmp_path: Path) -> None:
    crawl = crawl_traps(tmp_path, ("endless",), LISTING_MAX_PAGES="20")
    crawl.assert_bounded_by("listing-pages", "LISTING_MAX_PAGES")
    assert 20 <= _listing_pages(crawl.site, "endless") <= 20
    assert crawl.summary["listings"]["per_listing"]["category:910"] == 20
    crawl.assert_site_archived()


def test_ever_new_menu_items_make_no_new_article_and_end_at_the_menu_item_bound(
        tmp_path: Path) -> None:
    crawl = crawl_traps(tmp_path, ("itemid",), LISTING_MAX_MENU_ITEMS="15")
    crawl.assert_bounded_by("listing-menu-items", "LISTING_MAX_MENU_ITEMS")
    assert _listing_pages(crawl.site, "itemid") == 15
    crawl.assert_site_archived()
    # Each article page 0 asked for once, under whichever Itemid came first.
    first_pages = [_params(t) for t in crawl.site.targets if _params(t).get("task") == "view"
                   and "limitstart" not in _params(t) and urlsplit(t).path != "/index2.php"]
    ids = [p["id"] for p in first_pages]
    assert len(ids) == len(set(ids)), sorted(ids)


def test_sef_pagination_ends_at_the_listing_page_bound(tmp_path: Path) -> None:
    crawl = crawl_traps(tmp_path, ("sef",), LISTING_MAX_PAGES="20")
    crawl.assert_bounded_by("listing-pages", "LISTING_MAX_PAGES")
    assert _listing_pages(crawl.site, "sef") == 20
    crawl.assert_site_archived()


def test_a_growing_limit_ends_at_the_listing_page_bound(tmp_path: Path) -> None:
    crawl = crawl_traps(tmp_path, ("limit",), LISTING_MAX_PAGES="20")
    crawl.assert_bounded_by("listing-pages", "LISTING_MAX_PAGES")
    assert _listing_pages(crawl.site, "limit") == 20
    crawl.assert_site_archived()


def test_session_ids_on_every_link_are_dropped_before_the_same_page_is_asked_again(
        tmp_path: Path) -> None:
    crawl = crawl_traps(tmp_path, ("sid",))
    # No trap left: each page once, under its address without the session, and nothing bounded.
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert crawl.summary["bounds"] == {}
    assert _listing_pages(crawl.site, "sid") == 3  # sid/a.html, sid/b.html, the category
    asked = [name for t in crawl.site.targets for name in _params(t) if is_session_param(name)]
    assert asked == [], asked
    assert "sid" in SESSION_PARAMS
    crawl.assert_site_archived()


def test_a_chain_of_ever_deeper_pages_ends_at_the_depth_bound(tmp_path: Path) -> None:
    crawl = crawl_traps(tmp_path, ("deep",), DEPTH_LIMIT="10")
    crawl.assert_bounded_by("depth", "DEPTH_LIMIT")
    # /deep/1.html is one link from the front page, /deep/10.html ten.
    assert crawl.site.hits["deep"] == 10
    assert {line["status"] for line in crawl.bounded_lines("depth")} == {str(TOO_DEEP)}
    # Multi-page articles are still whole: their pages are one hop.
    crawl.assert_site_archived()


def test_a_page_of_a_quarter_million_links_is_read_in_bounded_time_and_memory(
        tmp_path: Path) -> None:
    crawl = crawl_traps(tmp_path, ("flood",), "--max-time", "30")
    crawl.assert_bounded_by("page-links", "PAGE_MAX_LINKS")
    assert crawl.summary["bounds"]["page-parse"]["setting"] == "PAGE_MAX_PARSE"
    assert crawl.site.hits["ghost"] <= PAGE_MAX_LINKS
    assert crawl.peak_rss <= 300 * 2**20
    assert crawl.seconds < 30 + 30  # --max-time, and a generous margin for a busy machine
    # The site's own articles come with the default bounds (the whole-site test below); here
    # --max-time may end the run first on a busy machine, and then it is still no exit 13.


def test_a_cut_run_that_read_no_article_is_bounded_not_another_template(tmp_path: Path) -> None:
    # A front page of links only (none of the template's parts), the run ended by --max-pages
    # before any article page came: nothing was read to judge the template by (not exit 13).
    crawl = crawl_traps(tmp_path, ("bare", "flood"), "--max-pages", "2", PAGE_MAX_LINKS="5")
    assert crawl.returncode == EXIT_BOUNDED, crawl.stderr[-3000:]
    assert crawl.summary["template_misses"] and crawl.summary["not_articles"] == 0
    assert crawl.summary["articles"] == 0
    assert {"max-pages", "page-links"} <= set(crawl.summary["bounds"])


def test_four_hundred_cookies_do_not_make_later_requests_too_large(tmp_path: Path) -> None:
    crawl = crawl_traps(tmp_path, ("cookies",))
    crawl.assert_bounded_by("cookies", "COOKIES_MAX_PER_DOMAIN")
    assert crawl.site.too_large == 0
    crawl.assert_site_archived()


def test_the_cookie_header_is_cut_to_its_bound(tmp_path: Path) -> None:
    crawl = crawl_traps(tmp_path, ("cookies",), COOKIES_MAX_PER_DOMAIN="1000")
    crawl.assert_bounded_by("cookie-header", "COOKIES_MAX_HEADER")
    assert "cookies" not in crawl.summary["bounds"]
    assert crawl.site.too_large == 0
    crawl.assert_site_archived()


def test_a_long_queue_waits_on_disk_and_nothing_is_lost(tmp_path: Path) -> None:
    crawl = crawl_traps(tmp_path, ("endless",), LISTING_MAX_PAGES="20", SCHEDULER_MEMORY_MAX="10")
    crawl.assert_bounded_by("listing-pages", "LISTING_MAX_PAGES")
    assert "'scheduler/enqueued/disk'" in crawl.stderr
    assert "'scheduler/unserializable'" not in crawl.stderr
    assert crawl.site.hits["ghost"] == 200  # ten on each page of the listing, each asked
    assert list(crawl.out.glob(".queue-*")) == []
    crawl.assert_site_archived()


def test_the_default_bounds_end_every_trap_within_a_minute(tmp_path: Path) -> None:
    crawl = crawl_traps(tmp_path, ("repeat", "endless", "itemid", "sef", "limit", "sid", "deep",
                                   "flood", "cookies"))
    print(f"every trap, default bounds: {crawl.seconds:.1f} s, "
          f"{sum(crawl.site.hits.values())} requests, peak RSS {crawl.peak_rss / 2**20:.0f} MB")
    assert crawl.returncode == EXIT_BOUNDED, crawl.stderr[-3000:]
    assert {"listing-repeats", "listing-pages", "listing-menu-items", "depth", "page-links",
            "page-parse", "cookies"} <= set(crawl.summary["bounds"])
    assert "max-time" not in crawl.summary["bounds"] and "max-pages" not in crawl.summary["bounds"]
    assert crawl.seconds < 60 + 30  # the minute, and a margin for a busy machine
    assert {line["status"] for line in crawl.log_lines()} >= {str(BOUNDED), str(TOO_DEEP)}
    crawl.assert_site_archived()


def _params(target: str) -> dict[str, str]:
    return {k.lower(): v for k, v in parse_qsl(urlsplit(target).query)}


# The pieces, in-process -------------------------------------------------------------------


def test_session_parameters_are_dropped_and_nothing_else() -> None:
    url = ("http://h/index.php?option=com_content&amp;sid=1&task=view&id=3&PHPSESSID=x"
           "&ca9ab078aa2a2e9183600d13854155be=y&Itemid=4#top")
    assert clean_url(url) == "http://h/index.php?option=com_content&task=view&id=3&Itemid=4"
    assert clean_url("http://h/a.html?x=1&s=2") == "http://h/a.html?x=1&s=2"
    assert dedup_key("http://h/a.html?sid=1&x=2", "http://h/") == \
        dedup_key("http://h/a.html?x=2&jsessionid=9", "http://h/")
    assert parse_url("http://h/index.php?osCsid=5", "http://h/").kind == "frontpage"


def test_a_cookie_header_is_cut_at_a_cookie_boundary() -> None:
    header = b"; ".join(b"c%d=%s" % (i, b"v" * 10) for i in range(100))
    trimmed, left_off = trim_cookie_header(header, 100)
    assert len(trimmed) <= 100 and trimmed.startswith(b"c0=vvvvvvvvvv; c1=")
    assert left_off == 100 - len(trimmed.split(b"; "))
    assert trim_cookie_header(b"a=1; b=2", 100) == (b"a=1; b=2", 0)


def test_links_are_read_up_to_the_bound_only() -> None:
    root = lxml.html.fromstring("<p>" + "".join(f'<a href="/{i}">x</a><a>no href</a>'
                                                for i in range(10)) + "</p>")
    assert page_links(root, 3) == (["/0", "/1", "/2"], True)
    assert page_links(root, 10) == ([f"/{i}" for i in range(10)], False)
    assert page_links(root, 0)[1] is False


def test_a_listing_is_bounded_in_pages_and_in_menu_items() -> None:
    bounds = ListingBounds(max_pages=2, max_menu_items=2)
    blog = "http://h/index.php?option=com_content&task=blogsection&id=5&Itemid={}&limitstart={}"
    pages = [parse_url(blog.format(i, k), "http://h/") for i in range(3) for k in (0, 5, 10)]
    assert [bounds.admit(p) for p in pages] == ["", "", "listing-pages"] * 2 + \
        ["listing-menu-items"] * 3
    # Repeats are judged per listing as it shows (a blog's menu item decides what it lists).
    assert bounds.adds_articles(pages[0], {1, 2}) and not bounds.adds_articles(pages[0], {2})
    assert bounds.adds_articles(pages[3], {2})  # the same blog under another menu item
