"""Replay as an archivist tries it: three crawls of a mirror with validators, browsed in pywb.

Crawl with page requisites; crawl again (every unchanged page, stylesheet and image answers
304, kept as a server-not-modified revisit); move the site a week on; crawl again (edited
articles get a second version). Then ``ifes-archive index`` and pywb (2.10 today, its own
environment ``.venv-pywb``) over the folder, ReplayWeb.page over its WACZ, and headless
Chromium for what a reader sees.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from warcio.timeutils import iso_date_to_timestamp as _stamp

from ifes_archive.archive.warcs.http_messages import read_http
from ifes_archive.archive.warcs.index import INDEX_PATH, PYWB, REPLAYWEB, build_index
from ifes_archive.archive.warcs.reader import record_at
from ifes_archive.archive.warcs.writer import REVISIT_NOT_MODIFIED
from ifes_archive.crawler.cli import main as cli
from ifes_archive.fixtures.epochs import site_at
from ifes_archive.fixtures.timeline import wait_for_epoch
from tests.browser import Chromium
from tests.conftest import run_crawl, serve
from tests.extras import need_chromium, need_pywb, need_replayweb
from tests.pywb import get
from tests.pywb import wayback as pywb_server
from tests.warcs import parse_http, read_raw_records

#: Screenshots and page texts of the browser tests land here (kept after the run).
ARTEFACTS = Path(__file__).resolve().parents[2] / "out" / "test-artefacts"
#: pywb answers a top-level visit with its frame (banner above, the page in an iframe).
REPLAYED = "document.querySelector('#wb_iframe_div iframe').contentDocument"
REPLAYED_TEXT = f"{REPLAYED}.body.innerText"
#: How the replayed page looks: the template's layout applied, every image drawn.
REPLAYED_LOOK = f"""(() => {{
    const doc = {REPLAYED}, view = doc.defaultView;
    doc.querySelector('#pathway').scrollIntoView();
    return {{font: view.getComputedStyle(doc.body).fontFamily,
             menu: view.getComputedStyle(doc.querySelector('#leftcol')).float,
             banner: view.getComputedStyle(doc.querySelector('#header')).backgroundImage,
             images: Array.from(doc.images).map(i => [i.getAttribute('src'), i.naturalWidth])}};
}})()"""


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory):
    """One archive folder after three crawls (the middle one all 304s), and its mirror."""
    tmp = tmp_path_factory.mktemp("replay")
    for served in serve(tmp, "--validators"):
        runs = [run_crawl(served.base_url, tmp / "out", PAGE_REQUISITES="True") for _ in range(2)]
        served.process.send_signal(signal.SIGUSR1)
        wait_for_epoch(served.base_url, 1)
        runs.append(run_crawl(served.base_url, tmp / "out", PAGE_REQUISITES="True"))
        assert all(r.returncode == 0 for r in runs), runs[-1].stderr[-2000:]
        assert cli(["index", str(tmp / "out")]) == 0
        yield runs[-1]


def _records_by_id(archive) -> dict:
    return {r.id: r for path in archive.warc_files for r in read_raw_records(path)}


def _entity(block: bytes) -> bytes:
    return bytes(read_http([block], keep=True, decode=True, max_size=0).body)


@pytest.fixture(scope="module")
def wayback(archive, tmp_path_factory: pytest.TempPathFactory):
    """pywb serving the archive folder as collection ``ifes`` with the folder's own index."""
    need_pywb()
    home = tmp_path_factory.mktemp("pywb")
    (home / "config.yaml").write_text(
        f"collections:\n  ifes:\n    index_paths: {archive.out / INDEX_PATH.parent}/\n"
        f"    archive_paths: {archive.out / 'warc'}/\n", encoding="utf-8")
    with pywb_server(home) as root:
        yield f"{root}ifes/"


def _get(url: str) -> tuple[int | None, bytes]:
    status, body, _ = get(url)
    return status, body


def _not_modified(archive) -> list:
    """The server-not-modified revisits of the second crawl."""
    second = [p for p in archive.warc_files if "-00001-" in p.name]
    return [r for p in second for r in read_raw_records(p)
            if r.type == "revisit" and r.headers["WARC-Profile"] == REVISIT_NOT_MODIFIED]


