"""Tests of archive.page.record: decoding and extracting an article from Joomla-like pages."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from ifes_archive.archive.page.captured import CapturedPage
from ifes_archive.archive.page.decode import decode_html, meta_charset
from ifes_archive.archive.page.record import RECORD_KEYS, build_record
from ifes_archive.archive.page.record_json import record_from_json, record_to_json
from ifes_archive.archive.types import CapturePointer, content_digest

BASE = "http://127.0.0.1:8001/"
TITLE = "Streltsov Dmitry, Japan & «Russia»: Where Is the Dialogue Headed?"
CLOAK = (
    "Этот e-mail защищен от спам-ботов. Для его просмотра в вашем браузере должна быть "
    "включена поддержка Java-script"
)


def built(*args: Any, **kwargs: Any) -> dict[str, Any] | None:
    """Return :func:`build_record`'s record as its JSON line holds it (what these tests look
    at), or None."""
    record = build_record(*args, **kwargs)
    return None if record is None else msgspec.to_builtins(record)


def article_page(
    body_html: str,
    *,
    title: str = TITLE,
    meta: bool = True,
    counter: tuple[int, int] | None = None,
) -> bytes:
    """Return a madeyourweb-like article page as windows-1251 bytes."""
    meta_tag = (
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251" />'
        if meta
        else ""
    )
    prolog = '<?xml version="1.0" encoding="windows-1251"?>' if meta else ""
    nav_top = nav_bottom = ""
    if counter:
        nav_top = f'<div class="pagenavcounter">Страница {counter[0]} из {counter[1]}</div>'
        nav_bottom = '<div class="pagenavbar"><a href="x">След. &gt;&gt;</a></div>'
    title_html = title.replace("&", "&amp;")
    page = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
 "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
{prolog}<html xmlns="http://www.w3.org/1999/xhtml"><head>
<title>Институт Дальнего Востока - {title_html}</title>{meta_tag}{meta_tag}
</head><body>
<div id="accessibility"><a href="index.php#menu">Menu</a>
<a href="index.php#content">Content</a></div>
<div id="pathway"><span class="pathway"><a href="/" class="pathway">Главная</a>
arrow {title_html}</span></div>
<div id="leftcol"><div class="module"><h3>Главное меню</h3>
<a class="mainlevel">Publications</a></div></div>
<div id="maincol-broad-800"><div class="content"><a name="content"></a>
<table class="contentpaneopen"><tr>
<td class="contentheading" width="100%">
 {title_html}			</td>
<td align="right" width="100%" class="buttonheading">
<a title="Печать"><img alt="Печать" /></a></td>
<td align="right" width="100%" class="buttonheading"><a><img alt="E-mail" /></a></td>
</tr></table>
<table class="contentpaneopen">
<tr><td width="70%" align="left" valign="top" colspan="2">
<span class="small"> Автор Dmitry</span></td></tr>
<tr><td valign="top" colspan="2" class="createdate"> 30.11.2012 г.</td></tr>
<tr><td valign="top" colspan="2">{nav_top}{body_html}{nav_bottom}</td></tr>
<tr><td colspan="2" align="left" class="modifydate">
Последнее обновление (  26.12.2012 г. )</td></tr>
</table>
<span class="article_seperator">&nbsp;</span>
<table align="center" style="margin-top: 25px;"><tr>
<th class="pagenav_prev"><a href="p">&laquo; Пред.</a></th>
<th class="pagenav_next"><a href="n">След. &raquo;</a></th>
</tr></table>
</div></div>
<div id="footer-800">Институт Дальнего Востока РАН</div>
</body></html>"""
    return page.encode("cp1251")


BODY = (
    '<p align="center"><strong>Japan &amp; «Russia»: Where Is the Dialogue Headed?</strong></p>'
    "<p><strong>Dmitry Streltzov</strong></p>\n"
    "<p>Japan: Где диалог? Посмотрим.</p>\n"
    "<p>Russo-Japanese relations\n are   clearly&nbsp;on hold.</p>"
    "<script type='text/javascript'>document.write('x');</script>"
    "<p>Write to <script>var a = 1;</script><script>document.write('<span style=\\'display: "
    "none;\\'>');</script>" + CLOAK + "<script>document.write('</'); document.write('span>');"
    "</script></p>"
    "<noscript>noscript text</noscript>"
    "Line one<br /><br />Line two"
)


def pointer(name: str, offset: int = 0) -> CapturePointer:
    """Return a pointer to a capture (a record ``name`` at ``offset`` of a WARC file)."""
    return CapturePointer("ifes-00000.warc.gz", offset, 10, f"<urn:uuid:{name}>",
                          f"{BASE}index.php?option=com_content&task=view&id=941",
                          "2026-11-30T17:17:17.877899Z")


