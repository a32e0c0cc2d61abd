"""Tests of archive.joomla (parsing, canonical URLs, dedup keys, follow rules) and of the spider's links."""

from __future__ import annotations

import pytest

from ifes_archive.archive.page.follow import should_follow
from ifes_archive.archive.page.joomla import (
    canonical_article_url,
    clean_url,
    dedup_key,
    normalise_base_url,
    parse_url,
)

BASE = "http://japanstudies.ru/"
YEAR = 2026
ARTICLE = BASE + "index.php?option=com_content&task=view&id=941&Itemid=60"


@pytest.mark.parametrize(
    ("url", "kind", "fields"),
    [
        (BASE, "frontpage", {}),
        (BASE + "index.php", "frontpage", {}),
        (BASE + "index.php?option=com_frontpage&Itemid=1", "frontpage", {"itemid": 1}),
        (
            BASE + "index.php?option=com_frontpage&Itemid=1&limit=9&limitstart=9",
            "frontpage",
            {"limit": 9, "limitstart": 9},
        ),
        (ARTICLE, "article", {"id": 941, "itemid": 60, "option": "com_content", "task": "view"}),
        (
            BASE + "index.php?Itemid=60&id=941&task=view&option=com_content",
            "article",
            {"id": 941, "itemid": 60},
        ),
        (
            BASE + "index.php?option=com_content&amp;task=view&amp;id=941&amp;Itemid=60",
            "article",
            {"id": 941, "itemid": 60},
        ),
        (
            BASE + "index.php?option=com_content&amp;amp;task=view&amp;amp;id=7",
            "article",
            {"id": 7, "itemid": None},
        ),
        (
            BASE + "index.php?option=com_content&task=view&id=941&itemid=64",
            "article",
            {"itemid": 64},
        ),
        (BASE + "index.php?OPTION=COM_CONTENT&TASK=View&ID=5", "article", {"id": 5}),
        (
            BASE + "index.php?option=com_content&task=view&id=941&Itemid=60&limit=1&limitstart=0",
            "article",
            {"limit": 1, "limitstart": 0},
        ),
        (
            BASE + "index.php?option=com_content&task=view&id=941&Itemid=60&limit=1&limitstart=2",
            "article_page",
            {"id": 941, "limit": 1, "limitstart": 2},
        ),
        (
            BASE + "index.php?limitstart=2&limit=1&Itemid=60&id=941&option=com_content&task=view",
            "article_page",
            {"id": 941, "limitstart": 2},
        ),
        (
            BASE + "index2.php?option=com_content&task=view&id=941&pop=1&page=0&Itemid=60",
            "print",
            {"id": 941, "page": 0},
        ),
        (
            BASE + "index2.php?option=com_content&task=emailform&id=941&itemid=60",
            "emailform",
            {"id": 941, "itemid": 60},
        ),
        (BASE + "index2.php?option=com_content&do_pdf=1&id=941", "pdf", {"id": 941}),
        (BASE + "index.php?option=com_registration&task=lostPassword", "registration", {}),
        (BASE + "index.php?option=com_search&searchword=japan", "other_component", {}),
        (BASE + "index.php?option=com_content&task=section&id=1&Itemid=2", "section", {"id": 1}),
        (
            BASE + "index.php?option=com_content&task=category&sectionid=1&id=12&Itemid=60",
            "category",
            {"sectionid": 1, "id": 12, "itemid": 60},
        ),
        (
            BASE + "index.php?option=com_content&task=category&sectionid=1&id=12&Itemid=60"
            "&limit=30&limitstart=30",
            "category",
            {"limit": 30, "limitstart": 30},
        ),
        (
            BASE + "index.php?option=com_content&task=blogcategory&id=12&Itemid=61",
            "blogcategory",
            {},
        ),
        (BASE + "index.php?option=com_content&task=blogsection&id=1&Itemid=62", "blogsection", {}),
        (
            BASE + "index.php?option=com_content&task=archivecategory&year=2012&month=11&module=1",
            "archive",
            {"year": 2012, "month": 11, "task": "archivecategory"},
        ),
        (
            BASE + "index.php?option=com_content&task=archivesection&id=1&year=2012&month=03",
            "archive",
            {"id": 1, "year": 2012, "month": 3},
        ),
        (BASE + "index.php?option=com_content&task=new&sectionid=1", "other", {}),
        (BASE + "images/stories/paper.pdf", "static", {}),
        (BASE + "templates/madeyourweb/css/template_css.css", "static", {}),
        (BASE + "somewhere/else", "other", {}),
        (BASE + "index.php#menu", "frontpage", {"fragment": "menu"}),
    ],
)
def test_parse_url(url: str, kind: str, fields: dict[str, object]) -> None:
    parsed = parse_url(url, BASE)
    assert parsed.kind == kind
    for name, value in fields.items():
        assert getattr(parsed, name) == value, name


