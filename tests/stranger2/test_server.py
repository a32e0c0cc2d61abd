"""The stranger2 server answers over real HTTP on loopback as the profile's Joomla 1.0 site does."""

from __future__ import annotations

import gzip
import http.client
import re
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from ifes_archive.fixtures.stranger2.serve import base_url, serve_in_thread


@pytest.fixture(scope="module")
def server():
    srv, _ = serve_in_thread(1)
    yield urlsplit(base_url(srv))
    srv.shutdown()
    srv.server_close()


def fetch(server, target: str, **headers: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection(server.hostname, server.port, timeout=30)
    conn.request("GET", target, headers=headers)
    return conn.getresponse()


def test_robots_is_joomlas_stock_file(server):
    resp = fetch(server, "/robots.txt")
    body = resp.read().decode()
    assert resp.status == 200 and "Disallow: /images/" in body and "Disallow: /administrator/" in body


def test_front_page_is_windows_1251_with_the_template_and_absolute_links(server):
    resp = fetch(server, "/index.php")
    raw = resp.read()
    if resp.getheader("Content-Encoding") == "gzip":
        raw = gzip.decompress(raw)
    html = raw.decode("cp1251")
    assert resp.status == 200
    assert html.index("<!DOCTYPE") < html.index("<?xml")  # the prolog after the DOCTYPE (sic)
    assert html.count('content="text/html; charset=windows-1251"') == 2
    assert 'id="accessibility"' in html and 'class="pathway"' in html and "div" in html
    base = f"http://{server.hostname}:{server.port}/index.php?option=com_content&amp;"
    assert base in html


def test_gzip_only_when_asked_and_then_decodes_to_the_same_page(server):
    plain = fetch(server, "/index.php?option=com_content&task=section&id=1&Itemid=1")
    body = plain.read()
    assert plain.getheader("Content-Encoding") is None
    zipped = fetch(server, "/index.php?option=com_content&task=section&id=1&Itemid=1",
                   **{"Accept-Encoding": "gzip"})
    zbody = zipped.read()
    if zipped.getheader("Content-Encoding") == "gzip":
        assert gzip.decompress(zbody) == body
    else:
        assert zbody == body


def test_an_article_its_pages_and_its_print_view(server, site):
    a = next(a for a in site.articles.values() if a.npages > 1)
    itemid = site.home_itemid(a)
    view = fetch(server, f"/index.php?option=com_content&task=view&id={a.id}&Itemid={itemid}")
    html = view.read().decode("cp1251")
    assert view.status == 200 and f"Страница 1 из {a.npages}" in html
    last = fetch(server, f"/index.php?option=com_content&task=view&id={a.id}&Itemid={itemid}"
                         f"&limit=1&limitstart={a.npages - 1}").read().decode("cp1251")
    assert f"Страница {a.npages} из {a.npages}" in last
    pop = fetch(server, f"/index2.php?option=com_content&task=view&id={a.id}&pop=1&page=0&Itemid={itemid}")
    text = pop.read().decode("cp1251")
    assert "pagenavcounter" not in text and "Закрыть окно" in text and 'id="leftcol"' not in text


def test_restricted_and_missing_items_answer_with_joomlas_texts(server, site):
    rid = min(site.restricted)
    body = fetch(server, f"/index.php?option=com_content&task=view&id={rid}&Itemid=1").read()
    assert "недостаточно прав" in body.decode("cp1251")
    first, second = site.missing
    soft = fetch(server, f"/index.php?option=com_content&task=view&id={first}&Itemid=1")
    assert soft.status == 200 and "страница не найдена" in soft.read().decode("cp1251")
    assert fetch(server, f"/index.php?option=com_content&task=view&id={second}").status == 404


def test_serve_prints_its_base_url_first():
    proc = subprocess.Popen(
        [sys.executable, "-m", "ifes_archive.fixtures.stranger2.serve", "--seed", "3", "--port", "0",
         "--articles", "20"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", line)
        u = urlsplit(line)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        conn.request("GET", "/robots.txt")
        assert conn.getresponse().status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