def page(
    number: int, body: bytes, content_type: str | None, capture: CapturePointer | None = None
) -> CapturedPage:
    return CapturedPage(
        page=number,
        url=f"{BASE}index.php?option=com_content&task=view&id=941&Itemid=60&limit=1&limitstart={number}",
        content_type=content_type,
        body=body,
        capture=capture,
    )


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/html",
        "text/html; charset=windows-1251",
        "text/html; charset=WINDOWS-1251",
        "text/html;charset=cp1251",
        "text/html; charset=utf-8",  # wrong: the bytes are windows-1251
        'text/html; charset="UTF-8"',
        "text/html; charset=no-such-charset",
    ],
)
def test_build_record_decodes_windows_1251_whatever_the_header(content_type: str | None) -> None:
    record = built(941, BASE, [page(0, article_page(BODY), content_type)])
    assert record["title"] == "Japan & «Russia»: Where Is the Dialogue Headed?"
    assert record["title_raw"] == TITLE
    assert record["authors"] == [
        {"name": "Dmitry Streltsov", "spellings": ["Dmitry Streltzov", "Streltsov Dmitry"]}]
    assert record["text"] == (
        "Japan: Где диалог? Посмотрим.\n\n"
        "Russo-Japanese relations are clearly on hold.\n\n"
        "x\n\n"  # what the script writes: a browser shows it
        "Write to\n\n"
        "Line one\n\nLine two"
    )
    assert record["date_published"] == {"value": "2012-11-30", "raw": "30.11.2012 г.",
                                        "source": "createdate"}
    assert record["date_modified"]["value"] == "2012-12-26"
    assert record["language"] == "en"


def test_build_record_output() -> None:
    capture = pointer("a")
    record = built(941, BASE, [page(0, article_page(BODY), None, capture)])
    assert list(record) == list(RECORD_KEYS)
    assert record["url"] == BASE + "index.php?option=com_content&task=view&id=941"
    assert record["article_id"] == 941
    assert record["pages"] == 1
    assert record["captures"] == [{**capture.as_dict(), "page": 0}]  # with the page it holds
    assert record["digest"] == content_digest(record)


def test_build_record_joins_pages_in_order_without_page_navigation() -> None:
    pages = [
        page(2, article_page("<p>Third page.</p>", counter=(3, 3)), None),
        page(0, article_page("<p>First page.</p>", counter=(1, 3)), None, pointer("n")),
        page(1, article_page("<p>Second page.</p>", counter=(2, 3)), "text/html; charset=utf-8"),
    ]
    record = built(941, BASE, pages)
    assert record["text"] == "First page.\n\nSecond page.\n\nThird page."
    assert record["pages"] == 3
    assert record["captures"] == [{**pointer("n").as_dict(), "page": 0}]


def contenttoc(title: str, labels: list[str], cls: str = "contenttoc") -> str:
    """Return the table of contents Joomla 1.0's mospaging bot writes (``createTOC``)."""
    rows = "".join(f'<tr><td><a href="p{k}" class="toclink">{label}</a></td></tr>'
                   for k, label in enumerate([title, *labels]))
    return (f'<table cellpadding="0" cellspacing="0" class="{cls}" align="right">'
            f"<tr><th>Оглавление</th></tr>{rows}</table>")


@pytest.mark.parametrize("labels", [["Страница 2", "Страница 3"],
                                    ["Second Part", "Ещё одна глава"]])
@pytest.mark.parametrize("cls", ["contenttoc", ""])
def test_the_table_of_contents_of_a_multipage_article_is_chrome(labels: list[str], cls: str
                                                                 ) -> None:
    toc = contenttoc("Japan &amp; «Russia»: Where Is the Dialogue Headed?", labels, cls)
    lead = ("<p><strong>Japan &amp; «Russia»: Where Is the Dialogue Headed?</strong></p>"
            "<p>Dmitry Streltzov</p>")
    pages = [page(k, article_page(toc + (lead if k == 0 else "") + f"<p>Page {k + 1} text.</p>",
                                  counter=(k + 1, 3)), None) for k in range(3)]
    record = built(941, BASE, pages)
    assert record["text"] == "Page 1 text.\n\nPage 2 text.\n\nPage 3 text."
    assert record["subtitle"] is None
    assert record["title"] == "Japan & «Russia»: Where Is the Dialogue Headed?"
    assert [a["name"] for a in record["authors"]] == ["Dmitry Streltsov"]