def test_every_304_replays_its_page_at_its_own_date(archive, wayback) -> None:
    records = _records_by_id(archive)
    revisits = _not_modified(archive)
    articles = [r for r in revisits if "task=view" in r.headers["WARC-Target-URI"]]
    assert len(articles) >= 170 and len(revisits) > len(articles)  # listings, front page too
    wrong = []
    for revisit in revisits:
        original = records[revisit.headers["WARC-Refers-To"]]
        url = f"{wayback}{_stamp(revisit.headers['WARC-Date'])}id_/{revisit.headers['WARC-Target-URI']}"
        status, body = _get(url)
        if status != 200 or body != _entity(original.block):
            wrong.append((revisit.headers["WARC-Target-URI"], status, len(body)))
    assert not wrong, f"{len(wrong)} of {len(revisits)} 304 captures do not replay: {wrong[:5]}"


def test_an_edited_article_replays_each_version_at_its_date(archive, wayback) -> None:
    (changes,) = site_at(epoch=1)[1]
    versions: dict[int, list[dict]] = {}
    for record in archive.records():
        versions.setdefault(record["article_id"], []).append(record)
    edited = sorted(changes.edited)
    assert edited
    for article_id in edited:
        old, new = versions[article_id]
        bodies = []
        for record in (old, new):
            pointer = record["captures"][0]
            with record_at(archive.out / "warc" / pointer["warc_filename"],
                           pointer["warc_offset"]) as stored:
                block = b"".join(stored.chunks())
            url = f"{wayback}{_stamp(pointer['date'])}id_/{pointer['target_uri']}"
            status, body = _get(url)
            assert status == 200 and body == _entity(block), (article_id, record["version"])
            bodies.append(body)
        assert bodies[0] != bodies[1]
        # At the second crawl's date (a 304) the first version is what the site showed.
        status, body = _get(f"{wayback}{_stamp(old['last_seen'])}id_/{new['captures'][0]['target_uri']}")
        assert status == 200 and body == bodies[0]


def test_index_lines_are_sorted_and_each_304_points_where_each_tool_looks(archive) -> None:
    written = (archive.out / INDEX_PATH).read_text(encoding="utf-8").splitlines()
    assert written == sorted(written) == build_index(archive.warc_files, PYWB).lines
    records = {(p.name, r.offset): r for p in archive.warc_files for r in read_raw_records(p)}
    # Every crawl's 304s, as a multiset: two crawls may answer 304 for the same URL in the same
    # second, and a pywb line's 14-digit stamp cannot tell them apart.
    not_modified = Counter((r.headers["WARC-Target-URI"], _stamp(r.headers["WARC-Date"]))
                           for r in records.values() if r.type == "revisit"
                           and r.headers["WARC-Profile"] == REVISIT_NOT_MODIFIED)
    assert not_modified.keys() >= {(r.headers["WARC-Target-URI"], _stamp(r.headers["WARC-Date"]))
                                   for r in _not_modified(archive)}
    for flavour in (PYWB, REPLAYWEB):
        report = build_index(archive.warc_files, flavour)
        assert report.not_modified == report.resolved == not_modified.total() and not report.unresolved
        checked = 0
        for line in report.lines:
            _, stamp, data = line.split(" ", 2)
            fields = json.loads(data)
            if (fields["url"], stamp[:14]) not in not_modified:
                continue
            checked += 1
            record = records[(fields["filename"], int(fields["offset"]))]
            assert fields["status"] == "200"
            if flavour == PYWB:  # pywb serves the head of the record the line points at
                assert record.type == "response" and parse_http(record.block).start_line.endswith(b"200 OK")
            else:  # ReplayWeb.page wants the record of the line's date (to the millisecond)
                date = record.headers["WARC-Date"]
                assert record.type == "revisit" and stamp == _stamp(date) + date[20:23]
        assert checked == not_modified.total(), flavour


def _article_id(url: str) -> int:
    return int(url.split("&id=")[1].split("&")[0])