@pytest.mark.parametrize(
    ("path", "kind", "fields"),
    [
        ("content/view/941/60/", "article", {"id": 941, "itemid": 60, "limitstart": None}),
        ("content/view/941/60/1/2/", "article_page", {"id": 941, "limit": 1, "limitstart": 2}),
        ("content/view/941/60/1/0/", "article", {"id": 941, "limitstart": 0}),
        ("content/category/1/12/60/", "category", {"sectionid": 1, "id": 12, "itemid": 60}),
        (
            "content/category/1/12/60/30/30/",
            "category",
            {"id": 12, "limit": 30, "limitstart": 30},
        ),
        (
            "content/blogcategory/12/61/9/18/",
            "blogcategory",
            {"id": 12, "itemid": 61, "limit": 9, "limitstart": 18},
        ),
        ("content/section/1/2/", "section", {"id": 1, "itemid": 2}),
        ("content/archivecategory/0/2012/11/1/", "archive", {"year": 2012, "month": 11}),
        (
            "content/archivecategory/3/9/9/2012/11/1/",
            "archive",
            {"id": 3, "limitstart": 9, "year": 2012, "month": 11},
        ),
        (
            "component/option,com_content/task,view/id,5/Itemid,3/",
            "article",
            {"id": 5, "itemid": 3},
        ),
        ("component/option,com_contact/Itemid,3/", "other_component", {}),
        ("content/view/abc/", "sef", {}),
    ],
)
def test_parse_sef_url(path: str, kind: str, fields: dict[str, object]) -> None:
    parsed = parse_url(BASE + path, BASE)
    assert parsed.sef
    assert parsed.kind == kind
    for name, value in fields.items():
        assert getattr(parsed, name) == value, name


def test_parse_url_under_a_base_path() -> None:
    base = "http://127.0.0.1:8080/joomla/"
    assert parse_url(base, base).kind == "frontpage"
    assert parse_url(base + "content/view/5/1/", base).id == 5
    assert parse_url(base + "index.php?option=com_content&task=view&id=5", base).kind == "article"


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        (
            "http://japanstudies.ru",
            "http://japanstudies.ru/index.php?option=com_content&task=view&id=941",
        ),
        (
            "http://japanstudies.ru/",
            "http://japanstudies.ru/index.php?option=com_content&task=view&id=941",
        ),
        (
            "http://127.0.0.1:8001/",
            "http://127.0.0.1:8001/index.php?option=com_content&task=view&id=941",
        ),
        ("http://Host/sub", "http://host/sub/index.php?option=com_content&task=view&id=941"),
    ],
)
def test_canonical_article_url(base: str, expected: str) -> None:
    assert canonical_article_url(base, 941) == expected


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("http://japanstudies.ru", "http://japanstudies.ru/"),
        ("japanstudies.ru", "http://japanstudies.ru/"),
        ("http://127.0.0.1:8001", "http://127.0.0.1:8001/"),
        ("http://japanstudies.ru/index.php", "http://japanstudies.ru/"),
        ("http://host/sub/index.php?option=com_frontpage", "http://host/sub/"),
        ("http://host/sub", "http://host/sub/"),
    ],
)
def test_normalise_base_url(base: str, expected: str) -> None:
    assert normalise_base_url(base) == expected


def test_clean_url() -> None:
    assert clean_url(BASE + "index.php?option=com_content&amp;task=view&amp;id=5#content") == (
        BASE + "index.php?option=com_content&task=view&id=5"
    )


def _article(query: str) -> str:
    return BASE + "index.php?" + query