def test_build_record_is_deterministic() -> None:
    pages = [page(0, article_page(BODY), None, pointer("a"))]
    assert record_to_json(build_record(941, BASE, pages)) == record_to_json(
        build_record(941, BASE, list(pages))
    )


def test_build_record_of_a_joomla_refusal_is_none() -> None:
    body = "<html><body><p>Извините, страница не найдена.</p></body></html>".encode("cp1251")
    assert built(5, BASE, [page(0, body, "text/html")]) is None


def test_build_record_of_a_page_with_nothing_in_it_is_none() -> None:
    body = ('<html><body><table class="contentpaneopen"><tr><td class="contentheading">'
            "Title only</td></tr></table></body></html>").encode("cp1251")
    assert built(5, BASE, [page(0, body, "text/html")]) is None


def test_build_record_of_another_template_falls_back_and_is_flagged() -> None:
    prose = " ".join(["Russo-Japanese relations are clearly on hold this winter."] * 12)
    body = ("<html><head><title>Site - A new layout</title></head><body>"
            "<nav><a href='/'>Home</a></nav><article><h1>A new layout</h1>"
            f"<p>{prose}</p><p>{prose}</p></article></body></html>").encode("cp1251")
    record = built(5, BASE, [page(0, body, "text/html")])
    assert record is not None and "Russo-Japanese relations" in record["text"]
    assert record["flags"] == ["generic-extraction"]
    assert record["extractor"]["method"] == "generic"
    assert record["date_published"] is None and record["date_modified"] is None
    assert record["authors"] == [] and record["sections"] == []
    assert record["language"] == "en"
    assert "None" not in json.dumps(record, ensure_ascii=False)


def test_build_record_needs_pages() -> None:
    with pytest.raises(ValueError):
        built(5, BASE, [])


def test_record_to_json_is_one_line_in_fixed_order() -> None:
    record = build_record(941, BASE, [page(0, article_page(BODY), None)])
    line = record_to_json(record)
    assert "\n" not in line
    assert "«Russia»" in line  # ensure_ascii=False
    assert list(json.loads(line)) == list(RECORD_KEYS)
    assert json.loads(line) == msgspec.to_builtins(record)
    assert record_from_json(line) == record


@pytest.mark.parametrize(
    ("body", "content_type", "encoding", "source"),
    [
        ("Привет".encode("cp1251"), None, "cp1251", "fallback"),
        ("Привет".encode("cp1251"), "text/html; charset=utf-8", "cp1251", "fallback"),
        ("Привет".encode(), "text/html; charset=utf-8", "utf-8", "header"),
        ("Привет".encode(), None, "cp1251", "fallback"),  # too little to detect
        ("Это длинная строка по-русски, в кодировке UTF-8.".encode(), None, "utf-8", "detected"),
        ('<meta charset="utf-8">Привет'.encode(), None, "utf-8", "meta"),
        (
            '<meta charset="utf-8">Привет'.encode(),
            "text/html; charset=utf-8",
            "utf-8",
            "header",
        ),
        (article_page("x"), "text/html; charset=utf-8", "cp1251", "meta"),
        (article_page("x"), "text/html; charset=windows-1251", "cp1251", "header"),
        (article_page("x", meta=False), "text/html; charset=koi8-r", "koi8-r", "header"),
        # The page's own declaration beats a header naming another charset that also decodes.
        (article_page("x"), "text/html; charset=koi8-r", "cp1251", "meta"),
        # A utf-8 page whose meta wrongly says windows-1251 under a header saying utf-8: the
        # bytes are valid UTF-8, which windows-1251 text never is, so the header is right (the
        # meta would "decode" them too, into mojibake).
        (
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">Да'.encode(),
            "text/html; charset=utf-8",
            "utf-8",
            "header",
        ),
        # Long valid UTF-8 under a single-byte declaration: UTF-8, detected.
        ("Это длинная строка по-русски.".encode(), "text/html; charset=windows-1251", "utf-8",
         "detected"),
        # A byte-order mark beats every declaration.
        (b"\xff\xfe" + "<p>Привет</p>".encode("utf-16-le"), "text/html; charset=windows-1251",
         "utf-16-le", "bom"),
        (b"\xef\xbb\xbf" + "Да".encode(), "text/html; charset=windows-1251", "utf-8", "bom"),
    ],
)
def test_decode_html(body: bytes, content_type: str | None, encoding: str, source: str) -> None:
    decoded = decode_html(body, content_type)
    assert (decoded.encoding, decoded.source) == (encoding, source)