def _unchanged_articles(archive) -> list[tuple]:
    """Return (304 revisit, charset its original's header declared) of the articles the
    second crawl found unchanged and the third did not see edited."""
    site, (changes,) = site_at(epoch=1)
    records = _records_by_id(archive)
    found = []
    for revisit in _not_modified(archive):
        target = revisit.headers["WARC-Target-URI"]
        article = site.article(_article_id(target)) if "task=view" in target else None
        # windows-1251 pages under whatever header (the mirror serves a few in other charsets)
        if article is not None and article.id not in changes.edited and article.charset == "cp1251":
            original = records[revisit.headers["WARC-Refers-To"]]
            content_type = parse_http(original.block).values("Content-Type")[0]
            found.append((revisit, content_type.partition("charset=")[2]))
    return found


def test_chromium_shows_unchanged_articles_replayed_from_their_304(archive, wayback,
                                                                   tmp_path: Path) -> None:
    """A reader's view: the article's text on screen in the site's style, and a page the server
    mislabelled (``charset=utf-8`` over windows-1251 bytes) garbled in replay as it was live."""
    binary = need_chromium()
    by_charset: dict[str, tuple] = {}
    for revisit, charset in _unchanged_articles(archive):
        by_charset.setdefault(charset, (revisit, revisit.headers["WARC-Target-URI"]))
    record_of = {r["captures"][0]["target_uri"]: r for r in archive.records()}
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    browser = Chromium(binary, tmp_path / "profile")
    try:
        revisit, target = by_charset["windows-1251"]
        page = browser.open(f"{wayback}{_stamp(revisit.headers['WARC-Date'])}/{target}")
        text = page.evaluate(REPLAYED_TEXT)
        look = page.evaluate(REPLAYED_LOOK)
        shot = page.screenshot(ARTEFACTS / "pywb-304-article.png")
        revisit, wrong = by_charset["utf-8"]
        replayed = browser.open(f"{wayback}{_stamp(revisit.headers['WARC-Date'])}/{wrong}")
        replayed_text = replayed.evaluate(REPLAYED_TEXT)
        replayed.screenshot(ARTEFACTS / "pywb-304-article-wrong-charset.png")
        live_text = browser.open(wrong).evaluate("document.body.innerText")
    finally:
        browser.close()
    print(f"screenshots: {ARTEFACTS}")
    record = record_of[target]
    shown = " ".join(text.split())
    paragraphs = [p for p in record["text"].split("\n\n") if len(p) > 40]
    assert paragraphs and all(" ".join(p.split()) in shown for p in paragraphs[:3])
    assert " ".join(record["title_raw"].split()) in shown and "\ufffd" not in shown
    assert shot.stat().st_size > 10_000
    # Styled as the site (page requisites, themselves 304s in this crawl): the template's font
    # and columns, its banner image, every image loaded.
    assert "Tahoma" in look["font"] and look["menu"] == "left" and "header_bg.png" in look["banner"]
    assert look["images"] and all(width > 0 for _, width in look["images"]), look["images"]
    # The mislabelled page: garbled live and in replay alike; the record's text is right.
    garbled = record_of[wrong]
    assert "\ufffd" in live_text and "\ufffd" in replayed_text
    assert "\ufffd" not in garbled["text"] and "browser" in garbled["encoding"][0]["reason"]