# Groups of URLs that must share one dedup key; different groups must not.
SAME_FETCH = [
    [
        _article("option=com_content&task=view&id=941&Itemid=60"),
        _article("option=com_content&task=view&id=941&Itemid=64"),
        _article("Itemid=89&id=941&task=view&option=com_content"),
        _article("option=com_content&amp;task=view&amp;id=941&amp;itemid=65"),
        _article("option=com_content&task=view&id=941"),
        _article("option=com_content&task=view&id=941&Itemid=60&limit=1&limitstart=0"),
        _article("option=com_content&task=view&id=941&Itemid=60#content"),
        BASE + "content/view/941/60/",
    ],
    [
        _article("option=com_content&task=view&id=941&Itemid=60&limit=1&limitstart=1"),
        _article("limitstart=1&limit=1&id=941&Itemid=64&option=com_content&task=view"),
        BASE + "content/view/941/89/1/1/",
    ],
    [_article("option=com_content&task=view&id=942&Itemid=60")],
    [
        _article("option=com_content&task=category&sectionid=1&id=12&Itemid=60"),
        _article("option=com_content&task=category&sectionid=1&id=12&Itemid=64"),
        _article("id=12&sectionid=1&Itemid=64&task=category&option=com_content"),
        _article("option=com_content&task=category&sectionid=1&id=12&Itemid=60&limitstart=0"),
        # the pager's «Первая» link names the page size: still the first page
        _article("option=com_content&task=category&sectionid=1&id=12&Itemid=60&limit=30"
                 "&limitstart=0"),
        BASE + "content/category/1/12/60/",
    ],
    [
        _article(
            "option=com_content&task=category&sectionid=1&id=12&Itemid=60&limit=30&limitstart=30"
        )
    ],
    [
        _article(
            "option=com_content&task=category&sectionid=1&id=12&Itemid=60&limit=10&limitstart=30"
        )
    ],
    [_article("option=com_content&task=category&sectionid=1&id=13&Itemid=60")],
    [
        _article("option=com_content&task=blogcategory&id=12&Itemid=61"),
        _article("option=com_content&task=blogcategory&id=12&Itemid=62"),
    ],
    [
        _article("option=com_content&task=blogcategory&id=12&Itemid=61&limit=9&limitstart=9"),
        BASE + "content/blogcategory/12/61/9/9/",
    ],
    [_article("option=com_content&task=blogsection&id=12&Itemid=61")],
    # a section blog and a blog of several categories (id=0): each menu item lists its own set
    [_article("option=com_content&task=blogsection&id=12&Itemid=62")],
    [_article("option=com_content&task=blogcategory&id=0&Itemid=60"),
     _article("Itemid=60&task=blogcategory&option=com_content")],
    [_article("option=com_content&task=blogcategory&id=0&Itemid=64")],
    [_article("option=com_content&task=blogcategory&id=0&Itemid=64&limit=9&limitstart=9")],
    [_article("option=com_content&task=section&id=12&Itemid=61")],
    [
        _article("option=com_content&task=archivecategory&year=2012&month=11&module=1"),
        _article("option=com_content&task=archivecategory&month=11&year=2012"),
    ],
    [_article("option=com_content&task=archivecategory&year=2012&month=10&module=1")],
    [_article("option=com_content&task=archivesection&year=2012&month=11&module=1")],
    [BASE, BASE + "index.php", _article("option=com_frontpage&Itemid=1")],
    [_article("option=com_frontpage&Itemid=1&limit=9&limitstart=9")],
]


def test_dedup_key_groups() -> None:
    keys = [{dedup_key(url, BASE) for url in group} for group in SAME_FETCH]
    for group, group_keys in zip(SAME_FETCH, keys, strict=True):
        assert len(group_keys) == 1, group
    distinct = {next(iter(k)) for k in keys}
    assert len(distinct) == len(SAME_FETCH)


def test_dedup_key_accepts_parsed_url() -> None:
    assert dedup_key(parse_url(ARTICLE, BASE)) == dedup_key(ARTICLE, BASE) == ("article", 941, 0)


ARCHIVE_NOV = _article("option=com_content&task=archivecategory&year=2012&month=11&module=1")
ARCHIVE_DEC = _article("option=com_content&task=archivecategory&year=2012&month=12&module=1")
ARCHIVE_NOV_P2 = _article(
    "option=com_content&task=archivecategory&year=2012&month=11&limit=10&limitstart=10"
)