def test_a_declared_charset_failing_on_a_few_bytes_is_kept_and_counted() -> None:
    text = "<p>" + "Российско-японские отношения. " * 40 + "</p>"
    body = text[:60].encode() + b"\xff\xfe" + text[60:].encode()  # two stray bytes
    for content_type in ("text/html; charset=utf-8", None):
        decoded = decode_html(body, content_type)
        assert decoded.encoding == "utf-8" and decoded.replaced == 2
        assert decoded.text.count("\ufffd") == 2 and "японские отношения" in decoded.text
    record = built(941, BASE, [page(0, article_page(BODY).replace(
        "Посмотрим".encode("cp1251"), b"\x98"), "text/html; charset=windows-1251")])
    assert "charset-replaced" in record["flags"]
    assert record["encoding"][0]["charset"] == "cp1251"


def test_decode_html_never_fails() -> None:
    decoded = decode_html(b"\x98\xff\x00 <p>", "text/html; charset=utf-8")
    assert decoded.source == "fallback"
    assert "<p>" in decoded.text


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1251" />',
            "windows-1251",
        ),
        (b"<meta charset='utf-8'>", "utf-8"),
        (b'<!DOCTYPE html><?xml version="1.0" encoding="windows-1251"?><html>', "windows-1251"),
        (b"<html><head></head></html>", None),
    ],
)
def test_meta_charset(body: bytes, expected: str | None) -> None:
    assert meta_charset(body) == expected


def test_a_missing_or_refused_later_page_makes_the_record_incomplete() -> None:
    first = page(0, article_page("<p>First page.</p>", counter=(1, 3)), None, pointer("n"))
    second = page(1, article_page("<p>Second page.</p>", counter=(2, 3)), None)
    refusal = page(2, "<html><body><p>Извините, но для просмотра этой страницы у Вас недостаточно "
                      "прав.</p></body></html>".encode("cp1251"), "text/html")
    whole = built(941, BASE, [first, second,
                                     page(2, article_page("<p>Third.</p>", counter=(3, 3)), None)])
    assert whole["flags"] == [] and whole["pages"] == 3
    for pages in ([first, second], [first, second, refusal]):
        record = built(941, BASE, pages)
        assert record["pages"] == 2 and "incomplete" in record["flags"]
        assert record["text"] == "First page.\n\nSecond page."


def test_words_split_by_line_breaks_stay_apart() -> None:
    body = "<p>It ap<span>peared</span> together with<br />the<br />minds of<br/>men.</p>"
    record = built(941, BASE, [page(0, article_page(body), None)])
    assert record["text"] == "It appeared together with\nthe\nminds of\nmen."
    assert record["word_count"] == 8


def test_an_empty_body_is_flagged_not_silent() -> None:
    for body in ("", "<p>&nbsp;</p>", "<div><br /></div>"):
        record = built(941, BASE, [page(0, article_page(body), None)])
        assert record is not None and record["text"] is None and record["word_count"] == 0
        assert record["flags"] == ["empty-body"]
        assert record["title"] and record["date_published"]["value"] == "2012-11-30"


def test_the_template_without_a_body_cell_gives_no_menus_as_text() -> None:
    html = article_page("<p>SENTINEL</p>").decode("cp1251")
    start = html.index('<tr><td valign="top" colspan="2">')
    end = html.index("</tr>", start) + len("</tr>")
    record = built(941, BASE, [page(0, (html[:start] + html[end:]).encode("cp1251"), None)])
    assert record["text"] is None and "empty-body" in record["flags"]
    assert "generic-extraction" not in record["flags"]


def test_a_body_nested_past_the_parser_limit_is_kept_and_flagged() -> None:
    depth = 2500
    body = "<div>" * depth + "<p>Deep words of the article.</p>" + "</div>" * depth + \
        "<p>The paragraph after.</p>"
    record = built(941, BASE, [page(0, article_page(body), None)])
    assert "parse-limit" in record["flags"]
    assert "Deep words of the article." in record["text"]
    assert "The paragraph after." in record["text"]
    assert record["date_modified"]["value"] == "2012-12-26"


def test_an_impossible_date_keeps_its_raw_string_and_is_flagged() -> None:
    html = article_page("<p>Body.</p>").replace(b" 30.11.2012", b" 31.02.2012")
    record = built(941, BASE, [page(0, html, None)])
    assert record["date_published"] == {"value": None, "raw": "31.02.2012 г.",
                                        "source": "createdate"}
    assert "createdate-unreadable" in record["flags"]
    assert record["date_modified"]["value"] == "2012-12-26"
