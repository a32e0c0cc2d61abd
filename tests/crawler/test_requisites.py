"""Page requisites: what pages embed is captured when asked for (robots.txt set aside for it),
documents stay out, and nothing of it is fetched by default."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.test import get_crawler

from ifes_archive.archive.corpus.rebuild import rebuild
from ifes_archive.crawler.requisites import (
    REQUISITE_KEY,
    PageRequisitesMiddleware,
    embedded_urls,
    is_document,
    stylesheet_urls,
)
from ifes_archive.fixtures.assets import STATIC_FILES
from ifes_archive.fixtures.render_misc import ROBOTS_TXT
from tests.crawler.components import BASE as MIRROR
from tests.crawler.components import make_crawler, mirror, mirror_response
from tests.warcs import read_raw_records

BASE = "http://example.org:8080/"
PAGE = f"""<html><head>
<link rel="shortcut icon" href="{BASE}images/favicon.ico" />
<link href="{BASE}templates/t/css/template_css.css" rel="Stylesheet" type="text/css"/>
<link rel="alternate" href="{BASE}index2.php?option=com_rss" />
<script src="/includes/js/joomla.javascript.js"></script>
<script src="http://counter.example.com/c.js"></script>
</head><body background="images/bg.png">
<img src="{BASE}images/stories/photo.jpg" /><img src="/images/stories/scan.pdf" />
<a href="{BASE}images/stories/pdf/report.pdf">report</a><img src="data:image/png;base64,AA==" />
<input type="image" src="/images/M_images/go.png" /></body></html>"""


def test_embedded_urls_are_what_a_browser_loads() -> None:
    assert embedded_urls(PAGE, f"{BASE}index.php?option=com_content") == [
        f"{BASE}images/favicon.ico", f"{BASE}templates/t/css/template_css.css",
        f"{BASE}includes/js/joomla.javascript.js", "http://counter.example.com/c.js",
        f"{BASE}images/stories/photo.jpg", f"{BASE}images/stories/scan.pdf",
        f"{BASE}images/M_images/go.png", f"{BASE}images/bg.png"]


def test_stylesheet_urls_and_documents() -> None:
    css = ("@import 'color.css';\n#header { background: url(../images/header_bg.png) repeat-x; }\n"
           'a { background: url( "../images/indent1.png" ) } b { background: url(data:x) }')
    assert stylesheet_urls(css, f"{BASE}templates/t/css/template_css.css") == [
        f"{BASE}templates/t/css/color.css", f"{BASE}templates/t/images/header_bg.png",
        f"{BASE}templates/t/images/indent1.png"]
    assert is_document(f"{BASE}images/stories/pdf/report.PDF") and not is_document(f"{BASE}x.png")


def test_requisites_on_the_site_host_bypass_robots_documents_do_not() -> None:
    crawler = get_crawler(settings_dict={"PAGE_REQUISITES": True})
    middleware = PageRequisitesMiddleware.from_crawler(crawler)
    page = HtmlResponse(f"{BASE}index.php", body=PAGE.encode(), encoding="utf-8",
                        request=Request(f"{BASE}index.php"))
    requests = {r.url: r for r in middleware.process_spider_output(page, [])}
    assert "http://counter.example.com/c.js" not in requests  # another host
    assert not any(url.endswith("report.pdf") for url in requests)  # a link, not embedded
    assert requests[f"{BASE}images/stories/scan.pdf"].meta["dont_obey_robotstxt"] is False
    bypass = [u for u, r in requests.items() if r.meta["dont_obey_robotstxt"]]
    assert f"{BASE}images/stories/photo.jpg" in bypass and len(bypass) == len(requests) - 1
    assert all(r.meta[REQUISITE_KEY] and r.headers["Referer"] == page.url.encode()
               for r in requests.values())
    assert list(middleware.process_spider_output(page, [])) == []  # each once
    sheet = TextResponse(f"{BASE}templates/t/css/template_css.css", encoding="utf-8",
                         body=b"body { background: url(../images/b.png) }",
                         headers={"Content-Type": "text/css"},
                         request=requests[f"{BASE}templates/t/css/template_css.css"])
    (image,) = middleware.parse_requisite(sheet)
    assert image.url == f"{BASE}templates/t/images/b.png" and image.meta["dont_obey_robotstxt"]


def test_a_mirror_page_asks_for_its_template_and_the_stylesheet_for_its_images() -> None:
    middleware = PageRequisitesMiddleware.from_crawler(make_crawler(PAGE_REQUISITES=True))
    article = mirror().site.seed_article
    page = mirror_response(mirror().article_url(article.id, article.home))
    requests = {r.url: r for r in middleware.process_spider_output(page, [])}
    sheets = [u for u in requests if u.endswith(".css")]
    assert sheets and all(u.startswith(MIRROR) for u in requests)
    assert f"{MIRROR}images/favicon.ico" in requests
    sheet = mirror_response(sheets[0], requests[sheets[0]])
    loads = list(middleware.parse_requisite(sheet))
    assert loads and all(r.meta[REQUISITE_KEY] and r.url.startswith(f"{MIRROR}templates/")
                         for r in loads)
    assert middleware.crawler.stats.get_value("ifes/requisites") == 1
    assert list(middleware.process_spider_output(page, [])) == []  # each once


def test_off_by_default_nothing_robots_disallows_is_fetched(crawl) -> None:
    disallowed = [line.split(": ", 1)[1] for line in ROBOTS_TXT.splitlines()
                  if line.startswith("Disallow")]
    fetched = [r.headers["WARC-Target-URI"] for p in crawl.warc_files for r in read_raw_records(p)
               if r.type == "request"]
    paths = ["/" + u.split("/", 3)[3] for u in fetched]
    assert not [p for p in paths if p.startswith(tuple(disallowed))]
    warcinfo = next(r for r in read_raw_records(crawl.warc_files[0]) if r.type == "warcinfo")
    assert b"page-requisites: off" in warcinfo.block
    assert crawl.summary["page_requisites"] == {"enabled": False, "captured": 0, "failed": 0}


def test_with_requisites_every_embedded_file_is_captured_and_no_document(requisites_crawl,
                                                                         tmp_path) -> None:
    done = requisites_crawl
    records = [r for p in done.warc_files for r in read_raw_records(p)]
    captured = {"/" + r.headers["WARC-Target-URI"].split("/", 3)[3] for r in records
                if r.type == "response"}
    assert set(STATIC_FILES) <= captured  # stylesheets, images, favicon, what the CSS loads
    assert not [p for p in captured if p.lower().endswith(".pdf")]
    report = done.summary
    assert report["page_requisites"] == {"enabled": True, "captured": len(STATIC_FILES), "failed": 0}
    assert f"page requisites: {len(STATIC_FILES)} captured, 0 failed" in done.stdout
    warcinfo = next(r for r in records if r.type == "warcinfo")
    assert b"page-requisites: on" in warcinfo.block and b"robots: obey" in warcinfo.block
    # The corpus does not see them: rebuilt from these WARCs, it is the crawl's, byte for byte.
    rebuilt = tmp_path / "rebuilt.jsonl"
    rebuild([done.out / "warc"], rebuilt, workers=1, progress=False)
    assert rebuilt.read_bytes() == (done.out / "articles.jsonl").read_bytes()