@pytest.mark.parametrize(
    ("url", "referrer", "follow", "reason"),
    [
        (ARTICLE, BASE, True, ""),
        (
            _article("option=com_content&task=view&id=941&Itemid=60&limit=1&limitstart=1"),
            None,
            True,
            "",
        ),
        (_article("option=com_content&task=category&sectionid=1&id=12&Itemid=60"), BASE, True, ""),
        (
            _article("option=com_content&task=blogcategory&id=12&Itemid=61&limitstart=9"),
            None,
            True,
            "",
        ),
        (_article("option=com_content&task=section&id=1&Itemid=2"), BASE, True, ""),
        (BASE + "content/view/941/60/", BASE, True, ""),
        (BASE, ARTICLE, True, ""),
        # Not content.
        (
            _article("option=com_content&task=emailform&id=941&itemid=60"),
            ARTICLE,
            False,
            "emailform",
        ),
        (
            BASE + "index2.php?option=com_content&task=emailform&id=941&itemid=60",
            ARTICLE,
            False,
            "emailform",
        ),
        (BASE + "index2.php?option=com_content&do_pdf=1&id=941", ARTICLE, False, "pdf"),
        (_article("option=com_registration&task=register"), BASE, False, "registration"),
        (_article("option=com_search&Itemid=5"), BASE, False, "other_component"),
        (
            BASE + "index2.php?option=com_content&task=view&id=941&pop=1&page=0&Itemid=60",
            ARTICLE,
            False,
            "print",
        ),
        (BASE + "index.php#menu", ARTICLE, False, "anchor"),
        (BASE + "index.php#content", ARTICLE, False, "anchor"),
        (BASE + "images/stories/paper.pdf", ARTICLE, False, "static"),
        # Other hosts and schemes.
        ("http://ifes-ras.ru/index.php?option=com_content&task=view&id=941", BASE, False, "host"),
        ("http://www.japanstudies.ru/", BASE, False, "host"),
        (
            "https://japanstudies.ru/index.php?option=com_content&task=view&id=1",
            BASE,
            False,
            "scheme",
        ),
        ("http://japanstudies.ru:8080/index.php", BASE, False, "host"),
        ("http://japanstudies.ru:80/index.php", BASE, True, ""),
        ("mailto:someone@japanstudies.ru", BASE, False, "scheme"),
        ("javascript:void(0)", BASE, False, "scheme"),
        # Archive: from the module on a normal page only, within the years the site can have.
        (ARCHIVE_NOV, BASE, True, ""),
        (ARCHIVE_NOV, ARTICLE, True, ""),
        (ARCHIVE_DEC, ARCHIVE_NOV, False, "calendar"),
        (ARCHIVE_NOV_P2, ARCHIVE_NOV, True, ""),
        (
            _article("option=com_content&task=archivecategory&year=1994&month=12"),
            BASE,
            False,
            "year",
        ),
        (
            _article("option=com_content&task=archivecategory&year=2027&month=1"),
            BASE,
            False,
            "year",
        ),
        (
            _article("option=com_content&task=archivecategory&year=2012&month=13"),
            BASE,
            False,
            "month",
        ),
        (_article("option=com_content&task=archivecategory&year=2026&month=1"), BASE, True, ""),
    ],
)
def test_should_follow(url: str, referrer: str | None, follow: bool, reason: str) -> None:
    decision = should_follow(url, BASE, referrer, current_year=YEAR)
    assert bool(decision) is follow
    assert decision.follow is follow
    assert reason in decision.reason
    assert bool(decision.reason) is not follow


def test_should_follow_under_a_base_path() -> None:
    base = "http://127.0.0.1:8080/joomla/"
    assert should_follow(base + "index.php?option=com_content&task=view&id=5", base)
    assert not should_follow("http://127.0.0.1:8080/other/index.php", base)
    assert not should_follow("http://127.0.0.2:8080/joomla/index.php", base)


def test_the_spider_reads_an_article_named_only_by_its_buttons() -> None:
    """A blog may show an item whole: its print, e-mail and PDF buttons are then the only links
    naming it; the spider asks for the article's page (never for the buttons' targets)."""
    from scrapy.http import HtmlResponse

    from ifes_archive.crawler.spider_reads import page_selector
    from ifes_archive.crawler.spiders.ifes import IfesSpider

    spider = IfesSpider(base_url=BASE)
    body = (f'<html><body><a href="{BASE}index2.php?option=com_content&amp;task=view&amp;id=486'
            f'&amp;pop=1&amp;page=0&amp;Itemid=71">print</a><a href="{BASE}index2.php?option='
            f'com_content&amp;task=emailform&amp;id=486&amp;itemid=71">mail</a><a href="{BASE}'
            f'index2.php?option=com_content&amp;do_pdf=1&amp;id=487">pdf</a></body></html>')
    response = HtmlResponse(BASE + "index.php?option=com_content&task=blogcategory&id=0&Itemid=71",
                            body=body.encode(), encoding="utf-8")
    urls = [r.url for r in spider._follow_links(response, page_selector(response))]
    assert urls == [BASE + "index.php?option=com_content&task=view&id=486&Itemid=71",
                    BASE + "index.php?option=com_content&task=view&id=487"]
