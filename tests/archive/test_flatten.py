"""Tests of archive.flatten: text as a reader sees it, from HTML and from trafilatura's XML."""

from __future__ import annotations

import lxml.etree
import lxml.html
import pytest

from ifes_archive.archive.page.depth import MAX_DEPTH, cap_depth
from ifes_archive.archive.page.extract import parse_page
from ifes_archive.archive.page.flatten import flatten, text_of


def html_text(fragment: str) -> str | None:
    return text_of(flatten(lxml.html.fragment_fromstring(fragment, create_parent="div")))


def xml_text(xml: str) -> str | None:
    return text_of(flatten(lxml.etree.fromstring(xml)))


@pytest.mark.parametrize(("fragment", "expected"), [
    # MS Word pastes: a line break between two words is a break, never nothing
    ("<p>the<br />minds<br />of men</p>", "the\nminds\nof men"),
    ("<p>word<br><br>next paragraph</p>", "word\n\nnext paragraph"),
    ("Line one<br /><br />\n<br />Line two", "Line one\n\nLine two"),
    ("<p>a&nbsp;b  \n c</p>", "a b c"),
    ('<p>ap<span style="mso-spacerun:yes">peared</span> to<o:p></o:p>gether</p>',
     "appeared togther".replace("togther", "together")),
    # tails: text after an element stays where it stood
    ("<h2>Head</h2>tail of head<p>para</p>tail of para",
     "Head\n\ntail of head\n\npara\n\ntail of para"),
    ("<p>before <b>bold</b> after</p>", "before bold after"),
    # blocks, lists and tables
    ("<div>one</div><div>two</div>", "one\n\ntwo"),
    ("<ul><li>a</li><li>b <i>c</i></li></ul>", "a\nb c"),
    ("<table><tr><td>2008</td><td>1,234</td></tr><tr><td>2009</td><td>5</td></tr></table>",
     "2008 1,234\n2009 5"),
    ("<pre>x = 1\ny = 2</pre>", "x = 1\ny = 2"),
    # a data table is a line a row, whatever its cells hold (Word writes a paragraph a cell)
    ("<table><tr><td><p class='MsoNormal'>Year</p></td><td><p>Trade,<br>bn $</p></td></tr>"
     "<tr><td><p>2008</p><p>(est.)</p></td><td><div>1,234</div></td></tr></table>",
     "Year Trade, bn $\n2008 (est.) 1,234"),
    ("<table><tr><td>a</td><td>b c<span>d</span><p>e</p>f</td></tr></table>", "a b cd e f"),
    # a table of one column (a spacer cell beside) is layout: its paragraphs stay paragraphs
    ("<table><tr><td><p>one</p><p>two</p></td></tr></table>", "one\n\ntwo"),
    ("<table><tr><td>&nbsp;</td><td><p>one</p><p>two</p></td></tr></table>", "one\n\ntwo"),
    ("<table><tr><td><p>a</p><table><tr><td><p>x</p></td><td>y</td></tr></table></td></tr>"
     "</table>", "a\n\nx y"),
    # what a reader does not see
    ("<p>shown<script>var hidden = 1;</script><span style='display: none'>no</span> too</p>",
     "shown too"),
    ("<p>soft\u00adhyphen</p>", "softhyphen"),
    ("<p> </p><p>\u00a0</p>", None),
])
def test_flatten_html(fragment: str, expected: str | None) -> None:
    assert html_text(fragment) == expected


def test_flatten_trafilatura_xml_keeps_line_breaks_and_tails() -> None:
    xml = ("<doc><main>loose<head>Title</head>tail of the heading<p>the<lb/>minds<lb/>of</p>"
           "tail of p<list><item>a</item><item>b</item></list><table><row><cell>1</cell>"
           "<cell>2</cell></row></table></main></doc>")
    assert xml_text(xml) == ("loose\n\nTitle\n\ntail of the heading\n\nthe\nminds\nof\n\n"
                             "tail of p\n\na\nb\n\n1 2")


def test_flatten_survives_any_depth_without_recursion() -> None:
    root = lxml.etree.Element("div")
    node = root
    for _ in range(5000):
        node = lxml.etree.SubElement(node, "span")
    node.text = "deep"
    node.tail = " tail"
    assert text_of(flatten(root)) == "deep tail"


def test_a_page_nested_deeper_than_libxml2_keeps_its_text() -> None:
    depth = 3000
    html = ("<html><body><table class='contentpaneopen'><tr><td>" + "<div>" * depth
            + "deep words" + "</div>" * depth + "after the divs</td></tr></table>"
            "<p>end</p></body></html>")
    parsed = parse_page(html)
    assert parsed.limited
    text = parsed.root.text_content()
    assert "deep words" in text and "after the divs" in text and "end" in text
    capped = cap_depth(html)
    assert "deep words" in capped
    assert capped.count("<div>") == MAX_DEPTH - 5  # html, body, table, tr, td above them
    assert not parse_page("<html><body><p>x</p></body></html>").limited
