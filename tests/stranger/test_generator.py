"""The stranger generator: deterministic per seed, and every quirk of the profile present."""

from __future__ import annotations

import json
import re

from ifes_archive.fixtures.stranger.chrome import item_url
from ifes_archive.fixtures.stranger.generate import build_site
from ifes_archive.fixtures.stranger.truth import article_truth

from .conftest import BASE


def test_same_seed_same_site_byte_for_byte(site, app):
    again = build_site(1)
    assert again.quirks == site.quirks
    assert json.dumps(article_truth(again), ensure_ascii=False) == json.dumps(
        article_truth(site), ensure_ascii=False
    )
    from ifes_archive.fixtures.stranger.app import App

    other = App(again, BASE)
    for target in ["/", f"/index.php?option=com_content&task=view&id={min(site.articles)}"] + [
        item_url("/", site, m).replace("&amp;", "&") for m in site.menu if m.kind != "url"
    ]:
        assert other.respond("GET", target, {}).body == app.respond("GET", target, {}).body, target


def test_other_seed_other_site(site):
    assert article_truth(build_site(2)) != article_truth(site)


def test_every_article_quirk_occurs_on_the_default_seed(site):
    q = site.quirks
    wanted = [
        "title_form:S G,",
        "title_form:S G.",
        "title_form:S I",
        "several_authors",
        "lookalike_title",
        "no_title_prefix",
        "subtitle",
        "title_line",
        "title_line_raw",
        "byline_variant",
        "byline:I S",
        "byline:G S",
        "abstract",
        "keywords",
        "bio",
        "email",
        "table",
        "list",
        "headings",
        "image",
        "notes",
        "multipage",
        "readmore",
        "modified",
        "title_amp",
        "title_quotes",
        "entity_title",
        "archived",
        "see_also",
        "author_row",
        "alias",
        "lang:en",
        "lang:ru",
        "static",
        "markup:br_words",
        "markup:nbsp",
        "markup:word",
        "markup:brbr",
        "markup:entities",
        "markup:empty_p",
        "markup:split_word",
        "markup:mso_comment",
    ]
    counts = {k: q[k] for k in wanted}
    assert all(counts.values()), {k: v for k, v in counts.items() if not v}


def test_name_and_date_quirks_occur(site):
    arts = [a for a in site.articles.values() if a.catid]
    ru_prefixed = [a for a in arts if a.language == "ru" and a.authors and a.title != a.title_raw]
    no_author = [a for a in arts if not a.authors]
    guillemets = [a for a in arts if "«" in a.title_raw]
    ambiguous = [a for a in arts if a.created.day <= 12 and a.created.day != a.created.month]
    never_modified = [a for a in arts if a.modified is None]
    japanese = [a for a in arts if any(not p.patronymic for p in a.authors)]
    assert ru_prefixed and no_author and guillemets and ambiguous and never_modified and japanese
    assert any(a.show_pdf for a in arts) and any(a.frontpage for a in arts)


def test_every_kind_of_listing_and_refusal_exists(site):
    kinds = {m.kind for m in site.menu}
    assert {
        "frontpage",
        "section_table",
        "category_table",
        "category_blog",
        "section_blog",
        "multi_blog",
        "static",
        "item_link",
        "url",
    } <= kinds
    assert any(a.access for a in site.articles.values()) and any(
        not a.state for a in site.articles.values()
    )
    assert set(site.missing.values()) == {"notauth", "notfound"}


def test_rendered_quirks(site, get):
    arts = sorted(site.articles.values(), key=lambda a: a.id)
    pages = "".join(
        get(f"/index.php?option=com_content&task=view&id={a.id}") for a in arts if site.readable(a)
    )
    for needle in [
        'class="MsoNormal"',
        "<o:p></o:p>",
        "<br />",
        "&nbsp;",
        "Этот e-mail защищен от спам-ботов",
        '<div class="pagenavcounter">Страница 1 из',
        '<div class="pagenavbar">',
        'class="pagenav_prev"',
        'class="pagenav_next"',
        "Последнее обновление (  ",
        'class="createdate">\n ',
        "<table",
        "<ul>",
        "<h3>",
        "&#",
        'class="contentheading"',
    ]:
        assert needle in pages, needle
    assert re.search(r"[a-z]<br />[A-Za-z]|[a-z]<br/>[A-Za-z]", pages), (
        "a <br /> glued between two words"
    )
    assert re.search(r"\w&nbsp;\w", pages), "&nbsp; glued between two words"
    head = pages[:400]
    assert head.index("<!DOCTYPE") < head.index("<?xml")
    first = get(f"/index.php?option=com_content&task=view&id={arts[0].id}")
    assert first.count('http-equiv="Content-Type"') == 2
    assert f"<title>{site.sitename} - " in first


def test_http_charset_is_drawn_per_url(site, app):
    seen = set()
    for a in site.articles.values():
        resp = app.respond("GET", f"/index.php?option=com_content&task=view&id={a.id}", {})
        seen.add(dict(resp.headers)["Content-Type"])
    assert seen == {"text/html", "text/html; charset=windows-1251", "text/html; charset=utf-8"}