def test_the_wacz_carries_the_warcs_the_replayweb_index_and_checksums(archive, tmp_path: Path) -> None:
    import hashlib
    import zipfile

    out = tmp_path / "ifes.wacz"
    assert cli(["index", str(archive.out), "--wacz", str(out)]) == 0
    with zipfile.ZipFile(out) as wacz:
        names = set(wacz.namelist())
        assert {f"archive/{p.name}" for p in archive.warc_files} <= names
        assert all(wacz.getinfo(f"archive/{p.name}").compress_type == zipfile.ZIP_STORED
                   for p in archive.warc_files)  # readers seek into them
        package = json.loads(wacz.read("datapackage.json"))
        for resource in package["resources"]:
            data = wacz.read(resource["path"])
            assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
            assert resource["bytes"] == len(data)
        assert {r["path"] for r in package["resources"]} == names - {
            "datapackage.json", "datapackage-digest.json"}
        digest = json.loads(wacz.read("datapackage-digest.json"))
        assert digest["hash"] == "sha256:" + hashlib.sha256(wacz.read("datapackage.json")).hexdigest()
        lines = wacz.read("indexes/index.cdxj").decode().splitlines()
        assert lines == build_index(archive.warc_files, REPLAYWEB).lines
        pages = [json.loads(x) for x in wacz.read("pages/pages.jsonl").decode().splitlines()]
        assert pages[0]["format"] == "json-pages-1.0"
        assert len(pages) - 1 == len(archive.records())


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def _replayweb_text(page, timeout: float = 60.0) -> str:
    """Return the text of the archived page inside ReplayWeb.page (its innermost replay frame)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frames = [f for f, url in page.frame_urls().items() if "mp_/" in url]
        text = frames and page.evaluate_in_frame(frames[-1], "document.body && document.body.innerText")
        if text:
            return text
        time.sleep(0.3)
    raise TimeoutError("ReplayWeb.page showed no page")


def _a_long_paragraph(record: dict | None) -> str | None:
    """The record's first paragraph of over 40 characters, None if it has none (or no record
    starts at that address: an article first captured under another Itemid)."""
    text = (record or {}).get("text") or ""
    return next((p for p in text.split("\n\n") if len(p) > 40), None)


def test_replayweb_page_shows_304_captures_from_the_wacz(archive, tmp_path: Path) -> None:
    """ReplayWeb.page (npm package, as on replayweb.page) opens the WACZ in headless Chromium:
    unchanged articles at their 304's date show their text, in the site's style."""
    binary = need_chromium()
    site = tmp_path / "site"
    shutil.copytree(need_replayweb(), site)
    assert cli(["index", str(archive.out), "--wacz", str(site / "ifes.wacz")]) == 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_QuietFiles, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    record_of = {r["captures"][0]["target_uri"]: r for r in archive.records()}
    # Articles with a paragraph to look for (the mirror has one with an empty body), in URL order:
    # which article every 50th is must not depend on the crawl's scheduling.
    revisits = sorted((r for r, charset in _unchanged_articles(archive)
                       if charset == "windows-1251"
                       and _a_long_paragraph(record_of.get(r.headers["WARC-Target-URI"]))),
                      key=lambda r: r.headers["WARC-Target-URI"])
    browser = Chromium(binary, tmp_path / "profile")
    try:
        shown = []
        for revisit in revisits[::50]:
            url = revisit.headers["WARC-Target-URI"]
            page = browser.open(f"http://127.0.0.1:{server.server_address[1]}/index.html"
                                f"?source=/ifes.wacz#view=replay&url={quote(url, safe=':/')}"
                                f"&ts={_stamp(revisit.headers['WARC-Date'])}")
            shown.append((record_of[url], " ".join(_replayweb_text(page).split())))
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(ARTEFACTS / "replayweb-304-article.png")
        # An edited article: its first version at the 304's date, the second at its own.
        (changes,) = site_at(epoch=1)[1]
        edited = [[r for r in archive.records() if r["article_id"] == i] for i in changes.edited]
        old, new = next(pair for pair in edited if pair[0]["text"].count("[1]") == 0)
        versions = []
        for record, date in ((old, old["last_seen"]), (new, new["first_seen"])):
            url = record["captures"][0]["target_uri"]
            page = browser.open(f"http://127.0.0.1:{server.server_address[1]}/index.html"
                                f"?source=/ifes.wacz#view=replay&url={quote(url, safe=':/')}"
                                f"&ts={_stamp(date)}")
            versions.append(" ".join(_replayweb_text(page).split()))
    finally:
        browser.close()
        server.shutdown()
    assert len(shown) >= 3
    for record, text in shown:
        first = _a_long_paragraph(record)
        assert "Not Found" not in text and " ".join(first.split()) in text, record["article_id"]
    assert "[1]" not in versions[0] and "[1]" in versions[1], old["article_id"]
