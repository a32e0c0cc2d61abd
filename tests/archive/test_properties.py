"""Invariants of the record function on random pages (hypothesis): whatever the markup, no
exception; every word of the body in ``text`` and no word of the chrome; a flag whenever the
text is empty or the page went past the parser's limits."""

from __future__ import annotations

import re
from collections import Counter
from html import escape

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ifes_archive.archive.page.captured import CapturedPage
from tests.archive.test_record import built

BASE = "http://127.0.0.1:8001/"
URL = BASE + "index.php?option=com_content&task=view&id=7&Itemid=60"
#: Body words: lower-case Latin and Cyrillic, so none reads as a name, a label or chrome.
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzабвгдежзиклмнопрстуфхцчшщэюя", min_size=2,
               max_size=9)
#: Chrome words: a vocabulary of their own, kept apart from the body's by the digit.
CHROME_WORD = st.from_regex(r"\Amenu[0-9][a-z]{2,6}\Z")
_TOKEN = re.compile(r"\w+")


@st.composite
def sentence(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A run of words as an editor's HTML may join them, and the words."""
    words = draw(st.lists(WORD, min_size=1, max_size=12))
    parts = []
    for i, word in enumerate(words):
        if i:
            parts.append(draw(st.sampled_from([" ", " ", "&nbsp;", "<br />", "<br/>\n",
                                               " <o:p></o:p>", "<span> </span>", "\n"])))
        style = draw(st.sampled_from(["plain", "plain", "b", "span-split", "font"]))
        if style == "b":
            parts.append(f"<b>{escape(word)}</b>")
        elif style == "span-split" and len(word) > 2:
            parts.append(f'{escape(word[:1])}<span style="mso-spacerun:yes">'
                         f'{escape(word[1:])}</span>')
        elif style == "font":
            parts.append(f'<font face="Times">{escape(word)}</font>')
        else:
            parts.append(escape(word))
    return "".join(parts), words


@st.composite
def block(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A paragraph, list, table or loose run of text, and its words."""
    kind = draw(st.sampled_from(["p", "p", "div", "loose", "list", "table", "nested"]))
    runs = draw(st.lists(sentence(), min_size=1, max_size=3))
    words = [w for _, ws in runs for w in ws]
    if kind == "list":
        return "<ul>" + "".join(f"<li>{h}</li>" for h, _ in runs) + "</ul>", words
    if kind == "table":
        return ("<table><tr>" + "".join(f"<td>{h}</td>" for h, _ in runs) + "</tr></table>",
                words)
    inner = " ".join(h for h, _ in runs)
    if kind == "loose":
        return inner + "<br /><br />", words
    if kind == "nested":
        depth = draw(st.integers(1, 40))
        return "<div>" * depth + inner + "</div>" * depth, words
    return f"<{kind}>{inner}</{kind}>", words


@st.composite
def page(draw: st.DrawFn) -> tuple[bytes, list[str], list[str], int]:
    """An article page of the template: chrome around a body cell; the body's and the chrome's
    words, and how deep the body was wrapped."""
    blocks = draw(st.lists(block(), min_size=0, max_size=6))
    chrome = draw(st.lists(CHROME_WORD, min_size=1, max_size=8))
    wrap = draw(st.sampled_from([0, 0, 0, 300, 2100]))
    body = "".join(h for h, _ in blocks)
    body = "<div>" * wrap + body + "</div>" * wrap
    menu = "".join(f'<a class="mainlevel" href="{BASE}index.php?x={i}">{w}</a>'
                   for i, w in enumerate(chrome))
    html = (f'<html><head><meta http-equiv="Content-Type" content="text/html; '
            f'charset=windows-1251" /><title>Site - Title 9</title></head><body>'
            f'<div id="leftcol"><div class="module"><h3>{chrome[0]}</h3>{menu}</div></div>'
            f'<div class="content"><table class="contentpaneopen"><tr><td class="contentheading">'
            f'Title 9</td></tr></table><table class="contentpaneopen">'
            f'<tr><td valign="top" colspan="2" class="createdate"> 30.11.2012 г.</td></tr>'
            f'<tr><td valign="top" colspan="2">{body}</td></tr></table></div>'
            f'<div id="footer-800">{" ".join(chrome)}</div></body></html>')
    return (html.encode("cp1251"), [w for _, ws in blocks for w in ws], chrome, wrap)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page())
def test_every_body_word_and_no_chrome_word(generated: tuple[bytes, list[str], list[str], int]
                                            ) -> None:
    body, words, chrome, wrap = generated
    record = built(7, BASE, [CapturedPage(0, URL, None, body, None)])
    assert record is not None  # a date and a body cell: an article, even an empty one
    tokens = Counter(_TOKEN.findall(record["text"] or ""))
    assert not Counter(words) - tokens  # every word of the body, as often as it is there
    assert not set(chrome) & set(tokens)  # nothing of the menus or the footer
    if not words:
        assert record["text"] is None and "empty-body" in record["flags"]
    if wrap > 2000:  # past libxml2's limit even with huge_tree
        assert "parse-limit" in record["flags"]


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=3000), st.sampled_from([None, "text/html", "text/html; charset=utf-8",
                                                  "text/html; charset=windows-1251"]))
@example(b"</\x00", None)  # markup with no element in it (lxml: «Document is empty»)
@example(b"<!-- -->", "text/html")
def test_no_bytes_make_the_record_function_raise(body: bytes, content_type: str | None) -> None:
    record = built(7, BASE, [CapturedPage(0, URL, content_type, body, None)])
    if record is not None and not record["text"]:
        assert "empty-body" in record["flags"]
