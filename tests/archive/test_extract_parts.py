"""Tests of the parts of extraction: names, dates, language, listings, schema, the CLI verb."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import lxml.etree
import pytest
import trafilatura
from trafilatura.utils import load_html

from ifes_archive.archive.page import authors, titles
from ifes_archive.archive.page.dates import read_date
from ifes_archive.archive.page.decode import decode_html
from ifes_archive.archive.page.extract import GENERIC_OPTIONS, generic_blocks, parse, refusal_kind
from ifes_archive.archive.page.flatten import flatten
from ifes_archive.archive.page.joomla import listing_key, listing_task
from ifes_archive.archive.page.language import detect_language
from ifes_archive.archive.page.listings import listed_articles
from ifes_archive.archive.page.name_keys import name_key
from ifes_archive.archive.page.schema import (
    RECORD_KEYS,
    SCHEMA_PATH,
    Record,
    field_docs,
    schema_json,
)
from ifes_archive.archive.types import Person
from ifes_archive.crawler.cli import main

GOLD = Path(__file__).resolve().parents[2] / "fixtures" / "gold"
BASE = "http://127.0.0.1:8123/"


@pytest.mark.parametrize("pair", [
    ("Streltsov", "Streltzov"), ("Стрельцов", "Streltsov"), ("Zhuravlyov", "Zhuravlev"),
    ("Kiselyova", "Kiseleva"), ("Shcherbakova", "Scherbakova"), ("Satō", "Satoh"),
    ("Fedorova", "Fyodorova"), ("Solovyov", "Soloviev"), ("Semyonov", "Semenov"),
])
def test_transliterations_of_a_surname_share_a_key(pair: tuple[str, str]) -> None:
    assert name_key(pair[0]) == name_key(pair[1])


def test_different_surnames_keep_different_keys() -> None:
    assert name_key("Ivanov") != name_key("Volkov")


@pytest.mark.parametrize(("title_raw", "heading", "title", "prefix"), [
    ("Streltsov Dmitry, Japan: Where Is the Dialogue with Russia Headed?", None,
     "Japan: Where Is the Dialogue with Russia Headed?", ["Streltsov Dmitry"]),
    ("Streltsov D.V. Japan and APEC", None, "Japan and APEC", ["Streltsov D.V."]),
    ("Стрельцов Дмитрий. Япония и АТЭС", "Япония и АТЭС", "Япония и АТЭС", ["Стрельцов Дмитрий"]),
    ("Tanaka H., Suzuki K. Trade", None, "Trade", ["Tanaka H.", "Suzuki K."]),
    ("Japan Today, and Tomorrow", None, "Japan Today, and Tomorrow", []),
])
def test_split_title(title_raw: str, heading: str | None, title: str, prefix: list[str]) -> None:
    known = [authors.given_first("Dmitry Streltzov", "byline")]
    got_title, names = titles.split_title(title_raw, heading, known)  # type: ignore[list-item]
    assert got_title == title
    assert [n.text for n in names] == prefix


def test_reconcile_joins_title_byline_row_and_bio() -> None:
    mentions = [authors.given_first("Dmitri Streltzov", "byline"),
                authors.surname_first("Streltsov D.V."),
                authors.given_first("Dmitry Streltsov", "row"),
                authors.bio_mention("Dmitry Viktorovich Streltsov is head of a department.")]
    people = authors.reconcile([m for m in mentions if m])
    # the surname as the title prefix spells it; the given name from the highest source that
    # writes it in full: the byline (title prefix, byline, author row, bio)
    assert [p.person() for p in people] == [Person("Dmitri Streltsov", [
        "Dmitri Streltzov", "Dmitry Streltsov", "Dmitry Viktorovich Streltsov",
        "Streltsov D.V."])]
    without_byline = authors.reconcile([m for m in mentions[1:] if m])
    assert without_byline[0].display() == "Dmitry Streltsov"  # from the author row


def test_byline_of_two_and_not_a_sentence() -> None:
    assert [m.surname for m in authors.byline_mentions("Yoko Watanabe, Kenji Suzuki")] == [
        "Watanabe", "Suzuki"]
    assert authors.byline_mentions("The Foreign Ministry said nothing.") is None


@pytest.mark.parametrize(("raw", "expected"), [
    ("30.11.2012 г.", date(2012, 11, 30)),
    ("05.03.2012 г.", date(2012, 3, 5)),  # day first, not 3 May
    ("Последнее обновление (  26.12.2012 г. )", date(2012, 12, 26)),
    ("5 марта 2012 г.", date(2012, 3, 5)),
    ("March 5, 2012", date(2012, 3, 5)),
    ("нет даты", None),
    ("31.02.2012 г.", None),  # no such day: no date, never a neighbouring one
    ("вчера", None), ("2 дня назад", None),  # relative to the day it is read: not the article's
    ("1234567890", None),  # not a timestamp of the article
])
def test_read_date(raw: str, expected: date | None) -> None:
    assert read_date(raw) == expected


@pytest.mark.parametrize(("text", "language"), [
    ("Russo-Japanese relations are clearly on hold, and the visit of the prime minister.", "en"),
    ("Российско-японские отношения явно поставлены на паузу.", "ru"),
    ("", None), ("12345", None),
    # a function word is a whole word, in any case, as str.lower reads it: «İs» lowers to
    # «i̇s» and «iſ» stays «iſ», neither of them «is»
    ("Tokyo IS Kyoto, Osaka Is Nara.", "en"), ("Tokyo İs Kyoto, Osaka iſ Nara.", None),
    ("Theory Often Andes Ofuna Tokyo Kyoto", None), ("Tokyo isOsaka Theis Kyoto", None), ("Tokyo_is Kyoto2is Osaka", "en"),
])
def test_detect_language(text: str, language: str | None) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(("cell", "kind"), [
    ("Извините, страница не найдена.", "not found"),
    ("Извините,\n  страница\tне&nbsp;найдена.", "not found"),  # any whitespace between words
    ("<b>You are not</b> authorized to view this resource.", "restricted"),
    ("Извините, страницане найдена.", None), ("Извините, страница не найдена", None),
])
def test_a_refusal_is_found_whatever_whitespace_parts_its_words(cell: str, kind: str | None
                                                                ) -> None:
    root = parse(f"<html><body><div class='content'><p>{cell}</p></div></body></html>")
    assert refusal_kind(root) == kind


def test_the_generic_path_reads_what_trafilatura_extract_gives() -> None:
    prose = " ".join(["Russo-Japanese relations are clearly on hold this winter."] * 12)
    html = (f"<html><head><title>A story</title></head><body><nav>Home News</nav><article>"
            f"<h1>A story</h1><p>{prose}</p><p>{prose}<br>Next line</p><ul><li>One</li>"
            f"<li>Two</li></ul><table><tr><td>Tokyo</td><td>1</td></tr></table><p></p>"
            f"</article><footer>Contact us</footer></body></html>")
    xml = trafilatura.extract(load_html(html), **GENERIC_OPTIONS)
    assert xml is not None
    main = lxml.etree.fromstring(xml.encode("utf-8")).find("main")
    assert main is not None
    title, blocks = generic_blocks(html)
    assert title == "A story" and len(blocks) >= 3
    assert blocks == flatten(main)


def test_decoding_records_why() -> None:
    body = (GOLD / "pages" / "941-60-0.html").read_bytes()
    decoded = decode_html(body, "text/html; charset=utf-8")
    assert (decoded.encoding, decoded.source) == ("cp1251", "meta")
    assert "utf-8" in decoded.reason and "cp1251" in decoded.reason
    stripped = body.replace(b"charset=windows-1251", b"").replace(b'encoding="windows-1251"', b"")
    decoded = decode_html(stripped, "text/html; charset=utf-8")
    assert decoded.source == "detected" and decoded.encoding == "cp1251"
    assert "utf-8 does not decode" in decoded.reason


def test_listed_articles_of_a_table_and_a_blog() -> None:
    index = {e["file"]: e for e in json.loads((GOLD / "listings.json").read_text())}
    table = next(e for f, e in index.items() if "table-" in f)
    blog = next(e for f, e in index.items() if "blog-" in f)
    for entry in (table, blog):
        pairs = listed_articles(entry["url"], entry["content_type"],
                                (GOLD / entry["file"]).read_bytes(), BASE)
        assert pairs and len({i for i, _, _ in pairs}) == len(pairs)
        assert len({name for _, name, _ in pairs}) == 1
        assert {key for _, _, key in pairs} == {listing_key(entry["url"])}
    assert listing_key(table["url"]).startswith("category:")
    assert listing_key(blog["url"]).startswith("blogcategory:")


def test_listing_keys_name_what_a_listing_shows() -> None:
    """A category table is the same listing under any Itemid (its own menu item's, or its
    section's); a blog is its menu item's."""
    view = BASE + "index.php?option=com_content&"
    assert listing_key(view + "task=category&sectionid=7&id=45&Itemid=91") == "category:45"
    assert listing_key(view + "Itemid=90&id=45&sectionid=7&task=category") == "category:45"
    assert listing_key(BASE + "content/category/7/45/90/") == "category:45"
    assert listing_key(view + "task=blogcategory&id=48&Itemid=97") == "blogcategory:48@97"
    assert listing_key(BASE + "content/blogcategory/48/97/9/9/") == "blogcategory:48@97"
    assert listing_key(view + "task=blogcategory&id=0&Itemid=110") == "blogcategory:0@110"
    assert listing_key("index.php?option=com_content&task=blogsection&id=7&Itemid=95") == (
        "blogsection:7@95")
    assert listing_key(view + "task=section&id=7&Itemid=90") is None
    assert listing_key(view + "task=view&id=45&Itemid=91") is None


def test_listed_articles_of_other_pages_is_empty() -> None:
    page = (GOLD / "pages" / "941-60-0.html").read_bytes()
    url = BASE + "index.php?option=com_content&task=view&id=941&Itemid=60"
    assert listed_articles(url, None, page, BASE) == []
    assert listing_task(BASE + "index.php?option=com_content&task=section&id=5") is None
    assert listing_task(BASE + "index.php?option=com_content&task=blogsection&id=5") == "blogsection"
    assert listing_task(BASE + "content/category/5/34/60/") == "category"


def test_schema_is_generated_and_shipped() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_json()
    schema = json.loads(schema_json())
    assert list(schema["properties"]) == list(RECORD_KEYS)
    docs = field_docs(Record)
    assert all(docs.get(k) for k in RECORD_KEYS)


def test_extract_verb_prints_a_record(capsys: pytest.CaptureFixture[str]) -> None:
    url = BASE + "index.php?option=com_content&task=view&id=941&Itemid=60"
    status = main(["extract", str(GOLD / "pages" / "941-60-0.html"), "--url", url,
                   "--content-type", "text/html; charset=utf-8"])
    record = json.loads(capsys.readouterr().out)
    assert status == 0
    assert record["article_id"] == 941 and record["url"].endswith("task=view&id=941")
    assert list(record) == list(RECORD_KEYS)


def test_display_name_follows_the_script_of_the_text() -> None:
    mentions = [authors.given_first("Dmitry Streltzov", "byline"),
                authors.given_first("Дмитрий Стрельцов", "row")]
    person = authors.reconcile([m for m in mentions if m])[0]
    assert person.display(cyrillic=False) == "Dmitry Streltzov"
    assert person.display(cyrillic=True) == "Дмитрий Стрельцов"


def test_extract_verb_takes_any_page_and_any_url(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    prose = " ".join(["Russo-Japanese relations are clearly on hold this winter."] * 12)
    page = tmp_path / "story.html"
    page.write_text(f"<html><head><title>A story</title></head><body><nav>Home News</nav>"
                    f"<article><h1>A story</h1><p>{prose}</p><p>{prose}<br>Next line"
                    f"</p></article></body></html>", encoding="utf-8")
    url = "https://news.example/2020/story.html"
    assert main(["extract", str(page), "--url", url]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["url"] == url and record["article_id"] == 0
    assert record["flags"] == ["generic-extraction"] and "on hold this winter.\nNext line" in \
        record["text"]
    assert main(["extract", str(page)]) == 0
    assert json.loads(capsys.readouterr().out)["url"] == page.resolve().as_uri()


@pytest.mark.parametrize("make", [
    lambda p: p / "missing.html",  # no such file
    lambda p: p,  # a folder
    lambda p: (p / "empty.html", (p / "empty.html").write_bytes(b""))[0],  # nothing in it
])
def test_extract_verb_gives_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            make) -> None:
    status = main(["extract", str(make(tmp_path)), "--url", BASE + "index.php?id=5"])
    err = capsys.readouterr().err
    assert status != 0 and err.startswith("ifes-archive extract: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_a_blog_item_shown_whole_is_listed_by_its_own_buttons() -> None:
    """An intro item with no more text than its intro has no «Подробнее...», and with titles
    not linked nothing but its print and e-mail buttons name it (a «See also» link in an intro
    names another article, not a listed one)."""
    url = BASE + "index.php?option=com_content&task=blogcategory&id=0&Itemid=71"
    item = ('<table class="contentpaneopen"><tr><td class="contentheading">Title</td>'
            '<td class="buttonheading"><a href="{base}index2.php?option=com_content&amp;task=view'
            '&amp;id={id}&amp;pop=1&amp;page=0&amp;Itemid=71">P</a></td>'
            '<td class="buttonheading"><a href="{base}index2.php?option=com_content&amp;'
            'task=emailform&amp;id={id}">E</a></td></tr></table>'
            '<table class="contentpaneopen"><tr><td valign="top" colspan="2"><p>Whole text. See '
            '<a href="{base}index.php?option=com_content&amp;task=view&amp;id=999">this</a>.'
            '</p></td></tr></table>')
    page = ('<html><body><div class="componentheading">Языкознание</div><table class="blog">'
            + "".join(item.format(base=BASE, id=i) for i in (486, 487)) + "</table></body></html>")
    assert listed_articles(url, "text/html; charset=utf-8", page.encode(), BASE) == [
        (486, "Языкознание", "blogcategory:0@71"), (487, "Языкознание", "blogcategory:0@71")]
